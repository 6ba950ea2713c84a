"""Figures for reports. matplotlib is imported inside each function (never at module level) and
always with the non-interactive Agg backend, so plotting works on headless machines and importing
this module costs nothing."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.study import save_figure_png

MARKERS = ("s", "^", "D", "v", "P", "X", "*", "<", ">")
SERIES_ORDER = {"sequential": 0, "forced": 1, "extend": 2, "parallel": 3}
CHAIN_MARKERS = {"sequential": "o", "forced": "*", "extend": "D"}
CHAIN_MARKER_SIZES = {"forced": 12, "extend": 5}  # the forced points drawn large and on top: they often coincide with extend's
CHAIN_STYLES = {"sequential": "-", "forced": "-.", "extend": ":"}


def series_name(row: dict[str, Any]) -> str:
    """The legend entry of a study row's arm."""
    return {"sequential": "sequential (backtracking)", "forced": "sequential + budget forcing (forced end at B)",
            "extend": "sequential + budget forcing ('Wait', extend)"}.get(row["strategy"], f"parallel best-of-{row['n']}")
LABEL_FONT_SIZE = 7
LABEL_STEP_PT = 9  # one label line apart: how far a crowded label moves per try
LABEL_TRIES = 8  # rings of candidate positions around a point before giving up on a free spot


def plot_accuracy_vs_tokens(rows: Sequence[dict[str, Any]], path: Path, title: str) -> Path:
    """Write the study figure as PNG, atomically; returns the path."""
    return save_figure_png(figure_accuracy_vs_tokens(rows, title), path)


