"""Statistics of reasoning traces, each declared (kind, range, direction) and given an interval:

- behaviour counts of the keyword detector or of a judge: mean count per completion and share of
  completions showing each behaviour (``summarize_behaviours``);
- the keyword detector's scorecard on its labelled set: recall, false-positive rate and precision per
  behaviour with Wilson intervals (``detector_scorecard``), shown wherever its counts are shown;
- agreement between a judge and the detector: Cohen's kappa on "shows the behaviour at all" and
  Spearman's rho on the counts, with bootstrap intervals over completions (``judge_agreement``);
- thinking efficiency: tokens to the first correct answer, tokens after it, the share before it,
  thought switches, and for think/no-think models the think-mode rate and accuracy per mode
  (``summarize_efficiency``, ``mode_rows``).

The detection itself lives in harness.parsing.traces (pure text rules); this room adds the statistics.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from harness.core.metric_spec import Metric, binary, bounded, fraction, metric_named, statistic
from harness.parsing.traces import BEHAVIOURS, ThinkingEfficiency, count_behaviours, labelled_examples
from harness.report.intervals import bootstrap_paired_interval, wilson_interval
from harness.report.metrics import MetricValue, metric_mean

DETECTOR_NAME = "keyword detector"


def _words(name: str) -> str:
    return name.replace("_", " ")


BEHAVIOUR_METRICS: tuple[Metric, ...] = tuple(
    metric
    for name in BEHAVIOURS
    for metric in (
        bounded(name, f"sentences showing {_words(name)} per completion ({DETECTOR_NAME}; a lower bound, see its recall)",
                0.0, None, higher_is_better=None),
        binary(f"{name}_any", f"completions with at least one {_words(name)} sentence ({DETECTOR_NAME})",
               higher_is_better=None),
    )
)


JUDGE_BEHAVIOUR_METRICS: tuple[Metric, ...] = tuple(
    metric
    for name in BEHAVIOURS
    for metric in (
        bounded(name, f"{_words(name)} counted by the judge per completion (the paper's <count>N</count>; missing -> 0)",
                0.0, None, higher_is_better=None),
        binary(f"{name}_any", f"completions where the judge counted at least one {_words(name)}", higher_is_better=None),
    )
)


class BehaviourTally:
    """Behaviour counts added one completion at a time, held as one float per behaviour and
    completion (a report over a million completions keeps numbers, never the count dicts)."""

    def __init__(self) -> None:
        self._values = {name: array("d") for name in BEHAVIOURS}
        self.completions = 0

    def add(self, counts: Mapping[str, int]) -> None:
        for name, values in self._values.items():
            values.append(float(counts.get(name, 0)))
        self.completions += 1

    def counts(self, start: int, n: int) -> list[dict[str, int]]:
        """The count dicts of completions start..start+n, as count_behaviours gave them (one key per
        behaviour, in BEHAVIOURS order), without counting again."""
        return [{name: int(values[index]) for name, values in self._values.items()} for index in range(start, start + n)]

    def summary(self) -> dict[str, MetricValue]:
        """Mean count of each behaviour and the share of completions showing it (summarize_behaviours)."""
        out: dict[str, MetricValue] = {}
        for name in BEHAVIOURS:
            values = list(self._values[name])
            out[name] = metric_mean(values, metric_named(BEHAVIOUR_METRICS, name))
            out[f"{name}_any"] = metric_mean([float(v > 0) for v in values], metric_named(BEHAVIOUR_METRICS, f"{name}_any"))
        return out


def summarize_behaviours(per_completion_counts: Iterable[Mapping[str, int]]) -> dict[str, MetricValue]:
    """Across completions: mean count of each behaviour and the share of completions showing it
    (e.g. "backtracking" and "backtracking_any"), each with a 95% CI."""
    tally = BehaviourTally()
    for counts in per_completion_counts:
        tally.add(counts)
    return tally.summary()


# ---- the detector's scorecard on its labelled set -------------------------------------------------

SCORECARD_METRICS: tuple[Metric, ...] = (
    binary("recall", "share of labelled sentences showing the behaviour that the detector counts"),
    binary("false_positive_rate", "share of labelled sentences without the behaviour that the detector counts anyway",
           higher_is_better=False),
    binary("precision", "share of the sentences the detector counts that are labelled with the behaviour"),
)


@dataclass(frozen=True)
class DetectorScore:
    """The detector against the labels for one behaviour (item level: an item counts when the
    detector finds the behaviour in it at all)."""

    behaviour: str
    true_positives: int
    false_negatives: int
    false_positives: int
    true_negatives: int

    @property
    def positives(self) -> int:
        return self.true_positives + self.false_negatives

    @property
    def negatives(self) -> int:
        return self.false_positives + self.true_negatives

    def rate(self, name: str) -> MetricValue:
        hits, n = {"recall": (self.true_positives, self.positives),
                    "false_positive_rate": (self.false_positives, self.negatives),
                    "precision": (self.true_positives, self.true_positives + self.false_positives)}[name]
        if n == 0:
            return MetricValue(math.nan, None, None, 0)
        low, high = wilson_interval(hits, n)
        return MetricValue(hits / n, low, high, n, "wilson")


def score_detector(items: Iterable[Mapping[str, Any]], markers_of: Callable[[str], Any] | None = None) -> list[DetectorScore]:
    """The detector's confusion counts per behaviour on labelled items ({family, text, labels});
    ``markers_of(family)`` gives that family's behaviour_markers hook (None: keywords only)."""
    counts = {name: [0, 0, 0, 0] for name in BEHAVIOURS}
    for item in items:
        hook = markers_of(str(item.get("family", ""))) if markers_of is not None else None
        found = count_behaviours(str(item["text"]), hook)
        for name in BEHAVIOURS:
            labelled, detected = name in item["labels"], found[name] > 0
            counts[name][(0 if detected else 1) if labelled else (2 if detected else 3)] += 1
    return [DetectorScore(name, *counts[name]) for name in BEHAVIOURS]


