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
    """An expression using every number exactly once that equals target, or None: the expression
    reachable_values gives for it, found without writing an expression for every other value.

    Why: the generator proves every drawn instance solvable, and building ~10 000 expression strings
    per draw was most of its cost. Here the same dynamic programme runs over values only, in the same
    order (so the first way each value is reached is the same), stops as soon as the target is
    reached with all the numbers, and writes the expression of that one derivation."""
    numbers = tuple(numbers)
    n = len(numbers)
    full = (1 << n) - 1
    positive = target > 0 and all(number > 0 for number in numbers)  # then the last step is found by lookup
    table: dict[int, dict[int, None]] = {1 << i: {value: None} for i, value in enumerate(numbers)}
    for mask in range(1, full + 1):
        if mask in table:
            continue
        if mask == full and positive:
            return _expression(table, numbers, full, target) if _reaches(table, full, target) else None
        values: dict[int, None] = {}
        sub = (mask - 1) & mask
        while sub:
            other = mask ^ sub
            if sub < other:
                right = table[other]
                for a in table[sub]:
                    for b in right:
                        big, small = (b, a) if a < b else (a, b)
                        # _combine's insertions, in its order, inlined (this loop is the generator's cost)
                        values.setdefault(big + small)
                        values.setdefault(big * small)
                        values.setdefault(big - small)
                        if small != 0 and big % small == 0:
                            values.setdefault(big // small)
                if mask == full and target in values:
                    return _expression(table, numbers, full, target)
            sub = (sub - 1) & mask
        table[mask] = values
    return None if n != 1 or numbers[0] != target else str(target)


def _reaches(table: dict[int, dict[int, None]], mask: int, target: int) -> bool:
    """Whether one operation on a value of a split's two sides gives ``target`` (> 0; the values are
    >= 0): a lookup per value of one side instead of every pair."""
    sub = (mask - 1) & mask
    while sub:
        other = mask ^ sub
        if sub < other:
            right = table[other]
            for a in table[sub]:
                if target - a in right or a + target in right or a - target in right:  # sum, difference
                    return True
                if a and ((target % a == 0 and target // a in right)  # product
                          or (a % target == 0 and a // target in right) or a * target in right):  # quotient
                    return True
        sub = (sub - 1) & mask
    return False


def _results(big: int, small: int) -> list[int]:
    """What _combine inserts, in its order: sum, product, difference, exact quotient."""
    out = [big + small, big * small, big - small]
    if small != 0 and big % small == 0:
        out.append(big // small)
    return out


def _expression(table: dict[int, dict[int, None]], numbers: tuple[int, ...], mask: int, value: int) -> str:
    """The expression reachable_values writes for ``value`` over the numbers in ``mask``: that of the
    first split, pair and operation (in the programme's order) that reaches it."""
    if mask & (mask - 1) == 0:
        return str(numbers[mask.bit_length() - 1])
    sub = (mask - 1) & mask
    while sub:
        other = mask ^ sub
        if sub < other:
            for a in table[sub]:
                for b in table[other]:
                    (big, big_mask), (small, small_mask) = ((b, other), (a, sub)) if a < b else ((a, sub), (b, other))
                    for result, op in zip(_results(big, small), ("+", "*", "-", "/")):
                        if result == value:
                            return (f"({_expression(table, numbers, big_mask, big)} {op}"
                                    f" {_expression(table, numbers, small_mask, small)})")
        sub = (sub - 1) & mask
    raise AssertionError(f"{value} is not reachable over mask {mask}")  # pragma: no cover - only called for reached values


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
