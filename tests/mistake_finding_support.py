"""Shared by the mistake-finding tests: the fixture copy of BIG-Bench Mistake (the project's own
traces and prompts, in the original schema) and an oracle backend that answers mistake-finding
questions from the samples' gold, so the mechanics of every mode are pinned without a model."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from harness.backends.base import Backend
from harness.core.types import Generation, Request, Sample

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "bigbench_mistake"
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "bigbench_mistake"
ASKED = re.compile(r"Is Thought (\d+) (?:correct|right)\?")


class GoldMistakeBackend(Backend):
    """Answers as if it knew each trace's first mistake: trace-level questions with its number (or
    No), step questions with No from the first wrong step on, Yes before it (``shift`` moves the
    location it believes in). Records every request and every generate call's size."""

    name = "gold-oracle"

    def __init__(self, samples: Sequence[Sample], shift: int = 0, cot: bool = False) -> None:
        self.samples, self.shift, self.cot = list(samples), shift, cot
        self.asked: list[Request] = []
        self.calls: list[int] = []

    def _sample(self, question: str) -> Sample:
        matches = [s for s in self.samples if s["input"] in question]
        return max(matches, key=lambda s: len(s["input"]))

    def _reply(self, request: Request) -> str:
        question = request.messages[-1]["content"] if request.messages else request.prompt
        sample = self._sample(question)
        index = sample["mistake_index"]
        believed = None if index is None else index + 1 + self.shift
        asked = ASKED.search(question)
        if asked is None:
            return "No" if believed is None else str(believed)
        wrong = believed is not None and int(asked.group(1)) >= believed
        if self.cot:
            return f"Comment 1: I checked Thought {asked.group(1)}.\nComment 2: So it is {'wrong' if wrong else 'right'}. {'No' if wrong else 'Yes'}"
        return "No" if wrong else "Yes"

    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        self.calls.append(len(requests))
        for index, request in enumerate(requests):
            self.asked.append(request)
            yield index, Generation(texts=[self._reply(request)], finish_reasons=["stop"], prompt_tokens=11,
                                    completion_tokens=[2])
