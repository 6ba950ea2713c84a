"""Logical forms as PrOntoQA English: "Fae is not orange.", "Every tumpus is a wumpus.",
"Wumpuses are luminous.", "Everything that is fruity or a vumpus is a grimpus.".

Rules come in three phrasings (``every``, ``each``, ``plural``) that the generator picks at
random, as the protocol does; the parser (parse.py) reads all of them back to the same form.
"""

from __future__ import annotations

from tasks.prontoqa.lexicon import Lexicon
from tasks.prontoqa.logic import AND, OR, Assume, Contradicts, Fact, Formula, Junction, Lit, Rule, Step

RULE_STYLES = ("every", "each", "plural")


def article(word: str) -> str:
    lower = word.lower()
    return "an" if lower[:1] in "aeiou" and not lower.startswith(("eu", "uni", "use")) else "a"


def _literal_phrase(lit: Lit, lexicon: Lexicon, plural: bool) -> str:
    """The predicate of a literal without its sign: "a tumpus", "tumpuses" or "orange"."""
    name = lit.predicate
    if not lexicon.is_noun(name):
        return name
    if plural:
        return lexicon.nouns[name]
    return f"{article(name)} {name}"


def _is_adjectives_then_noun(junction: Junction, lexicon: Lexicon) -> bool:
    """A conjunction "fruity and vumpus" that reads as one noun phrase: "a fruity vumpus"."""
    parts = junction.parts
    return (junction.op == AND and len(parts) >= 2 and all(p.positive for p in parts)
            and lexicon.is_noun(parts[-1].predicate) and not any(lexicon.is_noun(p.predicate) for p in parts[:-1]))


def formula_phrase(formula: Formula, lexicon: Lexicon, plural: bool = False) -> str:
    """What follows "is"/"are" for a formula whose literals are all positive."""
    if isinstance(formula, Lit):
        return _literal_phrase(formula, lexicon, plural)
    if _is_adjectives_then_noun(formula, lexicon):
        adjectives = " ".join(part.predicate for part in formula.parts[:-1])
        noun = _literal_phrase(formula.parts[-1], lexicon, plural)
        if plural:
            return f"{adjectives} {noun}"
        name = noun.partition(" ")[2]
        return f"{article(adjectives)} {adjectives} {name}"
    return f" {formula.op} ".join(_literal_phrase(part, lexicon, plural) for part in formula.parts)


def _predicate(formula: Formula, lexicon: Lexicon, plural: bool) -> str:
    """ "not orange", "a wumpus", "a lorpus and a tumpus" (after the verb)."""
    if isinstance(formula, Lit):
        return ("" if formula.positive else "not ") + _literal_phrase(formula, lexicon, plural)
    if all(part.positive for part in formula.parts):
        return formula_phrase(formula, lexicon, plural)
    if all(not part.positive for part in formula.parts) and formula.op == OR:
        return "not " + formula_phrase(Junction(AND, tuple(p.negated() for p in formula.parts)), lexicon, plural)
    return f" {formula.op} ".join(_predicate(part, lexicon, plural) for part in formula.parts)


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def render_fact(fact: Fact, lexicon: Lexicon) -> str:
    formula = fact.formula
    if isinstance(formula, Junction) and not all(part.positive for part in formula.parts):
        # "Wren is not a wumpus and Wren is not a tumpus": one clause per literal
        clauses = [f"{fact.entity} is {_predicate(part, lexicon, False)}" for part in formula.parts]
        return capitalize(f" {formula.op} ".join(clauses)) + "."
    return capitalize(f"{fact.entity} is {_predicate(formula, lexicon, False)}") + "."


def render_rule(rule: Rule, lexicon: Lexicon, style: str = "every") -> str:
    antecedent, consequent = rule.antecedent, rule.consequent
    if isinstance(antecedent, Junction) and not _is_adjectives_then_noun(antecedent, lexicon):
        return capitalize(f"everything that is {formula_phrase(antecedent, lexicon)} is {_predicate(consequent, lexicon, False)}") + "."
    if isinstance(antecedent, Lit) and not lexicon.is_noun(antecedent.predicate):
        return capitalize(f"everything that is {antecedent.predicate} is {_predicate(consequent, lexicon, False)}") + "."
    if style == "plural":
        return capitalize(f"{formula_phrase(antecedent, lexicon, plural=True)} are {_predicate(consequent, lexicon, True)}") + "."
    subject = formula_phrase(antecedent, lexicon).split(" ", 1)[1]  # drop the article
    quantifier = "each" if style == "each" else "every"
    return capitalize(f"{quantifier} {subject} is {_predicate(consequent, lexicon, False)}") + "."


def render_step(step: Step, lexicon: Lexicon, style: str = "every") -> str:
    if isinstance(step, Fact):
        return render_fact(step, lexicon)
    if isinstance(step, Rule):
        return render_rule(step, lexicon, style)
    if isinstance(step, Assume):
        return "Assume " + render_fact(step.fact, lexicon)
    if isinstance(step, Contradicts):
        return "This contradicts with " + render_fact(step.fact, lexicon)
    raise TypeError(f"not a step: {step!r}")

