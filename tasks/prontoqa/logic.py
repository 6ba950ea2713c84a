"""Logical forms of PrOntoQA sentences: what the generator writes, the parser reads back and the
proof checker reasons over.

PrOntoQA's language is small: facts about one named entity ("Fae is not orange", "Fae is a tumpus
and a wumpus") and rules quantified over one variable ("Every tumpus is orange", "Everything that
is a tumpus or a wumpus is a jompus"), plus the proof moves of the PrOntoQA-OOD rules ("Assume Fae
is a tumpus", "This contradicts with Fae is not a jompus"). A predicate is a concept (a noun) or a
property (an adjective); which one is the lexicon's business (english.py), not the logic's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

AND, OR = "and", "or"


@dataclass(frozen=True)
class Lit:
    """A predicate or its negation, of the entity or variable it is said of."""

    predicate: str
    positive: bool = True

    def negated(self) -> Lit:
        return Lit(self.predicate, not self.positive)


@dataclass(frozen=True)
class Junction:
    """A conjunction or disjunction of literals ("a tumpus and a wumpus", "fruity or a vumpus")."""

    op: str  # AND | OR
    parts: tuple[Lit, ...]

    def negated(self) -> Junction:
        """De Morgan: not (A and B) = not A or not B."""
        return Junction(OR if self.op == AND else AND, tuple(part.negated() for part in self.parts))


Formula = Union[Lit, Junction]


def negate(formula: Formula) -> Formula:
    return formula.negated()


def same_formula(a: Formula, b: Formula) -> bool:
    """Equal, where a junction's parts may come in any order."""
    if isinstance(a, Junction) and isinstance(b, Junction):
        return a.op == b.op and frozenset(a.parts) == frozenset(b.parts)
    return a == b


@dataclass(frozen=True)
class Fact:
    """Something said of one named entity: "Fae is a tumpus"."""

    entity: str
    formula: Formula

    def negated(self) -> Fact:
        return Fact(self.entity, self.formula.negated())


@dataclass(frozen=True)
class Rule:
    """For everything: if the antecedent holds, the consequent holds ("Every tumpus is orange")."""

    antecedent: Formula
    consequent: Formula

    def applied_to(self, entity: str) -> tuple[Fact, Fact]:
        """(what the rule needs of ``entity``, what it then concludes)."""
        return Fact(entity, self.antecedent), Fact(entity, self.consequent)


@dataclass(frozen=True)
class Assume:
    """A hypothesis opened for proof by cases or by contradiction: "Assume Fae is a tumpus"."""

    fact: Fact


@dataclass(frozen=True)
class Contradicts:
    """ "This contradicts with F": F's negation was derived under the open hypotheses."""

    fact: Fact


Step = Union[Fact, Rule, Assume, Contradicts]


def predicates_of(step: Step) -> list[str]:
    """Every predicate a step mentions, in order (for distractor bookkeeping and summaries)."""
    if isinstance(step, (Assume, Contradicts)):
        return predicates_of(step.fact)
    formulas = [step.formula] if isinstance(step, Fact) else [step.antecedent, step.consequent]
    names: list[str] = []
    for formula in formulas:
        parts = formula.parts if isinstance(formula, Junction) else (formula,)
        names.extend(part.predicate for part in parts)
    return names
