"""Countdown's figure in report.html: accuracy (and TinyZero reward) by difficulty, i.e. by how
many numbers the instance gives (countdown-3 / countdown / countdown-5 in one run share the plot)."""

from __future__ import annotations

from typing import Any

from harness.report.plots import Plot, bars_with_ci, means_by, new_figure


def countdown_plots(rows: list[dict[str, Any]], lines: list[dict[str, Any]]) -> list[Plot]:
    difficulty = lambda line: len(line["sample"]["nums"]) if isinstance(line.get("sample"), dict) and "nums" in line["sample"] else None
    accuracy, reward = means_by(lines, difficulty, "accuracy"), means_by(lines, difficulty, "reward")
    levels = sorted(accuracy)
    if not levels:
        return []
    figure, (axis,) = new_figure(6.0, 3.2)
    bars_with_ci(axis, {"accuracy": [accuracy.get(k) for k in levels], "TinyZero reward": [reward.get(k) for k in levels]},
                 [f"{k} numbers" for k in levels], ylabel="mean over instances")
    axis.set_xlabel("difficulty (numbers to combine)")
    return [Plot("Countdown: accuracy by difficulty", figure,
                 "Bars: mean with 95% CI over scored instances; reward = 1 correct, 0.1 well-formed wrong, 0 none.")]
