"""Generated instances kept per (task, configuration, seed, index), so a re-run does not generate them again.

Why: generating an instance proves it solvable (Countdown's exhaustive search, LR²Bench's and
sudoku's uniqueness checks), 0.3-5 ms each, the largest cost of a cached re-run or a re-scoring of
tens of thousands of samples; reading one back costs microseconds. Nothing generated changes:

- an instance is stored only when its JSON reads back as exactly the same value, types included (a
  tuple would come back a list), so a cached sample is the generated sample, byte for byte;
- the scope of a row names the family, the task, its configuration, the seed and a digest of the
  source files of the family's folder: editing the generator starts a new scope;
- each read regenerates a few instances (the first, the last and a seeded one) and compares them:
  a generator changed outside its folder (a shared helper) is caught there and the scope is rebuilt.

Small selections (under MIN_CACHED instances, a second or less of generating) are not cached, so a
quick run leaves no extra file. The store is an optimisation only: if it cannot be read or written
(read-only folder, full disk, a damaged file) the instances are generated as before.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.core.types import Sample

MIN_CACHED = 1000  # selections smaller than this are generated every time
SPOT_CHECKS = 3  # instances regenerated on each read to prove the stored ones current
SCOPE_VERSION = 1


def same_value(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (dict key order included: it is the line's order)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return bool(a == b) or (a != a and b != b)  # NaN equals itself here


def round_trips(sample: Sample) -> str | None:
    """The sample's JSON when reading it back gives exactly the sample, else None (not cached)."""
    try:
        text = json.dumps(sample)  # ASCII: lone surrogates survive as escapes
    except (TypeError, ValueError):
        return None
    return text if same_value(json.loads(text), sample) else None


@functools.lru_cache(maxsize=64)
def source_digest(module_name: str) -> str:
    """sha256 of the .py files of the folder holding ``module_name`` (the family's package)."""
    module = sys.modules.get(module_name)
    file = getattr(module, "__file__", None)
    digest = hashlib.sha256(module_name.encode())
    if file:
        for path in sorted(Path(file).parent.glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def scope_of(family_name: str, task_name: str, config: Any, seed: int, generate: Callable[..., Any]) -> str:
    payload = {"v": SCOPE_VERSION, "family": family_name, "task": task_name, "config": repr(config), "seed": seed,
               "source": source_digest(getattr(generate, "__module__", "") or "")}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class InstanceCache:
    """A SQLite file of generated instances: ``samples`` gives the first ``count`` of a scope,
    reading those stored and generating (and storing) the rest."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def samples(self, scope: str, count: int, generate: Callable[[int], Sample]) -> list[Sample]:
        stored = self._read(scope, count)
        if stored and not self._current(stored, count, generate, scope):
            self._drop(scope)
            stored = {}
        samples = [stored[i] if i in stored else generate(i) for i in range(count)]
        fresh = [(i, text) for i in range(count) if i not in stored for text in [round_trips(samples[i])] if text]
        if fresh:
            self._write(scope, fresh)
        return samples

    @staticmethod
    def _current(stored: dict[int, Sample], count: int, generate: Callable[[int], Sample], scope: str) -> bool:
        """Whether the generator still makes what was stored, at a few indices (first, last, seeded)."""
        indices = sorted(stored)
        picks = {indices[0], indices[-1], random.Random(scope).choice(indices)}
        return all(same_value(generate(i), stored[i]) for i in sorted(picks)[:SPOT_CHECKS])

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS instances (scope TEXT NOT NULL, idx INTEGER NOT NULL, value TEXT NOT NULL,"
                   " PRIMARY KEY (scope, idx)) WITHOUT ROWID")
        return db

    def _read(self, scope: str, count: int) -> dict[int, Sample]:
        try:
            db = self._connect()
            try:
                rows = db.execute("SELECT idx, value FROM instances WHERE scope = ? AND idx < ?", (scope, count)).fetchall()
            finally:
                db.close()
            found: dict[int, Sample] = {}
            for index, text in rows:
                value = json.loads(text)
                if isinstance(value, dict):
                    found[int(index)] = value
            return found
        except (sqlite3.Error, OSError, ValueError):
            return {}  # unreadable: generate as if nothing were stored

    def _write(self, scope: str, rows: list[tuple[int, str]]) -> None:
        try:
            db = self._connect()
            try:
                with db:
                    db.executemany("INSERT OR REPLACE INTO instances (scope, idx, value) VALUES (?, ?, ?)",
                                   [(scope, i, text) for i, text in rows])
            finally:
                db.close()
        except (sqlite3.Error, OSError):
            pass  # not stored: the next run generates them again

    def _drop(self, scope: str) -> None:
        try:
            db = self._connect()
            try:
                with db:
                    db.execute("DELETE FROM instances WHERE scope = ?", (scope,))
            finally:
                db.close()
        except (sqlite3.Error, OSError):
            pass


def cached_generated(task: Any, seed: int, count: int, path: str | Path | None) -> list[Sample]:
    """The first ``count`` generated samples of ``task`` under ``seed``: from the instance cache at
    ``path`` when the selection is big enough to be worth it, else generated."""
    family = task.family

    def generate(index: int) -> Sample:
        return family.generate(task.config, seed, index)

    if path is None or count < MIN_CACHED:
        return [generate(i) for i in range(count)]
    scope = scope_of(family.name, task.name, task.config, seed, family.generate)
    return InstanceCache(path).samples(scope, count, generate)
