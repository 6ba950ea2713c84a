"""Choosing one answer among N sampled forward completions: the shared sampling step, and the two
selectors that need nothing more from the model (``majority``, ``oracle``).

Every selector first draws N completions of the family's request, each its own cached request
(n=1) with a seed derived from the sample and the draw's index, so N=8 reuses the draws of N=4 and
every selector sees the same draws. Then it picks one draw; its text is what the family scores.
The likelihood selectors are in likelihood.py, FOBAR's backward check in fobar.py.

Votes compare the family's canonical answers (``Task.canonical_answer``), as JSON text.
Ties between candidate answers go to the one drawn first (lowest draw index): the draws are
exchangeable, so this is a uniformly random tie-break fixed by the seed, independent of batching
and of the order answers arrive in; it is also FOBAR's rule (a max over answers in order of first
appearance), so ``fobar`` with alpha = 1 is the forward vote over every answer.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

from harness.core.errors import HarnessError
from harness.core.metric_spec import bounded
from harness.core.registry import Task
from harness.core.types import Generation, Request, Sample
from harness.strategies.registry import register_strategy
from harness.strategies.types import Ask, Result, Strategy, StrategyContext, StrategyOutcome, StrategyProgram

SELECTION_METRICS = (
    bounded("candidates", "distinct answers among the sampled completions (unparseable ones count as one answer)",
            1.0, None, higher_is_better=None),
)


@dataclass(frozen=True)
class DrawOptions:
    """How the forward completions are sampled: ``n`` completions at ``temperature`` / ``top_p``
    (FOBAR and self-consistency sample at 0.7)."""

    n: int = 4
    temperature: float = 0.7
    top_p: float = 1.0

    def validate(self) -> None:
        if not 1 <= self.n <= 1000:
            raise ValueError(f"n must be between 1 and 1000, got {self.n}")
        if not 0.0 < self.temperature <= 10.0:
            raise ValueError(f"temperature must be in (0, 10] (at 0 every draw is the same), got {self.temperature}")
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")


@dataclass
class Draw:
    """One forward completion: its text, canonical answer (None = unparseable), the vote key (the
    answer as JSON text) and the family's primary score for it (what only the oracle may look at)."""

    index: int
    text: str
    answer: Any
    key: str
    score: float


def forward_request(ctx: StrategyContext, options: DrawOptions, index: int) -> Request:
    settings = dataclasses.replace(ctx.request.settings, n=1, temperature=options.temperature, top_p=options.top_p,
                                   seed=ctx.derive_seed("forward", index))
    return dataclasses.replace(ctx.request, settings=settings)


def vote_key(answer: Any) -> str:
    return json.dumps(answer, sort_keys=True, default=str)


def read_draw(ctx: StrategyContext, index: int, result: Result) -> Draw:
    assert isinstance(result, Generation)
    text = result.texts[0] if result.texts else ""
    verdict = ctx.score(text)
    answer = ctx.task.canonical_answer(ctx.sample, verdict.answer)
    return Draw(index, text, answer, vote_key(answer), float(verdict.scores.get(ctx.task.primary_metric, 0.0)))


def draw_forward(ctx: StrategyContext, options: DrawOptions) -> Generator[Ask, list[Result], list[Draw]]:
    """The N forward draws of one sample (a sub-program: ``draws = yield from draw_forward(...)``)."""
    if ctx.request.kind != "generate":
        raise HarnessError(f"task '{ctx.task.name}' asks log-likelihoods, not generations; choosing among sampled answers"
                           " needs a task whose answers are generated")
    results = yield Ask([forward_request(ctx, options, i) for i in range(options.n)], label="forward")
    return [read_draw(ctx, i, result) for i, result in enumerate(results)]


def answer_counts(draws: Sequence[Draw]) -> dict[str, int]:
    """Votes per answer key, in order of first appearance (unparseable draws are one answer, "null")."""
    counts: dict[str, int] = {}
    for draw in draws:
        counts[draw.key] = counts.get(draw.key, 0) + 1
    return counts


def first_best(values: Sequence[float]) -> int:
    """The index of the largest value, the first on ties; NaN counts as the lowest."""
    best = 0
    for index, value in enumerate(values):
        if _number(value) > _number(values[best]):
            best = index
    return best


def _number(value: float) -> float:
    return -math.inf if math.isnan(value) else value


def chosen(draws: Sequence[Draw], index: int, scores: dict[str, float] | None = None, **info: Any) -> StrategyOutcome:
    """The outcome that hands the chosen draw to the family's scorer, with what every selector logs:
    the choice, each draw's answer, and the selector's own numbers (``info``)."""
    counts = answer_counts(draws)
    return StrategyOutcome(
        texts=[draws[index].text],
        scores={"candidates": float(len(counts)), **(scores or {})},
        info={"choice": index, "answers": [draw.answer for draw in draws], **info},
    )


def needs_generated_text(task: Task) -> str | None:
    if task.family.score is None:
        return "it is scored by log-likelihood; choosing among sampled answers needs generated text"
    return None


# ---- majority: self-consistency -------------------------------------------------------------------
def majority_choice(draws: Sequence[Draw]) -> int:
    """The first draw of the most common parseable answer (draw 0 when none parses)."""
    counts = answer_counts([draw for draw in draws if draw.answer is not None])
    if not counts:
        return 0
    best = max(counts.values())
    return next(draw.index for draw in draws if draw.answer is not None and counts[draw.key] == best)


def majority(ctx: StrategyContext, sample: Sample) -> StrategyProgram:
    draws = yield from draw_forward(ctx, ctx.options)
    index = majority_choice(draws)
    votes = answer_counts([draw for draw in draws if draw.answer is not None])
    return chosen(draws, index, {"vote_share": votes.get(draws[index].key, 0) / len(draws)}, votes=votes)


# ---- oracle: the ceiling ---------------------------------------------------------------------------
def oracle(ctx: StrategyContext, sample: Sample) -> StrategyProgram:
    draws = yield from draw_forward(ctx, ctx.options)
    return chosen(draws, first_best([draw.score for draw in draws]))


MAJORITY = register_strategy(Strategy(
    name="majority",
    description="self-consistency: N sampled completions, the most common parseable answer (ties: the answer drawn first)",
    run=majority, options=DrawOptions, applies_to=needs_generated_text,
    metrics=(*SELECTION_METRICS, bounded("vote_share", "share of the N completions that gave the chosen answer", 0.0, 1.0,
                                         higher_is_better=None)),
))

ORACLE = register_strategy(Strategy(
    name="oracle",
    description="the ceiling: N sampled completions, one the family's verifier accepts if any does (pass@N / best-of-N)",
    run=oracle, options=DrawOptions, applies_to=needs_generated_text, metrics=SELECTION_METRICS,
))
