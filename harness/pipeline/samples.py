"""Choosing a task's samples deterministically from (seed, limit, data source).

Generated families: indices 0..limit-1 under the seed. Loaded families: every record, or a seeded
subset of `limit` records kept in file order. A file written by `harness generate` (lines carrying
'harness_task') is read back verbatim, so `harness score` sees exactly the samples a run used.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from harness.core.data import iter_jsonl
from harness.core.errors import HarnessError
from harness.core.jsontext import dumps
from harness.core.registry import Task
from harness.core.types import Sample

DEFAULT_GENERATED = 100
GENERATED_MARK = "harness_task"


def select_samples(task: Task, seed: int = 0, limit: int | None = None, data: str | None = None) -> list[Sample]:
    if limit is not None and limit < 1:
        raise HarnessError(f"--limit must be >= 1, got {limit}")
    family = task.family
    if data is None and family.generate is not None and not _prefers_loader(task):
        count = DEFAULT_GENERATED if limit is None else limit
        return [family.generate(task.config, seed, index) for index in range(count)]
    source = data or (family.default_source(task.config) if family.default_source else None)
    if source is None:
        raise HarnessError(f"task '{task.name}' has no generator and no default data source; pass --data PATH")
    records = _read_generated(source) if data is not None else None
    if records is None:
        if family.load is None:
            raise HarnessError(f"task '{task.name}' cannot load data files; it only generates samples (drop --data)")
        records = list(family.load(source, task.config))
    if not records:
        raise HarnessError(f"no samples in {source} for task '{task.name}'")
    _check_unique_ids(records, source)
    if limit is None or limit >= len(records):
        return records
    if family.selection_unit is not None:
        return _select_whole_units(records, family.selection_unit, seed, limit)
    chosen = sorted(random.Random(f"select/{seed}").sample(range(len(records)), limit))
    return [records[i] for i in chosen]


def _select_whole_units(records: list[Sample], unit_of, seed: int, limit: int) -> list[Sample]:
    """Seeded whole units (e.g. both directions of a pair) until at least `limit` samples, file order kept."""
    units: dict[str, list[int]] = {}
    for index, record in enumerate(records):
        units.setdefault(unit_of(record), []).append(index)
    order = list(units)
    random.Random(f"select/{seed}").shuffle(order)
    chosen: list[int] = []
    for unit in order:
        if len(chosen) >= limit:
            break
        chosen.extend(units[unit])
    return [records[i] for i in sorted(chosen)]


def _prefers_loader(task: Task) -> bool:
    """Families with both a generator and a loader may pick the loader via a 'source' setting."""
    source = getattr(task.config, "source", None)
    return source is not None and source not in ("generated", "generator")


def _read_generated(path: str) -> list[Sample] | None:
    file = Path(path)
    if file.suffix != ".jsonl" or not file.is_file():
        return None
    with file.open("rb") as handle:
        first = handle.readline()
    try:
        head = json.loads(first.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None  # not ours; the family's loader names what is wrong with it
    if not isinstance(head, dict) or GENERATED_MARK not in head:
        return None
    samples = []
    for _, record in iter_jsonl(file):
        record.pop(GENERATED_MARK, None)
        samples.append(record)
    return samples


def _check_unique_ids(records: list[Sample], source: str) -> None:
    seen: set[str] = set()
    for record in records:
        if "id" not in record:
            raise HarnessError(f"{source}: a sample has no 'id' (the family loader must set one)")
        key = str(record["id"])
        if key in seen:
            raise HarnessError(f"{source}: duplicate sample id '{key}'")
        seen.add(key)


def write_generated(task: Task, samples: list[Sample], out: str) -> None:
    """One JSON object a line: the samples as a run would use them, marked with the task name."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for sample in samples:
            handle.write(dumps({GENERATED_MARK: task.name, **sample}, sort_keys=True) + "\n")
