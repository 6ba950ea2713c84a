"""Plugins written as a user outside the repo would write them (a family with declared metrics, a
scripted backend, a two-round strategy), as source text the tests put in temporary folders."""

BACKEND_CODE = '''
"""A scripted backend: answers "What is A + B?" right when A is even, wrong otherwise."""
import re

from harness import Backend, Generation


class AdderBackend(Backend):
    """adds the two numbers of the question (wrongly when the first is odd)"""

    name = "adder"
    answer_options = frozenset({"offset"})       # changes what it answers: part of the cache key
    transport_options = frozenset({"pace"})      # only how requests travel: not part of it

    def __init__(self, model, options):
        self.offset = int(options.extra.get("offset", 0))
        self.pace = options.extra.get("pace")

    def generate(self, requests):
        for index, request in enumerate(requests):
            a, b = map(int, re.findall(r"-?[0-9]+", request.messages[-1]["content"])[:2])
            answer = a + b + self.offset + (a % 2)
            yield index, Generation(texts=[str(answer)] * request.settings.n, finish_reasons=["stop"] * request.settings.n,
                                    prompt_tokens=5, completion_tokens=[1] * request.settings.n)

    def describe(self):
        return {"name": self.name, "offset": self.offset}
'''

FAMILY_CODE = '''
"""Say the sum of two numbers: one file, no engine edits."""
import random
from dataclasses import dataclass

import harness


@dataclass(frozen=True)
class SumConfig:
    max_number: int = 9

    def validate(self):
        if self.max_number < 1:
            raise ValueError("max_number must be >= 1")


def generate(cfg, seed, index):
    rng = random.Random(f"plussum/{seed}/{index}")
    a, b = rng.randint(0, cfg.max_number), rng.randint(0, cfg.max_number)
    return {"id": f"sum-{seed}-{index}", "a": a, "b": b, "gold": a + b}


def build_request(cfg, sample):
    question = f"What is {sample['a']} + {sample['b']}? Answer with the number only."
    return harness.Request(kind="generate", messages=({"role": "user", "content": question},), prompt=question,
                           settings=harness.GenerationSettings(max_tokens=8))


def score(cfg, sample, text):
    digits = text.strip().split()[0] if text.strip() else ""
    off = abs(int(digits) - sample["gold"]) if digits.lstrip("-").isdigit() else None
    return harness.Verdict(answer=digits or None, scores={"accuracy": float(off == 0),
                                                          "off_by": float(min(off, 100)) if off is not None else 100.0})


harness.register_family(harness.Family(
    name="plussum", description="sum of two numbers (a plugin)", config=SumConfig, build_request=build_request,
    primary_metric="accuracy", score=score, generate=generate,
    metrics=(harness.binary("accuracy", "the answer is the sum"),
             harness.bounded("off_by", "distance of the answer from the sum, capped at 100", 0.0, 100.0,
                             higher_is_better=False)),
    variants={"plussum-big": {"max_number": 999}},
))
'''

STRATEGY_CODE = '''
"""Ask twice, answer with the second reply: a two-round strategy from outside the repo."""
import dataclasses

import harness


def ask_twice(ctx, sample):
    [first] = yield harness.Ask(ctx.request, label="first")
    again = dataclasses.replace(ctx.request, prompt=ctx.request.prompt + " Again.",
                                messages=ctx.request.messages[:-1] + ({"role": "user",
                                                                      "content": ctx.request.messages[-1]["content"] + " Again."},))
    [second] = yield harness.Ask(again, label="second")
    return harness.StrategyOutcome(texts=list(second.texts), scores={"agreed": float(first.texts == second.texts)})


harness.register_strategy(harness.Strategy(
    name="ask-twice", description="ask twice, keep the second", run=ask_twice,
    metrics=(harness.binary("agreed", "both replies were the same", higher_is_better=None),)))
'''
