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


def select_samples(task: Task, seed: int = 0, limit: int | None = None, data: str | None = None,
                   instances: str | Path | None = None) -> list[Sample]:
    """``instances``: the generated-instance cache file (harness.pipeline.instance_cache) a big
    generated selection is read from and added to; None generates every instance."""
    if limit is not None and limit < 1:
        raise HarnessError(f"--limit must be >= 1, got {limit}")
    family = task.family
    if data is None and family.generate is not None and not _prefers_loader(task):
        from harness.pipeline.instance_cache import cached_generated

        count = DEFAULT_GENERATED if limit is None else limit
        return cached_generated(task, seed, count, instances)
    source = data or (family.default_source(task.config) if family.default_source else None)
    if source is None:
        raise HarnessError(f"task '{task.name}' has no generator and no default data source; pass --data PATH")
    records = _read_generated(source, task) if data is not None else None
    if records is None:
        if family.load is None:
            raise HarnessError(f"task '{task.name}' cannot load data files; it only generates samples (drop --data)")
        try:
            records = list(family.load(source, task.config))
        except HarnessError as exc:
            raise HarnessError(f"{exc}{_looks_like_note(source, task)}") from None
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


def sample_fields(task: Task) -> list[str]:
    """The fields a sample of this task holds (those of its first generated sample; [] for a family
    without a generator)."""
    if task.family.generate is None:
        return []
    try:
        return [key for key in task.family.generate(task.config, 0, 0) if key != "id"]
    except Exception:  # a generator that needs settings this task lacks: no fields to compare
        return []


def _looks_like(record: dict, other_than: Task) -> str | None:
    """The family whose samples share most fields with ``record`` (at least half of its own), if any."""
    from harness.core.registry import families, get_task

    best, best_share = None, 0.5
    for family in families():
        if family.name == other_than.family.name:
            continue
        fields = sample_fields(get_task(family.name))
        if fields:
            share = sum(1 for f in fields if f in record) / len(fields)
            if share >= best_share:
                best, best_share = family.name, share
    return best


def _looks_like_note(source: str, task: Task) -> str:
    """'; data.jsonl looks like a sudoku file' when a family's loader refused a file of another family."""
    from harness.core.data import read_records

    try:
        first = next(iter(read_records(source)), None)
    except Exception:  # unreadable: the loader's own message says why
        return ""
    family = _looks_like(first[1], task) if first else None
    return f" ({source} looks like {family} data: run it with a {family} task)" if family else ""


def _read_generated(path: str, task: Task) -> list[Sample] | None:
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
    fields: list[str] | None = None
    for line, record in iter_jsonl(file):
        written_for = str(record.pop(GENERATED_MARK, ""))
        if written_for != task.name:
            fields = sample_fields(task) if fields is None else fields
            missing = next((f for f in fields if f not in record), None)
            if missing is not None or _family_of(written_for) not in (None, task.family.name):
                lacking = f"missing field '{missing}'" if missing else f"a {_family_of(written_for)} sample"
                raise HarnessError(
                    f"{path}:{line}: not a sample of '{task.name}' ({lacking}): the file was written by"
                    f" 'harness generate {written_for}'; run it with --data on that task, or write {task.name}"
                    f" samples with 'harness generate {task.name} --n N --out FILE'")
        samples.append(record)
    return samples


def _family_of(task_name: str) -> str | None:
    from harness.core.registry import get_task

    try:
        return get_task(task_name).family.name
    except HarnessError:
        return None


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
