"""The on-disk response cache that makes every run resumable, and shares work between runs.

Key = sha256 of (key version, the backend's answer identity, the request as canonical JSON). The
identity is the model spec plus every backend option that can change an answer (see
``harness.backends.base.answer_identity``); transport-only options are left out. Bumping
``KEY_VERSION`` orphans every older entry: old keys are never looked up again, so an entry made
under another key scheme can never be misread as an answer to a new request.

Answers are committed to SQLite in short windows (WAL journal): an answer is held in memory until
``COMMIT_EVERY`` answers wait or ``COMMIT_WINDOW_S`` has passed since the oldest of them, then all
are written in one transaction (one commit per answer cost more CPU than the HTTP exchange on a busy
box). Every task's answers are committed when it ends, and on Ctrl-C, SIGTERM or an error (the
``finally`` of execute, and close). So kill -9 or a crash loses at most the requests in flight plus
the answers of one commit window, and never corrupts what was committed; re-running the same
command asks the backend only for what is missing. No transaction stays open between commits, so
other runs sharing the file never wait on the window. Failed requests are never cached, so a
re-run retries exactly those. Values are
pure-ASCII JSON (every non-ASCII character escaped), so any text a model sends (lone surrogates,
NUL, bytes that were not UTF-8) is stored and read back exactly.

Claims share requests in flight between runs using the same cache file: before asking the backend,
a run claims the keys it will ask; another run that needs the same keys waits for those answers
instead of paying for them twice, and takes a key over when its claimer has died or released it.

Storage faults end in one line, never a traceback. The cache holds only answers that can be asked
again, so a damaged file (not a database, or a damaged page found later) is moved aside to
``<name>.corrupt-<time>`` with a one-line warning and the run goes on with a fresh one. A cache that
cannot be written (read-only, disk full) stops the run with a StorageError naming the file, and so
does a cache file deleted during the run (``rm -r results/`` while it runs): every later answer would
be paid for and then lost, so the run stops at the next commit instead of going on unnoticed.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from harness.core.errors import StorageError, storage_error
from harness.core.types import Generation, Loglikelihood, LoglikelihoodResult, Request

T = TypeVar("T")
CACHE_HINT = "make it writable or free space, or give --cache PATH on other storage; then re-run the same command"

KEY_VERSION = 2  # 1: (backend name, request) with model/dtype/base_url only
_HOST = socket.gethostname()
CLAIM_TTL_S = 3600.0  # a claim from another host is trusted this long (its pid cannot be checked)
COMMIT_EVERY = 64  # answers held before a commit: at most this many are asked again after kill -9
COMMIT_WINDOW_S = 0.25  # the next answer after this long commits the window, however few it holds


def request_key(identity: str, request: Request) -> str:
    payload = json.dumps({"v": KEY_VERSION, "backend": identity, "request": request.to_json()}, sort_keys=True)
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


_GENERATION_FIELDS = tuple(f.name for f in fields(Generation))


def encode_result(result: Generation | LoglikelihoodResult) -> str:
    if isinstance(result, Generation):  # flat fields: what asdict gives, without its deep copy (most of a put's CPU)
        data = {name: getattr(result, name) for name in _GENERATION_FIELDS}
        return json.dumps({"kind": "generation", "data": data})  # ASCII: surrogates survive as escapes
    return json.dumps({"kind": "loglikelihood", "data": asdict(result)})


def decode_result(text: str) -> Generation | LoglikelihoodResult | None:
    """The stored result, or None when the value is unreadable (then the request is asked again)."""
    try:
        payload = json.loads(text)
        data = payload["data"]
        if payload["kind"] == "generation":
            return Generation(**data)
        data["results"] = [Loglikelihood(**item) for item in data["results"]]
        return LoglikelihoodResult(**data)
    except (ValueError, KeyError, TypeError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


class ResponseCache:
    """A persistent map from request key to backend result, plus claims on keys being asked."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise storage_error(exc, CACHE_HINT, self.path.parent) or exc from None
        self.pid = os.getpid()
        self._pending: dict[str, tuple[str, Generation | LoglikelihoodResult]] = {}  # key -> (value, result)
        self._window_opened = 0.0
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        """Connect, create the tables, and read the schema once (a file that is no database fails
        here); a damaged file is moved aside and a fresh one made."""
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError):
                raise self._storage_problem(exc) from None
            self._move_aside(exc)
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, host TEXT NOT NULL,"
                       " pid INTEGER NOT NULL, at REAL NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS history (identity TEXT NOT NULL, task TEXT NOT NULL,"
                       " requests INTEGER NOT NULL, tokens INTEGER NOT NULL, seconds REAL NOT NULL, at REAL NOT NULL)")
            db.commit()
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            stat = os.stat(self.path)
        except BaseException:
            db.close()
            raise
        self._identity = (stat.st_dev, stat.st_ino)
        return db

    def _move_aside(self, exc: Exception) -> None:
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            for suffix in ("", "-wal", "-shm"):
                source = Path(str(self.path) + suffix)
                if source.exists():
                    os.replace(source, Path(str(aside) + suffix))
        except OSError as move_error:
            raise storage_error(move_error, CACHE_HINT, self.path) or move_error from None
        print(f"harness: warning: the response cache {self.path} is damaged ({exc}); moved it aside to {aside.name}"
              " and started a new one (its answers will be asked again)", file=sys.stderr)

    def _storage_problem(self, exc: sqlite3.Error) -> StorageError:
        """SQLite's message ("unable to open database file") plus what the storage says about it."""
        reason = str(exc)
        writable = os.access(self.path.parent, os.W_OK) and (not self.path.exists() or os.access(self.path, os.W_OK))
        if not writable:
            reason += ": read-only storage"
        else:
            try:
                space = os.statvfs(self.path.parent)
                if space.f_bavail * space.f_frsize < 1 << 20:
                    reason += ": the disk is full"
            except OSError:
                pass
        return StorageError(f"cannot use the response cache {self.path} ({reason}); {CACHE_HINT}")

    def _use(self, operation: Callable[[], T]) -> T:
        """Run a database operation: storage faults become one StorageError; a page found damaged
        during the run moves the file aside and the operation runs again on a fresh cache."""
        try:
            return operation()
        except sqlite3.OperationalError as exc:
            raise self._storage_problem(exc) from None
        except sqlite3.DatabaseError as exc:
            self._db.close()
            self._move_aside(exc)
            self._db = self._open()
        try:
            return operation()
        except sqlite3.Error as exc:
            raise self._storage_problem(exc) from None

    def check_still_there(self) -> None:
        """StorageError when the cache file was deleted (or replaced) since this run opened it."""
        try:
            stat = os.stat(self.path)
            same = (stat.st_dev, stat.st_ino) == self._identity
        except OSError:
            same = False
        if not same:
            raise StorageError(f"the response cache {self.path} was deleted during this run (with its results folder?);"
                               " stopping, since every answer from now on would be paid for and lost. Re-run the same"
                               " command: what the run folder and the cache no longer hold will be asked again")

    def get_many(self, keys: Iterable[str]) -> dict[str, Generation | LoglikelihoodResult]:
        keys = list(dict.fromkeys(keys))

        def read() -> dict[str, Generation | LoglikelihoodResult]:
            found: dict[str, Any] = {key: self._pending[key][1] for key in keys if key in self._pending}
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, value in self._db.execute(f"SELECT key, value FROM responses WHERE key IN ({marks})", chunk):
                    result = decode_result(value)
                    if result is not None:
                        found[key] = result
            return found

        return self._use(read)

    def has_many(self, keys: Iterable[str]) -> set[str]:
        """The keys the cache holds an answer for, without reading the answers (a streaming run
        reads them back a chunk at a time; one found unreadable then is asked again)."""
        keys = list(dict.fromkeys(keys))

        def read() -> set[str]:
            found: set[str] = {key for key in keys if key in self._pending}  # held for the next commit
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                found.update(key for (key,) in self._db.execute(f"SELECT key FROM responses WHERE key IN ({marks})", chunk))
            return found

        return self._use(read)

    def put(self, key: str, result: Generation | LoglikelihoodResult) -> None:
        """Cache an answer (and drop our claim on it) at the next commit: when ``COMMIT_EVERY``
        answers wait or the window is ``COMMIT_WINDOW_S`` old; ``flush`` commits at once."""
        now = time.monotonic()
        if not self._pending:
            self._window_opened = now
        self._pending[key] = (encode_result(result), result)
        if len(self._pending) >= COMMIT_EVERY or now - self._window_opened >= COMMIT_WINDOW_S:
            self.flush()

    def flush(self) -> None:
        """Commit every answer held since the last commit, in one transaction."""
        if not self._pending:
            return
        self.check_still_there()  # per commit, not per answer: a stat gives the GIL to the backend's thread
        answers = [(key, value) for key, (value, _) in self._pending.items()]
        claims = [(key, _HOST, self.pid) for key in self._pending]

        def write() -> None:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO responses (key, value) VALUES (?, ?)", answers)
                self._db.executemany("DELETE FROM claims WHERE key = ? AND host = ? AND pid = ?", claims)

        self._use(write)
        self._pending.clear()

    # ---- history: what answers cost, for the estimate a run prints before it starts ---------
    def record_cost(self, identity: str, task: str, requests: int, tokens: int, seconds: float) -> None:
        """What asking ``requests`` of ``task`` cost this model: tokens (prompt + completion) and wall time."""
        if requests > 0:
            with self._db:
                self._db.execute("INSERT INTO history VALUES (?, ?, ?, ?, ?, ?)",
                                 (identity, task, requests, tokens, seconds, time.time()))

    def cost_per_request(self, identity: str, task: str | None = None) -> tuple[float, float, int] | None:
        """(seconds, tokens) per request of this model, on this task (None: any task), from the
        latest 20 records; and how many requests that is. None without history."""
        where, args = ("identity = ? AND task = ?", (identity, task)) if task else ("identity = ?", (identity,))
        rows = self._db.execute(f"SELECT requests, tokens, seconds FROM history WHERE {where} ORDER BY at DESC LIMIT 20",
                                args).fetchall()
        requests = sum(r[0] for r in rows)
        if not requests:
            return None
        return sum(r[2] for r in rows) / requests, sum(r[1] for r in rows) / requests, requests

    # ---- claims: requests in flight, shared between runs ------------------------------------
    def claim(self, keys: Iterable[str], force: bool = False) -> tuple[list[str], list[str]]:
        """Claim the keys nobody live is asking (all of them with ``force``); returns (claimed by
        us, claimed by another live run or answered meanwhile). One write transaction, so an
        answer that lands while we claim can never be asked again."""
        keys = list(dict.fromkeys(keys))
        self.flush()  # our own answers first: a key answered here is never claimed again

        def claim_them() -> tuple[list[str], list[str]]:
            mine, theirs = [], []
            now = time.time()
            self._db.commit()
            self._db.execute("BEGIN IMMEDIATE")  # the write lock first: no answer or claim slips in between
            try:
                for key in keys:
                    stored = self._db.execute("SELECT value FROM responses WHERE key = ?", (key,)).fetchone()
                    if stored is not None and decode_result(stored[0]) is not None:
                        theirs.append(key)  # answered since we looked: read it, never ask it
                        continue
                    row = self._db.execute("SELECT host, pid, at FROM claims WHERE key = ?", (key,)).fetchone()
                    if (not force and row is not None and not (row[0] == _HOST and row[1] == self.pid)
                            and self._claim_live(row[0], row[1], row[2], now)):
                        theirs.append(key)
                        continue
                    self._db.execute("INSERT OR REPLACE INTO claims (key, host, pid, at) VALUES (?, ?, ?, ?)",
                                     (key, _HOST, self.pid, now))
                    mine.append(key)
                self._db.commit()
            except BaseException:
                self._db.rollback()
                raise
            return mine, theirs

        return self._use(claim_them)

    def release(self, keys: Iterable[str]) -> None:
        """Drop our claims (a request that failed, or a run that stops): others may ask them now."""
        rows = [(key, _HOST, self.pid) for key in keys]
        self.flush()  # answers first: a claim is never dropped before its answer is committed

        def drop() -> None:
            with self._db:
                self._db.executemany("DELETE FROM claims WHERE key = ? AND host = ? AND pid = ?", rows)

        self._use(drop)

    def live_claims(self, keys: Iterable[str]) -> set[str]:
        """The keys another live run still claims."""
        keys = list(keys)

        def read() -> set[str]:
            now, live = time.time(), set()
            for key in keys:
                row = self._db.execute("SELECT host, pid, at FROM claims WHERE key = ?", (key,)).fetchone()
                if row is not None and not (row[0] == _HOST and row[1] == self.pid) and self._claim_live(row[0], row[1], row[2], now):
                    live.add(key)
            return live

        return self._use(read)

    @staticmethod
    def _claim_live(host: str, pid: int, at: float, now: float) -> bool:
        if host == _HOST:
            return _pid_alive(pid)
        return now - at < CLAIM_TTL_S

    def close(self) -> None:
        try:
            self.flush()
        except StorageError as exc:  # closing must not mask the run's own outcome: say it, in one line
            print(f"harness: warning: {exc}", file=sys.stderr)
        try:
            with self._db:
                self._db.execute("DELETE FROM claims WHERE host = ? AND pid = ?", (_HOST, self.pid))
        except sqlite3.Error:
            pass  # closing must not mask the run's own outcome
        self._db.close()
