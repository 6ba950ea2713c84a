"""TinyZero's Countdown reward (`compute_score` in verl/utils/reward_score/countdown.py), reproduced
without `eval`.

Why a second scorer: `accuracy` is the task rule of protocols.md (the last <answer> block anywhere in
the response, exact fractions). TinyZero's own reward reads the text differently, and a number that
is compared with TinyZero's must be computed TinyZero's way. Its rules, all kept here:

- the text is TinyZero's prompt prefix + the response; everything up to the first "Assistant:"
  (else the first "<|im_start|>assistant") is dropped (neither present: reward 0);
- only the LAST LINE is read (text after "\\n"): an answer block that spans lines, or any line after
  it, or a trailing newline gives reward 0;
- in that line the last non-overlapping match of `<answer>(.*?)</answer>`, stripped (found here in
  linear time; the regex is quadratic on lines with many unclosed tags); none: reward 0;
- the numbers check: `re.findall(r"\\d+")` (Unicode digits, so "4.5" uses 4 and 5) as a sorted list
  must equal the sorted given numbers; else 0.1;
- the character check `^[\\d+\\-*/().\\s]+$`, then Python's expression semantics (`**`, `//`,
  floats such as "01.5", int/float/complex arithmetic); any error (syntax, zero division, overflow,
  a tuple or an Ellipsis as the value) gives 0.1;
- 1 when `abs(value - target) < 1e-5`, else 0.1.

The expression is parsed by `ast.parse` (the parser `eval` uses, so it accepts exactly the same
syntax) and walked iteratively with Python's own number operators, so values agree bit for bit.
Where `eval` could not finish (an integer power whose value would exceed `MAX_POWER_BITS` bits, e.g.
`99**99**99`), would need more than a verdict's work budget (harness/parsing/work_budget.py: about
0.1 s of work, e.g. `3**(99*98*97)`, 1.5 million bits, which eval computes in 0.2-0.5 s here), or where its
outcome depends on Python's stack depth (expressions nested ~2 990 levels deep), the reward here is
0.1; see tasks/countdown/README.md.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import warnings
from collections.abc import Callable
from typing import Any

from harness.parsing.work_budget import (
    DEFAULT_WORK_BUDGET,
    WorkBudget,
    WorkBudgetExceeded,
    int_digits,
    number_operation_cost,
    parse_cost,
)

ANSWER_OPEN, ANSWER_CLOSE = "<answer>", "</answer>"
DIGITS = re.compile(r"\d+")
ALLOWED = re.compile(r"^[\d+\-*/().\s]+$")
TOLERANCE = 1e-5  # TinyZero: abs(result - target) < 1e-5
CORRECT, FORMAT, NONE = 1.0, 0.1, 0.0
MAX_POWER_BITS = 1 << 22  # integer powers above this many bits are refused (0.1), see module doc
_OPERATOR_NAMES = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Pow: "**"}

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Pow: operator.pow,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.UAdd: operator.pos, ast.USub: operator.neg}


class _NotANumber(Exception):
    """The expression has no numeric value for TinyZero (its eval raises or yields a non-number)."""


def tinyzero_last_answer(solution_str: str) -> str | None:
    """TinyZero's `extract_solution`: the stripped content of the last <answer>...</answer> on the
    last line after the assistant marker, or None."""
    if "Assistant:" in solution_str:
        solution_str = solution_str.split("Assistant:", 1)[1]
    elif "<|im_start|>assistant" in solution_str:
        solution_str = solution_str.split("<|im_start|>assistant", 1)[1]
    else:
        return None
    line = solution_str[solution_str.rfind("\n") + 1 :]
    last = None
    pos = 0
    while True:  # finditer of <answer>(.*?)</answer> on one line, in linear time
        start = line.find(ANSWER_OPEN, pos)
        if start < 0:
            break
        end = line.find(ANSWER_CLOSE, start + len(ANSWER_OPEN))
        if end < 0:
            break
        last = line[start + len(ANSWER_OPEN) : end]
        pos = end + len(ANSWER_CLOSE)
    return None if last is None else last.strip()


def tinyzero_numbers_match(equation: str, numbers) -> bool:
    """TinyZero's `validate_equation`: the integers written, sorted, equal the given numbers, sorted."""
    try:
        return sorted(int(n) for n in DIGITS.findall(equation)) == sorted(numbers)
    except (ValueError, TypeError):  # int() of > 4 300 digits; upstream's bare except gives False
        return False


def tinyzero_value(equation: str):
    """The value Python's eval would give the equation (int, float or complex), or None where
    TinyZero's `evaluate_equation` gets an exception or a non-number. Never calls eval."""
    if not ALLOWED.match(equation):
        return None
    budget = WorkBudget(DEFAULT_WORK_BUDGET)
    try:
        budget.charge(parse_cost(equation), "parsing the equation")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning "'int' object is not callable"
            tree = ast.parse(equation, mode="eval")
        value = _evaluate(tree.body, budget)
    except (_NotANumber, WorkBudgetExceeded, SyntaxError, ValueError, ArithmeticError, RecursionError, MemoryError, TypeError):
        return None
    return value


def _evaluate(root: ast.AST, budget: WorkBudget):
    """Post-order walk with an explicit stack (no recursion limit of our own); every operation is
    charged to ``budget`` before it runs."""
    stack: list[tuple[ast.AST, bool]] = [(root, False)]
    values: list = []
    while stack:
        node, ready = stack.pop()
        if isinstance(node, ast.Constant):
            if type(node.value) not in (int, float, complex):
                raise _NotANumber  # Ellipsis: every use raises, and it is no number
            values.append(node.value)
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            if ready:
                operand = values.pop()
                budget.charge(int_digits(operand) if isinstance(operand, int) else 1, "a sign")
                values.append(_UNARY[type(node.op)](operand))
            else:
                stack += [(node, True), (node.operand, False)]
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            if ready:
                right, left = values.pop(), values.pop()
                if isinstance(node.op, ast.Pow):
                    _check_power(left, right)
                budget.charge(number_operation_cost(_OPERATOR_NAMES[type(node.op)], left, right), "an operation")
                values.append(_BINARY[type(node.op)](left, right))
            else:
                stack += [(node, True), (node.right, False), (node.left, False)]
        else:  # (), calls like (1)(2), starred arguments: eval raises or returns a non-number
            raise _NotANumber
    return values[0]


def _check_power(base, exponent) -> None:
    """Refuse integer powers too large to compute (eval would run for minutes or hours)."""
    if type(base) is int and type(exponent) is int and exponent > 0 and abs(base) > 1:
        if exponent * math.log2(abs(base)) > MAX_POWER_BITS:
            raise _NotANumber


def tinyzero_reward(solution_str: str, target, numbers) -> float:
    """TinyZero's `compute_score(solution_str, {"target": target, "numbers": numbers})` with its
    defaults (format_score 0.1, score 1): 0 no answer, 0.1 answered but not right, 1 right."""
    equation = tinyzero_last_answer(solution_str)
    if equation is None:
        return NONE
    if not tinyzero_numbers_match(equation, numbers):
        return FORMAT
    value = tinyzero_value(equation)
    if value is None:
        return FORMAT
    try:
        return CORRECT if abs(value - target) < TOLERANCE else FORMAT
    except (TypeError, OverflowError):
        return FORMAT
