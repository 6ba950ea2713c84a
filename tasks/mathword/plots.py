"""The math families' figure in report.html: accuracy by how many numbers the question holds (a
proxy for the steps a solution takes, and the number of masks FOBAR checks)."""

from __future__ import annotations

from typing import Any

from harness.core.metric_spec import metric_named
from harness.report.plots import Plot, bar_chart, means_by
from tasks.mathword.masking import mask_numbers
from tasks.mathword.scoring import MATH_METRICS


def _numbers(line: dict[str, Any]) -> int | None:
    sample = line.get("sample")
    if not isinstance(sample, dict) or not isinstance(sample.get("question"), str):
        return None
    return len(mask_numbers(sample["question"]))


def math_plots(rows: list[dict[str, Any]], lines: list[dict[str, Any]]) -> list[Plot]:
    accuracy = means_by(lines, _numbers, metric_named(MATH_METRICS, "accuracy"))
    counts = sorted(accuracy)
    if not counts:
        return []
    svg = bar_chart({"accuracy": [accuracy[k] for k in counts]}, [f"{k} numbers" for k in counts],
                    ylabel="accuracy", xlabel="numbers in the question")
    return [Plot("Math word problems: accuracy by numbers in the question", svg,
                 "Questions with more numbers take more steps; each is one mask of FOBAR's backward check.")]
