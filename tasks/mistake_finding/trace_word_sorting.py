"""Word sorting traces in BIG-Bench Mistake's step format, correct or with one misplaced word.

The trace sorts by the first letter ('The first letter: "oven": "o" (15). ...'), lists the order
with ties as buckets ('We now have: (3) ["costume" ? "counterpart"] < (15) "oven".'), then sorts
the leftmost bucket by the next letter, again and again ('Now let's sort this subpart [...] by
looking at their second letters. ...' / 'We now have: ... for the subpart. Hence, we have ...'),
and ends with 'I have now sorted all the words. The answer is ...'.

A mistake is a misplaced word: two neighbouring words of an order swapped, in the first order, a
subpart's order or the answer. The swapped order is carried through every later step and into the
answer, so the first wrong step is exactly the one that swaps. Words are distinct and none is the
start of another, so every bucket splits in the end.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import Union

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
            "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
            "eighteenth", "nineteenth", "twentieth")
Entry = Union[str, tuple[str, ...]]  # a placed word, or a bucket of words that tie so far


@dataclass(frozen=True)
class Fault:
    """Swap the entries at ``position`` and ``position + 1`` of the order that step ``step`` states
    (both placed words), from that step on."""

    step: int
    position: int


@cache
def vocabulary() -> tuple[str, ...]:
    """Common English words (Faker's en_US lorem list), lowercase letters only, three letters or more."""
    from faker.providers.lorem.en_US import Provider

    return tuple(sorted({w for w in Provider.word_list if w.isascii() and w.isalpha() and w.islower() and len(w) >= 3}))


def pick_words(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct words, none the start of another, in random order."""
    chosen: list[str] = []
    for word in rng.sample(vocabulary(), len(vocabulary())):
        if not any(word.startswith(w) or w.startswith(word) for w in chosen):
            chosen.append(word)
            if len(chosen) == count:
                break
    return chosen


def position(letter: str) -> int:
    return ord(letter) - ord("a") + 1


def ordinal(n: int) -> str:
    return ORDINALS[n - 1] if n <= len(ORDINALS) else f"{n}th"


def _quoted(words) -> str:
    return '["' + '" ? "'.join(words) + '"]'


def _entry(entry: Entry) -> str:
    return f'"{entry}"' if isinstance(entry, str) else _quoted(entry)


def _split(words: tuple[str, ...], depth: int) -> list[tuple[int, Entry]]:
    """The words ordered by their letter at ``depth``, ties kept together in input order."""
    by_letter: dict[int, list[str]] = {}
    for word in words:
        by_letter.setdefault(position(word[depth]), []).append(word)
    return [(value, group[0] if len(group) == 1 else tuple(group)) for value, group in sorted(by_letter.items())]


def _ranked(parts: list[tuple[int, Entry]]) -> str:
    return " < ".join(f"({value}) {_entry(entry)}" for value, entry in parts)


def _letters(words, depth: int) -> str:
    return " ".join(f'"{w}": "{w[depth]}" ({position(w[depth])}).' for w in words)


def _swap(order: list[Entry], at: int) -> None:
    order[at], order[at + 1] = order[at + 1], order[at]


def trace(words: list[str], fault: Fault | None = None) -> tuple[list[str], str]:
    """(steps, answer) for sorting ``words``, with ``fault`` applied when given."""
    parts = _split(tuple(words), 0)
    steps = [f"I should start by looking at the first letter of the words in the list. The first letter: {_letters(words, 0)}"]
    if fault is not None and fault.step == 1:
        _swap(parts, fault.position)  # type: ignore[arg-type]
    steps.append(f"We now have: {_ranked(parts)}.")
    order: list[Entry] = [entry for _, entry in parts]
    depth_of = {entry: 1 for entry in order if not isinstance(entry, str)}
    while any(not isinstance(entry, str) for entry in order):
        at = next(i for i, entry in enumerate(order) if not isinstance(entry, str))
        bucket = order[at]
        assert not isinstance(bucket, str)
        depth = depth_of.pop(bucket)
        inner = _split(bucket, depth)
        name = ordinal(depth + 1)
        steps.append(f"Now let's sort this subpart {_quoted(bucket)} by looking at their {name} letters."
                     f" The {name} letter: {_letters(bucket, depth)}")
        if fault is not None and fault.step == len(steps):
            _swap(inner, fault.position)  # type: ignore[arg-type]
        order[at : at + 1] = [entry for _, entry in inner]
        depth_of.update({entry: depth + 1 for _, entry in inner if not isinstance(entry, str)})
        full = " < ".join(_entry(entry) for entry in order)
        steps.append(f"We now have: {_ranked(inner)} for the subpart. Hence, we have {full}.")
    final: list[str] = [str(entry) for entry in order]
    if fault is not None and fault.step == len(steps):
        _swap(final, fault.position)  # type: ignore[arg-type]
    answer = " ".join(final)
    steps.append(f"I have now sorted all the words. The answer is {answer}")
    return steps, answer


def fault_places(words: list[str]) -> list[Fault]:
    """Every possible misplacement: a step that states an order, and two neighbouring placed words of it."""
    steps, _ = trace(words)
    places = []
    for step in range(1, len(steps)):
        order = _order_stated(words, step)
        places += [Fault(step, i) for i in range(len(order) - 1)
                   if isinstance(order[i], str) and isinstance(order[i + 1], str)]
    return places


def _order_stated(words: list[str], step: int) -> list[Entry]:
    """The entries of the order that correct step ``step`` arranges (empty for a listing step)."""
    parts = _split(tuple(words), 0)
    if step == 1:
        return [entry for _, entry in parts]
    order: list[Entry] = [entry for _, entry in parts]
    depth_of = {entry: 1 for entry in order if not isinstance(entry, str)}
    current = 2
    while any(not isinstance(entry, str) for entry in order):
        at = next(i for i, entry in enumerate(order) if not isinstance(entry, str))
        bucket = order[at]
        depth = depth_of.pop(bucket)  # type: ignore[arg-type]
        inner = _split(bucket, depth)  # type: ignore[arg-type]
        if current + 1 == step:
            return [entry for _, entry in inner]
        order[at : at + 1] = [entry for _, entry in inner]
        depth_of.update({entry: depth + 1 for _, entry in inner if not isinstance(entry, str)})
        current += 2
    return list(order) if current == step else []


def random_fault(words: list[str], rng: random.Random) -> Fault:
    return rng.choice(fault_places(words))
