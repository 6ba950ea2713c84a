"""Why samples failed, summarised: per task in report.html ("5 of 5 unparseable: no <answer> block")
and per cause on the console after a run (harness.pipeline.runner.failure_summary).

Causes are grouped by their text with the numbers blanked (a prompt length or a line number differs
from sample to sample, the cause does not). Reads only what samples.jsonl holds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from harness.core.errors import counted
from harness.report.outcomes import sample_outcome

MAX_CAUSES = 3  # per kind of failure; the rest are counted as "other"


def failure_cause(error: str) -> str:
    """What failures share: the text with its numbers blanked."""
    return re.sub(r"\d+", "N", error)


class FailureTally:
    """What task_failure_summary needs from one task's lines, added a line at a time: outcome
    counts, the families' unparsed reasons and the errors by cause (numbers, short texts; no line)."""

    def __init__(self, primary_metric: str) -> None:
        self.primary_metric = primary_metric
        self.total = 0
        self.outcomes: Counter = Counter()
        self.reasons: Counter = Counter()
        self.errors: Counter = Counter()
        self.examples: dict[str, str] = {}  # cause -> its last error text

    def add(self, line: Mapping[str, Any]) -> None:
        self.total += 1
        self.outcomes[sample_outcome(line, self.primary_metric)] += 1
        for reason in line.get("unparsed_reasons") or ():
            self.reasons[reason] += 1
        if line.get("error"):
            cause = failure_cause(str(line["error"]))
            self.errors[cause] += 1
            self.examples[cause] = str(line["error"])

    def summary(self) -> list[str]:
        """One line per kind of failure (task_failure_summary)."""
        outcomes, total, summary = self.outcomes, self.total, []
        if outcomes["unparseable"] or outcomes["truncated"]:
            unparsed = outcomes["unparseable"] + outcomes["truncated"]
            why = _top(self.reasons, "completions")
            summary.append(f"{unparsed} of {total} without an answer{': ' + why if why else ''}")
        if outcomes["error"]:
            top = ", ".join(f"{self.examples[cause]} ({count})" for cause, count in self.errors.most_common(MAX_CAUSES))
            summary.append(f"{counted(outcomes['error'], 'sample')} of {total} failed (not scored): {top}")
        return summary


def task_failure_summary(lines: Iterable[Mapping[str, Any]], primary_metric: str) -> list[str]:
    """One line per kind of failure of one task's samples: unparseable (with the families' reasons),
    truncated, errors (by cause); nothing for a task whose samples all got an answer."""
    tally = FailureTally(primary_metric)
    for line in lines:
        tally.add(line)
    return tally.summary()


def _top(counts: Counter, unit: str) -> str:
    shown = counts.most_common(MAX_CAUSES)
    rest = sum(counts.values()) - sum(count for _, count in shown)
    text = ", ".join(f"{reason} ({count})" for reason, count in shown)
    return text + (f", {rest} other {unit}" if rest else "")
