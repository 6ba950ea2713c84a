"""Scoring a mistake location: the paper's exact-match accuracy, split as the paper splits it.

An answer is "No" (no mistake) or the number N of the first wrong Thought (1-based; the data's
mistake_index is 0-based). It is right when it is "No" on a trace without a mistake, or exactly
mistake_index + 1 on a trace with one (Tyen et al.: "A model's output is only considered correct
if the location matches exactly, or the output correctly indicates that there are no mistakes").

Reading the reply (the paper publishes no parser; this is ours, and it is total): text after a
closing </think> only; the last "answer is X" / "Answer: X" if the reply has one (a chain of
thought ends that way), else the reply's first word; X is "No"/"None", or a number (also written
"Thought 3", "#3"). Anything else is unparseable and wrong. The step modes' strategy writes its
prediction in the same form, so every mode is scored here.
"""

from __future__ import annotations

import re
from typing import Any

from harness.core.metric_spec import binary
from harness.core.types import Sample, Verdict
from tasks.mistake_finding.config import MistakeFindingConfig

_CHOICE = r"(no\b|none\b|(?:thought|step)?[ \t#]{0,2}\d{1,6}\b)"
_MARKER = re.compile(r"\banswer\b[ \t]{0,3}(?:is|would be|:|=|-)?[ \t:\"'(]{0,4}" + _CHOICE, re.IGNORECASE)
_LEADING = re.compile(r"^[\W_]{0,8}" + _CHOICE, re.IGNORECASE)
_DECORATION = re.compile(r"[*_`]")
_DIGITS = re.compile(r"\d+")
_THINK_CLOSE = "</think>"
TAIL_CHARS = 4000  # where an answer marker is looked for (the end of a long reply)

MISTAKE_METRICS = (
    binary("accuracy", "the answer is the first wrong Thought's number, or No on a trace without a mistake (the paper's accuracy)"),
    binary("accuracy_with_mistake", "accuracy on traces that have a mistake: the exact number of the first wrong Thought"),
    binary("accuracy_without_mistake", "accuracy on traces without a mistake: the answer is No"),
    binary("decision_accuracy", "whether the trace has a mistake at all is answered right (any number counts as 'has one')"),
    binary("mistake_predicted", "the answer names a mistake (a number): how often the model finds fault", higher_is_better=None),
)


def parse_location(text: str) -> Any:
    """"No", the 1-based Thought number (int), or None (unparseable); never raises."""
    if not isinstance(text, str):
        return None
    if _THINK_CLOSE in text:
        text = text[text.rfind(_THINK_CLOSE) + len(_THINK_CLOSE) :]
    tail = _DECORATION.sub("", text[-TAIL_CHARS:])
    markers = list(_MARKER.finditer(tail))
    if markers:
        return _choice(markers[-1].group(1))
    leading = _LEADING.match(_DECORATION.sub("", text[:200]).strip())
    return _choice(leading.group(1)) if leading else None


def _choice(word: str) -> Any:
    digits = _DIGITS.search(word)
    return int(digits.group(0)) if digits else "No"


def gold_location(sample: Sample) -> Any:
    """The right answer: "No", or the first wrong Thought's 1-based number."""
    index = sample["mistake_index"]
    return "No" if index is None else index + 1


def score_location(cfg: MistakeFindingConfig, sample: Sample, text: str) -> Verdict:
    predicted = parse_location(text)
    has_mistake = sample["mistake_index"] is not None
    right = predicted is not None and predicted == gold_location(sample)
    scores = {
        "accuracy": float(right),
        ("accuracy_with_mistake" if has_mistake else "accuracy_without_mistake"): float(right),
        "decision_accuracy": float(predicted is not None and isinstance(predicted, int) == has_mistake),
        "mistake_predicted": float(isinstance(predicted, int)),
    }
    return Verdict(answer=predicted, scores=scores)


def source_task_group(sample: Sample) -> dict[str, str]:
    """A table row per BIG-Bench task the traces come from."""
    return {"source_task": str(sample.get("source_task", ""))}
