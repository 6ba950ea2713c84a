"""Figures for reports. matplotlib is imported inside each function (never at module level) and
always with the non-interactive Agg backend, so plotting works on headless machines and importing
this module costs nothing."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MARKERS = ("s", "^", "D", "v", "P", "X", "*", "<", ">")


def plot_accuracy_vs_tokens(rows: Sequence[dict[str, Any]], path: Path, title: str) -> Path:
    """Accuracy (95% CI bars) against mean generated tokens per problem: one line for the
    sequential strategy, one per parallel n. ``rows`` are search-study rows
    (harness/search_study_points.point_row). Written atomically; returns the path."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    series: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        name = "sequential (backtracking)" if row["strategy"] == "sequential" else f"parallel best-of-{row['n']}"
        series.setdefault(name, []).append(row)
    figure, axis = plt.subplots(figsize=(7, 4.5), dpi=120)
    for index, (name, members) in enumerate(sorted(series.items(), key=lambda item: (not item[0].startswith("seq"), item[0]))):
        points = sorted(
            (r for r in members if r["problems"] and not math.isnan(r["metrics"]["tokens"].value)),
            key=lambda r: r["metrics"]["tokens"].value,
        )
        if not points:
            continue
        xs = [r["metrics"]["tokens"].value for r in points]
        ys = [r["metrics"]["accuracy"].value for r in points]
        low = [max(0.0, y - _or(r["metrics"]["accuracy"].ci_low, y)) for y, r in zip(ys, points)]
        high = [max(0.0, _or(r["metrics"]["accuracy"].ci_high, y) - y) for y, r in zip(ys, points)]
        sequential = name.startswith("sequential")
        axis.errorbar(
            xs, ys, yerr=[low, high], label=name, capsize=3,
            marker="o" if sequential else MARKERS[index % len(MARKERS)],
            linewidth=2.2 if sequential else 1.2, linestyle="-" if sequential else "--",
        )
        for x, y, r in zip(xs, ys, points):
            axis.annotate(f"B={r['budget']}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7, alpha=0.7)
    if any(r["problems"] and r["metrics"]["tokens"].value > 0 for r in rows):
        from matplotlib.ticker import ScalarFormatter

        axis.set_xscale("log", base=2)
        axis.xaxis.set_major_formatter(ScalarFormatter())  # 512, not 2^9
    axis.set_xlabel("generated tokens per problem (mean, actually generated)")
    axis.set_ylabel("accuracy (solved if any sample verifies)")
    axis.set_ylim(-0.02, 1.02)
    axis.set_title(title, fontsize=10)
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize=8, loc="best")
    figure.tight_layout()
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp.png")
    figure.savefig(tmp, format="png")
    plt.close(figure)
    os.replace(tmp, path)
    return path


def _or(value: float | None, default: float) -> float:
    return default if value is None else value
