"""Reading original data files: local jsonl / json / csv / parquet, or a dataset hub id.

Yields (row_number, record) pairs so a corrupt row can be named precisely in the error.
The `datasets` library is imported only for hub ids (and fails with a clear offline message).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.core.errors import HarnessError


def read_records(source: str, split: str = "train") -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of a local file (by extension) or of a hub dataset split, numbered from 0."""
    path = Path(source).expanduser()
    if path.exists():
        if path.is_dir():
            raise HarnessError(f"--data {source} is a directory; give a .jsonl, .json, .csv or .parquet file")
        yield from _read_local(path)
        return
    if source.count("/") == 1 and not source.startswith((".", "/", "~")) and not Path(source).suffix:
        yield from _read_hub(source, split)
        return
    raise HarnessError(f"data file not found: {source} (give an existing path or a dataset hub id like owner/name)")


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line; a corrupt line is named in the error."""
    with Path(path).open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise HarnessError(f"{path}:{line_number}: corrupt JSON line ({exc.msg}); fix or remove that line") from None
            if not isinstance(record, dict):
                raise HarnessError(f"{path}:{line_number}: expected a JSON object per line")
            yield line_number, record


def _read_local(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        for row, (_, record) in enumerate(iter_jsonl(path)):
            yield row, record
    elif suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise HarnessError(f"{path}: corrupt JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(data, list):
            raise HarnessError(f"{path}: expected a JSON list of records")
        for row, record in enumerate(data):
            yield row, record
    elif suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            for row, record in enumerate(csv.DictReader(handle)):
                yield row, record
    elif suffix == ".parquet":
        import pandas as pd

        for row, record in enumerate(pd.read_parquet(path).to_dict(orient="records")):
            yield row, record
    else:
        raise HarnessError(f"{path}: unsupported file type '{suffix}'; use .jsonl, .json, .csv or .parquet")


def _read_hub(hub_id: str, split: str) -> Iterator[tuple[int, dict[str, Any]]]:
    if os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("HF_DATASETS_OFFLINE") == "1":
        raise HarnessError(f"dataset hub id '{hub_id}' needs the network (offline mode is set); pass --data PATH to a local copy")
    from harness.core.hub import hub_unreachable

    unreachable = hub_unreachable()  # seconds, not a minute of retries
    if unreachable:
        raise HarnessError(f"dataset '{hub_id}' needs the hub, and {unreachable}; pass --data PATH to a local copy"
                           " (or set HF_HUB_OFFLINE=1 to use a copy in the datasets cache)")
    try:
        import datasets

        dataset = datasets.load_dataset(hub_id, split=split)
    except Exception as exc:  # network, auth, missing split: all end the same way for the user
        raise HarnessError(
            f"could not load dataset '{hub_id}' from the hub ({type(exc).__name__}); pass --data PATH to a local copy"
        ) from None
    for row, record in enumerate(dataset):
        yield row, dict(record)
