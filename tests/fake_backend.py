"""A deterministic in-process backend for engine tests: answers Countdown prompts from the numbers
in the prompt, correctly for even targets and wrongly for odd ones, and counts what it is asked."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from harness.backends.base import Backend, BackendOptions
from harness.core.types import Generation, Loglikelihood, LoglikelihoodResult, Request
from tasks.countdown.solver import solve_countdown


class FakeCountdownBackend(Backend):
    supports_loglikelihood = True

    def __init__(self, model: str = "", options: BackendOptions | None = None, fail_after: int | None = None):
        self.name = "fake"
        self.asked: list[Request] = []
        self.fail_after = fail_after

    def _answer(self, request: Request) -> str:
        text = request.messages[-1]["content"] if request.messages else request.prompt
        match = re.search(r"numbers \[([0-9, ]+)\], create an equation that equals ([0-9]+)", text)
        if not match:
            return "no idea"
        nums = tuple(int(n) for n in match.group(1).split(","))
        target = int(match.group(2))
        if target % 2:
            return f"<think>hmm</think><answer>{' + '.join(map(str, nums))}</answer>"
        return f"<think>search</think><answer>{solve_countdown(nums, target)}</answer>"

    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        for index, request in enumerate(requests):
            if self.fail_after is not None and len(self.asked) >= self.fail_after:
                raise KeyboardInterrupt("simulated Ctrl-C")
            self.asked.append(request)
            texts = [self._answer(request)] * request.settings.n
            yield index, Generation(texts=texts, finish_reasons=["stop"] * len(texts), prompt_tokens=10,
                                    completion_tokens=[5] * len(texts))

    def loglikelihood(self, requests: Sequence[Request]) -> Iterator[tuple[int, LoglikelihoodResult]]:
        for index, request in enumerate(requests):
            self.asked.append(request)
            yield index, LoglikelihoodResult([Loglikelihood(-float(len(c)), True, len(c)) for c in request.continuations])
