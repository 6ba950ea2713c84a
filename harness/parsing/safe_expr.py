"""The value ``eval`` gives a constant Python expression, computed without ``eval``.

Some original scorers (LR2Bench's ``2-merge_answer.py``) call ``eval`` on model text. To score as
they do without running model text, this module evaluates the part of Python that needs no name
lookup: constants of every type (str, bytes, int, float, complex, bool, None, ...), lists, tuples,
sets, dicts, unary and binary operators, ``and``/``or``/``not``, comparisons, ``x if c else y``,
subscripts and slices, and f-strings without placeholders. Evaluation order and laziness follow
Python (``0 and 1/0`` is 0, ``1 if 1 else 1/0`` is 1), and every operation is the builtin one
applied to builtin values, so the result is the one ``eval`` gives, or an error where ``eval``
raises one.

Refused (ExpressionError): names other than the constants, calls, attributes, comprehensions,
lambdas, starred items, ``**`` in dicts, walrus, f-string placeholders and ``str % x`` formatting
(``eval`` would look names up in the caller's variables or run code), and operations whose cost
could explode, decided before they run: an integer result over ``max_int_bits`` (``9 ** 9 ** 9``,
which ``eval`` spends hours on), a sequence longer than ``max_length`` (``'a' * 10 ** 10``, which
``eval`` runs out of memory on), text longer than ``max_chars``, nesting deeper than ``max_depth``.
``ast.parse`` only builds a tree; nothing here executes code.
"""

from __future__ import annotations

import ast
import operator
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.parsing.safe_literal import LiteralError


class ExpressionError(LiteralError):
    """The text is not a constant expression within the limits (the message says why)."""


@dataclass(frozen=True)
class ExpressionLimits:
    max_chars: int = 1_000_000  # longer texts are refused before parsing
    max_depth: int = 300  # nesting of the expression tree (brackets stop at 200 in Python's tokenizer)
    max_int_bits: int = 1 << 20  # computed integers beyond about 315 000 digits
    max_length: int = 1_000_000  # computed str / bytes / list / tuple length


DEFAULT_EXPRESSION_LIMITS = ExpressionLimits()

_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Invert: operator.invert,
    ast.Not: operator.not_,
}
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.MatMult: operator.matmul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
    ast.BitAnd: operator.and_,
}
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_SEQUENCES = (str, bytes, list, tuple)


def evaluate_expression(text: str, limits: ExpressionLimits = DEFAULT_EXPRESSION_LIMITS) -> Any:
    """What ``eval(text)`` returns for a constant expression; ExpressionError where ``eval`` would
    raise, or would need names, code or unbounded time."""
    if not isinstance(text, str):
        raise ExpressionError(f"expected a string, got {type(text).__name__}")
    if len(text) > limits.max_chars:
        raise ExpressionError(f"expression too long ({len(text)} characters > {limits.max_chars})")
    try:
        with warnings.catch_warnings():  # "invalid escape sequence" and the like: eval parses on too
            warnings.simplefilter("ignore")
            tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as exc:
        raise ExpressionError(f"not an expression: {type(exc).__name__}") from None
    try:
        return _Evaluator(limits).value(tree.body, 0)
    except ExpressionError:
        raise
    except RecursionError:
        raise ExpressionError("expression nested too deeply") from None
    except (ArithmeticError, TypeError, ValueError, KeyError, IndexError, MemoryError) as exc:
        raise ExpressionError(f"evaluation fails: {type(exc).__name__}") from None


