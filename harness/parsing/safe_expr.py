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
(``eval`` would look names up in the caller's variables or run code), and work whose cost could
explode, decided before it runs: an integer result over ``max_int_bits`` (``9 ** 9 ** 9``, which
``eval`` spends hours on), a sequence longer than ``max_length`` (``'a' * 10 ** 10``, which ``eval``
runs out of memory on), text longer than ``max_chars``, nesting deeper than ``max_depth``, a value
bigger than ``max_size`` (counted through its nesting: what comparing, hashing or printing it walks),
and, for the whole evaluation, more than ``max_work`` units of work (harness/parsing/work_budget.py:
parsing, every operation and every value built are priced before they run, so any text gets a
verdict within a fraction of a second however many cheap-looking steps it chains).
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
from harness.parsing.work_budget import (
    DEFAULT_WORK_BUDGET,
    DIGIT_BITS,
    WorkBudget,
    WorkBudgetExceeded,
    int_digits,
    number_operation_cost,
    parse_cost,
)


class ExpressionError(LiteralError):
    """The text is not a constant expression within the limits (the message says why)."""


@dataclass(frozen=True)
class ExpressionLimits:
    max_chars: int = 1_000_000  # longer texts are refused before parsing
    max_depth: int = 300  # nesting of the expression tree (brackets stop at 200 in Python's tokenizer)
    max_int_bits: int = 1 << 20  # computed integers beyond about 315 000 digits
    max_length: int = 1_000_000  # computed str / bytes / list / tuple length
    max_size: int = 10_000_000  # any value, counted through its nesting (work units to print it)
    max_work: int = DEFAULT_WORK_BUDGET  # the whole evaluation, parse included (work units: about 0.1 s)


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
_CONTAINERS = (list, tuple, set, frozenset, dict)
_OPERATOR_NAMES = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.MatMult: "@", ast.Div: "/", ast.FloorDiv: "//",
                   ast.Mod: "%", ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^",
                   ast.BitAnd: "&"}
ELEMENT_SIZE = 20  # work units per item of a list, tuple, set or dict: printing one item costs ~200 ns


def evaluate_expression(text: str, limits: ExpressionLimits = DEFAULT_EXPRESSION_LIMITS, budget: WorkBudget | None = None) -> Any:
    """What ``eval(text)`` returns for a constant expression; ExpressionError where ``eval`` would
    raise, or would need names, code, or more work than ``budget`` (default: ``limits.max_work``)."""
    if not isinstance(text, str):
        raise ExpressionError(f"expected a string, got {type(text).__name__}")
    if len(text) > limits.max_chars:
        raise ExpressionError(f"expression too long ({len(text)} characters > {limits.max_chars})")
    budget = budget if budget is not None else WorkBudget(limits.max_work)
    try:
        budget.charge(parse_cost(text), "parsing the expression")
    except WorkBudgetExceeded as exc:
        raise ExpressionError(str(exc)) from None
    try:
        with warnings.catch_warnings():  # "invalid escape sequence" and the like: eval parses on too
            warnings.simplefilter("ignore")
            tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as exc:
        raise ExpressionError(f"not an expression: {type(exc).__name__}") from None
    try:
        return _Evaluator(limits, budget).value(tree.body, 0)
    except ExpressionError:
        raise
    except WorkBudgetExceeded as exc:
        raise ExpressionError(str(exc)) from None
    except RecursionError:
        raise ExpressionError("expression nested too deeply") from None
    except (ArithmeticError, TypeError, ValueError, KeyError, IndexError, MemoryError) as exc:
        raise ExpressionError(f"evaluation fails: {type(exc).__name__}") from None


