"""The on-disk response cache that makes every run resumable.

Key = sha256 of (backend name, the request as canonical JSON). Each answer is committed to SQLite
the moment it arrives (WAL journal), so Ctrl-C, kill -9 or a crash loses at most the requests in
flight; re-running the same command asks the backend only for what is missing. Failed requests
are never cached, so a re-run retries exactly those.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harness.core.types import Generation, Loglikelihood, LoglikelihoodResult, Request


def request_key(backend_name: str, request: Request) -> str:
    payload = json.dumps({"backend": backend_name, "request": request.to_json()}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def encode_result(result: Generation | LoglikelihoodResult) -> str:
    kind = "generation" if isinstance(result, Generation) else "loglikelihood"
    return json.dumps({"kind": kind, "data": asdict(result)}, ensure_ascii=False)


def decode_result(text: str) -> Generation | LoglikelihoodResult:
    payload = json.loads(text)
    data = payload["data"]
    if payload["kind"] == "generation":
        return Generation(**data)
    data["results"] = [Loglikelihood(**item) for item in data["results"]]
    return LoglikelihoodResult(**data)


class ResponseCache:
    """A persistent map from request key to backend result."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._db.commit()

    def get_many(self, keys: Iterable[str]) -> dict[str, Generation | LoglikelihoodResult]:
        keys = list(dict.fromkeys(keys))
        found: dict[str, Any] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, value in self._db.execute(f"SELECT key, value FROM responses WHERE key IN ({marks})", chunk):
                found[key] = decode_result(value)
        return found

    def put(self, key: str, result: Generation | LoglikelihoodResult) -> None:
        self._db.execute("INSERT OR REPLACE INTO responses (key, value) VALUES (?, ?)", (key, encode_result(result)))
        self._db.commit()

    def close(self) -> None:
        self._db.close()