def family_markers(family_name: str) -> Any:
    """The behaviour_markers hook of an installed family (None when it has none or is not installed)."""
    from harness.core.registry import families

    return next((f.behaviour_markers for f in families() if f.name == family_name), None)


@lru_cache(maxsize=4)
def detector_scorecard(set_name: str = "held_out") -> tuple[DetectorScore, ...]:
    """The keyword detector (with the families' markers) on one labelled set of behaviour_labels.json."""
    return tuple(score_detector(labelled_examples(set_name), family_markers))


def _pct(value: float) -> str:
    return "-" if math.isnan(value) else f"{100 * value:.0f}%"


def scorecard_line(set_name: str = "held_out") -> str:
    """One line for wherever the detector's counts are shown: its held-out recall and false positives."""
    scores = detector_scorecard(set_name)
    recall = ", ".join(f"{_words(s.behaviour)} {_pct(s.rate('recall').value)}" for s in scores)
    worst_fp = max(s.rate("false_positive_rate").value for s in scores)
    items = len(labelled_examples(set_name))
    return (f"{DETECTOR_NAME}: recall {recall}; false positives at most {_pct(worst_fp)}"
            f" ({items} labelled sentences written after the patterns were frozen; docs/behaviours.md)")


def scorecard_markdown(set_name: str = "held_out") -> str:
    """The scorecard as the Markdown table docs/behaviours.md shows (a test keeps the two equal)."""
    def cell(value: MetricValue) -> str:
        if value.n == 0:
            return "-"
        return f"{_pct(value.value)} [{_pct(value.ci_low or 0.0)}, {_pct(value.ci_high or 0.0)}]"

    lines = ["| behaviour | recall [95% CI] | false-positive rate [95% CI] | precision [95% CI] | positives | negatives |",
             "|---|---|---|---|---|---|"]
    for score in detector_scorecard(set_name):
        lines.append(f"| {_words(score.behaviour)} | {cell(score.rate('recall'))} | {cell(score.rate('false_positive_rate'))}"
                     f" | {cell(score.rate('precision'))} | {score.positives} | {score.negatives} |")
    return "\n".join(lines)


# ---- agreement between a judge and the detector ---------------------------------------------------

AGREEMENT_METRICS: tuple[Metric, ...] = (
    statistic("kappa", "Cohen's kappa between judge and detector on whether a completion shows the behaviour at all",
              higher_is_better=True, low=-1.0, high=1.0),
    statistic("spearman", "Spearman's rho between judge and detector counts per completion",
              higher_is_better=True, low=-1.0, high=1.0),
)


def _kappa_rows(a: Any, b: Any) -> Any:
    import numpy as np

    a, b = a > 0, b > 0
    observed = (a == b).mean(axis=1)
    pa, pb = a.mean(axis=1), b.mean(axis=1)
    chance = pa * pb + (1 - pa) * (1 - pb)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(chance < 1.0, (observed - chance) / (1.0 - chance), np.nan)


