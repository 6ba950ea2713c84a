"""Bookkeeping of a search study (see studies/search/study.py): which completions each
(strategy, budget, n) point uses, and the point's accuracy, tokens and behaviours. Pure functions,
no model and no I/O, so every number in a study table can be tested with hand-made attempts.

Vocabulary
- arm: how a problem is attempted. "sequential": one completion with the backtracking prompt;
  "parallel": n completions with the family's default prompt; "forced" and "extend": the sequential
  prompt under budget forcing (the engine's strategies of those names: the end of thinking forced at
  the budget; "Wait" appended when the model stops early).
- attempt: one (possibly multi-request) answer to one problem, identified by (sample id, arm, cap, replicate).
- point: (arm, budget B, n). Sequential, forced, extend: n = 1, cap = B, replicate 0. Parallel: n samples
  with cap = B // n each, replicates 0..n-1. Points share attempts: parallel (1024, 4) and (512, 2) both use
  replicates 0-1 at cap 256, which is why a study never asks the same completion twice.
- solved: any of the point's attempts verifies (the family's primary metric is 1).
- tokens: completion tokens actually generated, summed over the point's attempts (not the caps).
- first-correct tokens: tokens spent until a correct answer first appears in the text, reading the
  point's attempts in replicate order (earlier attempts count in full). Positions inside a completion
  are converted to tokens by the completion's share of characters (an estimate, see harness/parsing/traces.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness import MetricValue, Sample, ScoredSample, Verdict, binary, bounded, mean_with_ci, metric_mean, sampling_metrics
from harness.study import (
    BEHAVIOURS,
    EFFICIENCY_METRICS,
    ThinkingEfficiency,
    mode_rows,
    scorecard_line,
    summarize_behaviours,
    summarize_efficiency,
)

SEQUENTIAL, PARALLEL, FORCED, EXTEND = "sequential", "parallel", "forced", "extend"
ARMS = (SEQUENTIAL, PARALLEL, FORCED, EXTEND)
SINGLE_CHAIN_ARMS = (SEQUENTIAL, FORCED, EXTEND)  # one attempt of B tokens per problem


@dataclass(frozen=True)
class StudyPoint:
    strategy: str  # an arm: SEQUENTIAL | PARALLEL | FORCED | EXTEND
    budget: int  # total token budget B per problem
    n: int  # completions per problem
    cap: int  # max_tokens of each completion

    @property
    def label(self) -> str:
        return f"{self.strategy} B={self.budget} n={self.n}"


AttemptKey = tuple[str, str, int, int]  # (sample id, strategy, cap, replicate)


@dataclass
class Attempt:
    """One completion and everything the study reads from it."""

    sample_id: str
    strategy: str
    cap: int
    replicate: int
    text: str = ""
    completion_tokens: int = 0
    finish_reason: str = "stop"
    verdict: Verdict | None = None
    correct: bool = False
    behaviours: dict[str, int] = field(default_factory=dict)
    first_correct_tokens: int | None = None  # None: no prefix of the text verifies
    efficiency: ThinkingEfficiency | None = None
    strategy_scores: dict[str, float] = field(default_factory=dict)  # forced / extend: thinking_tokens, forced, waits
    inserted: list[list[int]] = field(default_factory=list)  # [start, end) spans budget forcing appended to text
    error: str | None = None

    @property
    def key(self) -> AttemptKey:
        return (self.sample_id, self.strategy, self.cap, self.replicate)


# What each number of a point means (study.json "metric_info"); pass@k, best_of_n and maj@n are the engine's.
POINT_METRICS = (
    binary("accuracy", "problems solved: any of the point's completions verifies"),
    bounded("tokens", "completion tokens generated per problem, summed over its completions", 0.0, None, higher_is_better=False),
    binary("ever_correct", "problems where a correct answer appears somewhere in a completion's text"),
    bounded("first_correct_tokens", "tokens generated per problem before a correct answer first appears (earlier completions"
            " count in full)", 0.0, None, higher_is_better=False),
    binary("forced", "completions whose thinking reached the budget and had its end forced (forced, extend)", higher_is_better=None),
    bounded("waits", "times an early stop was answered with 'Wait' per completion (extend)", 0.0, None, higher_is_better=None),
    *(m for m in EFFICIENCY_METRICS if m.name != "first_correct_tokens"),
)


def _declared(name: str) -> Any:
    return next(m for m in POINT_METRICS if m.name == name)


def metric_info(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, object]]:
    """The declarations of the study's own metrics that appear in ``rows``."""
    present = {name for row in rows for name in row["metrics"]}
    return {m.name: m.to_json() for m in POINT_METRICS if m.name in present}


def study_points(budgets: Sequence[int], parallel_n: Sequence[int], min_cap: int,
                 arms: Sequence[str] = (SEQUENTIAL, PARALLEL)) -> tuple[list[StudyPoint], list[str]]:
    """Every point of the study's arms, and a note for each (B, n) left out because B // n < min_cap."""
    points: list[StudyPoint] = []
    skipped: list[str] = []
    for budget in budgets:
        points.extend(StudyPoint(arm, budget, 1, budget) for arm in SINGLE_CHAIN_ARMS if arm in arms)
        for n in (parallel_n if PARALLEL in arms else ()):
            cap = budget // n
            if cap < min_cap:
                skipped.append(f"parallel B={budget} n={n}: {cap} tokens per sample is below --min-cap {min_cap}")
                continue
            points.append(StudyPoint(PARALLEL, budget, n, cap))
    return points, skipped


