"""Countdown prompts. Three templates:

- ``qwen-instruct``: TinyZero's `make_prefix(dp, "qwen-instruct")` exactly: its system text, its user
  text (which starts with a space), and the assistant turn begun with "Let me solve this step by
  step.\\n<think>" (sent as ``assistant_prefill``; the text form ``prompt`` is the whole prefix,
  byte for byte).
- ``base``: TinyZero's `make_prefix(dp, "base")` exactly (plain text ending in "<think>").
- ``chat`` (default): TinyZero's system and user wording as chat messages, without the user text's
  leading space and without the assistant prefill: NOT byte-identical to any TinyZero prefix.
"""

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
ASSISTANT_PREFILL = "Let me solve this step by step.\n<think>"
BASE_PREFIX = (
    "A conversation between User and Assistant. The user asks a question, and the Assistant solves it."
    " The assistant first thinks about the reasoning process in the mind and then provides the user"
    " with the answer.\nUser: {question}\nAssistant: " + ASSISTANT_PREFILL
)
QWEN_USER = " {question}"  # TinyZero's qwen-instruct user turn starts with a space
QWEN_PREFIX = (
    "<|im_start|>system\n" + SYSTEM + "<|im_end|>\n<|im_start|>user\n" + QWEN_USER
    + "<|im_end|>\n<|im_start|>assistant\n" + ASSISTANT_PREFILL
)


def countdown_question(cfg: CountdownConfig, sample: Sample) -> str:
    question = QUESTION.format(nums=list(sample["nums"]), target=sample["target"])
    if cfg.prompt_style == "backtrack":
        question += BACKTRACK_HINT
    return question


def tinyzero_prefix(cfg: CountdownConfig, sample: Sample) -> str:
    """The text TinyZero's reward sees before the response: make_prefix's output for the base
    template, its qwen-instruct output otherwise (the chat template has no exact TinyZero twin)."""
    question = countdown_question(cfg, sample)
    if cfg.template == "base":
        return BASE_PREFIX.format(question=question)
    return QWEN_PREFIX.format(question=question)


def build_countdown_request(cfg: CountdownConfig, sample: Sample) -> Request:
    question = countdown_question(cfg, sample)
    settings = GenerationSettings(max_tokens=cfg.max_tokens, temperature=cfg.temperature)
    if cfg.template == "base":
        return Request(kind="generate", prompt=BASE_PREFIX.format(question=question), settings=settings)
    if cfg.template == "qwen-instruct":
        messages = ({"role": "system", "content": SYSTEM}, {"role": "user", "content": QWEN_USER.format(question=question)})
        return Request(kind="generate", prompt=QWEN_PREFIX.format(question=question), messages=messages,
                       assistant_prefill=ASSISTANT_PREFILL, settings=settings)
    messages = ({"role": "system", "content": SYSTEM}, {"role": "user", "content": question})
    return Request(kind="generate", prompt=BASE_PREFIX.format(question=question), messages=messages, settings=settings)
