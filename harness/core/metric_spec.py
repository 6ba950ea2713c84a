"""What a metric is, declared once by whoever computes it: kind, range, direction, a line of meaning.

Why: the interval method, the lm-eval export's ``higher_is_better``, the tables and the report all
need to know what a number means, and guessing it from the values is wrong in both directions (a
fraction that happens to be 0 or 1 everywhere gets a binomial interval in one run and a bootstrap in
the next; a control metric where a knowing model scores low was exported as higher-is-better).

A family declares its metrics beside its scorer (``Family.metrics``); the engine declares the ones it
adds itself (pass@k, best-of-n, maj@n, behaviour counts) in ``ENGINE_METRICS``. A name may be a
glob pattern (``pass@*``, ``*_p_value``): exact names win over patterns, the family's over the
engine's. The interval follows from the kind (harness.report.intervals):

  binary     each completion scores 0 or 1 (accuracy, solved): Wilson on the count when every item
             has one completion; a bootstrap over items of the per-item share otherwise
  bounded    any other value inside ``low..high`` (a reward of 0/0.1/1, a probability, a share of
             cells, a token count with low=0 and high=None): with a finite range, Agresti-Coull's
             pseudo-counts at the range's ends (the rare extreme value a small sample may not have
             drawn); with an open end, or declared ``continuous`` (a probability that varies
             smoothly and rarely reaches its ends), the studentized bootstrap over items; inside the range
  unbounded  no range on either side (a log-prob difference): Student t
  statistic  a number about the whole set that has no per-item mean (a p-value, a chance level):
             no interval
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

MetricKind = Literal["binary", "bounded", "unbounded", "statistic"]
KINDS: tuple[str, ...] = ("binary", "bounded", "unbounded", "statistic")


@dataclass(frozen=True)
class Metric:
    """The declared meaning of one metric (or of every metric a glob ``name`` matches).

    ``higher_is_better`` is None for a number with no better side (a yes-rate, a chance level,
    a mean token count): tables show it without a direction and the lm-eval export leaves it out.
    ``continuous`` (bounded metrics only) marks a value that varies smoothly inside its range (a
    probability from log-likelihoods) rather than in steps of a count (a reward level, a share of
    completions or cells): it gets the studentized bootstrap instead of the range's pseudo-counts.
    """

    name: str
    kind: MetricKind
    description: str
    higher_is_better: bool | None = True
    low: float | None = 0.0
    high: float | None = 1.0
    continuous: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"metric '{self.name}': kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.kind == "binary" and (self.low, self.high) != (0.0, 1.0):
            raise ValueError(f"metric '{self.name}': a binary metric ranges over [0, 1]")
        if self.kind == "unbounded" and (self.low is not None or self.high is not None):
            raise ValueError(f"metric '{self.name}': an unbounded metric has low=None and high=None")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"metric '{self.name}': low {self.low} is above high {self.high}")
        if self.continuous and self.kind != "bounded":
            raise ValueError(f"metric '{self.name}': only a bounded metric can be continuous")
        if not self.description.strip():
            raise ValueError(f"metric '{self.name}': give a one-line description")

    @property
    def is_pattern(self) -> bool:
        return any(ch in self.name for ch in "*?[")

    def matches(self, name: str) -> bool:
        return fnmatch.fnmatchcase(name, self.name) if self.is_pattern else name == self.name

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the declared range (NaN is 'no value', never out of range)."""
        if math.isnan(value):
            return True
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "higher_is_better": self.higher_is_better, "low": self.low, "high": self.high,
                "continuous": self.continuous, "description": self.description}


def binary(name: str, description: str, higher_is_better: bool | None = True) -> Metric:
    return Metric(name, "binary", description, higher_is_better)


def fraction(name: str, description: str, higher_is_better: bool | None = True, continuous: bool = False) -> Metric:
    """A value in [0, 1] that is not 0/1 per completion (a share of cells, a reward; a probability
    with ``continuous=True``)."""
    return Metric(name, "bounded", description, higher_is_better, continuous=continuous)


def bounded(name: str, description: str, low: float | None, high: float | None,
            higher_is_better: bool | None = True, continuous: bool = False) -> Metric:
    return Metric(name, "bounded", description, higher_is_better, low, high, continuous)


def unbounded(name: str, description: str, higher_is_better: bool | None = True) -> Metric:
    return Metric(name, "unbounded", description, higher_is_better, None, None)


def statistic(name: str, description: str, higher_is_better: bool | None = None,
              low: float | None = None, high: float | None = None) -> Metric:
    return Metric(name, "statistic", description, higher_is_better, low, high)


# The metrics the engine adds to any family's table (harness.report.metrics.sampling_metrics, the
# chance level, behaviour counts in traces).
ENGINE_METRICS: tuple[Metric, ...] = (
    fraction("pass@*", "unbiased pass@k (Chen et al. 2021): chance that at least one of k completions is right"),
    binary("best_of_*", "at least one of the n completions is right (oracle selection)"),
    fraction("maj@*", "the most common (canonical) answer among n completions is right (self-consistency vote; "
                      "a tie between answers scores the mean of the tied answers' scores)"),
    statistic("chance", "score of answering at random", low=0.0, high=1.0),
)

UNDECLARED_DESCRIPTION = "undeclared by its family: treated as a bounded mean in the observed range"


def undeclared(name: str) -> Metric:
    """What a metric nobody declared is taken to be (an out-of-tree family that declares nothing):
    a bounded mean with a bootstrap interval, the same method in every run, direction unknown."""
    return Metric(name, "bounded", UNDECLARED_DESCRIPTION, None, None, None)


def find_metric(name: str, *declared: Iterable[Metric]) -> Metric | None:
    """The declaration of ``name``: the first exact name over all sources in order, else the first
    matching pattern; None when nothing matches."""
    sources = [tuple(source) for source in declared]
    for source in sources:
        for metric in source:
            if not metric.is_pattern and metric.name == name:
                return metric
    for source in sources:
        for metric in source:
            if metric.is_pattern and metric.matches(name):
                return metric
    return None


def metric_named(metrics: Iterable[Metric], name: str) -> Metric:
    """The declaration of ``name`` among ``metrics`` (a family's own tuple); KeyError when absent."""
    found = find_metric(name, metrics)
    if found is None:
        raise KeyError(f"metric '{name}' is not declared")
    return found


def check_unique(metrics: Iterable[Metric], owner: str) -> tuple[Metric, ...]:
    """The declarations, refusing a name declared twice (which one would win is a coin toss)."""
    out = tuple(metrics)
    seen: set[str] = set()
    for metric in out:
        if not isinstance(metric, Metric):
            raise TypeError(f"{owner}: metrics must be harness Metric declarations, got {metric!r}")
        if metric.name in seen:
            raise ValueError(f"{owner}: metric '{metric.name}' is declared twice")
        seen.add(metric.name)
    return out


def metadata_table(metrics: Mapping[str, Metric]) -> dict[str, dict[str, object]]:
    """{name: metadata} for the run folder (metrics.json) and the report."""
    return {name: metric.to_json() for name, metric in metrics.items()}
