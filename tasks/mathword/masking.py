"""FOBAR's masked questions (Jiang et al. 2024): each number written in digits in the question, one
at a time, replaced by "x" (every occurrence is its own masked question, as in the authors'
backward-question files: "There were 3 dollars ... 49 more ... 49 dollars left" gives three, two of
them with the value 49). Numbers written as words, and clock times or ratios ("1:00", "3:2"), are
not masked. A file in FOBAR's own
backward-question format carries the authors' masks; those are used as given.
"""

from __future__ import annotations

import re

from harness.core.masking import MaskedQuestion
from harness.core.types import Sample
from tasks.mathword.extraction import gold_number

# a number in digits, with thousands commas and decimals ("80,000", "2.5"), not glued to other digits
# and not part of a clock time or ratio ("1:00 PM", "3:2": no single number there means a quantity)
NUMBER_IN_QUESTION = re.compile(r"(?<![\d.,:])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d:]|,\d)")
MAX_MASKS = 32  # a question with more numbers than this is masked on its first 32 only (bounded cost)


def mask_numbers(question: str) -> list[MaskedQuestion]:
    """One masked question per number in the question, in order of appearance."""
    masked = []
    for match in NUMBER_IN_QUESTION.finditer(question):
        masked.append(MaskedQuestion(question[: match.start()] + "x" + question[match.end() :], gold_number(match.group())))
        if len(masked) == MAX_MASKS:
            break
    return masked


def masked_questions(cfg: object, sample: Sample) -> list[MaskedQuestion]:
    """The sample's masks: the authors' when the data file brought them, else ours."""
    given = sample.get("masked")
    if given:
        return [MaskedQuestion(str(item["text"]), str(item["value"])) for item in given]
    return mask_numbers(str(sample["question"]))
