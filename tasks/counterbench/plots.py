"""CounterBench's figure in report.html, as the paper shows it: accuracy by number of variables,
one line per query type (basic, conditional, joint, nested), with the 50% chance line."""

from __future__ import annotations

from typing import Any

from harness.core.metric_spec import metric_named
from harness.report.plots import Plot, line_chart, means_by
from tasks.counterbench.scoring import COUNTERBENCH_METRICS, counterbench_group_keys


def _key(line: dict[str, Any]) -> tuple[str, int] | None:
    try:
        keys = counterbench_group_keys(line["sample"])
        return keys["type"], int(keys["variables"])
    except (KeyError, TypeError, ValueError):
        return None


def counterbench_plots(rows: list[dict[str, Any]], lines: list[dict[str, Any]]) -> list[Plot]:
    plots = []
    for task in dict.fromkeys(line.get("task") for line in lines):
        means = means_by([line for line in lines if line.get("task") == task], _key, metric_named(COUNTERBENCH_METRICS, "accuracy"))
        if not means:
            continue
        series: dict[str, list[tuple[int, Any]]] = {}
        for (query_type, variables), metric in means.items():
            series.setdefault(query_type, []).append((variables, metric))
        svg = line_chart(dict(sorted(series.items())), xlabel="number of variables in the causal graph", ylabel="accuracy",
                         chance=0.5)
        plots.append(Plot(f"{task}: accuracy by number of variables, per query type", svg,
                          "Points: accuracy with 95% CI; dashed: chance (balanced yes/no)."))
    return plots
