"""Scoring a forward chain: the number it states (extraction.clean_answer, FOBAR's reading) against
the gold number, compared as normalized strings, as the authors' evaluation does."""

from __future__ import annotations

from harness.core.metric_spec import binary
from harness.core.types import Sample, Verdict
from tasks.mathword.config import MathPromptConfig
from tasks.mathword.extraction import BACKWARD_CUE, clean_answer

MATH_METRICS = (
    binary("accuracy", "the last number after the last 'The answer is' (else in the whole text) equals the gold answer"
                       " (FOBAR's answer_cleansing reading)"),
)


def score_math_answer(cfg: MathPromptConfig, sample: Sample, text: str) -> Verdict:
    answer = clean_answer(text)
    return Verdict(answer=answer, scores={"accuracy": float(answer is not None and answer == sample["answer"])})


def backward_value(cfg: MathPromptConfig, text: str) -> str | None:
    """The value of x a backward chain states (the last number after 'The value of x is')."""
    return clean_answer(text, BACKWARD_CUE)
