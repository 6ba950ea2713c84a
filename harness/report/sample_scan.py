"""What report.html needs from every line of samples.jsonl, gathered in one streaming pass.

Why: a pass@k study's samples.jsonl holds hundreds of thousands of completions, and holding its
lines costs kilobytes each. The page needs from every line only numbers and short texts: its task,
its outcome (which lines the browser embeds), the failure summary per task, the keyword detector's
behaviour counts. Those are tallied as the file is read (scan_samples); the few lines the page
embeds are read back by position (iter_positions), one at a time, and the families' figures read the lines again
through SampleLines, without their texts, one line at a time. No line is held after it is read.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.data import iter_jsonl, parse_jsonl_line
from harness.report.behaviours import BehaviourTally
from harness.report.failures import FailureTally
from harness.report.outcomes import sample_outcome

# fields of a sample line that hold texts (prompts, completions, per-completion details); figures
# read scores, samples and counts, so SampleLines leaves these out
TEXT_FIELDS = ("prompt", "responses", "reasoning", "continuations", "loglikelihoods", "completion_scores",
               "finish_reasons", "truncated", "unparsed_reasons")


@dataclass
class SampleScan:
    """The tallies of one pass: tasks in first-seen order, each line's outcome (for the selection),
    failure tallies per task of the metrics rows, behaviour tallies per search task."""

    tasks: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    failures: dict[str, FailureTally] = field(default_factory=dict)
    behaviours: dict[str, BehaviourTally] = field(default_factory=dict)
    completions: int = 0  # over all lines (a line's answers, or one)
    behaviour_start: array = field(default_factory=lambda: array("q"))  # per line: its first completion in its task's tally, -1: none

    def recorded_behaviours(self, position: int, line: Mapping[str, Any]) -> list[dict[str, int]] | None:
        """The behaviour counts of the line at ``position`` as the pass recorded them (None: not
        recorded, e.g. a failed request's line), so the embedded lines are not counted twice."""
        start = self.behaviour_start[position] if position < len(self.behaviour_start) else -1
        tally = self.behaviours.get(str(line.get("task", "")))
        if start < 0 or tally is None:
            return None
        return tally.counts(start, len(line.get("responses") or []))


def scan_samples(path: Path, primaries: Mapping[str, str], table_primaries: Mapping[str, str],
                 behaviours_of: Callable[[str, Mapping[str, Any]], list[dict[str, int]] | None]) -> SampleScan:
    """One pass over ``path``. ``primaries``: {task: primary metric} for the outcomes the browser
    shows; ``table_primaries``: the same for the failure summary of each metrics table (one per
    task of the rows); ``behaviours_of(task, line)``: the detector's counts per response, or None."""
    scan = SampleScan(failures={task: FailureTally(primary) for task, primary in table_primaries.items()})
    seen: set[str] = set()
    interned: dict[str, str] = {}
    if not path.is_file():
        return scan
    for _, line in iter_jsonl(path):
        task = str(line.get("task", ""))
        if task not in seen:
            seen.add(task)
            scan.tasks.append(task)
        answers = line.get("answers")
        scan.completions += max(1, len(answers) if isinstance(answers, list) else 0)
        outcome = sample_outcome(line, primaries.get(task, ""))
        scan.outcomes.append(interned.setdefault(outcome, outcome))
        raw_task = line.get("task")
        tally = scan.failures.get(raw_task) if isinstance(raw_task, str) else None
        if tally is not None:
            tally.add(line)
        counts = behaviours_of(task, line)
        if counts is not None and not line.get("error"):
            behaviour_tally = scan.behaviours.setdefault(task, BehaviourTally())
            scan.behaviour_start.append(behaviour_tally.completions)
            for row in counts:
                behaviour_tally.add(row)
        else:
            scan.behaviour_start.append(-1)
    return scan


def iter_positions(path: Path, positions: list[int]) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """(position, line number, line) of the non-blank lines at ``positions`` (0-based), in file
    order, one at a time; only those lines are parsed (a pass@k study's line holds every completion
    of its problem, so even the embedded selection is never held at once)."""
    wanted = set(positions)
    if not wanted:
        return
    last, position = max(wanted), -1
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            position += 1
            if position in wanted:
                yield position, number, parse_jsonl_line(path, number, raw)
            if position >= last:
                break


class SampleLines:
    """The lines of some tasks, read from samples.jsonl each time they are iterated and handed out
    without their texts (TEXT_FIELDS): what a family's figures get, one line held at a time."""

    def __init__(self, path: Path, tasks: Iterator[str] | list[str]) -> None:
        self.path = path
        self.tasks = set(tasks)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if not self.path.is_file():
            return
        for _, line in iter_jsonl(self.path):
            task = line.get("task")
            if isinstance(task, str) and task in self.tasks:
                yield {key: value for key, value in line.items() if key not in TEXT_FIELDS}
