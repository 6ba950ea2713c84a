"""Where each line of a samples.jsonl starts, so `harness view` can page through every sample of a
run without holding their texts: a page reads only its own lines (seek + readline).

Why this shape: a pass@k study's samples.jsonl holds hundreds of thousands of completions (hundreds
of MB). The index keeps 8 bytes per line (its byte offset, an ``array('q')``); the filters (task,
outcome) add 5 bytes per line and are built only when a filter is first asked for, because they
need every line parsed once. An index belongs to one version of the file, named by its (inode,
size, mtime): a file that changed is indexed again on the next request.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.errors import HarnessError
from harness.report.outcomes import OUTCOMES, sample_outcome

Version = tuple[int, int, int]  # (inode, size, mtime in ns)
INDEX_ATTEMPTS = 3  # a file that changes while it is indexed is read again, this many times at most


def file_version(path: Path) -> Version:
    try:
        stat = path.stat()
    except OSError as exc:
        raise HarnessError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


@dataclass
class Filters:
    """Per line: its task (an index into ``tasks``) and its outcome (an index into OUTCOMES), for the
    primary metrics they were computed with."""
    primaries: tuple[tuple[str, str], ...]
    tasks: list[str] = field(default_factory=list)
    task_of: array = field(default_factory=lambda: array("I"))
    outcome_of: array = field(default_factory=lambda: array("B"))

    def matching(self, task: str | None, outcome: str | None) -> array:
        """Positions of the lines of ``task`` with ``outcome`` (None: any), in file order."""
        if task is not None and task not in self.tasks:
            return array("q")
        want_task = self.tasks.index(task) if task is not None else -1
        want_outcome = OUTCOMES.index(outcome) if outcome is not None else -1
        task_of, outcome_of = self.task_of, self.outcome_of
        out = array("q", (p for p in range(len(task_of))
                          if (want_task < 0 or task_of[p] == want_task) and (want_outcome < 0 or outcome_of[p] == want_outcome)))
        return out

    def counts(self) -> dict[str, int]:
        """Lines per outcome (in OUTCOMES order, those that occur)."""
        tally = [0] * len(OUTCOMES)
        for value in self.outcome_of:
            tally[value] += 1
        return {name: tally[i] for i, name in enumerate(OUTCOMES) if tally[i]}


@dataclass
class LineIndex:
    """The byte offset of every non-blank line of one version of a samples.jsonl."""
    path: Path
    version: Version
    offsets: array = field(default_factory=lambda: array("q"))
    blank_at: list[int] = field(default_factory=list)  # positions that follow blank lines (none in files the harness writes)
    blanks_before: list[int] = field(default_factory=list)  # blank lines in all before each of those positions
    filters: Filters | None = None

    def __len__(self) -> int:
        return len(self.offsets)

    def line_number(self, position: int) -> int:
        """The 1-based line number in the file of the non-blank line at ``position``."""
        at = bisect.bisect_right(self.blank_at, position) - 1
        return position + 1 + (self.blanks_before[at] if at >= 0 else 0)

    def position_of(self, number: int) -> int | None:
        """The position of the non-blank line on line ``number`` of the file (None: no such line)."""
        low, high = 0, len(self.offsets)
        while low < high:  # line numbers grow with position
            middle = (low + high) // 2
            if self.line_number(middle) < number:
                low = middle + 1
            else:
                high = middle
        return low if low < len(self.offsets) and self.line_number(low) == number else None

    def read(self, positions: list[int] | array) -> Iterator[tuple[int, int, dict[str, Any]]]:
        """(position, line number, line) for each of ``positions``, parsed one at a time."""
        from harness.core.data import parse_jsonl_line

        if not positions:
            return
        if file_version(self.path) != self.version:
            raise HarnessError(f"{self.path.name} changed while this page was read; load the page again")
        with self.path.open("rb") as handle:
            for position in positions:
                handle.seek(self.offsets[position])
                number = self.line_number(position)
                yield position, number, parse_jsonl_line(self.path, number, handle.readline())

    def with_filters(self, primaries: Mapping[str, str]) -> Filters:
        """The task and outcome of every line (built on first use, by parsing each line once)."""
        from harness.core.data import iter_jsonl

        key = tuple(sorted(primaries.items()))
        if self.filters is not None and self.filters.primaries == key:
            return self.filters
        filters = Filters(key)
        where: dict[str, int] = {}
        for _, line in iter_jsonl(self.path):
            task = str(line.get("task", ""))
            if task not in where:
                where[task] = len(filters.tasks)
                filters.tasks.append(task)
            filters.task_of.append(where[task])
            filters.outcome_of.append(OUTCOMES.index(sample_outcome(line, primaries.get(task, ""))))
        if len(filters.task_of) != len(self.offsets) or file_version(self.path) != self.version:
            raise HarnessError(f"{self.path.name} changed while it was read; load the page again")
        self.filters = filters
        return filters


def index_lines(path: Path) -> LineIndex:
    """Scan ``path`` once for where its lines start (their texts are not kept)."""
    for _ in range(INDEX_ATTEMPTS):
        version = file_version(path)
        index = LineIndex(path, version)
        blanks = 0
        after_blank = False
        with path.open("rb") as handle:
            offset = 0
            for raw in handle:
                start, offset = offset, offset + len(raw)
                if raw.isspace():
                    blanks += 1
                    after_blank = True
                    continue
                if after_blank:
                    index.blank_at.append(len(index.offsets))
                    index.blanks_before.append(blanks)
                    after_blank = False
                index.offsets.append(start)
        if offset == version[1] and file_version(path) == version:
            return index
    raise HarnessError(f"{path.name} keeps changing while it is indexed; try again when the run has finished writing it")

