"""A scripted backend for PrOntoQA mechanics: it answers a chain-of-thought prompt with the gold
proof (looked up by the question text) and every LAMBADA module prompt as a perfect reasoner
would, reading the facts, rules and goal out of the prompt itself. ``mistakes`` makes Rule
Selection list the matching rules last first (a distractor rule that leads nowhere often comes
first: a search that must back off), ``garbage`` answers every module with noise (a search that
ends unknown)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from harness.backends.base import Backend
from harness.core.types import Generation, Request, Sample
from tasks.prontoqa.lexicon import infer_lexicon
from tasks.prontoqa.logic import Fact, Junction, Lit, Rule
from tasks.prontoqa.parse import parse_text
from tasks.prontoqa.render import render_fact


class PrOntoQAOracle(Backend):
    name = "prontoqa-oracle"

    def __init__(self, samples: Sequence[Sample] = (), mistakes: bool = False, garbage: bool = False) -> None:
        self.gold = {s["question"]: " ".join(s["chain_of_thought"]) + (f" {s['answer']}" if s.get("answer") else "") for s in samples}
        self.mistakes, self.garbage = mistakes, garbage
        self.asked: list[Request] = []

    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        for index, request in enumerate(requests):
            self.asked.append(request)
            text = self.answer(request.prompt)
            yield index, Generation(texts=[text], finish_reasons=["stop"], prompt_tokens=len(request.prompt) // 4,
                                    completion_tokens=[max(1, len(text) // 4)])

    def answer(self, prompt: str) -> str:
        if "\nAnswer:" not in prompt and "\nSub-goal:" not in prompt:
            question = prompt.rsplit("Q: ", 1)[-1].rsplit("\nA:", 1)[0]
            return next((" " + gold for q, gold in self.gold.items() if question.startswith(q)), " no idea")
        if self.garbage:
            return " \u2603 ~~~ 99999999999999999999 [[[["
        block = prompt.rsplit("\n\n", 1)[-1]
        goal_text = re.search(r"Goal: (.*)", block).group(1)
        sentences = re.findall(r"^(?:Facts|Rule|Goal|\d+\.): (.*)$|^\d+\. (.*)$", block, re.M)
        lexicon = infer_lexicon([part for pair in sentences for part in pair if part])
        goal = parse_text(goal_text, lexicon)[0]
        assert isinstance(goal, Fact) and isinstance(goal.formula, Lit)
        if block.startswith("Facts:"):
            facts = parse_text(re.search(r"Facts: (.*)", block).group(1), lexicon)
            if goal in facts:
                return " proved"
            return " disproved" if goal.negated() in facts else " unknown"
        if block.startswith("Rules:"):
            rules = [parse_text(line.split(". ", 1)[1], lexicon)[0] for line in re.findall(r"^\d+\. .*$", block, re.M)]
            chosen = [str(n) for n, rule in enumerate(rules, 1)
                      if isinstance(rule, Rule) and isinstance(rule.consequent, Lit) and rule.consequent.predicate == goal.formula.predicate]
            if self.mistakes:  # the rules in the opposite order: a dead end (a distractor rule) often comes first
                chosen = chosen[::-1]
            return " " + (", ".join(chosen) or "none")
        rule = parse_text(re.search(r"Rule: (.*)", block).group(1), lexicon)[0]
        assert isinstance(rule, Rule)
        if block.rstrip().endswith("Sub-goal:"):
            if isinstance(rule.antecedent, Junction):
                return " " + " ".join(render_fact(Fact(goal.entity, part), lexicon) for part in rule.antecedent.parts)
            return " " + render_fact(Fact(goal.entity, rule.antecedent), lexicon)
        consequent = rule.consequent
        assert isinstance(consequent, Lit)
        return " agree" if consequent.positive == goal.formula.positive else " disagree"
