"""CounterBench's English: causal rules and questions to and from `scm` objects.

Reading: the original `given_info` ("We know that A causes B, B and C together cause not D, ...
We observed C.") and the four question templates are parsed into a CausalModel, observations,
interventions and a target, so the original gold can be checked against exact evaluation.
Writing: generated models are rendered in exactly the same forms, so a fresh item reads like an
original one (and parses back to the same model; the tests check the round trip).
Rule text is data we wrote or the dataset wrote, never model output.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tasks.counterbench.scm import CausalModel, Literal, Mechanism

KNOW_PREFIX = "We know that "
OBSERVED = re.compile(r"\bWe observed\b(.*)$", re.DOTALL)
CAUSES = re.compile(r"\s+causes?\s+")
LITERAL = re.compile(r"(not\s+)?([A-Z][A-Za-z'-]*)")

QUESTION_TEMPLATES = {
    # type: (regex over the question, how to render it)
    "basic": (
        re.compile(r"Would (\w+) occur if not (\w+) instead of \2\?"),
        "Would {target} occur if not {first} instead of {first}?",
    ),
    "joint": (
        re.compile(r"Would (\w+) occur if not (\w+) and not (\w+)\?"),
        "Would {target} occur if not {first} and not {second}?",
    ),
    "nested": (
        re.compile(r"Assume not (\w+), and based on this assumption, further suppose not (\w+)\. Would (\w+) occur\?"),
        "Assume not {first}, and based on this assumption, further suppose not {second}. Would {target} occur?",
    ),
}
QUESTION_TEMPLATES["conditional"] = QUESTION_TEMPLATES["basic"]


class RuleSyntaxError(ValueError):
    """The text is not in CounterBench's rule language."""


@dataclass(frozen=True)
class CounterfactualQuery:
    """What a question asks: would ``target`` hold under do(v=False) for the intervened v?"""

    target: str
    interventions: tuple[str, ...]  # each set to False, in the order the question names them

    def as_interventions(self) -> dict[str, bool]:
        return {variable: False for variable in self.interventions}


# ---------------------------------------------------------------- reading


def parse_given_info(text: str) -> tuple[CausalModel, dict[str, bool]]:
    """The causal model and the observations ({variable: value}) stated in a given_info text."""
    body, observations = _split_observations(text.strip())
    if not body.startswith(KNOW_PREFIX):
        raise RuleSyntaxError(f"rules must start with '{KNOW_PREFIX}': {body[:60]!r}")
    body = body[len(KNOW_PREFIX) :].strip().rstrip(".").strip()
    variables: list[str] = []
    mechanisms: list[Mechanism] = []
    current_causes: tuple[Literal, ...] | None = None
    current_operator = "and"
    for fragment in body.split(","):
        fragment = re.sub(r"^and\s+", "", fragment.strip())
        if not fragment:
            continue
        parts = CAUSES.split(fragment)
        if len(parts) == 2:
            current_causes, current_operator = _parse_causes(parts[0])
            effects_text = parts[1]
        elif len(parts) == 1 and current_causes is not None:
            effects_text = fragment  # "A causes B, C and D": more effects of the same cause
        else:
            raise RuleSyntaxError(f"cannot read the rule {fragment!r}")
        for cause in current_causes:
            _note(variables, cause.variable)
        for effect in _parse_literals(effects_text, separator=" and "):
            _note(variables, effect.variable)
            mechanisms.append(Mechanism(effect.variable, current_causes, current_operator, effect.negated))
    for variable in observations:
        _note(variables, variable)
    try:
        return CausalModel(tuple(variables), tuple(mechanisms)), observations
    except ValueError as exc:
        raise RuleSyntaxError(str(exc)) from None


