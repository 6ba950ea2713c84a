"""A total work budget for one verdict: every step of evaluating model-written text is priced before it
runs, and an answer whose evaluation would cost more than the budget is refused (the scorer then
counts it as unparseable, as if ``eval`` had raised).

Why: limits per operation (integers under 2**20 bits, sequences under 10**6 items) still let one
answer chain hundreds of operations that each fit them (``[3**661000 + 3**661000 + ...]`` took
36.5 s to score one LR2Bench item), and some single operations that fit them are slow by themselves
(dividing a 10**6-bit integer by a 5*10**5-bit one: 0.7-2 s; parsing a megabyte of list items:
seconds). Prices are deterministic (counted, never timed), so the same answer gets the same verdict
on every machine, at any load. One unit is about 5 ns of CPython on the 2-core machine the prices
were measured on (each price is about twice what that machine took, so a loaded machine still
finishes a verdict well within a second); ``bench/hostile_verdicts.py`` prints the slowest verdicts.
"""

from __future__ import annotations

DEFAULT_WORK_BUDGET = 20_000_000  # units per verdict: about 0.1 s on an idle 2-core machine, 0.3-0.5 s with 9 runnable
# processes on its 2 cores (how the prices were measured); the slowest verdict is one power of ~1.1 million bits
DIGIT_BITS = 30  # CPython stores integers in 30-bit digits; costs below count those
KARATSUBA_CUTOFF = 70  # digits: CPython multiplies schoolbook below, Karatsuba above
PARSE_NODE = 800  # ast.parse, per syntax node (estimated from the text before parsing; see parse_cost)
# characters that each start at most one syntax node: what parse_cost counts
_NODE_MARKS = ",:([{+-*/%<>=!&|^~@"
_HUGE = 1 << 62  # the price of anything astronomically large (never computed)


class WorkBudgetExceeded(ValueError):
    """Evaluating the answer would cost more than its budget (the message says which step)."""


class WorkBudget:
    """Units of work left for one verdict. ``charge`` before each step, never after it: a step
    that would overrun the budget is refused without being run."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def charge(self, units: int, what: str) -> None:
        self.used += units
        if self.used > self.limit:
            raise WorkBudgetExceeded(f"{what} would exceed the work budget of one verdict ({self.limit:,} units)")


def parse_cost(text: str) -> int:
    """An upper bound on what ``ast.parse(text)`` costs, read from the text in linear time: every
    node but a lone constant needs one of a few punctuation characters."""
    return PARSE_NODE * (1 + sum(text.count(mark) for mark in _NODE_MARKS)) + len(text) // 64


def int_digits(value: int) -> int:
    return value.bit_length() // DIGIT_BITS + 1


def multiply_cost(n: int, m: int) -> int:
    """Multiplying integers of n and m digits: schoolbook below the cutoff, else Karatsuba
    (CPython splits the longer factor into pieces the size of the shorter one)."""
    small, large = min(n, m), max(n, m)
    if small <= KARATSUBA_CUTOFF:
        return small * large // 4 + 1
    if small > 1 << 40:
        return _HUGE
    return int(3 * large * small ** 0.585) + 1


def number_operation_cost(operator: str, left: object, right: object) -> int:
    """The price of ``left <operator> right`` on numbers (operator: +, -, *, /, //, %, **, <<, >>,
    &, |, ^). Only integers can be slow; floats and complex numbers cost one unit."""
    if not (isinstance(left, int) and isinstance(right, int)):
        return sum(int_digits(v) for v in (left, right) if isinstance(v, int)) + 1
    n, m = int_digits(left), int_digits(right)
    if operator == "*":
        return multiply_cost(n, m)
    if operator in ("//", "%"):
        return (n - m + 1) * m // 2 + n + 1 if n >= m else n + m  # schoolbook long division
    if operator == "**":
        if right <= 0 or abs(left) <= 1:
            return n + m  # a float, or 0, 1, -1
        result_bits = left.bit_length() * right
        if result_bits > 1 << 40:
            return _HUGE
        digits = result_bits // DIGIT_BITS + 1
        if abs(left) & (abs(left) - 1) == 0:  # a power of two: its squarings are mostly zero digits (2**(2**22): 28 ms)
            return 20 * ((abs(left).bit_length() - 1) * right // DIGIT_BITS + 1)
        return multiply_cost(digits // 2 + 1, digits // 2 + 1) + digits  # the last squaring dominates
    if operator == "<<":
        return _HUGE if right > 1 << 40 else n + max(right, 0) // DIGIT_BITS + 1
    return (n + m) // 2 + 1  # + - / >> & | ^ and comparisons: linear
