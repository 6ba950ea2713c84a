"""Aggregate statistics: means with 95% confidence intervals, pass@k, majority vote.

Pure functions over numbers and ScoredSample records; no I/O, no knowledge of any family.
Families call these from their own ``aggregate`` hooks so every table reports uncertainty the same way.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from harness.core.metric_spec import Metric, MetricKind
from harness.core.types import ScoredSample
from harness.report.intervals import (  # noqa: F401 - wilson_interval and Z95 are re-exported
    Z95,
    bootstrap_mean_interval,
    is_binary,
    t_interval,
    wilson_interval,
)


@dataclass(frozen=True)
class MetricValue:
    """A metric over n items with a 95% confidence interval (None when undefined) and the name of
    the interval's method (see harness/report/intervals.py; None when there is no interval)."""

    value: float
    ci_low: float | None
    ci_high: float | None
    n: int
    ci_method: str | None = None

    def to_json(self) -> dict:
        return {"value": self.value, "ci_low": self.ci_low, "ci_high": self.ci_high, "n": self.n,
                "ci_method": self.ci_method}


def mean_with_ci(values: Sequence[float], kind: MetricKind) -> MetricValue:
    """Mean with a 95% CI by the metric's declared kind (harness.core.metric_spec): Wilson for a
    binary metric (every value 0 or 1), a seeded percentile bootstrap over items for a bounded one,
    Student t for an unbounded one; a 'statistic' gets no interval. Never guessed from the values."""
    n = len(values)
    if n == 0:
        return MetricValue(math.nan, None, None, 0)
    mean = math.fsum(values) / n
    if kind == "statistic":
        return MetricValue(mean, None, None, n)
    if kind == "binary":
        if not is_binary(values):
            raise ValueError("a binary metric's values must all be 0 or 1; declare it 'bounded' (per-item shares)")
        low, high = wilson_interval(math.fsum(values), n)
        return MetricValue(mean, low, high, n, "wilson")
    interval = t_interval(values) if kind == "unbounded" else bootstrap_mean_interval(values)
    if interval is None:
        return MetricValue(mean, None, None, n)
    return MetricValue(mean, interval[0], interval[1], n, "t" if kind == "unbounded" else "bootstrap")


def item_kind(metric: Metric, completions_per_item: Iterable[int]) -> MetricKind:
    """The kind of a metric's per-item values: a binary metric averaged over several completions of
    an item is a share in [0, 1] (bounded); decided by the run's design, never by the values."""
    if metric.kind == "binary" and any(count != 1 for count in completions_per_item):
        return "bounded"
    return metric.kind


def difference_with_ci(a: Sequence[float], b: Sequence[float], kind: MetricKind) -> MetricValue:
    """Mean of paired differences a_i - b_i (forward-minus-reverse gaps), its CI as mean_with_ci's
    on the differences: a bootstrap keeps a gap of bounded scores inside the range of the gaps; an
    unbounded metric's gap gets Student t."""
    if len(a) != len(b):
        raise ValueError("paired difference needs equally long sequences")
    diffs = [x - y for x, y in zip(a, b)]
    return mean_with_ci(diffs, "unbounded" if kind == "unbounded" else "bounded")


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): 1 - C(n-c, k) / C(n, k), computed stably."""
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples per prompt, got {n}")
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def majority_answer_score(records_verdicts, metric: str, k: int | None = None,
                          canonical: Callable[[Any], Any] | None = None) -> float:
    """maj@k for one sample: the score of the most common parseable answer among the first k
    completions (ties broken by first appearance). ``canonical`` maps an extracted answer to the form
    votes compare (the family's canonical_answer hook); default the answer itself."""
    verdicts = list(records_verdicts)[: k or None]
    form = canonical or (lambda answer: answer)
    keyed = [(json.dumps(form(v.answer), sort_keys=True, default=str), v) for v in verdicts if v.answer is not None]
    if not keyed:
        return 0.0
    counts = Counter(key for key, _ in keyed)
    best = max(counts.values())
    for key, verdict in keyed:
        if counts[key] == best:
            return float(verdict.scores.get(metric, 0.0))
    return 0.0  # pragma: no cover


def summarize(records: Sequence[ScoredSample], metric_of: Callable[[str], Metric],
              metrics: Iterable[str] | None = None) -> dict[str, MetricValue]:
    """Mean and CI of every per-sample metric (or the named ones) over the records, each by its
    declaration (``metric_of(name)``, e.g. ``Task.metric``)."""
    if metrics is None:
        names: list[str] = []
        for record in records:
            for name in record.scores:
                if name not in names:
                    names.append(name)
    else:
        names = list(metrics)
    out = {}
    for name in names:
        scored = [r for r in records if name in r.scores]
        kind = item_kind(metric_of(name), (max(1, len(r.verdicts)) for r in scored))
        out[name] = mean_with_ci([r.scores[name] for r in scored], kind)
    return out


def group_records(
    records: Sequence[ScoredSample], key: Callable[[ScoredSample], str]
) -> dict[str, list[ScoredSample]]:
    """Records split by a key, groups in first-seen order."""
    groups: dict[str, list[ScoredSample]] = defaultdict(list)
    for record in records:
        groups[key(record)].append(record)
    return dict(groups)


def sampling_metrics(records: Sequence[ScoredSample], metric: str,
                     canonical: Callable[[ScoredSample, Any], Any] | None = None) -> dict[str, MetricValue]:
    """pass@k for k in 1,2,4,.. up to n, best-of-n (any completion verifies) and maj@n, when
    every sample has the same n > 1 completions. The primary metric must be 0/1 per completion."""
    sizes = {len(r.verdicts) for r in records if r.error is None}
    if len(sizes) != 1:
        return {}
    n = sizes.pop()
    if n < 2:
        return {}
    ok = [r for r in records if r.error is None]
    if not all(v.scores.get(metric) in (0.0, 1.0) for r in ok for v in r.verdicts):
        return {}
    out: dict[str, MetricValue] = {}
    k = 1
    while k <= n:
        out[f"pass@{k}"] = mean_with_ci(
            [pass_at_k(n, sum(int(v.scores[metric]) for v in r.verdicts), k) for r in ok], "bounded"
        )
        k *= 2
    out[f"best_of_{n}"] = mean_with_ci([float(any(v.scores[metric] == 1.0 for v in r.verdicts)) for r in ok], "binary")
    out[f"maj@{n}"] = mean_with_ci([majority_answer_score(r.verdicts, metric, canonical=_for_record(canonical, r))
                                    for r in ok], "binary")
    return out


def _for_record(canonical: Callable[[ScoredSample, Any], Any] | None, record: ScoredSample) -> Callable[[Any], Any] | None:
    if canonical is None:
        return None
    return lambda answer: canonical(record, answer)
