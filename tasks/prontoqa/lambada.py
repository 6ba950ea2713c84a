"""LAMBADA backward chaining (Kazemi et al. 2023) as a strategy on the engine's strategy layer.

From the goal backwards, depth first (the paper's Algorithm 1):

    prove(goal, depth):
        Fact Check: the goal or its negation is a fact      -> proved / disproved
        depth 0                                             -> unknown
        Rule Selection: the rules whose conclusion is about the goal
        for each rule (in the order the model lists them):
            Goal Decomposition: the sub-goals the rule needs
            every sub-goal proved at depth - 1 ->
                Sign Agreement: agree -> proved, disagree -> disproved
        -> unknown

Every module is one prompted call (lambada_prompts.py), cached like any request and labelled in
the sample's trace ("fact_check: Fae is a tumpus.", ...). A repeated call within a sample is
answered from memory (it would be the same request). The search stops asking once it has made
`max_calls` calls (the goal is then unknown). The answer is True for proved, False for
disproved, "Unknown" otherwise (a wrong answer for PrOntoQA's two labels); the proof is the
chain the search found, written forwards (fact, rule, conclusion, ...) so that the family grades
it with the same proof checker as a chain of thought. The family's scorer grades that text.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from harness.core.metric_spec import binary, bounded
from harness.core.registry import Task
from harness.core.types import Generation, Sample
from harness.strategies.registry import register_strategy
from harness.strategies.types import Ask, Result, Strategy, StrategyContext, StrategyOutcome
from tasks.prontoqa.lambada_prompts import (
    DISPROVED,
    PROVED,
    UNKNOWN,
    fact_check_prompt,
    goal_decomposition_prompt,
    module_request,
    read_decomposition,
    read_fact_check,
    read_rule_selection,
    read_sign_agreement,
    rule_selection_prompt,
    sign_agreement_prompt,
)
from tasks.prontoqa.lexicon import Lexicon
from tasks.prontoqa.logic import AND, Fact, Junction, Rule
from tasks.prontoqa.parse import parse_sentence, parse_text, split_sentences
from tasks.prontoqa.render import render_fact
from tasks.prontoqa.scoring import sample_lexicon

STRATEGY_NAME = "lambada"
LABELS = {PROVED: "True", DISPROVED: "False", UNKNOWN: "Unknown"}


@dataclass(frozen=True)
class LambadaOptions:
    depth: int = 6  # rule applications the search may chain (PrOntoQA here asks up to 5)
    max_rules: int = 3  # rules tried per goal, in the order Rule Selection lists them
    max_calls: int = 150  # model calls per question before the search gives up (unknown)

    def validate(self) -> None:
        if not 1 <= self.depth <= 12:
            raise ValueError(f"depth must be between 1 and 12, got {self.depth}")
        if not 1 <= self.max_rules <= 20:
            raise ValueError(f"max_rules must be between 1 and 20, got {self.max_rules}")
        if self.max_calls < 1:
            raise ValueError(f"max_calls must be >= 1, got {self.max_calls}")


LAMBADA_METRICS = (
    bounded("calls", "model calls (module prompts) the search made for the question", 0.0, None, higher_is_better=None),
    bounded("prompt_tokens", "prompt tokens over the question's module calls", 0.0, None, higher_is_better=None),
    bounded("completion_tokens", "generated tokens over the question's module calls", 0.0, None, higher_is_better=None),
    binary("search_unknown", "the search proved neither the goal nor its negation (within depth and call limits)",
           higher_is_better=False),
)


@dataclass
class _Search:
    """One question's search: the theory, the options, what was asked and what it cost."""

    facts: list[str]
    rules: list[str]
    lexicon: Lexicon
    options: LambadaOptions
    settings: Any
    memo: dict[tuple[str, str], str] = field(default_factory=dict)
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)

    def ask(self, module: str, prompt: str, goal: str) -> Generator[Ask, list[Result], str | None]:
        """The module's answer text (None once the call budget is spent)."""
        key = (module, prompt)
        if key in self.memo:
            return self.memo[key]
        if self.calls >= self.options.max_calls:
            return None
        [result] = yield Ask(module_request(module, prompt, self.settings), label=f"{module}: {goal}")
        self.calls += 1
        self.prompt_tokens += result.prompt_tokens
        text = ""
        if isinstance(result, Generation):
            self.completion_tokens += sum(result.completion_tokens)
            text = result.texts[0] if result.texts else ""
        self.memo[key] = text
        return text

    def prove(self, goal: Fact, depth: int) -> Generator[Ask, list[Result], tuple[str, list[str]]]:
        """(proved / disproved / unknown, the forward proof lines)."""
        goal_text = render_fact(goal, self.lexicon)
        answer = yield from self.ask("fact_check", fact_check_prompt(self.facts, goal_text), goal_text)
        verdict = read_fact_check(answer) if answer is not None else UNKNOWN
        self.log.append({"module": "fact_check", "goal": goal_text, "depth": depth, "result": verdict})
        if verdict == PROVED:
            return PROVED, [goal_text]
        if verdict == DISPROVED:
            return DISPROVED, [render_fact(goal.negated(), self.lexicon)]
        if depth == 0 or answer is None:
            return UNKNOWN, []
        answer = yield from self.ask("rule_selection", rule_selection_prompt(self.rules, goal_text), goal_text)
        chosen = read_rule_selection(answer, len(self.rules)) if answer is not None else []
        self.log.append({"module": "rule_selection", "goal": goal_text, "depth": depth, "result": [self.rules[i] for i in chosen]})
        for index in chosen[: self.options.max_rules]:
            rule = self.rules[index]
            outcome = yield from self._apply(rule, goal, goal_text, depth)
            if outcome is not None:
                return outcome
        return UNKNOWN, []

    def _apply(self, rule: str, goal: Fact, goal_text: str, depth: int) -> Generator[Ask, list[Result], tuple[str, list[str]] | None]:
        """Decompose, prove the sub-goals, check the sign: the goal's verdict through this rule, or None."""
        answer = yield from self.ask("goal_decomposition", goal_decomposition_prompt(rule, goal_text), goal_text)
        subgoals = self._subgoals(read_decomposition(answer)) if answer is not None else None
        self.log.append({"module": "goal_decomposition", "goal": goal_text, "rule": rule, "depth": depth,
                         "result": [render_fact(g, self.lexicon) for g in subgoals] if subgoals else None})
        if not subgoals:
            return None
        lines: list[str] = []
        for subgoal in subgoals:
            verdict, sublines = yield from self.prove(subgoal, depth - 1)
            if verdict != PROVED:
                return None
            lines += sublines
        answer = yield from self.ask("sign_agreement", sign_agreement_prompt(rule, goal_text), goal_text)
        agrees = read_sign_agreement(answer) if answer is not None else None
        self.log.append({"module": "sign_agreement", "goal": goal_text, "rule": rule, "depth": depth, "result": agrees})
        if agrees is None:
            return None
        concluded = goal if agrees else goal.negated()
        return (PROVED if agrees else DISPROVED), [*lines, rule, render_fact(concluded, self.lexicon)]

    def _subgoals(self, text: str) -> list[Fact] | None:
        """The facts a decomposition names ("Fae is a tumpus and a wumpus" gives two), or None."""
        sentences = split_sentences(text, keep_unfinished=True)
        if not sentences:
            return None
        subgoals: list[Fact] = []
        for tokens in sentences:
            steps = parse_sentence(tokens, self.lexicon)
            if not steps or len(steps) != 1 or not isinstance(steps[0], Fact):
                return None
            fact = steps[0]
            if isinstance(fact.formula, Junction):
                if fact.formula.op != AND:
                    return None
                subgoals += [Fact(fact.entity, part) for part in fact.formula.parts]
            else:
                subgoals.append(fact)
        return subgoals


