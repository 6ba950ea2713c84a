"""Building blocks for the figures in report.html, drawn with pygal (pure Python, SVG out).

Why pygal and not matplotlib: every `harness run` and `harness score` writes report.html, and
importing matplotlib + numpy cost 0.5-0.9 s of CPU on each of those commands, more than scoring
1 000 samples (bench/fixed_costs.py); pygal imports in a few hundredths of a second and still
draws grouped bars and lines with confidence-interval whiskers. The figures are static SVG (no
pygal JavaScript is embedded: the page stays self-contained and works from file://), and byte for
byte the same for the same data (pygal's random chart id is replaced by one derived from the data).

The engine draws no family's figure itself. A family declares which figures its paper shows in
its ``plots`` hook (tasks/<family>/plots.py) and builds them from these pieces; the report only
calls the hook and embeds what comes back (``Plot.svg``: markup ready to inline).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.core.metric_spec import Metric

PALETTE = ("#3b6fb6", "#d9822b", "#3f9c5a", "#b8474a", "#7b5ea7", "#8c6d46", "#c46cb3", "#6f7b87")
CHANCE_COLOUR = "#777777"  # grey: none of the series colours


@dataclass
class Plot:
    """One figure for the report: a title, its inline markup (an <svg> or a heatmap <table>) and
    a sentence saying how to read it."""

    title: str
    svg: str
    note: str = ""


def _style(colours: Sequence[str]) -> Any:
    from pygal.style import Style

    return Style(background="white", plot_background="white", foreground="#333", foreground_strong="#222",
                 foreground_subtle="#ddd", opacity="0.85", opacity_hover="0.95", colors=tuple(colours),
                 font_family="system-ui, -apple-system, 'Segoe UI', sans-serif", label_font_size=11,
                 major_label_font_size=11, legend_font_size=11, value_font_size=9, title_font_size=12,
                 tooltip_font_size=11, guide_stroke_color="#e3e3e3", major_guide_stroke_color="#e3e3e3",
                 guide_stroke_dasharray="1,0", major_guide_stroke_dasharray="1,0")


def _config(width: int, height: int, colours: Sequence[str], **options: Any) -> dict[str, Any]:
    # pygal leaves no room for a bottom legend below an x-axis title: give it some
    bottom = 18 + (24 if options.get("x_title") and options.get("show_legend", True) else 0)
    return {"style": _style(colours), "js": [], "disable_xml_declaration": True, "width": width, "height": height,
            "explicit_size": True, "legend_at_bottom": True, "legend_at_bottom_columns": 4, "truncate_legend": -1,
            "truncate_label": -1, "margin": 8, "margin_bottom": bottom, "spacing": 8, "no_data_text": "no data", **options}


def _value_axis(series_points: Sequence[Any], ylim: tuple[float, float] | None) -> dict[str, Any]:
    """The value axis: the given bounds with round ticks, or (unbounded metrics, e.g. log-probabilities)
    a range that holds every value and CI end, zero included, so no whisker leaves the plot."""
    if ylim is not None:
        low, high = ylim
        return {"range": ylim, "y_labels": [low + (high - low) * k / 5 for k in range(6)],
                "value_formatter": lambda v: f"{v:.2f}"}
    ends = [0.0]
    for point in series_points:
        if point is None:
            continue
        ends.append(point["value"])
        ends.extend(point.get("ci", {}).values())
    low, high = min(ends), max(ends)
    pad = 0.06 * ((high - low) or 1.0)
    return {"range": (low - pad if low < 0 else low, high + pad if high > 0 else high), "value_formatter": lambda v: f"{v:.3g}"}


def _render(chart: Any, key: Any) -> str:
    """The chart's SVG with a deterministic id (pygal draws a random uuid per chart, and scopes the
    chart's CSS under it, so ids must differ between figures of one page yet repeat between runs)."""
    chart.uuid = "fig-" + hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:16]
    return _without_script(_undated(str(chart.render(is_unicode=True))))


