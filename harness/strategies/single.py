"""The trivial strategy: one request (the family's), its completions scored as they are.

`harness run` without --strategy does exactly this through its own direct path; naming it
(`--strategy single`) goes through the strategy driver and gives the same scores, which the tests
check: it is the reference every other strategy is compared against.
"""

from __future__ import annotations

from harness.core.types import LoglikelihoodResult, Sample
from harness.strategies.registry import register_strategy
from harness.strategies.types import Ask, Strategy, StrategyContext, StrategyOutcome, StrategyProgram


def single_call(ctx: StrategyContext, sample: Sample) -> StrategyProgram:
    [result] = yield Ask(ctx.request, label="answer")
    if isinstance(result, LoglikelihoodResult):
        return StrategyOutcome(texts=[], loglikelihoods=list(result.results))
    return StrategyOutcome(texts=list(result.texts), finish_reasons=list(result.finish_reasons))


SINGLE = register_strategy(Strategy(
    name="single",
    description="one request per sample, its completions scored as they are (what `harness run` does by default)",
    run=single_call,
))
