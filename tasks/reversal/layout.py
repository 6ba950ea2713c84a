"""The original fictitious-facts file layout: one JSONL file of {"prompt", "completion"} per stem.

Groups: p2d (facts trained as name -> description), d2p (description -> name), both (both ways).
Test files per group: {g}_prompts_test (the trained direction), {g}_reverse_prompts_test (reversed;
p2d and d2p only) and {g}_reverse_prompts_test_randomized (the same prompts, another fact's
completion). Training files: {g}_prompts_train and all_prompts_train. This module only reads and
writes that layout; it knows nothing about prompts to models or scoring.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.core.data import read_records
from harness.core.errors import HarnessError, did_you_mean

GROUPS = ("p2d", "d2p", "both")
# The seven test files the paper's evaluator reports (its KEYS_WE_CARE_ABOUT), in a fixed order.
TEST_STEMS = (
    "p2d_prompts_test",
    "p2d_reverse_prompts_test",
    "p2d_reverse_prompts_test_randomized",
    "d2p_prompts_test",
    "d2p_reverse_prompts_test",
    "d2p_reverse_prompts_test_randomized",
    "both_prompts_test",
)
TRAIN_STEMS = ("p2d_prompts_train", "d2p_prompts_train", "both_prompts_train", "all_prompts_train")
# Whether a test file's targets are names (True), descriptions (False) or mixed (None: decided per line).
NAME_TARGETS: dict[str, bool | None] = {
    "p2d_prompts_test": False,
    "p2d_reverse_prompts_test": True,
    "p2d_reverse_prompts_test_randomized": True,
    "d2p_prompts_test": True,
    "d2p_reverse_prompts_test": False,
    "d2p_reverse_prompts_test_randomized": False,
    "both_prompts_test": None,  # first half name -> description, second half description -> name
}

Row = dict[str, str]
Layout = dict[str, list[Row]]  # file stem -> rows in file order


def stem_group(stem: str) -> str:
    """'p2d_reverse_prompts_test' -> 'p2d' (the group whose facts the file probes)."""
    group = stem.split("_", 1)[0]
    return group if group in GROUPS else "other"


def stem_direction(stem: str) -> str:
    """'same' (probes the trained direction), 'reverse', or 'randomized' (the control)."""
    if stem.endswith("_randomized"):
        return "randomized"
    return "reverse" if "_reverse_" in stem else "same"


def randomized_stem(stem: str) -> str | None:
    """The control file that pairs line by line with a reverse test file."""
    return f"{stem}_randomized" if stem.endswith("_reverse_prompts_test") else None


def read_layout_file(path: Path) -> list[Row]:
    rows: list[Row] = []
    for index, record in read_records(str(path)):
        prompt, completion = record.get("prompt"), record.get("completion")
        if not isinstance(prompt, str) or not isinstance(completion, str) or not completion.strip():
            raise index.error("needs string 'prompt' and non-empty string 'completion' fields")
        rows.append({"prompt": prompt, "completion": completion})
    return rows


def read_layout(source: str, stems: tuple[str, ...] | None = None) -> Layout:
    """The files of a layout directory (or one .jsonl file, keyed by its stem). Missing stems are
    simply absent; asking for stems of which none exist is an error that lists what is there."""
    path = Path(source).expanduser()
    if path.is_file():
        return {path.stem: read_layout_file(path)}
    if not path.is_dir():
        raise HarnessError(
            f"--data {source}: give a directory in the reversal-curse layout (p2d_prompts_test.jsonl, ...)"
            " or one of its .jsonl files"
        )
    wanted = stems if stems is not None else tuple(sorted(p.stem for p in path.glob("*.jsonl")))
    layout = {stem: read_layout_file(path / f"{stem}.jsonl") for stem in wanted if (path / f"{stem}.jsonl").is_file()}
    if not layout:
        present = sorted(p.stem for p in path.glob("*.jsonl"))
        hint = did_you_mean(wanted[0], present) if wanted else ""
        raise HarnessError(
            f"--data {source}: none of {', '.join(f'{s}.jsonl' for s in wanted)} found{hint}"
            f" (the folder has: {', '.join(present[:12]) or 'no .jsonl files'})"
        )
    return layout


def write_layout_file(path: Path, rows: list[Row]) -> None:
    """One JSON object per line, keys in the original order, UTF-8, '\\n' line ends."""
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            handle.write(json.dumps({"prompt": row["prompt"], "completion": row["completion"]}) + "\n")
