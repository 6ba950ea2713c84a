"""The TinyZero Countdown prompt (qwen-instruct wording as chat messages; base prefix as text)."""

from __future__ import annotations

from harness.core.types import GenerationSettings, Request, Sample
from tasks.countdown.config import CountdownConfig

SYSTEM = (
    "You are a helpful assistant. You first thinks about the reasoning process in the mind and then"
    " provides the user with the answer."
)
QUESTION = (
    "Using the numbers {nums}, create an equation that equals {target}. You can use basic arithmetic"
    " operations (+, -, *, /) and each number can only be used once. Show your work in <think> </think>"
    " tags. And return the final answer in <answer> </answer> tags, for example <answer> (1 + 2) / 3"
    " </answer>."
)
# Not part of TinyZero: the "sequential search" prompt of `harness search-study` (Qin et al. 2025).
BACKTRACK_HINT = (
    " Search for it step by step: try a combination, compute its value, and if it does not reach the"
    " target, say so, backtrack and try a different combination until one works."
)
BASE_PREFIX = (
    "A conversation between User and Assistant. The user asks a question, and the Assistant solves it."
    " The assistant first thinks about the reasoning process in the mind and then provides the user"
    " with the answer.\nUser: {question}\nAssistant: Let me solve this step by step.\n<think>"
)


def build_countdown_request(cfg: CountdownConfig, sample: Sample) -> Request:
    question = QUESTION.format(nums=list(sample["nums"]), target=sample["target"])
    if cfg.prompt_style == "backtrack":
        question += BACKTRACK_HINT
    settings = GenerationSettings(max_tokens=cfg.max_tokens, temperature=cfg.temperature)
    prompt = BASE_PREFIX.format(question=question)
    if cfg.template == "base":
        return Request(kind="generate", prompt=prompt, settings=settings)
    messages = ({"role": "system", "content": SYSTEM}, {"role": "user", "content": question})
    return Request(kind="generate", prompt=prompt, messages=messages, settings=settings)
