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


def task_failure_summary(lines: Iterable[Mapping[str, Any]], primary_metric: str) -> list[str]:
    """One line per kind of failure of one task's samples: unparseable (with the families' reasons),
    truncated, errors (by cause); nothing for a task whose samples all got an answer."""
    lines = list(lines)
    outcomes = Counter(sample_outcome(line, primary_metric) for line in lines)
    total = len(lines)
    summary = []
    if outcomes["unparseable"] or outcomes["truncated"]:
        reasons = Counter(reason for line in lines for reason in line.get("unparsed_reasons") or ())
        unparsed = outcomes["unparseable"] + outcomes["truncated"]
        why = _top(reasons, "completions")
        summary.append(f"{unparsed} of {total} without an answer{': ' + why if why else ''}")
    if outcomes["error"]:
        errors = Counter(failure_cause(str(line["error"])) for line in lines if line.get("error"))
        examples = {failure_cause(str(line["error"])): str(line["error"]) for line in lines if line.get("error")}
        top = ", ".join(f"{examples[cause]} ({count})" for cause, count in errors.most_common(MAX_CAUSES))
        summary.append(f"{counted(outcomes['error'], 'sample')} of {total} failed (not scored): {top}")
    return summary


def _top(counts: Counter, unit: str) -> str:
    shown = counts.most_common(MAX_CAUSES)
    rest = sum(counts.values()) - sum(count for _, count in shown)
    text = ", ".join(f"{reason} ({count})" for reason, count in shown)
    return text + (f", {rest} other {unit}" if rest else "")
