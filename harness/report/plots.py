"""Building blocks for the figures in report.html: matplotlib, always the headless Agg backend,
rendered to deterministic SVG text with real text (not glyph paths) so the page stays small.

The engine draws no family's figure itself. A family declares which figures its paper shows in
its ``plots`` hook (tasks/<family>/plots.py) and builds them from these pieces; the report only
calls the hook and embeds what comes back. matplotlib is imported inside the functions, so
importing this module costs nothing (``harness list`` stays fast).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PALETTE = ("#3b6fb6", "#d9822b", "#3f9c5a", "#b8474a", "#7b5ea7", "#8c6d46", "#c46cb3", "#6f7b87")


@dataclass
class Plot:
    """One figure for the report: a title, the matplotlib Figure and a sentence saying how to read it."""

    title: str
    figure: Any
    note: str = ""


def pyplot():
    """matplotlib.pyplot on the Agg backend with the report's style (deterministic SVG output)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "svg.fonttype": "none", "svg.hashsalt": "reasoning-harness", "font.size": 9,
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    })
    return plt


def new_figure(width: float = 6.4, height: float = 3.4, ncols: int = 1):
    plt = pyplot()
    figure, axes = plt.subplots(1, ncols, figsize=(width, height), squeeze=False)
    return figure, list(axes[0])


def figure_to_svg(figure: Any) -> str:
    """The figure as an inline <svg> element (no XML prolog, no date), then closed to free memory."""
    plt = pyplot()
    buffer = io.StringIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(figure)
    text = buffer.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def _err(metric: Any, bounds: tuple[float, float] | None = None) -> tuple[float, float]:
    """Distances from a metric's value to its CI ends (0 where there is no CI); with bounds, the
    ends are clipped to them (a t interval on a share can pass 1; the table keeps the raw ends)."""
    value = metric.value
    if metric.ci_low is None or metric.ci_high is None or math.isnan(value):
        return (0.0, 0.0)
    low, high = metric.ci_low, metric.ci_high
    if bounds is not None:
        low, high = max(bounds[0], low), min(bounds[1], high)
    return (max(0.0, value - low), max(0.0, high - value))


def bars_with_ci(axis: Any, series: Mapping[str, Sequence[Any]], labels: Sequence[str], *,
                 ylabel: str = "", ylim: tuple[float, float] | None = (0.0, 1.0), annotate: bool = True) -> None:
    """Grouped bars: one group per label, one bar per series (a list of MetricValue or None per
    label), each with its 95% CI as an error bar and, when annotate, the value and n above it."""
    names = list(series)
    width = 0.8 / max(1, len(names))
    tops: list[float] = []
    for s_index, name in enumerate(names):
        xs, ys, lows, highs, ns = [], [], [], [], []
        for l_index, metric in enumerate(series[name]):
            if metric is None or math.isnan(metric.value):
                continue
            low, high = _err(metric, ylim)
            xs.append(l_index + (s_index - (len(names) - 1) / 2) * width)
            ys.append(metric.value)
            lows.append(low)
            highs.append(high)
            ns.append(metric.n)
        axis.bar(xs, ys, width * 0.92, yerr=[lows, highs], capsize=3, label=name, color=PALETTE[s_index % len(PALETTE)],
                 error_kw={"elinewidth": 1, "ecolor": "#444"})
        if annotate:
            for x, value, high, n in zip(xs, ys, highs, ns):
                tops.append(value + high)
                axis.annotate(f"{value:.2f}\nn={n}", (x, value + high), xytext=(0, 2), textcoords="offset points",
                              ha="center", va="bottom", fontsize=6.5, color="#333", linespacing=0.95)
    longest = max(map(len, labels), default=0)
    crowded = len(labels) > 1 and (longest * len(labels) > 70 or (longest > 14 and len(labels) > 3))
    axis.set_xticks(range(len(labels)), labels, rotation=30 if crowded else 0, ha="right" if crowded else "center")
    if ylim is not None:
        low, high = ylim
        if annotate and tops:
            high = max(high, max(tops) + 0.16 * (ylim[1] - ylim[0]))  # room for the labels above the bars
        else:
            high += 0.03 * (ylim[1] - ylim[0])
        axis.set_ylim(low, high)
        axis.set_yticks([t for t in axis.get_yticks() if ylim[0] <= t <= ylim[1]])
    axis.set_ylabel(ylabel)
    axis.grid(axis="x", visible=False)
    if len(names) > 1:
        axis.legend(fontsize=7, frameon=False, ncols=len(names), loc="lower center", bbox_to_anchor=(0.5, 1.0))


