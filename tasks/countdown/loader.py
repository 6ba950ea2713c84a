"""Loader for the TinyZero data format: rows with `target` and `nums` (jsonl, json, parquet,
or a dataset hub id such as Jiayi-Pan/Countdown-Tasks-3to4 when online)."""

from __future__ import annotations

from collections.abc import Iterator

from harness.core.errors import HarnessError
from harness.core.types import Sample
from harness.pipeline.data import read_records
from tasks.countdown.config import CountdownConfig


def load_countdown(source: str, cfg: CountdownConfig) -> Iterator[Sample]:
    for row_number, row in read_records(source):
        try:
            nums = [int(n) for n in row["nums"]]
            target = int(row["target"])
        except (KeyError, TypeError, ValueError) as exc:
            raise HarnessError(
                f"{source}: row {row_number} is not a Countdown record (needs integer 'target' and"
                f" list 'nums'): {exc!r}"
            ) from None
        sample: Sample = {"id": str(row.get("id", row_number)), "nums": nums, "target": target}
        if row.get("solution"):
            sample["solution"] = str(row["solution"])
        yield sample