def parse_question(question: str, query_type: str) -> CounterfactualQuery:
    """Target and intervened variables of a question in one of the four templates."""
    if query_type not in QUESTION_TEMPLATES:
        raise RuleSyntaxError(f"unknown question type {query_type!r}")
    pattern = QUESTION_TEMPLATES[query_type][0]
    match = pattern.fullmatch(question.strip())
    if match is None:
        raise RuleSyntaxError(f"{query_type} question not in the expected form: {question[:80]!r}")
    groups = match.groups()
    if query_type == "nested":
        return CounterfactualQuery(target=groups[2], interventions=(groups[0], groups[1]))
    if query_type == "joint":
        return CounterfactualQuery(target=groups[0], interventions=(groups[1], groups[2]))
    return CounterfactualQuery(target=groups[0], interventions=(groups[1],))


def _split_observations(text: str) -> tuple[str, dict[str, bool]]:
    match = OBSERVED.search(text)
    if match is None:
        return text, {}
    observed = match.group(1).strip().rstrip(".").strip()
    literals = _parse_literals(observed, separator=" and ")
    return text[: match.start()].strip(), {lit.variable: not lit.negated for lit in literals}


def _parse_causes(text: str) -> tuple[tuple[Literal, ...], str]:
    text = re.sub(r"\s+together$", "", text.strip())
    has_or = " or " in f" {text} "
    has_and = " and " in f" {text} "
    if has_or and has_and:
        raise RuleSyntaxError(f"mixed 'and'/'or' causes are not a CounterBench rule: {text!r}")
    operator = "or" if has_or else "and"
    return tuple(_parse_literals(text, separator=f" {operator} ")), operator


def _parse_literals(text: str, separator: str) -> list[Literal]:
    literals = []
    for item in text.split(separator):
        match = LITERAL.fullmatch(item.strip())
        if match is None:
            raise RuleSyntaxError(f"expected a variable name or 'not <name>', got {item.strip()!r}")
        literals.append(Literal(match.group(2), negated=bool(match.group(1))))
    return literals


def _note(variables: list[str], name: str) -> None:
    if name not in variables:
        variables.append(name)


# ---------------------------------------------------------------- writing


def render_literal(literal: Literal) -> str:
    return f"not {literal.variable}" if literal.negated else literal.variable


def render_rules(model: CausalModel) -> list[str]:
    """One clause per rule; adjacent single-cause rules sharing their cause are merged into
    "X causes Y and Z" / "X causes Y, Z and W" as in the original."""
    clauses: list[str] = []
    groups: list[list[Mechanism]] = []
    for mechanism in model.mechanisms:
        previous = groups[-1][0] if groups else None
        if (
            previous is not None
            and len(mechanism.causes) == 1
            and previous.causes == mechanism.causes
        ):
            groups[-1].append(mechanism)
        else:
            groups.append([mechanism])
    for group in groups:
        first = group[0]
        effects = [render_literal(Literal(m.effect, m.negated)) for m in group]
        effect_text = effects[0] if len(effects) == 1 else ", ".join(effects[:-1]) + " and " + effects[-1]
        causes = [render_literal(c) for c in first.causes]
        if len(causes) == 1:
            clauses.append(f"{causes[0]} causes {effect_text}")
        elif first.operator == "and":
            clauses.append(f"{' and '.join(causes)} together cause {effect_text}")
        else:
            clauses.append(f"{' or '.join(causes)} causes {effect_text}")
    return clauses


def render_given_info(model: CausalModel, observations: Mapping[str, bool] | None = None) -> str:
    """The full `given_info` text: rules in original wording plus any observations."""
    clauses = render_rules(model)
    if len(clauses) == 1:
        body = clauses[0]
    else:
        body = ", ".join(clauses[:-1]) + ", and " + clauses[-1]
    text = f"{KNOW_PREFIX}{body}."
    if observations:
        observed = " and ".join(render_literal(Literal(v, not x)) for v, x in observations.items())
        text += f" We observed {observed}."
    return text


def render_question(query_type: str, target: str, intervened: Sequence[str]) -> str:
    template = QUESTION_TEMPLATES[query_type][1]
    second = intervened[1] if len(intervened) > 1 else ""
    return template.format(target=target, first=intervened[0], second=second)
