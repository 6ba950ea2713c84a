"""Loader for the TinyZero data format: rows with `target` and `nums` (jsonl, json, parquet,
or a dataset hub id such as Jiayi-Pan/Countdown-Tasks-3to4 when online).

Values are checked, never coerced: 'nums' must be a list of MIN_NUMBERS..MAX_NUMBERS integers in
[0, MAX_VALUE] and 'target' an integer in [-MAX_VALUE, MAX_VALUE]; 1.5, true, 1e308 or a list of
three million numbers are errors naming the file and the 1-based line.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.core.data import read_records, strict_int
from harness.core.types import Sample
from tasks.countdown.config import CountdownConfig

MIN_NUMBERS, MAX_NUMBERS = 2, 12  # the verifier's exact search stays instant up to here
MAX_VALUE = 10**9


def load_countdown(source: str, cfg: CountdownConfig) -> Iterator[Sample]:
    for index, row in read_records(source):
        try:
            sample = countdown_sample(row, index)
        except (KeyError, TypeError, ValueError) as exc:
            detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            raise index.error(f"not a Countdown record ({detail}); needs integer 'target' and a list 'nums'") from None
        yield sample


def countdown_sample(row: dict, index: int) -> Sample:
    """One sample from one TinyZero row (KeyError/ValueError say what is wrong)."""
    nums_raw = row["nums"]
    if hasattr(nums_raw, "tolist"):  # parquet gives numpy arrays
        nums_raw = nums_raw.tolist()
    if not isinstance(nums_raw, (list, tuple)):
        raise ValueError(f"'nums' must be a list of integers, got {type(nums_raw).__name__}")
    if not MIN_NUMBERS <= len(nums_raw) <= MAX_NUMBERS:
        raise ValueError(f"'nums' must hold {MIN_NUMBERS} to {MAX_NUMBERS} numbers, got {len(nums_raw)}")
    nums = [strict_int(n, f"nums[{i}]", 0, MAX_VALUE) for i, n in enumerate(nums_raw)]
    target = strict_int(row["target"], "'target'", -MAX_VALUE, MAX_VALUE)
    sample: Sample = {"id": str(row.get("id", index)), "nums": nums, "target": target}
    if row.get("solution"):
        sample["solution"] = str(row["solution"])
    return sample
