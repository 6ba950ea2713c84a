"""Cutting the answer out of a response, the way LR2Bench's extraction does, without eval.

Two readings. The default (``upstream_answer_text``) is the authors' `1-extract_answer.py` at
c426beb3: `re.findall` with IGNORECASE | DOTALL of `<Answer>(.*?)</Answer>` (cryptogram:
`<Mapping>`), the last block stripped, then the last match of `\\{.*?\\}` (crossword, acrostic,
cryptogram), `\\[.*?\\]` (logic) or `\\[\\s*\\[.*?\\]\\s*\\]` (sudoku, drop) inside it; no block or no
match gives the task's default text `{}` / `[]` / `[[]]`. The opener and closer are searched with
the same compiled regexes (so `re`'s case folding decides, e.g. `<ANSWER>` matches), one search
each per match, which returns exactly findall's non-overlapping shortest matches in linear time
(the one-regex findall retries from every opener: quadratic on a megabyte of unclosed tags).

The strict reading (``scoring=strict``, ``extract_answer``; protocols.md section 4): take the last
<Answer>...</Answer> block (cryptogram: <Mapping>...</Mapping>), case-sensitive, then inside it the
last match of {..} (crossword, acrostic, cryptogram), [..] (logic) or [[..]] (sudoku, drop); no
match = the empty answer. "Last match" is read as the last
of the non-overlapping shortest matches a regex findall of `<Answer>(.*?)</Answer>` or `\\{.*?\\}`
(DOTALL) returns. The scans below give exactly those matches with str.find, in linear time, so a
1 MB response of unclosed brackets costs milliseconds instead of the regex's quadratic retries.
The matched text is then read by harness.parsing.safe_literal, never executed.
"""

from __future__ import annotations

import re
from functools import lru_cache
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


# The authors' patterns, split at their lazy `.*?` into (opener, closer); DOTALL makes `.` total.
UPSTREAM_BRACKETS = {"{": (r"\{", r"\}"), "[": (r"\[", r"\]"), "[[": (r"\[\s*\[", r"\]\s*\]")}
UPSTREAM_DEFAULTS = {"{": "{}", "[": "[]", "[[": "[[]]"}


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.DOTALL)


def last_regex_match(text: str, opener: str, closer: str, inner: bool) -> str | None:
    """The last of `re.findall(opener + "(.*?)" + closer)`'s matches (the group when `inner`, else
    the whole match), or None. The leftmost opener with a closer after it starts each match, the
    first closer after it ends it; when the leftmost opener has no closer, no later one has."""
    open_re, close_re = _compiled(opener), _compiled(closer)
    last = None
    position = 0
    while True:
        start = open_re.search(text, position)
        if start is None:
            return last
        end = close_re.search(text, start.end())
        if end is None:
            return last
        last = text[start.end() : end.start()] if inner else text[start.start() : end.end()]
        position = end.end()
        if end.end() == start.start():  # pragma: no cover - the patterns never match empty
            position += 1


def upstream_default_text(task: str) -> str:
    """The text `1-extract_answer.py` stores when it finds no answer ({} / [] / [[]])."""
    return UPSTREAM_DEFAULTS[TASK_SPECS[task].bracket[0]]


def upstream_answer_text(task: str, response: str, require_tag: bool = True) -> str:
    """The answer text exactly as `1-extract_answer.py` stores it (the task's default when none).
    `require_tag=False` (an addition) searches the whole response when it has no tagged block."""
    default = upstream_default_text(task)
    if not isinstance(response, str):
        return default
    spec = TASK_SPECS[task]
    block = last_regex_match(response, f"<{spec.answer_tag}>", f"</{spec.answer_tag}>", inner=True)
    if block is None:
        if require_tag:
            return default
        block = response
    opener, closer = UPSTREAM_BRACKETS[spec.bracket[0]]
    found = last_regex_match(block.strip(), opener, closer, inner=False)
    return default if found is None else found.strip()


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