def lines_with_ci(axis: Any, series: Mapping[str, Sequence[tuple[float, Any]]], *, xlabel: str = "", ylabel: str = "",
                  ylim: tuple[float, float] | None = (0.0, 1.0), logx: bool = False, dodge: float = 0.0) -> None:
    """One line per series through (x, MetricValue) points, each point with its 95% CI; with
    dodge, series are shifted sideways by that much x each so coinciding error bars stay apart."""
    for index, (name, points) in enumerate(series.items()):
        shift = (index - (len(series) - 1) / 2) * dodge
        points = sorted((x, m) for x, m in points if m is not None and not math.isnan(m.value))
        if not points:
            continue
        errs = [_err(m, ylim) for _, m in points]
        axis.errorbar([x + shift for x, _ in points], [m.value for _, m in points],
                      yerr=[[e[0] for e in errs], [e[1] for e in errs]], label=name, marker="o", markersize=4,
                      capsize=2.5, linewidth=1.5, elinewidth=0.9, color=PALETTE[index % len(PALETTE)])
    if logx:
        from matplotlib.ticker import ScalarFormatter

        axis.set_xscale("log", base=2)
        axis.xaxis.set_major_formatter(ScalarFormatter())
    if ylim is not None:
        axis.set_ylim(*ylim)
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    if len(series) > 1:
        axis.legend(fontsize=7, frameon=False, ncols=min(4, len(series)), loc="lower center", bbox_to_anchor=(0.5, 1.0))


def chance_line(axis: Any, level: float, label: str = "chance") -> None:
    axis.axhline(level, color="#b8474a", linestyle="--", linewidth=1)
    axis.annotate(f"{label} {level:.0%}", (1.0, level), xycoords=("axes fraction", "data"), xytext=(-2, 3),
                  textcoords="offset points", ha="right", fontsize=7, color="#b8474a")


def heatmap(axis: Any, values: Sequence[Sequence[float | None]], row_labels: Sequence[str], col_labels: Sequence[str],
            *, vmin: float = 0.0, vmax: float = 1.0, fmt: str = "{:.2f}") -> None:
    """A labelled matrix of values in [vmin, vmax] (NaN cells left blank), each cell printed."""
    import numpy as np

    matrix = np.array([[math.nan if v is None else v for v in row] for row in values], dtype=float)
    image = axis.imshow(matrix, cmap="viridis", vmin=vmin, vmax=vmax, aspect="auto")
    axis.set_xticks(range(len(col_labels)), col_labels)
    axis.set_yticks(range(len(row_labels)), row_labels)
    axis.grid(False)
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            if not math.isnan(matrix[i, j]):
                axis.text(j, i, fmt.format(matrix[i, j]), ha="center", va="center", fontsize=7,
                          color="white" if matrix[i, j] < (vmin + vmax) / 2 else "black")
    axis.figure.colorbar(image, ax=axis, fraction=0.04, pad=0.02)


def metric_of(row: Mapping[str, Any], name: str) -> Any:
    """A row's MetricValue by name, or None (rows as read from metrics.json)."""
    return row["metrics"].get(name)


def scored_lines(lines: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The sample lines that were scored (errored requests are never scored)."""
    return [line for line in lines if not line.get("error") and isinstance(line.get("scores"), dict)]


def means_by(lines: Sequence[Mapping[str, Any]], key: Any, metric: str) -> dict[Any, Any]:
    """{key(line): MetricValue of the per-sample metric} over scored lines, keys in first-seen order;
    lines whose key is None or that lack the metric are left out."""
    from harness.report.metrics import mean_with_ci

    values: dict[Any, list[float]] = {}
    for line in scored_lines(lines):
        k = key(line)
        value = line["scores"].get(metric)
        if k is None or not isinstance(value, (int, float)):
            continue
        values.setdefault(k, []).append(float(value))
    return {k: mean_with_ci(v) for k, v in values.items()}