def point_attempt_keys(point: StudyPoint, sample_id: str) -> list[AttemptKey]:
    return [(sample_id, point.strategy, point.cap, replicate) for replicate in range(point.n)]


def needed_attempts(points: Iterable[StudyPoint], sample_ids: Iterable[str]) -> list[AttemptKey]:
    """Unique attempts over all points, in a stable order (each is asked of the model once)."""
    ids = list(sample_ids)
    seen: dict[AttemptKey, None] = {}
    for point in points:
        for sample_id in ids:
            for key in point_attempt_keys(point, sample_id):
                seen.setdefault(key, None)
    return list(seen)


@dataclass
class ProblemOutcome:
    """One problem under one point."""

    sample: Sample
    attempts: list[Attempt]

    @property
    def error(self) -> str | None:
        return next((a.error for a in self.attempts if a.error is not None), None)

    @property
    def solved(self) -> bool:
        return any(a.correct for a in self.attempts)

    @property
    def tokens(self) -> int:
        return sum(a.completion_tokens for a in self.attempts)

    @property
    def first_correct_tokens(self) -> int | None:
        spent = 0
        for attempt in self.attempts:
            if attempt.first_correct_tokens is not None:
                return spent + attempt.first_correct_tokens
            spent += attempt.completion_tokens
        return None


def point_outcomes(point: StudyPoint, samples: Sequence[Sample], attempts: Mapping[AttemptKey, Attempt]) -> list[ProblemOutcome]:
    return [ProblemOutcome(s, [attempts[k] for k in point_attempt_keys(point, str(s["id"]))]) for s in samples]


def point_row(point: StudyPoint, outcomes: Sequence[ProblemOutcome], primary_metric: str) -> dict[str, Any]:
    """The study table's row for one point: metrics with 95% CIs plus plain counts."""
    ok = [o for o in outcomes if o.error is None]
    completions = [a for o in ok for a in o.attempts]
    metrics: dict[str, MetricValue] = {
        "accuracy": mean_with_ci([float(o.solved) for o in ok], "binary"),
        "tokens": mean_with_ci([float(o.tokens) for o in ok], "bounded"),
        "ever_correct": mean_with_ci([float(o.first_correct_tokens is not None) for o in ok], "binary"),
        "first_correct_tokens": mean_with_ci([float(o.first_correct_tokens) for o in ok if o.first_correct_tokens is not None],
                                             "bounded"),
    }
    if point.n > 1:
        records = [
            ScoredSample(sample=o.sample, verdicts=[a.verdict for a in o.attempts if a.verdict is not None], scores={})
            for o in ok
        ]
        metrics.update(sampling_metrics(records, primary_metric))
    metrics.update(efficiency_metrics(completions))
    mean_tokens = metrics["tokens"].value if ok else math.nan
    return {
        "strategy": point.strategy,
        "budget": point.budget,
        "n": point.n,
        "cap": point.cap,
        "problems": len(ok),
        "errors": len(outcomes) - len(ok),
        "budget_used": mean_tokens / point.budget if ok else math.nan,
        "max_tokens_seen": max((o.tokens for o in ok), default=0),
        "truncated": _share(a.finish_reason == "length" for a in completions),
        "unparseable": _share(a.verdict is None or a.verdict.answer is None for a in completions),
        "metrics": metrics,
    }


def efficiency_metrics(attempts: Sequence[Attempt]) -> dict[str, MetricValue]:
    """Per completion, averaged over the point's: how tokens were spent (harness.study.summarize_efficiency),
    and for budget forcing the share of completions whose end was forced and the Waits appended."""
    readings = [a for a in attempts if a.efficiency is not None]
    out = summarize_efficiency([a.efficiency for a in readings if a.efficiency], [a.correct for a in readings])
    del out["first_correct_tokens"]  # the point's own first_correct_tokens is per problem (earlier attempts count in full)
    forced = [a.strategy_scores["forced"] for a in attempts if "forced" in a.strategy_scores]
    waits = [a.strategy_scores["waits"] for a in attempts if "waits" in a.strategy_scores]
    if forced:
        out["forced"] = metric_mean(forced, _declared("forced"))
    if waits:
        out["waits"] = metric_mean(waits, _declared("waits"))
    return out


def mode_table(points: Sequence[StudyPoint], samples: Sequence[Sample], attempts: Mapping[AttemptKey, Attempt],
               difficulty: Callable[[Sample], str]) -> list[dict[str, Any]]:
    """For think/no-think models: per point and difficulty, the think-mode rate and accuracy per mode."""
    rows = []
    for point in points:
        used = [(o.sample, a) for o in point_outcomes(point, samples, attempts) for a in o.attempts if a.efficiency is not None]
        for row in mode_rows([a.efficiency for _, a in used if a.efficiency], [a.correct for _, a in used],
                             [difficulty(s) for s, _ in used]):
            rows.append({"strategy": point.strategy, "budget": point.budget, "n": point.n, **row})
    return rows