def _theory(sample: Sample, lexicon: Lexicon) -> tuple[list[str], list[str]]:
    """The context split into facts and rules, each kept as the sentence it is."""
    facts: list[str] = []
    rules: list[str] = []
    for tokens in split_sentences(sample["question"]):
        sentence = " ".join(tokens).replace(" ,", ",") + "."
        steps = parse_sentence(tokens, lexicon)
        (rules if steps and isinstance(steps[0], Rule) else facts).append(sentence)
    return facts, rules


def _goal(sample: Sample, lexicon: Lexicon) -> Fact | None:
    query = sample["query"].split(":", 1)[-1]
    steps = parse_text(query, lexicon, keep_unfinished=True)
    return steps[0] if len(steps) == 1 and isinstance(steps[0], Fact) else None


def lambada(ctx: StrategyContext, sample: Sample) -> Generator[Ask, list[Result], StrategyOutcome]:
    """Answer one PrOntoQA question by backward chaining from its query."""
    lexicon = sample_lexicon(sample)
    facts, rules = _theory(sample, lexicon)
    search = _Search(facts, rules, lexicon, ctx.options or LambadaOptions(), ctx.request.settings)
    goal = _goal(sample, lexicon)
    verdict, lines = (UNKNOWN, []) if goal is None else (yield from search.prove(goal, search.options.depth))
    text = " ".join([*lines, LABELS[verdict]])
    scores = {"calls": float(search.calls), "prompt_tokens": float(search.prompt_tokens),
              "completion_tokens": float(search.completion_tokens), "search_unknown": float(verdict == UNKNOWN)}
    return StrategyOutcome(texts=[text], scores=scores, info={"verdict": verdict, "search": search.log})


def _applies_to(task: Task) -> str | None:
    if task.family.name != "prontoqa":
        return "LAMBADA here reads PrOntoQA's facts, rules and query; run it on a prontoqa task"
    if not task.config.labelled:
        return "it answers True/False questions; use deduction_rule=ModusPonens"
    return None


LAMBADA = register_strategy(Strategy(
    name=STRATEGY_NAME,
    description="LAMBADA backward chaining (Kazemi et al. 2023): Fact Check, Rule Selection, Goal Decomposition and"
                " Sign Agreement as prompted calls, depth first from the query (PrOntoQA tasks)",
    run=lambada,
    options=LambadaOptions,
    metrics=LAMBADA_METRICS,
    applies_to=_applies_to,
))
