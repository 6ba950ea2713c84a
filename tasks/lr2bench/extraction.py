"""Cutting the answer out of a response, the way LR2Bench's extraction does, without eval.

Original rule (protocols.md section 4): take the last <Answer>...</Answer> block (cryptogram:
<Mapping>...</Mapping>), then inside it the last match of {..} (crossword, acrostic, cryptogram),
[..] (logic) or [[..]] (sudoku, drop); no match = the empty answer. "Last match" is read as the last
of the non-overlapping shortest matches a regex findall of `<Answer>(.*?)</Answer>` or `\\{.*?\\}`
(DOTALL) returns. The scans below give exactly those matches with str.find, in linear time, so a
1 MB response of unclosed brackets costs milliseconds instead of the regex's quadratic retries.
The matched text is then read by harness.parsing.safe_literal, never executed.
"""

from __future__ import annotations

from typing import Any

from harness.parsing.safe_literal import LiteralError, parse_literal
from tasks.lr2bench.spec import TASK_SPECS


def last_delimited(text: str, opener: str, closer: str) -> str | None:
    """The content of the last non-overlapping shortest opener...closer match, or None."""
    last = None
    position = 0
    while True:
        start = text.find(opener, position)
        if start < 0:
            return last
        end = text.find(closer, start + len(opener))
        if end < 0:
            return last
        last = text[start + len(opener) : end]
        position = end + len(closer)


def extract_answer_text(task: str, response: str, require_tag: bool = True) -> str | None:
    """The literal text of the answer (brackets included), or None when there is none."""
    if not isinstance(response, str):
        return None
    spec = TASK_SPECS[task]
    block = last_delimited(response, f"<{spec.answer_tag}>", f"</{spec.answer_tag}>")
    if block is None:
        if require_tag:
            return None
        block = response
    opener, closer = spec.bracket
    inner = last_delimited(block, opener, closer)
    return None if inner is None else opener + inner + closer


def extract_answer(task: str, response: str, require_tag: bool = True) -> Any | None:
    """The parsed answer: a non-empty dict (crossword, acrostic, cryptogram) or list (logic,
    sudoku, drop); None for the empty answer (no block, no match, not a literal, wrong type, empty)."""
    literal = extract_answer_text(task, response, require_tag)
    if literal is None:
        return None
    try:
        value = parse_literal(literal)
    except LiteralError:
        return None
    expected = dict if TASK_SPECS[task].answer_kind == "dict" else list
    if not isinstance(value, expected) or not value:
        return None
    return value
