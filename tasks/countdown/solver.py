"""Exhaustive Countdown search (Stream of Search rules): combine two numbers at a time with
+, *, larger-smaller and exact division until one number is left. Proves solvability and
returns one solution expression."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache


def solve_countdown(numbers: tuple[int, ...], target: int) -> str | None:
    """An expression using every number exactly once that equals target, or None."""
    items = tuple(sorted((Fraction(n), str(n)) for n in numbers))
    return _search(items, Fraction(target))


@lru_cache(maxsize=200_000)
def _search(items: tuple[tuple[Fraction, str], ...], target: Fraction) -> str | None:
    if len(items) == 1:
        value, expr = items[0]
        return expr if value == target else None
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            (a, ea), (b, eb) = items[i], items[j]
            rest = items[:i] + items[i + 1 : j] + items[j + 1 :]
            if a < b:
                (a, ea), (b, eb) = (b, eb), (a, ea)
            candidates = [(a + b, f"({ea} + {eb})"), (a * b, f"({ea} * {eb})"), (a - b, f"({ea} - {eb})")]
            if b != 0 and a % b == 0:
                candidates.append((a / b, f"({ea} / {eb})"))
            for value, expr in candidates:
                found = _search(tuple(sorted(rest + ((value, expr),))), target)
                if found is not None:
                    return found
    return None


def strip_outer_parens(expr: str) -> str:
    if expr.startswith("(") and expr.endswith(")"):
        depth = 0
        for i, ch in enumerate(expr):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and i < len(expr) - 1:
                return expr
        return expr[1:-1]
    return expr
