"""LR2Bench's default scoring: the per-item rules of the authors' `2-merge_answer.py` (github
ZNLP/LR2Bench c426beb3), reproduced without `eval`.

The answer text comes from extraction.upstream_answer_text (their `1-extract_answer.py`). Then:
- complete (CR) whenever the text differs from the task's default `{}` / `[]` / `[[]]`, even when
  it does not parse afterwards;
- the text's value is what `eval` gives it, computed by harness.parsing.safe_expr (constant expressions
  only: where `eval` would look up a name, call something or run for hours, the answer counts as
  unparseable, which is what `eval` raising gives upstream);
- crossword, acrostic, cryptogram: answer and gold keys `str(k).lower()`, values
  `str(v).replace(" ", "").lower()`; a gold key absent from the answer compares with "MISSING";
  an answer that is not a dict (a set), or whose `str()` fails, gets no entry right;
- logic: keys and values `str().lower()`, spaces kept; each gold row is compared with the first
  answer row that contains the gold row's first (key, value) pair, a missing key with ""; an
  answer that is not a list of dicts matches nothing;
- sudoku: cells compared raw with `==` (so 1 == 1.0 == True, but "1" != 1), only the cells empty
  in the puzzle; drop: raw `==`, case-sensitive, every gold cell that is not "#".
EM and PM-0.5 are decided per item as upstream does (all / at least half of the subtasks right).
Where upstream's script itself stops with an exception (a sudoku or drop row that is a number or a
set, a dict row without the column's index: `len()` or indexing fails outside its `try`), the
harness counts that row's (or cell's) subtasks as wrong and goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.parsing.safe_expr import ExpressionLimits, evaluate_expression
from harness.parsing.safe_literal import LiteralError
from tasks.lr2bench.extraction import upstream_answer_text, upstream_default_text
from tasks.lr2bench.spec import TASK_SPECS

# eval has no size limits; these only refuse what eval would spend minutes or gigabytes on.
UPSTREAM_LIMITS = ExpressionLimits()


@dataclass(frozen=True)
class UpstreamVerdict:
    """One item as `2-merge_answer.py` counts it."""

    text: str  # the extracted answer text (the task's default when none)
    parsed: bool  # eval would succeed on the text
    value: Any  # eval's value (None when not parsed)
    completed: bool  # counts towards CR
    correct: int  # right subtasks
    exact: bool  # EM
    half: bool  # PM-0.5


class _Unscorable(Exception):
    """Upstream's own `try` would catch an exception here (or its script would stop)."""


def upstream_verdict(task: str, gold: Any, response: str, require_tag: bool = True) -> UpstreamVerdict:
    """Extract, evaluate and compare one response the way the authors' scripts do."""
    text = upstream_answer_text(task, response, require_tag)
    try:
        value, parsed = evaluate_expression(text, UPSTREAM_LIMITS), True
    except LiteralError:
        value, parsed = None, False
    kind = TASK_SPECS[task].answer_kind
    if kind == "dict":
        correct, exact, half = _dict_counts(gold, value, parsed)
    elif kind == "rows":
        correct, exact, half = _logic_counts(gold, value, parsed)
    elif task == "sudoku":
        grid = gold["grid"]
        correct, total = _grid_counts(gold["answer"], value if parsed else [[]], lambda r, c: grid[r][c] == 0)
        correct = min(correct, total)
        exact, half = correct == total, correct / total >= 0.5
    else:
        correct, total = _grid_counts(gold, value if parsed else [[]], lambda r, c: gold[r][c] != "#")
        correct = min(correct, total)
        exact, half = correct == total, correct / total >= 0.5
    return UpstreamVerdict(text, parsed, value, text != upstream_default_text(task), correct, exact, half)


def _norm_dict(mapping: Any) -> dict[str, str]:
    """Their norm_dict: falsy -> {}; else keys str().lower(), values without " " and lower-cased."""
    if not mapping:
        return {}
    if not isinstance(mapping, dict):
        raise _Unscorable("no .items()")
    try:
        return {str(key).lower(): str(value).replace(" ", "").lower() for key, value in mapping.items()}
    except ValueError as exc:  # str() of an integer over 4300 digits
        raise _Unscorable(str(exc)) from None


def _dict_counts(gold: dict, value: Any, parsed: bool) -> tuple[int, bool, bool]:
    if not parsed:
        return 0, False, False
    try:
        gold_n = _norm_dict(gold)
        answer = _norm_dict(value)
    except _Unscorable:
        return 0, False, False
    correct = sum(gold_value == answer.get(key, "MISSING") for key, gold_value in gold_n.items())
    if not gold_n:  # their correct_cnt / len(gold) raises inside the try
        return 0, False, False
    return correct, correct == len(gold_n), correct / len(gold_n) >= 0.5


def _norm_rows(rows: Any) -> list[dict[str, str]]:
    """Their logic norm(): every element must be a dict; keys and values str().lower()."""
    try:
        items = list(rows)
    except TypeError:
        raise _Unscorable("not iterable") from None
    out = []
    for row in items:
        if not isinstance(row, dict):
            raise _Unscorable("a row without .items()")
        try:
            out.append({str(key).lower(): str(value).lower() for key, value in row.items()})
        except ValueError as exc:
            raise _Unscorable(str(exc)) from None
    return out


def _logic_counts(gold: list[dict], value: Any, parsed: bool) -> tuple[int, bool, bool]:
    answer: list[dict[str, str]] = []
    if parsed:
        try:
            gold = _norm_rows(gold)  # reassigned before the answer is normalised, as upstream
            answer = _norm_rows(value)
        except _Unscorable:
            answer = []
    correct = total = 0
    for gold_row in gold:
        first_pair = next(iter(gold_row.items()))
        match = next((row for row in answer if first_pair in row.items()), {})
        for key, gold_value in gold_row.items():
            if key == first_pair[0]:
                continue
            total += 1
            correct += gold_value == match.get(key, "")
    return correct, correct == total, correct / total >= 0.5


def _sized(value: Any) -> int | None:
    """len(value), or None where len() raises (upstream's script would stop there)."""
    try:
        return len(value)
    except TypeError:
        return None


def _grid_counts(gold: list[list[Any]], answer: Any, counts) -> tuple[int, int]:
    """(right cells, counted cells): upstream's double loop over min(len(gold), len(answer)) rows and
    min(len(gold row), len(answer row)) columns, comparing raw values with ==."""
    total = sum(1 for r, row in enumerate(gold) for c in range(len(row)) if counts(r, c))
    rows = _sized(answer)
    if rows is None:
        return 0, total
    correct = 0
    for r in range(min(len(gold), rows)):
        try:
            answer_row = answer[r]
        except (TypeError, KeyError, IndexError):
            continue
        columns = _sized(answer_row)
        if columns is None:
            continue
        for c in range(min(len(gold[r]), columns)):
            if not counts(r, c):
                continue
            try:
                cell = answer_row[c]
            except (TypeError, KeyError, IndexError):
                continue
            correct += gold[r][c] == cell
    return correct, total
