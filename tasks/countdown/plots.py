"""Countdown's figure in report.html: accuracy (and TinyZero reward) by difficulty, i.e. by how
many numbers the instance gives (countdown-3 / countdown / countdown-5 in one run share the plot)."""

from __future__ import annotations

from typing import Any

from harness.core.metric_spec import metric_named
from harness.report.plots import Plot, bar_chart, means_by
from tasks.countdown.scoring import COUNTDOWN_METRICS


def countdown_plots(rows: list[dict[str, Any]], lines: list[dict[str, Any]]) -> list[Plot]:
    difficulty = lambda line: len(line["sample"]["nums"]) if isinstance(line.get("sample"), dict) and "nums" in line["sample"] else None
    accuracy, reward = means_by(lines, difficulty, metric_named(COUNTDOWN_METRICS, "accuracy")), means_by(
        lines, difficulty, metric_named(COUNTDOWN_METRICS, "reward"))
    levels = sorted(accuracy)
    if not levels:
        return []
    svg = bar_chart({"accuracy": [accuracy.get(k) for k in levels], "TinyZero reward": [reward.get(k) for k in levels]},
                    [f"{k} numbers" for k in levels], ylabel="mean over instances", xlabel="difficulty (numbers to combine)")
    return [Plot("Countdown: accuracy by difficulty", svg,
                 "Bars: mean with 95% CI over scored instances; reward = 1 correct, 0.1 well-formed wrong, 0 none.")]
