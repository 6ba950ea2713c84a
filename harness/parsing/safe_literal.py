"""Parse a Python/JSON-style literal written by a model, safely and with size limits.

Some original scorers call ``eval`` on model text to turn "{'1': 'A'}" or "[[1, 2], [3, 4]]" into
data; a model that writes ``__import__('os').system(...)`` would then run code. This module gives
the same result as ``eval`` for plain literals (str, int, float, bool, None, and lists, tuples,
dicts and sets of them, with unary minus/plus on numbers) and refuses everything else: names, calls,
attributes, operators, comprehensions, f-strings. It never executes anything (``ast.parse`` only
builds a tree; the walk below admits literal nodes only), and it bounds the input size, the nesting
depth, the cost of parsing (priced from the text first: harness/parsing/work_budget.py), the number of
nodes and the size of integers, so any string gets an answer quickly.

Families share it; it knows no task. ``to_json_safe`` turns a parsed value into something
``json.dumps`` accepts (tuples and sets become lists, odd dict keys become strings).
"""

from __future__ import annotations

import ast
import json
import math
import warnings
from dataclasses import dataclass
from typing import Any

from harness.parsing.work_budget import DEFAULT_WORK_BUDGET, parse_cost


class LiteralError(ValueError):
    """The text is not a literal within the limits (the message says why)."""


@dataclass(frozen=True)
class LiteralLimits:
    max_chars: int = 200_000  # longer texts are refused before parsing
    max_depth: int = 32  # nesting of brackets
    max_nodes: int = 200_000  # literal elements in total
    max_int_bits: int = 256  # integers beyond about 77 digits are refused
    max_work: int = DEFAULT_WORK_BUDGET  # parsing, priced from the text before it is parsed (work_budget.py)


DEFAULT_LIMITS = LiteralLimits()
_OPENERS = {"[": "]", "(": ")", "{": "}"}


def parse_literal(text: str, limits: LiteralLimits = DEFAULT_LIMITS) -> Any:
    """The value of a literal expression, as ``eval`` would give it; raises LiteralError otherwise."""
    if not isinstance(text, str):
        raise LiteralError(f"expected a string, got {type(text).__name__}")
    if len(text) > limits.max_chars:
        raise LiteralError(f"literal too long ({len(text)} characters > {limits.max_chars})")
    source = text.strip()
    if not source:
        raise LiteralError("empty text")
    depth = bracket_depth(source)
    if depth > limits.max_depth:
        raise LiteralError(f"literal nested too deeply ({depth} > {limits.max_depth})")
    if parse_cost(source) > limits.max_work:
        raise LiteralError(f"literal too costly to parse ({parse_cost(source):,} > {limits.max_work:,} work units)")
    try:
        with warnings.catch_warnings():  # "invalid escape sequence" and the like: not our output's business
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as exc:
        raise LiteralError(f"not a literal: {type(exc).__name__}") from None
    walker = _LiteralWalker(limits)
    try:
        return walker.value(tree.body, depth=0)
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise LiteralError("literal nested too deeply") from None


def bracket_depth(text: str) -> int:
    """Deepest nesting of ([{ outside quoted strings (an upper bound is all the check needs)."""
    depth = deepest = 0
    quote = ""
    escaped = False
    for char in text:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
            continue
        if char in ("'", '"'):
            quote = char
        elif char in _OPENERS:
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth = max(0, depth - 1)
    return deepest


class _LiteralWalker:
    """Turns literal AST nodes into values; any other node is refused."""

    def __init__(self, limits: LiteralLimits) -> None:
        self.limits = limits
        self.nodes = 0

    def value(self, node: ast.AST, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise LiteralError(f"literal has too many elements (> {self.limits.max_nodes})")
        if depth > self.limits.max_depth:
            raise LiteralError(f"literal nested too deeply (> {self.limits.max_depth})")
        if isinstance(node, ast.Constant):
            return self._constant(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = node.operand
            if isinstance(operand, ast.Constant) and type(operand.value) in (int, float):
                number = self._constant(operand.value)
                return -number if isinstance(node.op, ast.USub) else number
            raise LiteralError("unary minus/plus is allowed on numbers only")
        if isinstance(node, ast.List):
            return [self.value(item, depth + 1) for item in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(self.value(item, depth + 1) for item in node.elts)
        if isinstance(node, ast.Set):
            return self._hashable_collection(set, node.elts, depth)
        if isinstance(node, ast.Dict):
            if any(key is None for key in node.keys):
                raise LiteralError("dict unpacking (**) is not a literal")
            keys = [self.value(key, depth + 1) for key in node.keys if key is not None]
            values = [self.value(item, depth + 1) for item in node.values]
            try:
                return dict(zip(keys, values))
            except TypeError:
                raise LiteralError("unhashable dict key") from None
        raise LiteralError(f"not a literal: {type(node).__name__}")

    def _constant(self, value: Any) -> Any:
        if value is None or type(value) in (str, bool, float):
            return value
        if type(value) is int:
            if value.bit_length() > self.limits.max_int_bits:
                raise LiteralError("integer too large")
            return value
        raise LiteralError(f"constant of type {type(value).__name__} is not allowed")

    def _hashable_collection(self, kind: type, items: list[ast.expr], depth: int) -> Any:
        try:
            return kind(self.value(item, depth + 1) for item in items)
        except TypeError:
            raise LiteralError("unhashable set element") from None


def to_json_safe(value: Any, _depth: int = 0) -> Any:
    """A copy of a parsed literal that json.dumps accepts, even with sort_keys: tuples and sets
    become lists (sets in a stable order), every dict key a string (as JSON would write it, or its
    repr), non-finite floats, bytes, complex numbers and other constants their repr, integers too
    long for int->str conversion a short description."""
    if _depth > 64:
        return _safe_repr(value)[:200]
    if isinstance(value, dict):
        return {_json_key(key): to_json_safe(item, _depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_safe(item, _depth + 1) for item in value]
    if isinstance(value, (set, frozenset)):
        return [to_json_safe(item, _depth + 1) for item in sorted(value, key=_safe_repr)]
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if value is None or isinstance(value, (str, bool, float)):
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= _JSON_INT_BITS else _safe_repr(value)
    return _safe_repr(value)


_JSON_INT_BITS = 14_000  # about 4 200 digits, under Python's 4 300-digit int->str limit


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except ValueError:  # an integer over 4 300 digits somewhere inside
        if isinstance(value, int):
            return f"<integer of {value.bit_length()} bits>"
        return f"<{type(value).__name__} holding an integer over 4300 digits>"


def _json_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool) or (isinstance(key, float) and math.isfinite(key)):
        return json.dumps(key)
    if isinstance(key, int) and key.bit_length() <= _JSON_INT_BITS:
        return json.dumps(key)
    return _safe_repr(key)
