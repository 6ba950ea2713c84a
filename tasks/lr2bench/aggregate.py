"""LR2Bench's table: per level, per task and overall, exactly as the paper averages.

Per level: CR, EM and PM-0.5 are means over the level's items; S-Acc is pooled (correct subtasks /
all subtasks of the level). Per task: the mean of its levels' values. Overall: the mean of the task
values (all six on the original data; the four generable ones on generated data).

Confidence intervals come from harness.report.metrics.mean_with_ci, applied to per-item values chosen so
that their plain mean is the paper's number:
  - pooled S-Acc uses the linearised ratio values z_i = p + (c_i - p * t_i) / mean(t) (c_i correct
    of t_i subtasks): their mean is p, and their t interval is the usual delta-method interval of
    a ratio estimator (subtasks of one item are not independent, so a Wilson interval over
    subtasks would be too narrow);
  - a mean over levels (or tasks) reweights each item by N / (K * n_level), so every level counts
    equally; with equal level sizes (the original 50 per level) the weights are exactly 1.
Rows: "" (the task's own row: overall, or the task score when one task runs), "task=<task>" and
"level=<task>/<level>".
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.types import ScoredSample
from harness.report.metrics import MetricValue, mean_with_ci
from tasks.lr2bench.config import LR2BenchConfig
from tasks.lr2bench.scoring import METRICS, count_subtasks
from tasks.lr2bench.spec import level_order

MEAN_METRICS = ("completion_ratio", "exact_match", "partial_match_0.5")

# Per item and metric, the values whose mean is the level's number (see the module docstring).
ItemValues = dict[str, list[float]]


def level_item_values(records: Sequence[ScoredSample]) -> ItemValues:
    """Per-item values of one level for every metric; pooled S-Acc is linearised."""
    values: ItemValues = {name: [_score(r, name) for r in records] for name in MEAN_METRICS}
    totals = [count_subtasks(r.sample["task"], r.sample["gold"]) for r in records]
    correct = [_score(r, "subtask_accuracy") * total for r, total in zip(records, totals)]
    pooled = sum(correct) / sum(totals) if sum(totals) else 0.0
    mean_total = sum(totals) / len(totals) if totals else 1.0
    values["subtask_accuracy"] = [
        pooled + (c - pooled * t) / mean_total if mean_total else 0.0 for c, t in zip(correct, totals)
    ]
    return values


def _score(record: ScoredSample, name: str) -> float:
    """A record's metric; a record that failed (backend error) counts as an empty answer."""
    return float(record.scores.get(name, 0.0))


def equal_weight_items(groups: Sequence[ItemValues]) -> ItemValues:
    """The groups' item values reweighted by N / (K * n_group), so that their plain mean is the
    unweighted mean of the group means (weights are exactly 1 when the groups are equally large)."""
    groups = [group for group in groups if group and group[METRICS[0]]]
    total = sum(len(group[METRICS[0]]) for group in groups)
    return {
        name: [value * total / (len(groups) * len(group[name])) for group in groups for value in group[name]]
        for name in METRICS
    }


def mean_of_groups(groups: Sequence[ItemValues]) -> dict[str, MetricValue]:
    """Every metric as the unweighted mean of the groups' means, with a CI over reweighted items."""
    groups = [group for group in groups if group and group[METRICS[0]]]
    if not groups:
        return {}
    reweighted = equal_weight_items(groups)
    out: dict[str, MetricValue] = {}
    for name in METRICS:
        group_means = [sum(group[name]) / len(group[name]) for group in groups]
        ci = mean_with_ci(reweighted[name])
        out[name] = MetricValue(sum(group_means) / len(group_means), ci.ci_low, ci.ci_high, ci.n)
    return out


def aggregate_lr2bench(cfg: LR2BenchConfig, records: list[ScoredSample]) -> dict[str, dict[str, MetricValue]]:
    """{row label: {metric: value}}: the overall ("" row), task and level rows."""
    by_level: dict[tuple[str, str], list[ScoredSample]] = {}
    for record in records:
        key = (record.sample["task"], record.sample["level"])
        by_level.setdefault(key, []).append(record)
    ordered = sorted(by_level, key=lambda key: level_order(*key))
    level_values = {key: level_item_values(by_level[key]) for key in ordered}

    # A task's per-item values, reweighted so their mean is the mean of its levels.
    task_groups: dict[str, list[ItemValues]] = {}
    for (task, _level), values in level_values.items():
        task_groups.setdefault(task, []).append(values)
    task_values = {task: equal_weight_items(groups) for task, groups in task_groups.items()}

    rows: dict[str, dict[str, MetricValue]] = {}
    if len(task_values) > 1:
        rows[""] = mean_of_groups(list(task_values.values()))
    elif task_values:
        rows[""] = mean_of_groups(next(iter(task_groups.values())))
    for task, groups in task_groups.items():
        if len(task_values) > 1:
            rows[f"task={task}"] = mean_of_groups(groups)
        for (level_task, level), values in level_values.items():
            if level_task == task and len(level_values) > 1:
                rows[f"level={task}/{level}"] = mean_of_groups([values])
    return rows

