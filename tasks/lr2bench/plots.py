"""LR2Bench's figures in report.html: the levels x metrics heatmap (CR, S-Acc, EM, PM-0.5 per
level, the paper's table as a picture) and per-task bars of the four metrics with 95% CIs."""

from __future__ import annotations

from typing import Any

from harness.report.plots import Plot, bar_chart, heatmap_table

METRIC_NAMES = ("completion_ratio", "subtask_accuracy", "exact_match", "partial_match_0.5")  # the paper's order

SHORT = {"completion_ratio": "CR", "subtask_accuracy": "S-Acc", "exact_match": "EM", "partial_match_0.5": "PM-0.5"}


def lr2bench_plots(rows: list[dict[str, Any]], lines: list[dict[str, Any]]) -> list[Plot]:
    plots = []
    for task in dict.fromkeys(r["task"] for r in rows):
        task_rows = [r for r in rows if r["task"] == task]
        levels = [r for r in task_rows if r["group"].startswith("level=")]
        tasks = [r for r in task_rows if r["group"].startswith("task=")]
        if not levels:  # one level in the run: the task's own row is that level
            levels = [{**r, "group": "level=" + _only(lines, task, "level")} for r in task_rows if r["group"] == ""]
        if not tasks:
            tasks = [{**r, "group": "task=" + _only(lines, task, "task")} for r in task_rows if r["group"] == ""]
        names = [m for m in METRIC_NAMES if any(m in r["metrics"] for r in task_rows)]
        if levels and names:
            table = heatmap_table([[_value(r, m) for m in names] for r in levels],
                                  [r["group"].split("=", 1)[1] for r in levels], [SHORT.get(m, m) for m in names], corner="level")
            plots.append(Plot(f"{task}: metrics per level", table, "Each cell: the level's value (0-1) over its items."))
        if tasks and names:
            svg = bar_chart({SHORT.get(m, m): [r["metrics"].get(m) for r in tasks] for m in names},
                            [r["group"].split("=", 1)[1] for r in tasks], ylabel="mean of the task's levels", annotate=False)
            plots.append(Plot(f"{task}: metrics per task", svg, "Bars: task score (mean over its levels) with 95% CI."))
    return plots


def _value(row: dict[str, Any], name: str) -> float | None:
    metric = row["metrics"].get(name)
    return None if metric is None else metric.value


def _only(lines: list[dict[str, Any]], task: str, field: str) -> str:
    values = {str(line["sample"].get(field, "")) for line in lines if line.get("task") == task and isinstance(line.get("sample"), dict)}
    return values.pop() if len(values) == 1 else task
