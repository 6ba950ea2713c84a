"""Forward and backward prompts in FOBAR's layout (Jiang et al. 2024, main_forward_reasoning.py and
main_backward_reasoning.py): few-shot exemplars, a blank line, then

    Question: {question}
    A:

forward, and backward (the question with one number masked as x)

    Question: {masked question}
    If we know the answer of the above question is {candidate}, what is the value of unknown variable x?
    A:

The backward line is the one the authors' code sends ("answer of"; their exemplars and the paper say
"answer to"). The exemplars are ours by default (prompts/*_ours.txt, written for this project); the
authors' 8-shot files load from the user's copy with --set forward_prompt=PATH / backward_prompt=PATH.
The whole text is one user message for chat models, and the plain prompt for base models.
"""

from __future__ import annotations

import functools
from pathlib import Path

from harness.core.data import read_text_file
from harness.core.masking import MaskedQuestion
from harness.core.types import GenerationSettings, Request, Sample
from tasks.mathword.config import OURS, MathPromptConfig

PROMPTS = Path(__file__).resolve().parent / "prompts"
BACKWARD_LINE = "If we know the answer of the above question is {candidate}, what is the value of unknown variable x?"
STOP = ("\nQuestion:",)  # a base model that goes on to invent the next exemplar is cut there


@functools.lru_cache(maxsize=16)
def _exemplars(path: str) -> str:
    return read_text_file(Path(path).expanduser()).strip()  # stripped, as the authors read theirs


def exemplars(setting: str, direction: str) -> str:
    """The few-shot text for ``direction`` ("forward" | "backward"): ours, or the user's file."""
    return _exemplars(str(PROMPTS / f"{direction}_ours.txt") if setting == OURS else setting)


def _request(cfg: MathPromptConfig, text: str) -> Request:
    settings = GenerationSettings(max_tokens=cfg.max_tokens, temperature=cfg.temperature, stop=STOP)
    return Request(kind="generate", prompt=text, messages=({"role": "user", "content": text},), settings=settings)


def forward_text(cfg: MathPromptConfig, question: str) -> str:
    return f"{exemplars(cfg.forward_prompt, 'forward')}\n\nQuestion: {question}\nA:"


def build_forward_request(cfg: MathPromptConfig, sample: Sample) -> Request:
    return _request(cfg, forward_text(cfg, str(sample["question"])))


def backward_text(cfg: MathPromptConfig, masked: MaskedQuestion, candidate: object) -> str:
    """The backward question for one candidate answer (None, the unparseable candidate, reads as an
    empty answer, as the authors' empty string does)."""
    line = BACKWARD_LINE.format(candidate="" if candidate is None else candidate)
    return f"{exemplars(cfg.backward_prompt, 'backward')}\n\nQuestion: {masked.text}\n{line}\nA:"


def build_backward_request(cfg: MathPromptConfig, sample: Sample, masked: MaskedQuestion, candidate: object) -> Request:
    return _request(cfg, backward_text(cfg, masked, candidate))
