"""Numeric answers as the FOBAR code reads them (Jiang et al. 2024, `answer_cleansing` for GSM8K,
SVAMP, AddSub, ...): the text after the last cue ("The answer is" in a forward chain, "The value of
x is" in a backward one; the whole text when the cue is absent), commas removed, the last number in
it, trailing zeros of a decimal dropped ("2.50" -> "2.5", "18.0" -> "18"), a trailing "." or "/"
dropped. Answers are compared as these strings.

Written from the protocol, not copied; tests/test_mathword_extraction.py checks it against the
authors' function on thousands of strings when ../shared/reference/upstream/fobar is present,
including its quirks (a float too long for its digits reads as that float's text: 10**20 reads
"100.0", because the authors strip zeros from "1e+20"). Total and linear: any text gets a value or
None, never an exception.
"""

from __future__ import annotations

import re

FORWARD_CUE = "The answer is"
BACKWARD_CUE = "The value of x is"
NUMBER = re.compile(r"-?\d+/?\.?\d*")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10}  # FOBAR's backward files may give a masked number as a word


def normalize_number(token: str) -> str:
    """A number's text with trailing decimal zeros dropped, through Python's float like the FOBAR
    code ("18.0" -> "18", "0.50" -> "0.5"); a token float() cannot read ("3/4") is kept as it is."""
    try:
        value = float(token)
    except ValueError:
        return token
    text = repr(value).rstrip("0")  # repr == str for floats: "18.0", "1e+20", "inf"
    return str(int(text[:-1])) if text.endswith(".") else repr(float(text))


def clean_answer(text: str, cue: str = FORWARD_CUE) -> str | None:
    """The answer a chain states: the last number after the last ``cue`` (or in the whole text),
    normalized; None when there is no number."""
    tail = text.rsplit(cue, 1)[-1].replace(",", "")
    last = None
    for last in NUMBER.finditer(tail):
        pass
    if last is None:
        return None
    answer = normalize_number(last.group())
    if answer.endswith("."):
        answer = answer[:-1]
    if answer.endswith("/"):
        answer = answer[:-1]
    return answer


def gold_number(text: str) -> str:
    """A gold answer as the comparison reads it: commas removed, normalized ("1,000" -> "1000")."""
    return normalize_number(text.strip().replace(",", ""))
