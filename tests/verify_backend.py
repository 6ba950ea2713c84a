"""A scripted backend for the selectors and the verify study: every answer comes from a script
written by the test, so each selector's arithmetic can be pinned.

Forward draws: the script gives, per problem, the answer of each draw (found from the request's
seed, which the test derives exactly as the strategies do). Backward chains: a candidate recovers
the masked number on the masks the script lists for it, else states a wrong value. Likelihoods:
forward-lp requests get the script's mean log-prob per answer, trlm requests its reverse log-prob
per answer. Token counts are fixed so the accounting can be checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from harness.backends.base import Backend
from harness.core.types import Generation, Loglikelihood, LoglikelihoodResult, Request, Sample
from harness.strategies.types import StrategyContext
from tasks.mathword.masking import mask_numbers
from tests.fake_backend import FakeCountdownBackend

PROMPT_TOKENS, COMPLETION_TOKENS = 10, 5
LOGLIK_CONTEXT_TOKENS, LOGLIK_CONTINUATION_TOKENS = 3, 2
WRONG_X = "99999"
ANSWER_TEXT = re.compile(r"The answer is (\S+)\.")


@dataclass
class Problem:
    """The script of one problem: each draw's answer ("" = an unparseable draw), which masks each
    candidate recovers ("all" or a set of mask indices), and the likelihoods per answer."""

    sample: Sample
    answers: list[str]
    recovers: dict[str, object] = field(default_factory=dict)
    forward_lp: dict[str, float] = field(default_factory=dict)
    reverse_lp: dict[str, float] = field(default_factory=dict)


def draw_seed(task, sample: Sample, run_seed: int, index: int) -> int:
    """The seed the strategies give forward draw ``index`` of ``sample``."""
    ctx = StrategyContext(task=task, sample=sample, request=Request(kind="generate"), options=None, seed=run_seed)
    return ctx.derive_seed("forward", index)


def draw_text(seed: int, answer: str) -> str:
    """A distinct text per draw; an empty answer gives a text without any digit (unparseable)."""
    tag = str(seed).translate(str.maketrans("0123456789", "abcdefghij"))
    return f"Draw {tag}: reasoning. The answer is {answer}." if answer else f"Draw {tag}: no idea at all."


class ScriptedMath(Backend):
    name = "scripted-math"
    supports_loglikelihood = True

    def __init__(self, task, problems: Sequence[Problem], run_seed: int = 0, loglikelihood: bool = True) -> None:
        self.problems = list(problems)
        self.by_seed: dict[int, str] = {}
        for problem in self.problems:
            for index, answer in enumerate(problem.answers):
                self.by_seed[draw_seed(task, problem.sample, run_seed, index)] = answer
        self.supports_loglikelihood = loglikelihood
        self.asked: list[Request] = []

    def _problem_of(self, text: str) -> tuple[Problem | None, int | None]:
        """The problem a prompt is about (None: not a scripted math problem, e.g. Countdown), and
        the masked number's index for a backward prompt."""
        for problem in self.problems:
            question = problem.sample["question"]
            if text.endswith(f"Question: {question}\nA:"):
                return problem, None
            for index, masked in enumerate(mask_numbers(question)):
                if f"Question: {masked.text}\n" in text:
                    return problem, index
        return None, None

    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        for position, request in enumerate(requests):
            self.asked.append(request)
            problem, mask = self._problem_of(request.prompt)
            if problem is None:  # Countdown: the engine tests' deterministic answers, one text per seed
                text = f"draw {request.settings.seed} " + FakeCountdownBackend()._answer(request)
            elif mask is None:
                text = draw_text(request.settings.seed, self.by_seed[request.settings.seed])
            else:
                candidate = re.findall(r"question is (.*), what is the value of unknown variable x\?", request.prompt)[-1]
                masked = mask_numbers(problem.sample["question"])[mask]
                wanted = problem.recovers.get(candidate, ())
                right = wanted == "all" or mask in wanted  # type: ignore[operator]
                text = f"Working backwards. The value of x is {masked.value if right else WRONG_X}."
            yield position, Generation([text], ["stop"], prompt_tokens=PROMPT_TOKENS, completion_tokens=[COMPLETION_TOKENS])

    def loglikelihood(self, requests: Sequence[Request]) -> Iterator[tuple[int, LoglikelihoodResult]]:
        for position, request in enumerate(requests):
            self.asked.append(request)
            [continuation] = request.continuations
            match = ANSWER_TEXT.search(continuation)
            forward = self._problem_of(request.prompt)[0]
            reverse = next((p for p in self.problems if p.sample["question"] == continuation), None)
            if forward is not None:  # forward-lp: the continuation is a draw of a scripted problem
                logprob = forward.forward_lp.get(match.group(1) if match else "", -9.0) * LOGLIK_CONTINUATION_TOKENS
            elif reverse is not None:  # trlm: the continuation is the question, the draw is in the prompt
                found = ANSWER_TEXT.search(request.prompt)
                logprob = reverse.reverse_lp.get(found.group(1) if found else "", -99.0)
            else:  # anything else (Countdown): longer texts are less likely
                logprob = -0.01 * len(continuation)
            yield position, LoglikelihoodResult([Loglikelihood(logprob, False, LOGLIK_CONTINUATION_TOKENS)],
                                                prompt_tokens=LOGLIK_CONTEXT_TOKENS)


class ChatOnlyMath(ScriptedMath):
    """The same script behind a backend that cannot give log-likelihoods (a chat API)."""

    def __init__(self, task, problems: Sequence[Problem], run_seed: int = 0) -> None:
        super().__init__(task, problems, run_seed, loglikelihood=False)
