"""Countdown's figure in report.html: `accuracy` (the task rule) and `tinyzero_accuracy` (TinyZero's
compute_score == 1, the papers' verdict) by difficulty, i.e. by how many numbers the instance gives
(countdown-3 / countdown / countdown-5 in one run share the plot). Each bar is labelled with the
metric's own name, so a bar and the table's column of that name are one number."""

from __future__ import annotations

from typing import Any

from harness.core.metric_spec import metric_named
from harness.report.plots import Plot, bar_chart, means_by
from tasks.countdown.scoring import COUNTDOWN_METRICS

PLOTTED = ("accuracy", "tinyzero_accuracy")


def countdown_plots(rows: list[dict[str, Any]], lines: list[dict[str, Any]]) -> list[Plot]:
    difficulty = lambda line: len(line["sample"]["nums"]) if isinstance(line.get("sample"), dict) and "nums" in line["sample"] else None
    means = {name: means_by(lines, difficulty, metric_named(COUNTDOWN_METRICS, name)) for name in PLOTTED}
    levels = sorted(means["accuracy"])
    if not levels:
        return []
    svg = bar_chart({name: [by_level.get(k) for k in levels] for name, by_level in means.items()},
                    [f"{k} numbers" for k in levels], ylabel="mean over instances", xlabel="difficulty (numbers to combine)")
    return [Plot("Countdown: accuracy by difficulty", svg,
                 "Bars: mean with 95% CI over scored instances. accuracy = the task rule (last <answer> block, "
                 "exact arithmetic); tinyzero_accuracy = TinyZero's compute_score gives 1 (its last-line rule), "
                 "the number to compare with TinyZero's and Gandhi et al.'s accuracies.")]