_PYGAL_DATE = re.compile(r"(<!--Generated with pygal[^<>]*?) on \d{4}-\d{2}-\d{2}-->")


def _undated(svg: str) -> str:
    """The SVG less the date pygal writes into its "Generated with pygal ... on <today>" comment: with
    it, the same run's report.html changed bytes every day."""
    return _PYGAL_DATE.sub(r"\1-->", svg, count=1)


def _without_script(svg: str) -> str:
    """The SVG less the <script> pygal always writes (a JSON dump of its config for its tooltips,
    which are not embedded). Text elsewhere in the SVG is XML-escaped, so the last raw </script>
    is the script's end even if a label held one."""
    start, end = svg.find("<script"), svg.rfind("</script>")
    return svg if start < 0 or end < start else svg[:start] + svg[end + len("</script>"):]


def _point(metric: Any, bounds: tuple[float, float] | None) -> Any:
    """pygal's value for one MetricValue: the value with its 95% CI as whiskers (clipped to the
    axis bounds: a t interval on a share can pass 1; the metrics table keeps the raw ends)."""
    if metric is None or not isinstance(metric.value, (int, float)) or math.isnan(metric.value):
        return None
    point: dict[str, Any] = {"value": float(metric.value), "label": f"n={metric.n}"}
    if metric.ci_low is not None and metric.ci_high is not None and not (math.isnan(metric.ci_low) or math.isnan(metric.ci_high)):
        low, high = float(metric.ci_low), float(metric.ci_high)
        if bounds is not None:
            low, high = max(bounds[0], low), min(bounds[1], high)
        point["ci"] = {"low": min(low, point["value"]), "high": max(high, point["value"])}
    return point


def bar_chart(series: Mapping[str, Sequence[Any]], labels: Sequence[str], *, ylabel: str = "", xlabel: str = "",
              ylim: tuple[float, float] | None = (0.0, 1.0), annotate: bool = True, width: int = 620, height: int = 330) -> str:
    """Grouped bars: one group per label, one bar per series (a list of MetricValue or None per
    label), each with its 95% CI as whiskers and, when annotate, its value printed on it."""
    import pygal

    points = {name: [_point(m, ylim) for m in metrics] for name, metrics in series.items()}
    options = _config(width, height, PALETTE, x_title=xlabel or None, y_title=ylabel or None, print_values=annotate,
                      print_values_position="top", show_legend=len(series) > 1, x_label_rotation=30 if _crowded(labels) else 0,
                      **_value_axis([p for ps in points.values() for p in ps], ylim))
    chart = pygal.Bar(**options)
    chart.x_labels = [str(label) for label in labels]
    for name, values in points.items():
        chart.add(str(name), values)
    return _render(chart, ("bar", list(series), [[_key(m) for m in ms] for ms in series.values()], list(labels), ylabel, xlabel, ylim))


def line_chart(series: Mapping[str, Sequence[tuple[Any, Any]]], *, xlabel: str = "", ylabel: str = "",
               ylim: tuple[float, float] | None = (0.0, 1.0), chance: float | None = None, chance_label: str = "chance",
               width: int = 620, height: int = 340) -> str:
    """One line per series through (x, MetricValue) points, each with its 95% CI as whiskers. The
    x values are categories in sorted order, evenly spaced (numbers of variables, token budgets
    doubling: an even spacing reads as a log scale for those). With ``chance``, a dashed line."""
    import pygal

    xs = sorted({x for points in series.values() for x, _ in points})
    colours = list(PALETTE[: len(series)]) + ([CHANCE_COLOUR] if chance is not None else [])
    values = {name: [_point(dict(points).get(x), ylim) for x in xs] for name, points in series.items()}
    options = _config(width, height, colours, x_title=xlabel or None, y_title=ylabel or None, show_legend=True,
                      dots_size=3, stroke_style={"width": 1.6}, **_value_axis([p for ps in values.values() for p in ps], ylim))
    chart = pygal.Line(**options)
    chart.x_labels = [_label(x) for x in xs]
    for name, line in values.items():
        chart.add(str(name), line)
    if chance is not None:
        chart.add(f"{chance_label} {chance:.0%}", [chance] * len(xs), show_dots=False,
                  stroke_style={"width": 1.2, "dasharray": "6, 4"})
    return _render(chart, ("line", list(series), [[(x, _key(m)) for x, m in ps] for ps in series.values()], xlabel, ylabel, ylim, chance))


