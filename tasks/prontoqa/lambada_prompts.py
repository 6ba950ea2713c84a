"""The four LAMBADA modules as prompts, and total readers of their answers.

Kazemi et al. (2023, "LAMBADA: Backward Chaining for Automated Reasoning in Natural Language")
publish no code or prompts; these are ours, written from the paper's description of each module:

    Fact Check          is the goal (or its negation) one of the facts?       proved / disproved / unknown
    Rule Selection      which rules have a conclusion about the goal?         rule numbers, or none
    Goal Decomposition  what must hold of the goal's entity for the rule to   the sub-goal(s)
                        apply (its antecedent, said of that entity)?
    Sign Agreement      does the rule's conclusion agree with the goal in     agree / disagree
                        sign (both affirmative, or one negated)?

Like the paper's, each is a few-shot prompt; our examples use a small made-up theory (gleebs,
snarfs, florps) that shares no word with the questions. The paper's Fact Check runs as two calls
(fact selection, then fact verification); ours asks both in one, and the paper's re-ranking of
selected rules is the order the model lists them in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from harness.core.types import GenerationSettings, Request

PROVED, DISPROVED, UNKNOWN = "proved", "disproved", "unknown"
STOP = ("\n\n", "\nGoal", "\nRule", "\nFacts", "\nSub-goal:")

FACT_CHECK = """You check a goal against a list of facts. Answer "proved" if one of the facts says exactly the goal, \
"disproved" if one of the facts says its opposite (the same sentence with or without "not"), and "unknown" otherwise.

Facts: Tom is a gleeb. Tom is not red. Ann is a florp.
Goal: Tom is red.
Answer: disproved

Facts: Tom is a gleeb. Tom is not red. Ann is a florp.
Goal: Tom is a gleeb.
Answer: proved

Facts: Tom is a gleeb. Tom is not red. Ann is a florp.
Goal: Tom is a florp.
Answer: unknown

Facts: {facts}
Goal: {goal}
Answer:"""

RULE_SELECTION = """Each rule says that everything of one kind is of another kind or has a property. Select the rules \
that can decide the goal: the rules whose conclusion (what comes after "is" or "are") is what the goal says, with or \
without "not". Answer with their numbers, or "none".

Rules:
1. Every gleeb is a snarf.
2. Snarfs are bright.
3. Each florp is not bright.
4. Every snarf is a zonk.
Goal: Tom is bright.
Answer: 2, 3

Rules:
1. Every gleeb is a snarf.
2. Snarfs are bright.
3. Each florp is not bright.
4. Every snarf is a zonk.
Goal: Tom is not a snarf.
Answer: 1

Rules:
1. Every gleeb is a snarf.
2. Snarfs are bright.
Goal: Tom is cold.
Answer: none

Rules:
{rules}
Goal: {goal}
Answer:"""

GOAL_DECOMPOSITION = """A rule decides a goal about someone once that someone is shown to be of the kind the rule \
talks about. Write what has to be shown: the sub-goal.

Rule: Snarfs are bright.
Goal: Tom is bright.
Sub-goal: Tom is a snarf.

Rule: Each florp is not bright.
Goal: Tom is bright.
Sub-goal: Tom is a florp.

Rule: Every gleeb is a snarf.
Goal: Ann is not a snarf.
Sub-goal: Ann is a gleeb.

Rule: {rule}
Goal: {goal}
Sub-goal:"""

SIGN_AGREEMENT = """Compare the conclusion of the rule with the goal. Answer "agree" if both say "is" or both say \
"is not", and "disagree" if one of them says "not" and the other does not.

Rule: Snarfs are bright.
Goal: Tom is bright.
Answer: agree

Rule: Each florp is not bright.
Goal: Tom is bright.
Answer: disagree

Rule: Every gleeb is a snarf.
Goal: Ann is not a snarf.
Answer: disagree

Rule: Every gleeb is not a zonk.
Goal: Ann is not a zonk.
Answer: agree

Rule: {rule}
Goal: {goal}
Answer:"""

MAX_TOKENS = {"fact_check": 8, "rule_selection": 24, "goal_decomposition": 32, "sign_agreement": 8}


def module_request(module: str, text: str, base: GenerationSettings) -> Request:
    """One module call: the prompt as one user turn (chat) and as plain text; the run's sampling
    settings (temperature, top_p, seed), the module's own small token budget."""
    settings = GenerationSettings(max_tokens=MAX_TOKENS[module], temperature=base.temperature, top_p=base.top_p,
                                  stop=STOP, seed=base.seed)
    return Request(kind="generate", prompt=text, messages=({"role": "user", "content": text},), settings=settings)


def fact_check_prompt(facts: Sequence[str], goal: str) -> str:
    return FACT_CHECK.format(facts=" ".join(facts) or "(none)", goal=goal)


def rule_selection_prompt(rules: Sequence[str], goal: str) -> str:
    numbered = "\n".join(f"{number}. {rule}" for number, rule in enumerate(rules, 1)) or "(none)"
    return RULE_SELECTION.format(rules=numbered, goal=goal)


def goal_decomposition_prompt(rule: str, goal: str) -> str:
    return GOAL_DECOMPOSITION.format(rule=rule, goal=goal)


def sign_agreement_prompt(rule: str, goal: str) -> str:
    return SIGN_AGREEMENT.format(rule=rule, goal=goal)


# ---------------------------------------------------------------- readers (total: any text in, a verdict out)

_VERDICT = re.compile(r"\b(disproved|proved|unknown)\b", re.IGNORECASE)
_SIGN = re.compile(r"\b(disagree|agree)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\b\d{1,4}\b")
_NONE = re.compile(r"\bnone\b", re.IGNORECASE)


def read_fact_check(text: str) -> str:
    """proved / disproved / unknown: the first verdict word (unknown when there is none)."""
    match = _VERDICT.search(text[:2000])
    return match.group(1).lower() if match else UNKNOWN


def read_rule_selection(text: str, n_rules: int) -> list[int]:
    """0-based indices of the rules named, in the order named, without repeats or numbers out of range."""
    head = text[:2000]
    if _NONE.search(head) and not _NUMBER.search(head):
        return []
    chosen: list[int] = []
    for match in _NUMBER.finditer(head):
        index = int(match.group()) - 1
        if 0 <= index < n_rules and index not in chosen:
            chosen.append(index)
    return chosen


def read_sign_agreement(text: str) -> bool | None:
    """True (agree), False (disagree) or None (neither word)."""
    match = _SIGN.search(text[:2000])
    return None if match is None else match.group(1).lower() == "agree"


def read_decomposition(text: str) -> str:
    """The sub-goal text: the first line of the answer."""
    return text.strip().split("\n", 1)[0][:500]