class _Evaluator:
    """Evaluates admitted nodes with the builtin operations; any other node is refused."""

    def __init__(self, limits: ExpressionLimits) -> None:
        self.limits = limits

    def value(self, node: ast.AST, depth: int) -> Any:
        if depth > self.limits.max_depth:
            raise ExpressionError(f"expression nested too deeply (> {self.limits.max_depth})")
        deeper = depth + 1
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.UnaryOp):
            return self._unary(node, deeper)
        if isinstance(node, ast.BinOp):
            return self._binary_chain(node, deeper)
        if isinstance(node, ast.List):
            return [self.value(item, deeper) for item in self._plain(node.elts)]
        if isinstance(node, ast.Tuple):
            return tuple(self.value(item, deeper) for item in self._plain(node.elts))
        if isinstance(node, ast.Set):
            return {self.value(item, deeper) for item in self._plain(node.elts)}
        if isinstance(node, ast.Dict):
            if any(key is None for key in node.keys):
                raise ExpressionError("dict unpacking (**) is not evaluated")
            out = {}
            for key, item in zip(node.keys, node.values):
                assert key is not None  # refused above
                key_value = self.value(key, deeper)  # Python evaluates key, then value
                out[key_value] = self.value(item, deeper)
            return out
        if isinstance(node, ast.BoolOp):
            return self._bool(node, deeper)
        if isinstance(node, ast.Compare):
            return self._compare(node, deeper)
        if isinstance(node, ast.IfExp):
            while isinstance(node, ast.IfExp):  # a chain of else-ifs, lazily, without recursion
                node = node.body if self.value(node.test, deeper) else node.orelse
            return self.value(node, deeper)
        if isinstance(node, ast.Subscript):
            container = self.value(node.value, deeper)
            return container[self._index(node.slice, deeper)]
        if isinstance(node, ast.JoinedStr):
            parts = [part for part in node.values if isinstance(part, ast.Constant)]
            if len(parts) != len(node.values):
                raise ExpressionError("f-string placeholders are not evaluated")
            return "".join(str(part.value) for part in parts)  # the parts of an f-string are str
        raise ExpressionError(f"not a constant expression: {type(node).__name__}")

    @staticmethod
    def _plain(items: list[ast.expr]) -> list[ast.expr]:
        if any(isinstance(item, ast.Starred) for item in items):
            raise ExpressionError("starred items are not evaluated")
        return items

    def _unary(self, node: ast.UnaryOp, depth: int) -> Any:
        ops: list[Callable[[Any], Any]] = []
        inner: ast.expr = node
        while isinstance(inner, ast.UnaryOp):  # "- - - 1" without recursion
            ops.append(_UNARY[type(inner.op)])
            inner = inner.operand
        result = self.value(inner, depth)
        for op in reversed(ops):
            result = op(result)
        return result

    def _binary_chain(self, node: ast.BinOp, depth: int) -> Any:
        spine = []
        inner: ast.expr = node
        while isinstance(inner, ast.BinOp):  # "1 + 2 + ... + n" nests on the left; walk it in a loop
            spine.append(inner)
            inner = inner.left
        result = self.value(inner, depth)
        for binop in reversed(spine):
            right = self.value(binop.right, depth)
            result = self._apply(type(binop.op), result, right)
        return result

    def _apply(self, op: type[ast.operator], left: Any, right: Any) -> Any:
        self._check_cost(op, left, right)
        result = _BINARY[op](left, right)
        if type(result) is int and result.bit_length() > self.limits.max_int_bits:
            raise ExpressionError("integer result too large")
        if isinstance(result, _SEQUENCES) and len(result) > self.limits.max_length:
            raise ExpressionError("sequence result too long")
        return result

    def _check_cost(self, op: type[ast.operator], left: Any, right: Any) -> None:
        """Refuse, before computing, operations that would take unbounded time or memory."""
        limits = self.limits
        if op is ast.Mod and isinstance(left, (str, bytes)):
            raise ExpressionError("% formatting is not evaluated")
        if op is ast.Mult:
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, _SEQUENCES) and isinstance(count, int):
                    if count > 0 and len(seq) * count > limits.max_length:
                        raise ExpressionError("repetition too long")
            if isinstance(left, int) and isinstance(right, int):
                if left.bit_length() + right.bit_length() > limits.max_int_bits + 1:
                    raise ExpressionError("integer result too large")
        if op is ast.Add and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            if len(left) + len(right) > limits.max_length:
                raise ExpressionError("sequence result too long")
        if op is ast.Pow and isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            if (left.bit_length() - 1) * right > limits.max_int_bits:
                raise ExpressionError("power too large")
        if op is ast.LShift and isinstance(left, int) and isinstance(right, int) and left and right > 0:
            if left.bit_length() + right > limits.max_int_bits:
                raise ExpressionError("shift too large")

    def _bool(self, node: ast.BoolOp, depth: int) -> Any:
        result = None
        for item in node.values:  # stops at the first falsy (and) / truthy (or) value, as Python does
            result = self.value(item, depth)
            if isinstance(node.op, ast.And) and not result:
                return result
            if isinstance(node.op, ast.Or) and result:
                return result
        return result

    def _compare(self, node: ast.Compare, depth: int) -> Any:
        left = self.value(node.left, depth)
        for op, comparator in zip(node.ops, node.comparators):
            if type(op) not in _COMPARE:
                raise ExpressionError("identity comparison (is) is not evaluated")
            right = self.value(comparator, depth)
            outcome = _COMPARE[type(op)](left, right)
            if not outcome:
                return outcome
            left = right
        return outcome

    def _index(self, node: ast.AST, depth: int) -> Any:
        if isinstance(node, ast.Slice):
            parts = (node.lower, node.upper, node.step)
            return slice(*(None if part is None else self.value(part, depth) for part in parts))
        return self.value(node, depth)