def _spearman_rows(a: Any, b: Any) -> Any:
    import numpy as np
    from scipy.stats import rankdata

    ra, rb = rankdata(a, axis=1), rankdata(b, axis=1)
    ra, rb = ra - ra.mean(axis=1, keepdims=True), rb - rb.mean(axis=1, keepdims=True)
    denominator = np.sqrt((ra * ra).sum(axis=1) * (rb * rb).sum(axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, (ra * rb).sum(axis=1) / denominator, np.nan)


def _agreement_value(rows: Callable[[Any, Any], Any], a: Sequence[float], b: Sequence[float]) -> MetricValue:
    import numpy as np

    if not a:
        return MetricValue(math.nan, None, None, 0)
    value = float(rows(np.asarray([a], dtype=float), np.asarray([b], dtype=float))[0])
    interval = bootstrap_paired_interval(a, b, rows, value, -1.0, 1.0)
    if interval is None:
        return MetricValue(value, None, None, len(a))
    return MetricValue(value, interval[0], interval[1], len(a), "bootstrap")


def cohen_kappa(a: Sequence[float], b: Sequence[float]) -> MetricValue:
    """Kappa on count > 0 (NaN when both raters say the same thing of every completion: undefined)."""
    return _agreement_value(_kappa_rows, a, b)


def spearman(a: Sequence[float], b: Sequence[float]) -> MetricValue:
    """Spearman's rho on counts, ties ranked by their mean (NaN when either side is constant)."""
    return _agreement_value(_spearman_rows, a, b)


def judge_agreement(detector: Sequence[Mapping[str, int]], judge: Sequence[Mapping[str, int | None]]) -> dict[str, dict[str, Any]]:
    """{behaviour: {"kappa", "spearman": MetricValue, "both", "judge_only", "detector_only", "neither": int}}
    over the completions the judge answered (a count of None: the judge's request failed)."""
    out: dict[str, dict[str, Any]] = {}
    for name in BEHAVIOURS:
        pairs = [(float(d.get(name, 0)), float(count)) for d, j in zip(detector, judge) if (count := j.get(name)) is not None]
        det, jud = [p[0] for p in pairs], [p[1] for p in pairs]
        table = {"both": 0, "judge_only": 0, "detector_only": 0, "neither": 0}
        for d, j in pairs:
            table["both" if d and j else "judge_only" if j else "detector_only" if d else "neither"] += 1
        out[name] = {"kappa": cohen_kappa(det, jud), "spearman": spearman(det, jud), **table}
    return out


# ---- thinking efficiency -------------------------------------------------------------------------

EFFICIENCY_METRICS: tuple[Metric, ...] = (
    bounded("first_correct_tokens", "tokens generated before the first correct answer appears (completions that reach one)",
            0.0, None, higher_is_better=False),
    bounded("tokens_after_first_correct", "tokens generated after the first correct answer (reflection; completions that reach one)",
            0.0, None, higher_is_better=False),
    fraction("share_before_first_correct", "share of a completion's tokens spent before its first correct answer"
             " (ThinkBench's efficiency: the rest is reflection)"),
    bounded("thought_switches", "sentences opening a new line of thought ('alternatively', 'wait', 'let me reconsider')"
            " per completion", 0.0, None, higher_is_better=None),
    binary("think_mode_rate", "completions that open with the think-mode control token (<think>) rather than <short>",
           higher_is_better=None),
    binary("accuracy_think", "accuracy of the completions in think mode"),
    binary("accuracy_short", "accuracy of the completions in short (no-think) mode"),
)


def _efficiency_mean(values: Sequence[float], name: str) -> MetricValue:
    return metric_mean(values, metric_named(EFFICIENCY_METRICS, name))


def summarize_efficiency(readings: Sequence[ThinkingEfficiency], correct: Sequence[bool]) -> dict[str, MetricValue]:
    """Means with 95% CIs over completions, each as its declaration says (EFFICIENCY_METRICS); the
    think-mode numbers only when some completion chose a mode."""
    reached = [r for r in readings if r.first_correct_tokens is not None]
    out = {
        "first_correct_tokens": _efficiency_mean([float(r.first_correct_tokens or 0) for r in reached], "first_correct_tokens"),
        "tokens_after_first_correct": _efficiency_mean([float(r.tokens_after_first_correct or 0) for r in reached],
                                                       "tokens_after_first_correct"),
        "share_before_first_correct": _efficiency_mean([float(r.share_before_first_correct) for r in reached
                                                        if r.share_before_first_correct is not None], "share_before_first_correct"),
        "thought_switches": _efficiency_mean([float(r.thought_switches) for r in readings], "thought_switches"),
    }
    moded = [(r.mode, ok) for r, ok in zip(readings, correct) if r.mode is not None]
    if moded:
        out["think_mode_rate"] = _efficiency_mean([float(mode == "think") for mode, _ in moded], "think_mode_rate")
        for mode in ("think", "short"):
            out[f"accuracy_{mode}"] = _efficiency_mean([float(ok) for m, ok in moded if m == mode], f"accuracy_{mode}")
    return out


def mode_rows(readings: Sequence[ThinkingEfficiency], correct: Sequence[bool], difficulty: Sequence[str]) -> list[dict[str, Any]]:
    """Per difficulty: how many completions chose each mode, the think-mode rate and the accuracy per
    mode (each with its Wilson interval); empty when no completion opened with a mode token."""
    groups: dict[str, list[tuple[str, bool]]] = {}
    for reading, ok, level in zip(readings, correct, difficulty):
        if reading.mode is not None:
            groups.setdefault(level, []).append((reading.mode, ok))
    rows = []
    for level in sorted(groups):
        members = groups[level]
        row: dict[str, Any] = {"difficulty": level, "completions": len(members),
                               "think_mode_rate": _efficiency_mean([float(m == "think") for m, _ in members], "think_mode_rate")}
        for mode in ("think", "short"):
            row[f"{mode}_completions"] = sum(m == mode for m, _ in members)
            row[f"accuracy_{mode}"] = _efficiency_mean([float(ok) for m, ok in members if m == mode], f"accuracy_{mode}")
        rows.append(row)
    return rows
