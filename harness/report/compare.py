"""Two runs on the same samples, compared pairwise: per task, the mean of the per-sample primary
metric in each run, their paired difference (B - A) with a 95% CI (harness.report.metrics.difference_with_ci: a bootstrap
over the pairs, inside [-1, 1] for [0, 1] metrics), and the samples that
flipped either way (right in one run, not right in the other; see harness/report/outcomes.py).

Samples are matched by (task, id); samples that either run failed with an error are left out of
the pairs (and counted), because an error is not an answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.data import iter_jsonl
from harness.core.errors import HarnessError
from harness.core.metric_spec import Metric, undeclared
from harness.report.metrics import MetricValue, metric_difference, metric_mean
from harness.report.outcomes import sample_outcome


@dataclass
class TaskComparison:
    task: str
    primary_metric: str
    pairs: int
    a: MetricValue
    b: MetricValue
    difference: MetricValue  # mean of b_i - a_i
    gained: list[str] = field(default_factory=list)  # ids right in B, not right in A
    lost: list[str] = field(default_factory=list)  # ids right in A, not right in B
    errored: int = 0  # matched samples left out because a run errored on them
    only_a: int = 0
    only_b: int = 0


def _lines(run_dir: Path) -> dict[tuple[str, str], Mapping[str, Any]]:
    path = Path(run_dir) / "samples.jsonl"
    if not path.is_file():
        raise HarnessError(f"{run_dir} has no samples.jsonl; compare needs two run folders")
    return {(str(line.get("task")), str(line.get("id"))): line for _, line in iter_jsonl(path)}


def _primaries(run_dir: Path) -> dict[str, tuple[str, Metric]]:
    """{task: (primary metric, its declaration)}: as the run recorded it, else as the registry
    declares it now (folders written before metrics carried metadata), else an undeclared reading."""
    from harness.report.run_folder import read_metric_info, read_metrics

    info = read_metric_info(run_dir)
    out = {}
    for row in read_metrics(run_dir):
        if row["group"]:
            continue
        name = row["primary_metric"]
        out[row["task"]] = (name, info.get(row["task"], {}).get(name) or _registry_metric(row["task"], name))
    return out


def _registry_metric(task: str, name: str) -> Metric:
    from harness.core.registry import get_task

    try:
        return get_task(task).metric(name)
    except HarnessError:
        return undeclared(name)


def compare_runs(run_a: Path, run_b: Path) -> list[TaskComparison]:
    """One TaskComparison per task the two runs share (in run A's order)."""
    lines_a, lines_b = _lines(run_a), _lines(run_b)
    primaries = {**_primaries(run_b), **_primaries(run_a)}
    out = []
    for task in dict.fromkeys(task for task, _ in lines_a):
        keys_a = [k for k in lines_a if k[0] == task]
        keys_b = {k for k in lines_b if k[0] == task}
        if not keys_b:
            continue
        primary, declared = primaries.get(task, ("", undeclared("")))
        shared = [k for k in keys_a if k in keys_b]
        errored = [k for k in shared if lines_a[k].get("error") or lines_b[k].get("error")]
        values_a, values_b, gained, lost, completions = [], [], [], [], []
        for key in shared:
            if key in errored:
                continue
            a, b = lines_a[key], lines_b[key]
            va, vb = (a.get("scores") or {}).get(primary), (b.get("scores") or {}).get(primary)
            if not isinstance(va, (int, float)) or not isinstance(vb, (int, float)):
                continue
            values_a.append(float(va))
            values_b.append(float(vb))
            completions += [max(1, len(a.get("answers") or [None])), max(1, len(b.get("answers") or [None]))]
            right_a, right_b = sample_outcome(a, primary) == "right", sample_outcome(b, primary) == "right"
            if right_b and not right_a:
                gained.append(key[1])
            elif right_a and not right_b:
                lost.append(key[1])
        out.append(TaskComparison(task, primary, len(values_a), metric_mean(values_a, declared, completions[0::2]),
                                  metric_mean(values_b, declared, completions[1::2]),
                                  metric_difference(values_b, values_a, declared, completions), gained, lost, len(errored),
                                  len(keys_a) - len(shared), len(keys_b) - len(shared)))
    if not out:
        raise HarnessError(f"{Path(run_a).name} and {Path(run_b).name} share no task; compare runs of the same tasks")
    return out