def behaviour_row(label: dict[str, Any], attempts: Sequence[Attempt]) -> dict[str, Any]:
    """Mean count per completion (and share of completions showing it) of each behaviour."""
    usable = [a for a in attempts if a.error is None]
    return {**label, "completions": len(usable), "metrics": summarize_behaviours(a.behaviours for a in usable)}


def behaviour_rows(points: Sequence[StudyPoint], samples: Sequence[Sample], attempts: Mapping[AttemptKey, Attempt]) -> list[dict[str, Any]]:
    """One row per strategy (every distinct completion it used) and one per point."""
    rows = []
    for strategy in ARMS:
        used = {k: a for k, a in attempts.items() if k[1] == strategy}
        if used:
            rows.append(behaviour_row({"strategy": strategy, "budget": "all", "n": ""}, list(used.values())))
    for point in points:
        used_list = [a for o in point_outcomes(point, samples, attempts) for a in o.attempts]
        rows.append(behaviour_row({"strategy": point.strategy, "budget": point.budget, "n": point.n}, used_list))
    return rows


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else math.nan


# ---- text and CSV ------------------------------------------------------------------------------

STUDY_COLUMNS = ("strategy", "budget", "n", "cap", "problems", "errors", "budget_used", "max_tokens_seen", "truncated", "unparseable")


def _num(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def study_csv_lines(rows: Sequence[dict[str, Any]]) -> list[list[str]]:
    """Header plus one line per row: the plain columns, then every metric with its CI."""
    names: list[str] = []
    for row in rows:
        names.extend(name for name in row["metrics"] if name not in names)
    header = list(STUDY_COLUMNS)
    for name in names:
        header += [name, f"{name}_ci_low", f"{name}_ci_high"]
    lines = [header]
    for row in rows:
        line = [_num(row.get(column, "")) for column in STUDY_COLUMNS]
        for name in names:
            metric = row["metrics"].get(name)
            line += [_num(metric.value), _num(metric.ci_low), _num(metric.ci_high)] if metric else ["", "", ""]
        lines.append(line)
    return lines


def behaviour_csv_lines(rows: Sequence[dict[str, Any]]) -> list[list[str]]:
    header = ["strategy", "budget", "n", "completions"]
    for name in BEHAVIOURS:
        header += [f"{name}_mean", f"{name}_ci_low", f"{name}_ci_high", f"{name}_share"]
    lines = [header]
    for row in rows:
        line = [_num(row["strategy"]), _num(row["budget"]), _num(row["n"]), _num(row["completions"])]
        for name in BEHAVIOURS:
            mean, share = row["metrics"][name], row["metrics"][f"{name}_any"]
            line += [_num(mean.value), _num(mean.ci_low), _num(mean.ci_high), _num(share.value)]
        lines.append(line)
    return lines


def _with_ci(metric: MetricValue | None, digits: int = 3) -> str:
    if metric is None or metric.n == 0 or math.isnan(metric.value):
        return "-"
    if metric.ci_low is None or metric.ci_high is None:
        return f"{metric.value:.{digits}f}"
    return f"{metric.value:.{digits}f} [{metric.ci_low:.{digits}f}, {metric.ci_high:.{digits}f}]"


def format_study_table(rows: Sequence[dict[str, Any]], behaviours: Sequence[dict[str, Any]] = ()) -> str:
    """Fixed-width text: one line per point, then the behaviours per strategy."""
    header = ["strategy", "B", "n", "cap", "accuracy [95% CI]", "tokens/problem", "used", "trunc", "1st correct tok", "N"]
    lines = []
    for row in rows:
        m = row["metrics"]
        lines.append([
            row["strategy"], str(row["budget"]), str(row["n"]), str(row["cap"]), _with_ci(m["accuracy"]),
            _with_ci(m["tokens"], 0), _pct(row["budget_used"]), _pct(row["truncated"]),
            _with_ci(m["first_correct_tokens"], 0), str(row["problems"]),
        ])
    out = _fixed(header, lines)
    overall = [b for b in behaviours if b["budget"] == "all"]
    if overall:
        b_header = ["strategy", "completions", *(f"{name} (share)" for name in BEHAVIOURS)]
        b_lines = [
            [b["strategy"], str(b["completions"]),
             *(f"{b['metrics'][name].value:.2f} ({_pct(b['metrics'][name + '_any'].value)})" for name in BEHAVIOURS)]
            for b in overall
        ]
        out += f"\n\nreasoning behaviours per completion ({scorecard_line()}):\n" + _fixed(b_header, b_lines)
    return out


def _pct(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{100 * value:.0f}%"


def _fixed(header: list[str], lines: list[list[str]]) -> str:
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(header)]
    text = ["  ".join(h.ljust(w) for h, w in zip(header, widths)), "  ".join("-" * w for w in widths)]
    text += ["  ".join(cell.ljust(w) for cell, w in zip(line, widths)) for line in lines]
    return "\n".join(text)
