"""Behaviour counts in traces as metrics: mean count per completion and share of completions showing
each behaviour, with their declarations (counts have no upper bound and no better side).

The detection itself lives in harness.parsing.traces (pure text rules); this room adds the statistics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from harness.core.metric_spec import Metric, binary, bounded, metric_named
from harness.parsing.traces import BEHAVIOURS
from harness.report.metrics import MetricValue, metric_mean

BEHAVIOUR_METRICS: tuple[Metric, ...] = tuple(
    metric
    for name in BEHAVIOURS
    for metric in (
        bounded(name, f"sentences showing {name.replace('_', ' ')} per completion (keyword detector)", 0.0, None,
                higher_is_better=None),
        binary(f"{name}_any", f"completions with at least one {name.replace('_', ' ')} sentence (keyword detector)",
               higher_is_better=None),
    )
)


def summarize_behaviours(per_completion_counts: Iterable[Mapping[str, int]]) -> dict[str, MetricValue]:
    """Across completions: mean count of each behaviour and the share of completions showing it
    (e.g. "backtracking" and "backtracking_any"), each with a 95% CI."""
    rows = list(per_completion_counts)
    out: dict[str, MetricValue] = {}
    for name in BEHAVIOURS:
        values = [float(row.get(name, 0)) for row in rows]
        out[name] = metric_mean(values, metric_named(BEHAVIOUR_METRICS, name))
        out[f"{name}_any"] = metric_mean([float(v > 0) for v in values], metric_named(BEHAVIOUR_METRICS, f"{name}_any"))
    return out

