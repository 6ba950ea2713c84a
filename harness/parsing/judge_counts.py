"""Reading a behaviour judge's answer: the count between <count> and </count>.

Gandhi et al.'s code (behavioral_evals/gpt_api_eval.py) reads ``re.search(r'<count>(\\d+)</count>', text)``:
the first tagged run of digits, and 0 when there is none. ``read_judge_count`` gives the same number on
every answer where theirs gives one (a differential test runs their code on the same answers). Where
theirs would crash or explode, this one still gives a verdict: a count longer than
MAX_COUNT_DIGITS digits (no trace holds 10^9 sentences; Python refuses int() on over 4,300 digits) is
read as MAX_COUNT and flagged, and a non-string answer reads as 0.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

COUNT_PATTERN = re.compile(r"<count>(\d+)</count>")  # the paper's expression, unchanged
MAX_COUNT = 10**9
MAX_COUNT_DIGITS = 9


@dataclass(frozen=True)
class JudgeCount:
    count: int
    tagged: bool  # False: no <count>N</count> in the answer (read as 0, as upstream)
    clipped: bool = False  # the tagged number was above MAX_COUNT and is read as MAX_COUNT


def read_judge_count(text: object) -> JudgeCount:
    """The judge's count in ``text`` (total: any input gets a verdict, never an exception)."""
    if not isinstance(text, str):
        return JudgeCount(0, False)
    match = COUNT_PATTERN.search(text)
    if match is None:
        return JudgeCount(0, False)
    # "\d" also matches the digits of other scripts ("٣"), which int() reads as their value: so do we
    digits = "".join(str(unicodedata.digit(ch, 0)) for ch in match.group(1)).lstrip("0") or "0"
    if len(digits) > MAX_COUNT_DIGITS:
        return JudgeCount(MAX_COUNT, True, clipped=True)
    return JudgeCount(int(digits), True)
