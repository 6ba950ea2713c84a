"""Multistep arithmetic traces in BIG-Bench Mistake's step format, correct or with one wrong result.

A problem is a tree of groups, e.g. "((-5 + 2 * 1 - 6) + (5 + 3 - -2 * 2)) =": innermost groups of
2-6 numbers in -9..9 joined by +, - and *, combined pairwise (depth 1: two groups, depth 2: four).
The trace names the groups A, B, ... ("This equation can be written as ..."), calculates each group
one operation at a time (multiplications first, then left to right: "(5 + 2 * 1 - 6) = (5 + 2 - 6)
= (7 - 6) = 1"), then combines them ("Then, the final equation is ... So the answer is R").

A mistake is one wrong operation result in a calculation step (off by 1 to 10 either way);
every later operation, step and the answer are computed from the wrong number, so the first wrong
step is exactly the one that holds it. Pure functions of (problem, fault): no randomness here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Union

OPS = ("+", "-", "*")
LETTERS = "ABCDEFGH"


@dataclass(frozen=True)
class Group:
    numbers: tuple[int, ...]
    ops: tuple[str, ...]  # len(numbers) - 1 operators


@dataclass(frozen=True)
class Node:
    op: str
    left: Tree
    right: Tree


Tree = Union[int, Node]  # a leaf is the index of a group


@dataclass(frozen=True)
class ArithmeticProblem:
    groups: tuple[Group, ...]
    tree: Tree

    @property
    def text(self) -> str:
        return f"{_tree_text(self.tree, lambda i: group_text(self.groups[i]))} ="


@dataclass(frozen=True)
class Fault:
    """A wrong result: in calculation step ``step`` (1 = group A, ..., len(groups)+1 = the final
    equation), the ``operation``-th operation (0-based) yields its true value + ``delta``."""

    step: int
    operation: int
    delta: int


def make_problem(rng: random.Random, depth: int, min_terms: int, max_terms: int) -> ArithmeticProblem:
    n_groups = 2 ** depth
    groups = []
    for _ in range(n_groups):
        size = rng.randint(min_terms, max_terms)
        groups.append(Group(tuple(rng.randint(-9, 9) for _ in range(size)), tuple(rng.choice(OPS) for _ in range(size - 1))))
    leaves: list[Tree] = list(range(n_groups))
    while len(leaves) > 1:
        leaves = [Node(rng.choice(OPS), leaves[i], leaves[i + 1]) for i in range(0, len(leaves), 2)]
    return ArithmeticProblem(tuple(groups), leaves[0])


def number(value: int) -> str:
    return str(value)


def group_text(group: Group) -> str:
    parts = [number(group.numbers[0])]
    for op, value in zip(group.ops, group.numbers[1:]):
        parts += [op, number(value)]
    return "(" + " ".join(parts) + ")"


def _tree_text(tree: Tree, leaf, outer: bool = False) -> str:
    if isinstance(tree, int):
        return leaf(tree)
    text = f"{_tree_text(tree.left, leaf)} {tree.op} {_tree_text(tree.right, leaf)}"
    return text if outer else f"({text})"


def apply(op: str, a: int, b: int) -> int:
    return a + b if op == "+" else a - b if op == "-" else a * b


def _fault_value(true: int, fault: Fault | None, step: int, operation: int) -> int:
    if fault is not None and fault.step == step and fault.operation == operation:
        return true + fault.delta
    return true


def reduce_group(group: Group, fault: Fault | None, step: int) -> tuple[list[str], int]:
    """The texts after each operation (multiplications first, then left to right) and the value."""
    values, ops = list(group.numbers), list(group.ops)
    texts: list[str] = []
    operation = 0
    while ops:
        index = ops.index("*") if "*" in ops else 0
        result = _fault_value(apply(ops[index], values[index], values[index + 1]), fault, step, operation)
        values[index : index + 2] = [result]
        del ops[index]
        operation += 1
        texts.append(group_text(Group(tuple(values), tuple(ops))) if ops else number(values[0]))
    return texts, values[0]


def reduce_tree(tree: Tree, values: list[int], fault: Fault | None, step: int) -> tuple[list[str], int]:
    """The final equation after each operation (the leftmost innermost pair first) and the value."""
    texts: list[str] = []
    operation = 0
    current: Tree = tree
    leaf_values = dict(enumerate(values))
    next_leaf = len(values)
    while isinstance(current, Node):
        current, done, next_leaf = _reduce_once(current, leaf_values, fault, step, operation, next_leaf)
        operation += 1
        texts.append(_tree_text(current, lambda i: number(leaf_values[i]), outer=True))
    return texts, leaf_values[current]


def _reduce_once(tree: Tree, leaf_values: dict[int, int], fault, step, operation, next_leaf):
    """Replace the leftmost node whose children are both numbers by a new leaf holding its value."""
    if isinstance(tree, int):
        return tree, False, next_leaf
    if isinstance(tree.left, int) and isinstance(tree.right, int):
        value = _fault_value(apply(tree.op, leaf_values[tree.left], leaf_values[tree.right]), fault, step, operation)
        leaf_values[next_leaf] = value
        return next_leaf, True, next_leaf + 1
    left, done, next_leaf = _reduce_once(tree.left, leaf_values, fault, step, operation, next_leaf)
    if done:
        return Node(tree.op, left, tree.right), True, next_leaf
    right, done, next_leaf = _reduce_once(tree.right, leaf_values, fault, step, operation, next_leaf)
    return Node(tree.op, tree.left, right), done, next_leaf


def solve(problem: ArithmeticProblem) -> int:
    return trace(problem)[1]


def trace(problem: ArithmeticProblem, fault: Fault | None = None) -> tuple[list[str], int]:
    """(steps, answer) of the trace, with ``fault`` applied when given."""
    letters = LETTERS[: len(problem.groups)]
    formula = _tree_text(problem.tree, lambda i: letters[i], outer=True)
    where = " and ".join(f"{letter} = {group_text(group)}" for letter, group in zip(letters, problem.groups))
    steps = [f'This equation can be written as "{formula}", where {where}.']
    values = []
    for index, (letter, group) in enumerate(zip(letters, problem.groups)):
        texts, value = reduce_group(group, fault, index + 1)
        values.append(value)
        steps.append(f"Let's calculate {letter} = {' = '.join([group_text(group), *texts])}.")
    texts, answer = reduce_tree(problem.tree, values, fault, len(problem.groups) + 1)
    substituted = _tree_text(problem.tree, lambda i: number(values[i]), outer=True)
    chain = " = ".join([formula, substituted, *texts])
    steps.append(f"Then, the final equation is {chain}. So the answer is {number(answer)}")
    return steps, answer


def operation_counts(problem: ArithmeticProblem) -> list[int]:
    """Operations per calculation step (index 0 = the decomposition, which has none)."""
    return [0, *(len(group.ops) for group in problem.groups), len(problem.groups) - 1]


def random_fault(problem: ArithmeticProblem, rng: random.Random) -> Fault:
    """A wrong result at a uniformly chosen operation of the trace."""
    places = [(step, op) for step, count in enumerate(operation_counts(problem)) for op in range(count)]
    step, operation = rng.choice(places)
    delta = rng.choice([d for d in range(-10, 11) if d != 0])
    return Fault(step, operation, delta)