def figure_accuracy_vs_tokens(rows: Sequence[dict[str, Any]], title: str):
    """Accuracy (95% CI bars) against mean generated tokens per problem: one line per single-chain
    arm (sequential, and budget forcing's forced and extend), one per parallel n. ``rows`` are search-study rows
    (studies.search.points.point_row). Points of one line that coincide (a model that stops
    early generates the same tokens at every budget) get one label naming all their budgets,
    and every label is placed where it overlaps no other label, marker or the legend."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    series: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        series.setdefault(series_name(row), []).append(row)
    figure, axis = plt.subplots(figsize=(8.5, 4.5), dpi=120)
    labels: list[tuple[float, float, str, Any]] = []  # (x, y, text, colour)
    bars: list[tuple[float, float, float]] = []  # (x, y_low, y_high) of every error bar
    for index, (name, members) in enumerate(sorted(series.items(), key=lambda item: (SERIES_ORDER.get(item[1][0]["strategy"], 9), item[0]))):
        points = sorted(
            (r for r in members if r["problems"] and not math.isnan(r["metrics"]["tokens"].value)),
            key=lambda r: (r["metrics"]["tokens"].value, r["budget"]),
        )
        if not points:
            continue
        xs = [r["metrics"]["tokens"].value for r in points]
        ys = [r["metrics"]["accuracy"].value for r in points]
        low = [max(0.0, y - _or(r["metrics"]["accuracy"].ci_low, y)) for y, r in zip(ys, points)]
        high = [max(0.0, _or(r["metrics"]["accuracy"].ci_high, y) - y) for y, r in zip(ys, points)]
        chain = members[0]["strategy"] != "parallel"  # one chain per problem: solid lines
        drawn = axis.errorbar(
            xs, ys, yerr=[low, high], label=name, capsize=3,
            marker=CHAIN_MARKERS.get(members[0]["strategy"], MARKERS[index % len(MARKERS)]),
            markersize=CHAIN_MARKER_SIZES.get(members[0]["strategy"], 6), zorder=4 if members[0]["strategy"] == "forced" else 2,
            linewidth=2.2 if chain else 1.2, linestyle=CHAIN_STYLES.get(members[0]["strategy"], "--"),
        )
        colour = drawn.lines[0].get_color()
        bars.extend((x, y - lo, y + hi) for x, y, lo, hi in zip(xs, ys, low, high))
        for (x, y), budgets in _merge_coincident(xs, ys, [r["budget"] for r in points]):
            labels.append((x, y, "B=" + ",".join(str(b) for b in budgets), colour))
    if any(r["problems"] and r["metrics"]["tokens"].value > 0 for r in rows):
        from matplotlib.ticker import ScalarFormatter

        axis.set_xscale("log", base=2)
        axis.xaxis.set_major_formatter(ScalarFormatter())  # 512, not 2^9
    axis.set_xlabel("generated tokens per problem (mean, actually generated)")
    axis.set_ylabel("accuracy (solved if any sample verifies)")
    axis.set_ylim(-0.02, 1.02)
    axis.set_title(title, fontsize=10)
    axis.grid(True, alpha=0.3)
    if labels:  # outside the axes: the legend never hides a point or a label
        axis.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    figure.tight_layout()
    place_point_labels(axis, labels, bars)
    return figure


def _merge_coincident(xs: Sequence[float], ys: Sequence[float], budgets: Sequence[int]) -> list[tuple[tuple[float, float], list[int]]]:
    """Points of one series at the same spot, as one spot with all their budgets (in order)."""
    merged: dict[tuple[float, float], list[int]] = {}
    for x, y, budget in zip(xs, ys, budgets):
        merged.setdefault((round(x, 6), round(y, 6)), []).append(budget)
    return list(merged.items())


def place_point_labels(axis, labels: Sequence[tuple[float, float, str, Any]],
                       bars: Sequence[tuple[float, float, float]] = ()) -> list[Any]:
    """Annotate each point with its text at the first nearby spot (up-right, down-right, up-left,
    down-left, then one step further out, up to LABEL_TRIES rings) whose box overlaps no label placed
    so far, no marker, no error bar (x, y_low, y_high) and stays inside the axes; a label moved off
    its first ring gets a thin leader line to its point. Greedy and bounded: at most
    len(labels) x 4 x LABEL_TRIES box tests."""
    from matplotlib.transforms import Bbox

    figure = axis.figure
    renderer = figure.canvas.get_renderer()
    frame = axis.get_window_extent(renderer)
    to_pixels = figure.dpi / 72.0
    marker_half = 4 * to_pixels
    markers = []
    for x, y, _, _ in labels:
        px, py = axis.transData.transform((x, y))
        markers.append(Bbox.from_extents(px - marker_half, py - marker_half, px + marker_half, py + marker_half))
    cap_half = 3 * to_pixels  # errorbar capsize=3 points
    for x, low, high in bars:
        px, py_low = axis.transData.transform((x, low))
        _, py_high = axis.transData.transform((x, high))
        markers.append(Bbox.from_extents(px - cap_half, py_low - 1, px + cap_half, py_high + 1))
    taken: list[Any] = list(markers)
    placed = []
    for x, y, text, colour in labels:
        best = _candidates(0)[0]
        probe = _annotate(axis, x, y, text, colour, best, leader=False)
        best_cost, best_ring = math.inf, 0
        for ring in range(LABEL_TRIES):
            for candidate in _candidates(ring):
                box = _text_box(probe, candidate, renderer)
                cost = sum(_overlap(box, other) for other in taken) + _outside(box, frame)
                if cost < best_cost:
                    best, best_cost, best_ring = candidate, cost, ring
                if cost == 0:
                    break
            if best_cost == 0:
                break
        probe.remove()
        annotation = _annotate(axis, x, y, text, colour, best, leader=best_ring > 0)
        taken.append(_text_box(annotation, best, renderer))
        placed.append(annotation)
    return placed


def _annotate(axis, x, y, text, colour, where, leader: bool):
    dx, dy, ha, va = where
    corner = (0.0 if ha == "left" else 1.0, 0.0 if va == "bottom" else 1.0)  # the text's corner nearest its point
    arrow = {"arrowstyle": "-", "color": colour, "alpha": 0.5, "linewidth": 0.6, "shrinkA": 0, "shrinkB": 3,
             "relpos": corner} if leader else None
    return axis.annotate(text, (x, y), textcoords="offset points", xytext=(dx, dy), ha=ha, va=va, fontsize=LABEL_FONT_SIZE,
                         color=colour, annotation_clip=False, arrowprops=arrow)


def _text_box(annotation, where, renderer):
    """The text's box in pixels (without its leader line) with the text at ``where``."""
    from matplotlib.text import Text

    dx, dy, ha, va = where
    annotation.set_position((dx, dy))
    annotation.set_ha(ha)
    annotation.set_va(va)
    annotation.update_positions(renderer)
    return Text.get_window_extent(annotation, renderer)


Placement = tuple[float, float, str, str]  # (dx, dy) in points from the point, horizontal and vertical alignment


def _candidates(ring: int) -> list[Placement]:
    """Offsets (points) and alignment for one ring: right of the point first, then left."""
    step = ring * LABEL_STEP_PT
    return [(4, 3 + step, "left", "bottom"), (4, -3 - step, "left", "top"),
            (-4, 3 + step, "right", "bottom"), (-4, -3 - step, "right", "top")]


def _overlap(a, b) -> float:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width * height if width > 0 and height > 0 else 0.0


def _outside(box, frame) -> float:
    """Area of box outside the axes frame (a label must stay on the plot)."""
    return box.width * box.height - _overlap(box, frame)


def _or(value: float | None, default: float) -> float:
    return default if value is None else value
