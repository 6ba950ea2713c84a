"""What a family declares so that its answers can be checked backwards by masking a number of the
question (FOBAR, Jiang et al. 2024, "Forward-Backward Reasoning in Large Language Models for
Mathematical Verification"): hide one number of the question as ``x``, state a candidate answer, and
ask the model for ``x``; a candidate from which the model recovers the hidden numbers is likelier to
be right.

Masking makes sense where a question is built from numbers that determine the answer (math word
problems). It does not for Countdown (the numbers are the material, not premises), Sudoku or
CounterBench: those families declare no ``Family.masking`` and the ``fobar`` strategy refuses them,
naming this hook. The engine never looks inside: the family builds the masked questions, the
backward request and reads the value of x back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from harness.core.types import Request, Sample


@dataclass(frozen=True)
class MaskedQuestion:
    """The question with one number replaced by the unknown ``x``, and that number in the form a
    backward chain's answer is compared with (the family's canonical number text, e.g. "80000")."""

    text: str
    value: str


@dataclass(frozen=True)
class Masking:
    """A family's backward check (``Family.masking``).

    questions  (cfg, sample) -> the masked questions, one per number that can be hidden ([] when the
               question has none: then there is nothing to check and the forward vote stands)
    request    (cfg, sample, masked, candidate) -> the Request that asks for x given that the answer
               is ``candidate`` (the family's canonical answer; None for the unparseable candidate)
    extract    (cfg, text) -> the value of x a backward chain states (same form as
               ``MaskedQuestion.value``), None when it states none; total on any text
    """

    questions: Callable[[Any, Sample], Sequence[MaskedQuestion]]
    request: Callable[[Any, Sample, MaskedQuestion, Any], Request]
    extract: Callable[[Any, str], str | None]
