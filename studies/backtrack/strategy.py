"""Backtracking one trace from one step, as a strategy over the model session (Tyen et al. 2024, §4).

Given a trace and a location k (0-based): ask the model for step k again at temperature 1, with the
generation prompt and the trace up to step k - 1 in its own turn, until a draw differs from the
original step (at most ``max_draws`` draws, each with its own derived seed); then keep that step
and let the model continue greedily (temperature 0) to the end of the trace. A trace whose draws
all repeat the original step is left as it was. Every request is cached, so a study re-run, or
another location source that picks the same step, asks nothing twice.

The family supplies everything about its traces through ``Family.step_traces`` (harness.StepTraces):
the steps, the requests that continue them, reading a completion back into steps, the answer.
Continuing a partial turn needs a backend that can prefill it (``needs``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from harness import Ask, Generation, Sample, Strategy, StrategyContext, StrategyOutcome

LOCATION = "backtrack_at"  # the unit's field holding the step to regenerate (0-based)


@dataclasses.dataclass(frozen=True)
class BacktrackOptions:
    max_draws: int = 8  # the paper generates 8 outputs for the step at temperature 1
    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int = 0  # cap on the greedy continuation; 0 = the family's

    def validate(self) -> None:
        if not 1 <= self.max_draws <= 100:
            raise ValueError(f"max_draws must be between 1 and 100, got {self.max_draws}")
        if not 0.0 < self.temperature <= 10.0:
            raise ValueError(f"the draws' temperature must be in (0, 10] (at 0 every draw repeats), got {self.temperature}")
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.max_tokens < 0:
            raise ValueError("max_tokens must be >= 0 (0 = the family's)")


def _text(result: Any) -> str:
    return result.texts[0] if isinstance(result, Generation) and result.texts else ""


def backtrack(ctx: StrategyContext, unit: Sample):
    """ctx.request: the family's request for step k after the kept steps (the study builds it)."""
    hooks = ctx.task.family.step_traces
    assert hooks is not None  # applies_to admits families that declare step traces only
    steps, k, options = hooks.steps(unit), int(unit[LOCATION]), ctx.options
    original = steps[k].strip()
    new_step, draws = None, 0
    for draw in range(options.max_draws):
        settings = dataclasses.replace(ctx.request.settings, temperature=options.temperature, top_p=options.top_p, n=1,
                                       seed=ctx.derive_seed("backtrack", k, draw))
        [result] = yield Ask(dataclasses.replace(ctx.request, settings=settings), label=f"Thought {k + 1}, draw {draw + 1}")
        draws += 1
        written = next(iter(hooks.read_steps(_text(result))), "").strip()
        if written and written != original:
            new_step = written
            break
    if new_step is None:
        return _outcome(hooks, unit, steps, changed=False, draws=draws, new_step=None)
    trace = [*steps[:k], new_step]
    if hooks.answer(trace) is None:
        rest = hooks.rest(ctx.task.config, unit, trace)
        if options.max_tokens:
            rest = dataclasses.replace(rest, settings=dataclasses.replace(rest.settings, max_tokens=options.max_tokens))
        [result] = yield Ask(rest, label="the rest, greedily")
        trace += [step for step in hooks.read_steps(_text(result)) if step.strip()]
    return _outcome(hooks, unit, trace, changed=True, draws=draws, new_step=new_step)


def _outcome(hooks, unit: Sample, trace: list[str], changed: bool, draws: int, new_step: str | None) -> StrategyOutcome:
    answer = hooks.answer(trace)
    return StrategyOutcome(
        texts=["\n".join(trace)],
        scores={"right_after": float(hooks.is_right(unit, answer)), "draws": float(draws), "changed": float(changed)},
        info={"location": int(unit[LOCATION]), "new_step": new_step, "steps": trace, "answer": answer},
    )


BACKTRACK = Strategy(
    name="backtrack",
    description="regenerate a trace's step at temperature 1 until it differs (at most 8 draws), then continue greedily",
    run=backtrack,
    needs=frozenset({"generate", "prefill"}),
    options=BacktrackOptions,
    applies_to=lambda task: None if task.family.step_traces is not None else
    "its family declares no step-by-step traces (Family.step_traces)",
)
