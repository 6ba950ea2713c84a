"""``fobar``: forward-backward reasoning (Jiang et al. 2024, "Forward-Backward Reasoning in Large
Language Models for Mathematical Verification"; the authors' code, github ws-jiang/fobar-public,
main_backward_reasoning.py and main_fobar_eval.py, is the protocol followed here).

1. Forward: N sampled completions (selection.draw_forward); P_forward(A) = share of the draws
   answering A. Every distinct answer is a candidate, the unparseable one too (the authors' empty
   answer: it votes and is checked like any other).
2. Backward, only when there are at least two candidates and the question has a number to mask
   (else the forward vote stands, and nothing more is asked): for each candidate A, each masked
   question (the family's ``masking.questions``: one number replaced by x) and each of M chains,
   ask "... If we know the answer of the above question is A, what is the value of unknown variable
   x?" (the family's ``masking.request``, sampled at the draws' temperature); a chain counts for A
   when the value of x it states (``masking.extract``) equals the masked number.
   P_backward(A) = (count_A + eps/K) / (sum of counts + eps), eps = 1e-8, K candidates.
3. P(A) ∝ P_forward(A)^alpha · P_backward(A)^(1 - alpha), alpha = 0.5; the answer with the largest
   P(A), the first in order of appearance on ties (the authors' max over a dict). The chosen draw
   is the first one giving that answer.

``fobar_combine`` is step 3 alone: tests/test_fobar_upstream.py runs the authors' evaluation script
on the same forward votes and backward chains and checks that every choice agrees. Each backward
chain is its own cached request whose seed depends on (masked question, candidate, chain), never on
N, so growing N asks only the chains of new candidates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from harness.core.metric_spec import bounded
from harness.core.registry import Task
from harness.core.types import Generation, Request, Sample
from harness.strategies.registry import register_strategy
from harness.strategies.selection import SELECTION_METRICS, Draw, DrawOptions, answer_counts, chosen, draw_forward
from harness.strategies.types import Ask, Strategy, StrategyContext, StrategyProgram

EPS = 1e-8  # the authors' smoothing of P_backward


@dataclass(frozen=True)
class FobarOptions(DrawOptions):
    """DrawOptions plus M (``chains`` per masked question and candidate) and alpha, the weight of
    the forward vote (the authors' defaults: 8 and 0.5)."""

    chains: int = 8
    alpha: float = 0.5

    def validate(self) -> None:
        super().validate()
        if not 1 <= self.chains <= 100:
            raise ValueError(f"chains must be between 1 and 100, got {self.chains}")
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {self.alpha}")


@dataclass
class FobarChoice:
    """Step 3's result: the chosen answer key, the combined and component probabilities, and the
    backward-only choice (the authors' ``inv_pred_ans``; the forward choice when nothing was checked)."""

    key: str
    combined: dict[str, float]
    forward: dict[str, float]
    backward: dict[str, float] | None
    backward_key: str


def fobar_combine(forward_counts: Mapping[str, int], recovered: Mapping[str, int] | None, alpha: float) -> FobarChoice:
    """Combine forward votes (answer -> draws, in order of first appearance) with backward
    recoveries (candidate -> chains that recovered the masked number; None when no backward check
    ran) as main_fobar_eval.py does, float operation for float operation."""
    total = sum(forward_counts.values())
    forward = {key: count / total for key, count in forward_counts.items()}
    if recovered is None:
        best = max(forward, key=forward.__getitem__)
        return FobarChoice(best, dict(forward), forward, None, best)
    recovered_total = sum(recovered.values())
    backward = {key: (count + EPS / len(recovered)) / (recovered_total + EPS) for key, count in recovered.items()}
    beta = 1 - alpha
    combined = {key: share ** alpha * backward.get(key, EPS) ** beta for key, share in forward.items()}
    return FobarChoice(max(combined, key=combined.__getitem__), combined, forward, backward,
                       max(recovered, key=recovered.__getitem__))


def _chain_request(ctx: StrategyContext, backward: Request, masked_text: str, key: str, chain: int) -> Request:
    options: FobarOptions = ctx.options
    settings = dataclasses.replace(backward.settings, n=1, temperature=options.temperature, top_p=options.top_p,
                                   max_tokens=ctx.request.settings.max_tokens,
                                   seed=ctx.derive_seed("backward", masked_text, key, chain))
    return dataclasses.replace(backward, settings=settings)


def fobar(ctx: StrategyContext, sample: Sample) -> StrategyProgram:
    options: FobarOptions = ctx.options
    masking = ctx.task.family.masking
    assert masking is not None  # applies_to refuses the task otherwise
    draws = yield from draw_forward(ctx, options)
    counts = answer_counts(draws)
    answer_of = {draw.key: draw.answer for draw in draws}
    masks = list(masking.questions(ctx.task.config, sample)) if len(counts) > 1 else []
    recovered: dict[str, int] | None = None
    chains = 0
    if len(counts) > 1 and masks:
        requests, slots = [], []
        for key in counts:
            for mask_index, masked in enumerate(masks):
                backward = masking.request(ctx.task.config, sample, masked, answer_of[key])
                for chain in range(options.chains):
                    requests.append(_chain_request(ctx, backward, masked.text, key, chain))
                    slots.append((key, mask_index))
        results = yield Ask(requests, label="backward")
        recovered = {key: 0 for key in counts}
        for (key, mask_index), result in zip(slots, results):
            assert isinstance(result, Generation)
            value = masking.extract(ctx.task.config, result.texts[0] if result.texts else "")
            if value is not None and value == masks[mask_index].value:
                recovered[key] += 1
        chains = len(requests)
    choice = fobar_combine(counts, recovered, options.alpha)
    index = _first_draw(draws, choice.key)
    scores = {"backward_chains": float(chains)}
    if recovered is not None:
        scores["backward_recovered"] = sum(recovered.values()) / chains
    return chosen(draws, index, scores, forward=choice.forward, backward=choice.backward, combined=choice.combined,
                  recovered=recovered, masks=len(masks), backward_choice=_first_draw(draws, choice.backward_key),
                  forward_choice=_first_draw(draws, max(choice.forward, key=choice.forward.__getitem__)))


def _first_draw(draws: list[Draw], key: str) -> int:
    return next(draw.index for draw in draws if draw.key == key)


def declares_masking(task: Task) -> str | None:
    if task.family.score is None:
        return "it is scored by log-likelihood; choosing among sampled answers needs generated text"
    if task.family.masking is None:
        return (f"family '{task.family.name}' declares no masking (Family.masking): hiding a number of its question"
                " makes no sense there, so FOBAR's backward check cannot run")
    return None


FOBAR = register_strategy(Strategy(
    name="fobar",
    description="FOBAR (Jiang et al. 2024): N sampled completions; each candidate answer checked backwards by masking"
                " each number of the question and asking M chains for it; P ∝ P_forward^alpha · P_backward^(1-alpha)",
    run=fobar, options=FobarOptions, applies_to=declares_masking,
    metrics=(*SELECTION_METRICS,
             bounded("backward_chains", "backward chains asked (0 when one candidate, or no number to mask)", 0.0, None,
                     higher_is_better=None),
             bounded("backward_recovered", "share of the backward chains that recovered the masked number", 0.0, 1.0,
                     higher_is_better=None)),
))

