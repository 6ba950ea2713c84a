"""Mistake finding's figure in report.html, laid out as the paper's Table 4: accuracy per source
task (word sorting, tracking shuffled objects, ...), one bar per task of the run (a prompting mode),
and beside it the same split into traces with and without a mistake."""

from __future__ import annotations

from typing import Any

from harness.core.metric_spec import metric_named
from harness.report.plots import Plot, bar_chart, means_by
from tasks.mistake_finding.config import SOURCE_TASKS
from tasks.mistake_finding.scoring import MISTAKE_METRICS


def _source_task(line: dict[str, Any]) -> str | None:
    sample = line.get("sample")
    return str(sample.get("source_task")) if isinstance(sample, dict) and sample.get("source_task") else None


def mistake_finding_plots(rows: list[dict[str, Any]], lines: list[dict[str, Any]]) -> list[Plot]:
    tasks = list(dict.fromkeys(str(line.get("task")) for line in lines))
    by_task = {task: [line for line in lines if line.get("task") == task] for task in tasks}
    accuracy = {task: means_by(by_task[task], _source_task, metric_named(MISTAKE_METRICS, "accuracy")) for task in tasks}
    labels = [t for t in SOURCE_TASKS if any(t in means for means in accuracy.values())]
    if not labels:
        return []
    names = [t.replace("_", " ") for t in labels]
    plots = [Plot("Mistake finding: accuracy per source task, one bar per task of the run",
                  bar_chart({task: [accuracy[task].get(t) for t in labels] for task in tasks}, names,
                            ylabel="accuracy (exact first-mistake location, or No)", xlabel="source task"),
                  "Points: accuracy with 95% CI. The paper's Table 4 gives the same per task and prompting mode.")]
    for task in tasks:
        split = {name: means_by(by_task[task], _source_task, metric_named(MISTAKE_METRICS, name))
                 for name in ("accuracy_with_mistake", "accuracy_without_mistake")}
        plots.append(Plot(f"{task}: accuracy on traces with and without a mistake",
                          bar_chart({name.replace("accuracy_", "").replace("_", " "): [split[name].get(t) for t in labels]
                                     for name in split}, names, ylabel="accuracy", xlabel="source task"),
                          "With a mistake: the exact first wrong Thought; without: the answer No."))
    return plots
