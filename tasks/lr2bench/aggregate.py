"""LR2Bench's table: per level, per task and overall, exactly as the paper averages.

Per level: CR, EM and PM-0.5 are means over the level's items; S-Acc is pooled (correct subtasks /
all subtasks of the level). Per task: the mean of its levels' values. Overall: the mean of the task
values (all six on the original data; the four generable ones on generated data).

Confidence intervals: a stratified bootstrap (harness/report/intervals.py): items are resampled
within each level, and the row's statistic (a level's mean or pooled ratio; a task's mean of level
values; the mean of task values) is recomputed from the resample, so every interval stays inside
[0, 1]; rows where every item is entirely right (or wrong) get Wilson on the number of items.
The point values come from per-item values whose plain mean is the paper's number:
  - pooled S-Acc: the linearised ratio values z_i = p + (c_i - p * t_i) / mean(t) (c_i correct of
    t_i subtasks), whose mean is p;
  - a mean over levels (or tasks) reweights each item by N / (K * n_level), so every level counts
    equally; with equal level sizes (the original 50 per level) the weights are exactly 1.
Rows: "" (the task's own row: overall, or the task score when one task runs), "task=<task>" and
"level=<task>/<level>".
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.types import ScoredSample
from harness.report.intervals import stratified_bootstrap_interval
from harness.report.metrics import MetricValue
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
    correct = [_whole(_score(r, "subtask_accuracy") * total) for r, total in zip(records, totals)]
    pooled = sum(correct) / sum(totals) if sum(totals) else 0.0
    mean_total = sum(totals) / len(totals) if totals else 1.0
    values["subtask_accuracy"] = [
        pooled + (c - pooled * t) / mean_total if mean_total else 0.0 for c, t in zip(correct, totals)
    ]
    return values


def _whole(count: float) -> float:
    """A right-subtask count back as the whole number it was before the item's S-Acc divided it (so
    a level's pooled ratio is exactly 2-merge_answer.py's); a mean over several completions stays."""
    nearest = round(count)
    return float(nearest) if abs(count - nearest) < 1e-9 else count


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
    """Every metric as the unweighted mean of the groups' means (the CI is added by
    with_stratified_intervals, which needs the levels)."""
    groups = [group for group in groups if group and group[METRICS[0]]]
    if not groups:
        return {}
    reweighted = equal_weight_items(groups)
    out: dict[str, MetricValue] = {}
    for name in METRICS:
        group_means = [sum(group[name]) / len(group[name]) for group in groups]
        out[name] = MetricValue(sum(group_means) / len(group_means), None, None, len(reweighted[name]))
    return out


# Per metric, a level's (numerators, denominators): the level's value is sum(num) / sum(den).
LevelParts = dict[str, tuple[list[float], list[float]]]


def level_parts(records: Sequence[ScoredSample]) -> LevelParts:
    parts: LevelParts = {name: ([_score(r, name) for r in records], [1.0] * len(records)) for name in MEAN_METRICS}
    totals = [float(count_subtasks(r.sample["task"], r.sample["gold"])) for r in records]
    parts["subtask_accuracy"] = ([_whole(_score(r, "subtask_accuracy") * t) for r, t in zip(records, totals)], totals)
    return parts


def with_stratified_intervals(metrics: dict[str, MetricValue], levels: Sequence[tuple[float, LevelParts]]) -> dict[str, MetricValue]:
    """The row's values with CIs from a bootstrap within levels; ``levels`` = (weight, parts),
    the weights those of the row's statistic (1 / (tasks x the task's levels) for the overall row).
    A level row's value is recomputed from its whole-number counts, so it is exactly the count /
    count that 2-merge_answer.py divides (the mean of the linearised item values can differ from it
    in the last digit)."""
    out: dict[str, MetricValue] = {}
    for name, metric in metrics.items():
        strata = [(weight, *parts[name]) for weight, parts in levels]
        value = metric.value
        if len(levels) == 1:
            numerators, denominators = levels[0][1][name]
            if sum(denominators):
                value = sum(numerators) / sum(denominators)
        interval = stratified_bootstrap_interval(strata, value)
        low, high, method = interval if interval is not None else (None, None, None)
        out[name] = MetricValue(value, low, high, metric.n, method)
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

    parts = {key: level_parts(by_level[key]) for key in ordered}
    levels_of = {task: [key for key in ordered if key[0] == task] for task in task_groups}

    def weighted(tasks: Sequence[str]) -> list[tuple[float, LevelParts]]:
        return [(1.0 / (len(tasks) * len(levels_of[task])), parts[key]) for task in tasks for key in levels_of[task]]

    rows: dict[str, dict[str, MetricValue]] = {}
    if len(task_values) > 1:
        rows[""] = with_stratified_intervals(mean_of_groups(list(task_values.values())), weighted(list(task_groups)))
    elif task_values:
        rows[""] = with_stratified_intervals(mean_of_groups(next(iter(task_groups.values()))), weighted(list(task_groups)))
    for task, groups in task_groups.items():
        if len(task_values) > 1:
            rows[f"task={task}"] = with_stratified_intervals(mean_of_groups(groups), weighted([task]))
        for (level_task, level), values in level_values.items():
            if level_task == task and len(level_values) > 1:
                rows[f"level={task}/{level}"] = with_stratified_intervals(mean_of_groups([values]), [(1.0, parts[(task, level)])])
    return rows

