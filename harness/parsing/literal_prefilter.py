"""Which alternatives of a big case-insensitive alternation can match a text at all, found by looking
for literals each of them requires, so the regex engine tries only those.

Why: the keyword detector (harness/parsing/traces.py) runs one alternation of ~20 patterns per
behaviour over every completion, and Python's regex engine tries every alternative at every
position: about a millisecond per 400-character completion. Most alternatives need a word that
the text does not contain ("backtrack", "contradict", "milestone"). An alternative that cannot match
anywhere in the text never decides a match, so the alternation of the others finds exactly the same
matches (same starts, same ends, same order) while trying far less.

Soundness: ``required_literals`` reads a pattern's parse tree and returns a set of lowercase strings
one of which every match contains (a run of plain characters, all of a group's alternatives, a
repeated item at least once), or None when it finds none; zero-width items (\\b, lookarounds) and
optional items require nothing. ``folded`` lowercases a text the way IGNORECASE compares characters
(Python's simple case mapping plus the ı/ſ equivalences), so a literal that a match holds is a
substring of the folded text. tests/test_detector_prefilter.py checks both against every code point
and the counts against the plain alternation on the labelled set, the bench traces and generated
texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# characters that IGNORECASE equates with an ASCII letter but str.lower() does not turn into it
# ("İ".lower() is two characters; ı and ſ are re's extra cases of i and s)
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})


def folded(text: str) -> str:
    """``text`` lowercased as IGNORECASE matching sees it, for the literal look-ups."""
    return text.translate(_FOLD).lower()


def required_literals(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Lowercase strings one of which every match of ``pattern`` contains; None: none known (then
    the pattern is always tried). Anything this cannot read is None, never a guess."""
    try:
        from importlib import import_module

        try:  # the parser's private modules (3.11+; sre_parse before): a change there gives None, not a wrong set
            parser, constants = import_module("re._parser"), import_module("re._constants")
        except ImportError:
            parser, constants = import_module("sre_parse"), import_module("sre_constants")
        return _sequence(list(parser.parse(pattern, flags)), constants)
    except Exception:  # noqa: BLE001 - an unreadable tree gives no filter, which is always safe
        return None


def _sequence(items: Iterable[tuple[Any, Any]], C: Any) -> frozenset[str] | None:
    """The most selective requirement of a sequence: every item of it must match, so any one item's
    requirement holds; the longest shortest literal wins."""
    choices: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is C.LITERAL:
            run.append(chr(av).lower())
            continue
        if run:
            choices.append(frozenset(["".join(run)]))
            run = []
        found = _item(op, av, C)
        if found:
            choices.append(found)
    if run:
        choices.append(frozenset(["".join(run)]))
    if not choices:
        return None
    return max(choices, key=lambda option: (min(len(s) for s in option), -len(option)))


def _item(op: Any, av: Any, C: Any) -> frozenset[str] | None:
    if op is C.SUBPATTERN:
        return _sequence(av[-1], C)
    if op is C.BRANCH:
        branches = [_sequence(branch, C) for branch in av[1]]
        return frozenset().union(*branches) if branches and all(branches) else None  # type: ignore[arg-type]
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)) and av[0] >= 1:
        return _sequence(av[2], C)
    if op is C.IN and av and all(o is C.LITERAL for o, _ in av):
        return frozenset(chr(a).lower() for _, a in av)
    return None  # zero-width, optional, a class or anything else: requires nothing


class PrefilteredAlternation:
    """``re.compile("|".join(f"(?:{p})" for p in patterns), flags)``, matched over a text through the
    alternation of only the patterns whose required literals the text holds (the same matches)."""

    def __init__(self, patterns: tuple[str, ...], flags: int) -> None:
        self.patterns = patterns
        self.flags = flags
        self.literals = [required_literals(p, flags) for p in patterns]
        self._compiled: dict[tuple[int, ...], re.Pattern[str] | None] = {}

    def _alternation(self, keep: tuple[int, ...]) -> re.Pattern[str] | None:
        compiled = self._compiled.get(keep, False)
        if compiled is False:
            compiled = re.compile("|".join(f"(?:{self.patterns[i]})" for i in keep), self.flags) if keep else None
            if len(self._compiled) < 4096:  # distinct subsets are few; bounded all the same
                self._compiled[keep] = compiled
        return compiled  # type: ignore[return-value]

    def starts(self, text: str, lowered: str) -> list[int]:
        """Start offsets of the alternation's matches in ``text`` (finditer order); ``lowered`` is
        folded(text)."""
        keep = tuple(i for i, needed in enumerate(self.literals) if needed is None or any(s in lowered for s in needed))
        pattern = self._alternation(keep)
        return [] if pattern is None else [match.start() for match in pattern.finditer(text)]
