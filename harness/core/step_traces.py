"""A family's step-by-step reasoning traces, declared for studies that cut a trace at a step and let
a model continue it (the backtracking study of Tyen et al. 2024, studies/backtrack/).

A family whose samples hold a chain of thought as a list of steps (BIG-Bench Mistake) says how a
trace is read, how a model is asked to continue it, and how its answer is judged; a study uses
only these hooks and knows no family. All callables are pure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.core.types import Request, Sample


@dataclass(frozen=True)
class StepTraces:
    """steps          (sample) -> the sample's trace, one string per step
    mistake_index  (sample) -> the first wrong step (0-based), None when the trace has none
    next_step      (cfg, sample, steps) -> a request whose completion is the step that follows
                   ``steps`` (the first steps of the sample's trace, or a new version of them);
                   it continues the model's own turn, so backends must be able to prefill
    rest           (cfg, sample, steps) -> the same, but the completion is the rest of the trace
    read_steps     (completion text) -> the steps it holds (the first is the continued step)
    answer         (steps) -> the answer a trace states, None while it states none
    is_right       (sample, answer) -> whether that answer is the sample's target
    location       (verdict answer of the family's scorer) -> the 0-based step a model named as
                   the first mistake, None for "no mistake" or an unreadable answer
    """

    steps: Callable[[Sample], list[str]]
    mistake_index: Callable[[Sample], int | None]
    next_step: Callable[[Any, Sample, list[str]], Request]
    rest: Callable[[Any, Sample, list[str]], Request]
    read_steps: Callable[[str], list[str]]
    answer: Callable[[list[str]], str | None]
    is_right: Callable[[Sample, str | None], bool]
    location: Callable[[Any], int | None]
