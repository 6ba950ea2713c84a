"""Dyck language traces in BIG-Bench Mistake's step format, correct or with one wrong stack.

The question is a prefix of a well-nested bracket sequence over () [] {} <>; the answer closes every
bracket left open, innermost first. The trace opens with two fixed steps, then one step per symbol
with the stack after it ("[ ; stack: ( ["), then states the final stack, the order of popping, and
the closing brackets with the answer (the dataset's format, which its authors' annotator for this
task parses; tests/test_mistake_finding_reference.py runs that annotator on these traces).

A mistake changes what one step states, and every later step follows from it:
  stack    after a symbol, one bracket that is never popped again is dropped, replaced by another
           opening bracket, or an extra opening bracket is slipped in below the ones still to close
  final    the final stack is misstated (one bracket dropped or replaced)
  order    the popping order swaps two neighbouring brackets
  closing  one closing bracket of the answer is the wrong one
so the first wrong step is exactly the faulted one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

OPEN_TO_CLOSE = {"(": ")", "[": "]", "{": "}", "<": ">"}
CLOSE_TO_OPEN = {close: open_ for open_, close in OPEN_TO_CLOSE.items()}
FIRST_STEPS = ("We should process each input one by one and keep track of the stack configuration.", "stack: empty")


@dataclass(frozen=True)
class Fault:
    """kind: "drop" / "replace" / "insert" (a stack step or, drop/replace only, the final stack),
    "order" (swap pops ``position`` and ``position + 1``), "closing" (closing bracket ``position``
    becomes ``bracket``). ``step`` is the faulted step's index; ``position`` counts from the stack's
    bottom; ``bracket`` is the opening (or, for "closing", closing) bracket put in."""

    step: int
    kind: str
    position: int
    bracket: str = ""


def make_prefix(rng: random.Random, length: int) -> list[str]:
    """A random well-nested prefix of ``length`` symbols that leaves at least one bracket open."""
    symbols: list[str] = []
    stack: list[str] = []
    for index in range(length):
        last = index == length - 1
        if stack and rng.random() < 0.45 and not (last and len(stack) == 1):
            symbols.append(OPEN_TO_CLOSE[stack.pop()])
        else:
            opener = rng.choice(tuple(OPEN_TO_CLOSE))
            stack.append(opener)
            symbols.append(opener)
    return symbols


def _stack_text(stack: list[str]) -> str:
    return " ".join(stack) if stack else "empty"


def _quoted(symbols: list[str]) -> str:
    return '"' + '", "'.join(symbols) + '"'


def trace(symbols: list[str], fault: Fault | None = None) -> tuple[list[str], str]:
    """(steps, answer) for closing ``symbols``, with ``fault`` applied when given."""
    steps = list(FIRST_STEPS)
    stack: list[str] = []
    for symbol in symbols:
        if symbol in CLOSE_TO_OPEN and stack and stack[-1] == CLOSE_TO_OPEN[symbol]:
            stack.pop()
        else:
            stack.append(symbol)
        if fault is not None and fault.step == len(steps):
            _change(stack, fault)
        steps.append(f"{symbol} ; stack: {_stack_text(stack)}")
    final = list(stack)
    if fault is not None and fault.step == len(steps):
        _change(final, fault)
    steps.append(f'Now, we have reached the end. The final stack is "{_stack_text(final)}".')
    pops = list(reversed(final))
    if fault is not None and fault.step == len(steps):
        pops[fault.position], pops[fault.position + 1] = pops[fault.position + 1], pops[fault.position]
    steps.append(f"We will need to pop out {_quoted(pops)} one by one in that order.")
    closing = [OPEN_TO_CLOSE.get(symbol, symbol) for symbol in pops]
    if fault is not None and fault.step == len(steps):
        closing[fault.position] = fault.bracket
    answer = " ".join(closing)
    steps.append(f"So, we need {_quoted(closing)}. So the answer is {answer}")
    return steps, answer


def _change(stack: list[str], fault: Fault) -> None:
    if fault.kind == "drop":
        del stack[fault.position]
    elif fault.kind == "replace":
        stack[fault.position] = fault.bracket
    elif fault.kind == "insert":
        stack.insert(fault.position, fault.bracket)
    else:
        raise ValueError(f"unknown stack fault {fault.kind!r}")


def stack_heights(symbols: list[str]) -> list[int]:
    """The stack height after each symbol."""
    heights: list[int] = []
    stack: list[str] = []
    for symbol in symbols:
        if symbol in CLOSE_TO_OPEN and stack and stack[-1] == CLOSE_TO_OPEN[symbol]:
            stack.pop()
        else:
            stack.append(symbol)
        heights.append(len(stack))
    return heights


def fault_places(symbols: list[str]) -> list[Fault]:
    """Every mistake this module makes for ``symbols`` (brackets put in are filled in by random_fault)."""
    heights = stack_heights(symbols)
    final_height = heights[-1]
    places: list[Fault] = []
    for index in range(len(symbols)):
        step = len(FIRST_STEPS) + index
        floor = min(heights[index:])  # brackets below this height are never popped again
        places += [Fault(step, "drop", p) for p in range(floor) if final_height >= 2]
        places += [Fault(step, "replace", p) for p in range(floor)]
        places += [Fault(step, "insert", p) for p in range(floor + 1)]
    final_step = len(FIRST_STEPS) + len(symbols)
    places += [Fault(final_step, "drop", p) for p in range(final_height) if final_height >= 2]
    places += [Fault(final_step, "replace", p) for p in range(final_height)]
    places += [Fault(final_step + 1, "order", p) for p in range(final_height - 1)]
    places += [Fault(final_step + 2, "closing", p) for p in range(final_height)]
    return places


def random_fault(symbols: list[str], rng: random.Random) -> Fault:
    """A uniformly chosen step, then a uniformly chosen change to it that really changes it."""
    stacks = _stacks(symbols)
    by_step: dict[int, list[Fault]] = {}
    for place in fault_places(symbols):
        by_step.setdefault(place.step, []).append(place)
    while True:
        step = rng.choice(sorted(by_step))
        place = rng.choice(by_step[step])
        if place.kind == "order":
            pops = list(reversed(stacks[-1]))
            if pops[place.position] == pops[place.position + 1]:
                continue  # swapping two equal brackets changes nothing
            return place
        if place.kind == "closing":
            right = OPEN_TO_CLOSE[stacks[-1][-1 - place.position]]
            return Fault(step, "closing", place.position, rng.choice([b for b in CLOSE_TO_OPEN if b != right]))
        if place.kind == "replace":
            stack = stacks[min(step - len(FIRST_STEPS), len(symbols) - 1)]
            old = stack[place.position]
            return Fault(step, "replace", place.position, rng.choice([b for b in OPEN_TO_CLOSE if b != old]))
        if place.kind == "insert":
            return Fault(step, "insert", place.position, rng.choice(tuple(OPEN_TO_CLOSE)))
        return place


def _stacks(symbols: list[str]) -> list[list[str]]:
    """The stack after each symbol (the last one is the final stack)."""
    out: list[list[str]] = []
    stack: list[str] = []
    for symbol in symbols:
        if symbol in CLOSE_TO_OPEN and stack and stack[-1] == CLOSE_TO_OPEN[symbol]:
            stack.pop()
        else:
            stack.append(symbol)
        out.append(list(stack))
    return out