class _Evaluator:
    """Evaluates admitted nodes with the builtin operations; any other node is refused. Every step
    is charged to the budget before it runs, and every container built is sized (``_size``: what
    printing, comparing or hashing it walks) so later steps on it are priced without walking it."""

    def __init__(self, limits: ExpressionLimits, budget: WorkBudget) -> None:
        self.limits = limits
        self.budget = budget
        self._sizes: dict[int, int] = {}  # id -> size of the containers built here
        self._chains: dict[int, int] = {}  # id -> longest run of equal hashes in a set or dict built here
        self._alive: list[Any] = []  # keeps every sized container alive, so its id is never reused

    def value(self, node: ast.AST, depth: int) -> Any:
        if depth > self.limits.max_depth:
            raise ExpressionError(f"expression nested too deeply (> {self.limits.max_depth})")
        self.budget.charge(1, "evaluating the expression")
        deeper = depth + 1
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.UnaryOp):
            return self._unary(node, deeper)
        if isinstance(node, ast.BinOp):
            return self._binary_chain(node, deeper)
        if isinstance(node, ast.List):
            return self._built([self.value(item, deeper) for item in self._plain(node.elts)])
        if isinstance(node, ast.Tuple):
            return self._built(tuple(self.value(item, deeper) for item in self._plain(node.elts)))
        if isinstance(node, ast.Set):
            items = [self.value(item, deeper) for item in self._plain(node.elts)]
            chain = self._charge_hashing(items)
            return self._built(set(items), chain)
        if isinstance(node, ast.Dict):
            if any(key is None for key in node.keys):
                raise ExpressionError("dict unpacking (**) is not evaluated")
            pairs = []
            for key, item in zip(node.keys, node.values):
                assert key is not None  # refused above
                key_value = self.value(key, deeper)  # Python evaluates key, then value
                pairs.append((key_value, self.value(item, deeper)))
            chain = self._charge_hashing([key for key, _ in pairs])
            return self._built(dict(pairs), chain)
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
            return self._subscript(container, self._index(node.slice, deeper))
        if isinstance(node, ast.JoinedStr):
            parts = [part for part in node.values if isinstance(part, ast.Constant)]
            if len(parts) != len(node.values):
                raise ExpressionError("f-string placeholders are not evaluated")
            return "".join(str(part.value) for part in parts)  # the parts of an f-string are str
        raise ExpressionError(f"not a constant expression: {type(node).__name__}")

    # -- sizes: what printing, comparing or hashing a value walks, in work units --------------------

    def _size(self, value: Any) -> int:
        known = self._sizes.get(id(value))
        if known is not None:
            return known
        if isinstance(value, int):
            digits = int_digits(value)
            # str() of an int is quadratic, and refused at once past 4 300 decimal digits
            return digits + (digits * digits // 2 if digits * DIGIT_BITS <= 14_300 else 0)
        if isinstance(value, (str, bytes)):
            return len(value) // 16 + 1
        if isinstance(value, _CONTAINERS):  # not built here (cannot happen: constants are scalars)
            items = list(value.items()) if isinstance(value, dict) else list(value)
            return 1 + ELEMENT_SIZE * len(items) + sum(self._size(item) for item in items)
        return 1  # float, complex, bool, None, Ellipsis

    def _built(self, container: Any, chain: int = 0) -> Any:
        """A container just made from evaluated items: charged, sized, refused when too big."""
        self.budget.charge(2 * len(container) + 1, "building a container")
        items = [part for pair in container.items() for part in pair] if isinstance(container, dict) else container
        return self._keep(container, 1 + ELEMENT_SIZE * len(container) + sum(self._size(item) for item in items), chain)

    def _keep(self, container: Any, size: int, chain: int = 0) -> Any:
        """Remember a container's size (and for a set or dict its longest run of equal hashes)."""
        if size > self.limits.max_size:
            raise ExpressionError(f"value too large ({size:,} > {self.limits.max_size:,} work units to print)")
        self._sizes[id(container)] = size
        if chain:
            self._chains[id(container)] = chain
        self._alive.append(container)
        return container

    def _charge_hashing(self, keys: list[Any]) -> int:
        """Charge hashing ``keys`` into a set or dict, including the equality tests between keys
        of equal hash (Python probes them one by one: crafted keys make it quadratic). Returns the
        longest run of equal hashes."""
        seen: dict[int, int] = {}
        longest = 0
        for key in keys:
            size = self._size(key)
            self.budget.charge(size, "hashing a key")
            try:
                digest = hash(key)
            except TypeError:
                raise ExpressionError(f"unhashable key: {type(key).__name__}") from None
            before = seen.get(digest, 0)
            self.budget.charge(before * size, "keys with equal hashes")
            seen[digest] = before + 1
            longest = max(longest, before + 1)
        return longest

    # -- operators --------------------------------------------------------------------------------

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
            self.budget.charge(int_digits(result) if isinstance(result, int) else 1, "a unary operator")
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
        size = self._charge_binary(op, left, right)
        result = _BINARY[op](left, right)
        if type(result) is int and result.bit_length() > self.limits.max_int_bits:
            raise ExpressionError("integer result too large")
        if isinstance(result, _SEQUENCES) and len(result) > self.limits.max_length:
            raise ExpressionError("sequence result too long")
        if isinstance(result, (list, tuple)) and size is not None:
            return self._keep(result, size)
        return result

    def _charge_binary(self, op: type[ast.operator], left: Any, right: Any) -> int | None:
        """Charge one binary operation before it runs; for a list or tuple result, return its size."""
        if isinstance(left, (int, float, complex)) and isinstance(right, (int, float, complex)):
            self.budget.charge(number_operation_cost(_OPERATOR_NAMES[op], left, right), f"the operation {_OPERATOR_NAMES[op]}")
            return None
        if op is ast.Add and isinstance(left, _SEQUENCES) and type(left) is type(right):
            if isinstance(left, (str, bytes)):
                self.budget.charge((len(left) + len(right)) // 64 + 1, "joining text")
                return None
            self.budget.charge(2 * (len(left) + len(right)), "joining sequences")
            return self._size(left) + self._size(right) - 1
        if op is ast.Mult:
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, _SEQUENCES) and isinstance(count, int):
                    times = max(count, 0)
                    if isinstance(seq, (str, bytes)):
                        self.budget.charge(len(seq) * times // 64 + 1, "repeating text")
                        return None
                    size = 1 + times * (self._size(seq) - 1)
                    if size > self.limits.max_size:
                        raise ExpressionError(f"value too large ({size:,} > {self.limits.max_size:,} work units to print)")
                    self.budget.charge(2 * len(seq) * times, "repeating a sequence")
                    return size
        self.budget.charge(1, "an operation")  # a type error, or a cheap mixed operation
        return None

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
            self.budget.charge(self._comparison_cost(op, left, right), "a comparison")
            outcome = _COMPARE[type(op)](left, right)
            if not outcome:
                return outcome
            left = right
        return outcome

    def _comparison_cost(self, op: ast.cmpop, left: Any, right: Any) -> int:
        """At most a walk over the smaller side; ``in`` walks the container (for a set or dict, the
        keys whose hash equals the item's)."""
        if isinstance(op, (ast.In, ast.NotIn)):
            if isinstance(right, (str, bytes)) and isinstance(left, (str, bytes)):
                return (len(left) + len(right)) // 64 + 1
            if isinstance(right, (set, frozenset, dict)):
                return self._size(left) * (1 + self._chains.get(id(right), 1))
            return self._size(right) + self._size(left)
        if isinstance(left, (set, frozenset, dict)) or isinstance(right, (set, frozenset, dict)):
            return self._size(left) + self._size(right)
        return min(self._size(left), self._size(right)) + 1

    def _index(self, node: ast.AST, depth: int) -> Any:
        if isinstance(node, ast.Slice):
            parts = (node.lower, node.upper, node.step)
            return slice(*(None if part is None else self.value(part, depth) for part in parts))
        return self.value(node, depth)

    def _subscript(self, container: Any, index: Any) -> Any:
        if isinstance(container, dict):
            self.budget.charge(self._size(index) * (1 + self._chains.get(id(container), 1)), "a dict lookup")
            return container[index]
        if isinstance(index, slice) and isinstance(container, _SEQUENCES):
            try:
                count = len(range(*index.indices(len(container))))
            except (TypeError, ValueError, OverflowError):
                count = 0  # the subscript below raises what eval raises
            if isinstance(container, (str, bytes)):
                self.budget.charge(count // 64 + 1, "a slice")
                return container[index]
            self.budget.charge(2 * count + 1, "a slice")
            return self._keep(container[index], self._size(container))  # no bigger than what it was cut from
        return container[index]
