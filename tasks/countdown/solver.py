"""Exhaustive Countdown search under the Stream of Search rules: combine numbers with +, *,
larger-minus-smaller and exact division. A dynamic programme over subsets of the numbers lists
every reachable value with one expression for it, so solvability is proved, not sampled."""

from __future__ import annotations


def reachable_values(numbers: tuple[int, ...]) -> dict[int, str]:
    """Every value reachable using all the numbers exactly once, with one expression each."""
    n = len(numbers)
    table: dict[int, dict[int, str]] = {1 << i: {value: str(value)} for i, value in enumerate(numbers)}
    for mask in range(1, 1 << n):
        if mask in table:
            continue
        values: dict[int, str] = {}
        sub = (mask - 1) & mask
        while sub:
            other = mask ^ sub
            if sub < other:  # each unordered split once
                for a, ea in table[sub].items():
                    for b, eb in table[other].items():
                        _combine(values, a, ea, b, eb)
            sub = (sub - 1) & mask
        table[mask] = values
    return table[(1 << n) - 1]


def _combine(values: dict[int, str], a: int, ea: str, b: int, eb: str) -> None:
    if a < b:
        a, ea, b, eb = b, eb, a, ea
    values.setdefault(a + b, f"({ea} + {eb})")
    values.setdefault(a * b, f"({ea} * {eb})")
    values.setdefault(a - b, f"({ea} - {eb})")
    if b != 0 and a % b == 0:
        values.setdefault(a // b, f"({ea} / {eb})")


def solve_countdown(numbers: tuple[int, ...], target: int) -> str | None:
    """An expression using every number exactly once that equals target, or None."""
    return reachable_values(tuple(numbers)).get(target)


def strip_outer_parens(expr: str) -> str:
    """'(a + b)' -> 'a + b' when the outer pair encloses the whole expression."""
    if not (expr.startswith("(") and expr.endswith(")")):
        return expr
    depth = 0
    for i, ch in enumerate(expr):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(expr) - 1:
            return expr
    return expr[1:-1]