def heatmap_table(values: Sequence[Sequence[float | None]], row_labels: Sequence[str], col_labels: Sequence[str],
                  *, vmin: float = 0.0, vmax: float = 1.0, fmt: str = "{:.2f}", corner: str = "") -> str:
    """A labelled matrix as an HTML table whose cells are coloured by value (viridis, vmin..vmax)
    and print it: the paper's table as a picture, with numbers a reader can select and copy."""
    from harness.report.templating import render

    rows = []
    for label, row in zip(row_labels, values):
        cells: list[tuple[str, str, str] | None] = []
        for value in row:
            if value is None or (isinstance(value, float) and math.isnan(value)):
                cells.append(None)
                continue
            share = 0.0 if vmax == vmin else min(1.0, max(0.0, (value - vmin) / (vmax - vmin)))
            cells.append((fmt.format(value), viridis(share), "#fff" if share < 0.5 else "#000"))
        rows.append((str(label), cells))
    return render("heatmap.html", corner=corner, columns=[str(c) for c in col_labels], rows=rows).rstrip("\n")


_VIRIDIS = ((0.0, (68, 1, 84)), (0.25, (59, 82, 139)), (0.5, (33, 145, 140)), (0.75, (94, 201, 98)), (1.0, (253, 231, 37)))


def viridis(share: float) -> str:
    """The viridis colour at ``share`` in [0, 1], as #rrggbb (linear between five of its stops)."""
    share = min(1.0, max(0.0, share))
    for (a, ca), (b, cb) in zip(_VIRIDIS, _VIRIDIS[1:]):
        if share <= b:
            t = (share - a) / (b - a)
            return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb))
    return "#fde725"


def _crowded(labels: Sequence[str]) -> bool:
    longest = max(map(len, labels), default=0)
    return len(labels) > 1 and (longest * len(labels) > 70 or (longest > 14 and len(labels) > 3))


def _label(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _key(metric: Any) -> Any:
    return None if metric is None else (metric.value, metric.ci_low, metric.ci_high, metric.n)


def metric_of(row: Mapping[str, Any], name: str) -> Any:
    """A row's MetricValue by name, or None (rows as read from metrics.json)."""
    return row["metrics"].get(name)


def means_by(lines: Iterable[Mapping[str, Any]], key: Any, metric: Metric) -> dict[Any, Any]:
    """{key(line): MetricValue of the per-sample metric} over scored lines, keys in first-seen order;
    lines whose key is None or that lack the metric are left out. The interval follows the metric's
    declaration (a binary metric over several completions per sample is a share per sample)."""
    from harness.report.metrics import metric_mean

    values: dict[Any, list[float]] = {}
    completions: dict[Any, list[int]] = {}
    for line in lines:  # one at a time: the lines may be read from the file as they come (SampleLines)
        if line.get("error") or not isinstance(line.get("scores"), dict):
            continue  # an errored request was never scored
        k = key(line)
        value = line["scores"].get(metric.name)
        if k is None or not isinstance(value, (int, float)):
            continue
        values.setdefault(k, []).append(float(value))
        completions.setdefault(k, []).append(max(1, len(line.get("answers") or [None])))
    return {k: metric_mean(v, metric, completions[k]) for k, v in values.items()}
