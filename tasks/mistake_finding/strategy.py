"""The step-level modes as a strategy: one Yes/No question per step, the prediction is the first No.

Tyen et al.: "Direct step-level prompting prompts for a binary Yes/No output for every step ... In
each generation call, the input contains the partial trace up to (and including) the target step,
but does not contain results for previous steps. The final answer is inferred from where the first
'No' output occurs (subsequent steps are ignored)." CoT step-level does the same with a reply that
reasons first and ends in Yes or No. The family names this strategy for its step modes
(``default_strategy``), so `harness run mistake-finding-step` asks every step; the prediction
("No", or the number of the first step answered No) is scored like a trace-level answer.

Options: ``order=all`` (default) asks every step of a trace in one round, as the paper does;
``order=until-no`` asks one step at a time and stops at the first No: fewer requests, the same
prediction (the questions do not depend on each other's answers). A step reply is read with
tasks.counterbench.strategies.extract_yes_no; a reply with no Yes or No counts as not No.
"""

from __future__ import annotations

import dataclasses

from harness.core.metric_spec import bounded, fraction
from harness.core.registry import Task
from harness.core.types import Generation, Request, Sample
from harness.strategies.registry import register_strategy
from harness.strategies.types import Ask, Strategy, StrategyContext, StrategyOutcome, StrategyProgram
from tasks.counterbench.strategies import extract_yes_no
from tasks.mistake_finding.requests import step_request

ORDERS = ("all", "until-no")


@dataclasses.dataclass(frozen=True)
class FirstNoOptions:
    order: str = "all"

    def validate(self) -> None:
        if self.order not in ORDERS:
            raise ValueError(f"order must be one of {', '.join(ORDERS)}, got '{self.order}'")


def first_no(ctx: StrategyContext, sample: Sample) -> StrategyProgram:
    steps = len(sample["steps"])
    answers: list[str | None] = []
    if ctx.options.order == "all":
        results = yield Ask([_ask(ctx, sample, k) for k in range(1, steps + 1)], label=f"Thoughts 1-{steps}")
        answers = [extract_yes_no(_reply(result)) for result in results]
    else:
        for k in range(1, steps + 1):
            [result] = yield Ask(_ask(ctx, sample, k), label=f"Thought {k}")
            answers.append(extract_yes_no(_reply(result)))
            if answers[-1] == "no":
                break
    first = next((i for i, answer in enumerate(answers) if answer == "no"), None)
    prediction = "No" if first is None else str(first + 1)
    return StrategyOutcome(
        texts=[prediction],
        scores={"steps_asked": float(len(answers)),
                "step_unparsed": sum(answer is None for answer in answers) / len(answers)},
        info={"step_answers": answers},
    )


def _reply(result: object) -> str:
    return result.texts[0] if isinstance(result, Generation) and result.texts else ""


def _ask(ctx: StrategyContext, sample: Sample, step: int) -> Request:
    """The question about one step, with the run's settings (one completion per step)."""
    question = step_request(ctx.task.config, sample, step)
    return dataclasses.replace(ctx.request, prompt=question.prompt, messages=question.messages,
                               settings=dataclasses.replace(ctx.request.settings, n=1))


def step_modes_only(task: Task) -> str | None:
    if task.family.name != "mistake-finding" or getattr(task.config, "mode", None) not in ("step", "cot-step"):
        return "it asks about each step of a BIG-Bench Mistake trace: use mistake-finding-step or mistake-finding-cot"
    return None


FIRST_NO = register_strategy(Strategy(
    name="first-no",
    description="mistake finding, step-level: one Yes/No question per step of the trace; the prediction is the first No",
    run=first_no,
    options=FirstNoOptions,
    applies_to=step_modes_only,
    metrics=(
        bounded("steps_asked", "step questions asked for the trace", 1.0, None, higher_is_better=None),
        fraction("step_unparsed", "share of step replies with neither Yes nor No (read as not No)", higher_is_better=False),
    ),
))
