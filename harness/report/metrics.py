"""Aggregate statistics: means with 95% confidence intervals, pass@k, majority vote.

Pure functions over numbers and ScoredSample records; no I/O, no knowledge of any family.
Families call these from their own ``aggregate`` hooks so every table reports uncertainty the same way.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from harness.core.metric_spec import Metric, MetricKind
from harness.core.types import ScoredSample, Verdict
from harness.report.intervals import (  # noqa: F401 - wilson_interval and Z95 are re-exported
    Z95,
    is_binary,
    pseudo_count_interval,
    studentized_mean_interval,
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


def mean_with_ci(values: Sequence[float], kind: MetricKind, *, low: float | None = None, high: float | None = None,
                 trials: int = 1, continuous: bool = False) -> MetricValue:
    """Mean with a 95% CI by the metric's declared kind (harness.core.metric_spec), never guessed
    from the values (harness/report/intervals.py says why each method):

    - binary (every value 0 or 1, one completion per item): Wilson;
    - bounded with a finite range ``low``..``high``: the pseudo-count interval (Agresti-Coull's
      adjustment at the range's ends), ``trials`` completions per item;
    - bounded with an open end (a log-prob <= 0), no range given, or ``continuous`` (a score that
      varies smoothly, such as a probability): the studentized bootstrap over items, inside
      whatever range is given (the data's [min, max] when none is);
    - unbounded: Student t; statistic: no interval.
    ``metric_mean`` takes all of it from a Metric declaration."""
    n = len(values)
    if n == 0:
        return MetricValue(math.nan, None, None, 0)
    mean = math.fsum(values) / n
    if kind == "statistic":
        return MetricValue(mean, None, None, n)
    if kind == "binary":
        if not is_binary(values):
            raise ValueError("a binary metric's values must all be 0 or 1; declare it 'bounded' (per-item shares)")
        wilson_low, wilson_high = wilson_interval(math.fsum(values), n)
        return MetricValue(mean, wilson_low, wilson_high, n, "wilson")
    if kind == "unbounded":
        interval, method = t_interval(values), "t"
    elif low is not None and high is not None and high > low and not continuous:
        interval, method = pseudo_count_interval(values, low, high, trials), "pseudo-count"
    else:
        interval, method = studentized_mean_interval(values, low, high), "bootstrap-t"
    if interval is None:
        return MetricValue(mean, None, None, n)
    return MetricValue(mean, interval[0], interval[1], n, method)


def metric_mean(values: Sequence[float], metric: Metric, completions_per_item: Iterable[int] | None = None) -> MetricValue:
    """mean_with_ci as a metric's declaration says: its kind (a binary metric averaged over several
    completions per item is a bounded share: item_kind), its range (unless declared continuous) and
    the number of completions per item (the fewest, when items differ)."""
    counts = [1] * len(values) if completions_per_item is None else [max(1, int(c)) for c in completions_per_item]
    kind = item_kind(metric, counts)
    return mean_with_ci(values, kind, low=metric.low, high=metric.high, trials=min(counts, default=1),
                        continuous=metric.continuous)


def metric_difference(a: Sequence[float], b: Sequence[float], metric: Metric,
                      completions_per_item: Iterable[int] | None = None) -> MetricValue:
    """difference_with_ci (paired a_i - b_i) as the metric's declaration says (see metric_mean)."""
    counts = [1] * len(a) if completions_per_item is None else [max(1, int(c)) for c in completions_per_item]
    kind = item_kind(metric, counts)
    return difference_with_ci(a, b, kind, low=metric.low, high=metric.high, trials=min(counts, default=1),
                              continuous=metric.continuous)


def item_kind(metric: Metric, completions_per_item: Iterable[int]) -> MetricKind:
    """The kind of a metric's per-item values: a binary metric averaged over several completions of
    an item is a share in [0, 1] (bounded); decided by the run's design, never by the values."""
    if metric.kind == "binary" and any(count != 1 for count in completions_per_item):
        return "bounded"
    return metric.kind


def difference_with_ci(a: Sequence[float], b: Sequence[float], kind: MetricKind, *, low: float | None = None,
                       high: float | None = None, trials: int = 1, continuous: bool = False) -> MetricValue:
    """Mean of paired differences a_i - b_i (forward-minus-reverse gaps) with mean_with_ci's interval
    on the differences: a difference of scores in [low, high] lies in [low - high, high - low] (a
    binary metric's range is [0, 1] without saying); an unbounded metric's gap gets Student t."""
    if len(a) != len(b):
        raise ValueError("paired difference needs equally long sequences")
    diffs = [x - y for x, y in zip(a, b)]
    if kind == "unbounded":
        return mean_with_ci(diffs, "unbounded")
    if kind == "binary" and low is None and high is None:
        low, high = 0.0, 1.0
    if low is not None and high is not None:
        return mean_with_ci(diffs, "bounded", low=low - high, high=high - low, trials=trials, continuous=continuous)
    return mean_with_ci(diffs, "bounded")


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


def answer_votes(verdicts: Iterable[Verdict], canonical: Callable[[Any], Any] | None = None) -> dict[str, list[Verdict]]:
    """The completions with a parseable answer, grouped by canonical form: {form as sorted JSON:
    its verdicts}. ``canonical`` maps an extracted answer to the form votes compare (the family's
    canonical_answer hook); default the answer itself. Groups in first-seen order (callers that
    choose among them must not depend on it: see majority_answer_score)."""
    form = canonical or (lambda answer: answer)
    groups: dict[str, list[Verdict]] = {}
    for verdict in verdicts:
        if verdict.answer is not None:
            key = json.dumps(form(verdict.answer), sort_keys=True, default=str)
            groups.setdefault(key, []).append(verdict)
    return groups


def majority_answer_score(records_verdicts, metric: str, k: int | None = None,
                          canonical: Callable[[Any], Any] | None = None) -> float:
    """maj@k for one sample: the score of the most common canonical answer among the first k
    completions; 0 when none has a parseable answer.

    Independent of the order of the completions (any permutation of the k gives the same value):
    - a group's score is the mean of its members' scores (a family's canonical form keeps what its
      scorer reads, so members score alike; the mean keeps the rule order-free where they do not);
    - when several answers tie for the most votes, the score is the mean over the tied answers:
      the expected score of breaking the tie uniformly at random (fractional credit). A fixed rule
      such as "the first completion" made maj@k depend on sampling order, and "the alphabetically
      first answer" would favour "no" over "yes" on every tie."""
    groups = answer_votes(list(records_verdicts)[: k or None], canonical)
    if not groups:
        return 0.0
    most = max(len(members) for members in groups.values())
    tied = [members for members in groups.values() if len(members) == most]
    group_scores = [math.fsum(float(v.scores.get(metric, 0.0)) for v in members) / len(members) for members in tied]
    return math.fsum(group_scores) / len(group_scores)


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
        out[name] = metric_mean([r.scores[name] for r in scored], metric_of(name), (max(1, len(r.verdicts)) for r in scored))
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
        out[f"pass@{k}"] = mean_with_ci(  # pass@k of n completions carries about n/k independent tries
            [pass_at_k(n, sum(int(v.scores[metric]) for v in r.verdicts), k) for r in ok], "bounded",
            low=0.0, high=1.0, trials=max(1, n // k),
        )
        k *= 2
    out[f"best_of_{n}"] = mean_with_ci([float(any(v.scores[metric] == 1.0 for v in r.verdicts)) for r in ok], "binary")
    out[f"maj@{n}"] = mean_with_ci([majority_answer_score(r.verdicts, metric, canonical=_for_record(canonical, r))
                                    for r in ok], "bounded", low=0.0, high=1.0)  # a tie's credit is fractional
    return out


def _for_record(canonical: Callable[[ScoredSample, Any], Any] | None, record: ScoredSample) -> Callable[[Any], Any] | None:
    if canonical is None:
        return None
    return lambda answer: canonical(record, answer)
