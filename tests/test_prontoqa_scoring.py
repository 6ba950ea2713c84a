"""Grading a chain of thought step by step: the issue's anchors (gold scores 1.0; one invalid step
gives label 1 / proof 0), the paper's categories on hand-made chains (misleading, non-atomic,
skip, unparseable), the label rule, and total verdicts on hostile text."""

from __future__ import annotations

import pytest

from tasks.prontoqa.config import PrOntoQAConfig
from tasks.prontoqa.generator import generate_prontoqa
from tasks.prontoqa.lexicon import Lexicon
from tasks.prontoqa.logic import Fact, Junction, Lit, Rule
from tasks.prontoqa.parse import parse_text
from tasks.prontoqa.proof_check import check_proof
from tasks.prontoqa.render import render_step
from tasks.prontoqa.scoring import prontoqa_metrics, score_prontoqa_response, split_label

CFG = PrOntoQAConfig(hops=(3,), few_shot=0)

# A hand-written 3-hop question: Fae is a tumpus; tumpus -> wumpus -> zumpus -> orange; a branch
# tumpus -> dumpus (a wrong turn), and jompuses are not orange.
CONTEXT = ("Every tumpus is a wumpus. Each tumpus is a dumpus. Dumpuses are small. Wumpuses are zumpuses. "
           "Every zumpus is orange. Jompuses are not orange. Fae is a tumpus.")
GOLD = ["Fae is a tumpus.", "Every tumpus is a wumpus.", "Fae is a wumpus.", "Wumpuses are zumpuses.", "Fae is a zumpus.",
        "Every zumpus is orange.", "Fae is orange."]
LEXICON = Lexicon(nouns={n: n + "es" for n in ("tumpus", "wumpus", "dumpus", "zumpus", "jompus")},
                  adjectives=frozenset({"orange", "small"}), entities=frozenset({"Fae"}))
SAMPLE = {"id": "hand-1", "question": CONTEXT, "query": "True or false: Fae is not orange.", "chain_of_thought": GOLD,
          "answer": "False", "hops": 3, "lexicon": LEXICON.to_json(), "examples": []}


def score(text, sample=SAMPLE, cfg=CFG):
    return score_prontoqa_response(cfg, sample, text).scores


def test_the_gold_proof_and_label_score_one():
    scores = score(" ".join(GOLD) + " False")
    assert all(scores[name] == 1.0 for name in ("label_accuracy", "label_accuracy_lenient", "proof_accuracy", "proof_accuracy_broad",
                                                 "proof_accuracy_every_step", "valid_step_share"))
    assert scores["wrong_turn"] == scores["invalid_step_share"] == 0.0


def test_one_invalid_step_keeps_the_label_and_loses_the_proof():
    chain = list(GOLD)
    chain[4] = "Fae is a jompus."  # does not follow: the rest of the chain now rests on nothing
    scores = score(" ".join(chain) + " False")
    assert scores["label_accuracy"] == 1.0
    assert scores["proof_accuracy"] == scores["proof_accuracy_broad"] == scores["proof_accuracy_every_step"] == 0.0
    assert 0 < scores["invalid_step_share"] < 1


def test_a_misleading_step_is_a_wrong_turn_not_an_invalid_one():
    # right after "Fae is a tumpus", the branch to dumpus instead of the rule to wumpus; then back on the path
    chain = GOLD[:1] + ["Each tumpus is a dumpus.", "Fae is a dumpus.", "Dumpuses are small.", "Fae is small."] + GOLD[1:]
    scores = score(" ".join(chain) + " False")
    assert scores["wrong_turn"] == 1.0 and scores["misleading_step_share"] == pytest.approx(1 / len(chain))
    assert scores["invalid_step_share"] == 0.0
    # the paper's proof accuracy ignores the detour when the chain comes back; every step here is valid too
    assert scores["proof_accuracy"] == scores["proof_accuracy_every_step"] == 1.0


def test_skipping_a_rule_is_broadly_not_strictly_valid():
    chain = [s for s in GOLD if s != "Wumpuses are zumpuses."]  # "Fae is a zumpus" from an unstated rule
    scores = score(" ".join(chain) + " False")
    assert scores["proof_accuracy"] == 0.0 and scores["proof_accuracy_broad"] == 1.0
    assert scores["invalid_step_share"] == 0.0 and scores["valid_step_share"] < 1.0


def test_an_unstated_composite_rule_is_a_skip_step():
    steps = parse_text("Fae is a tumpus. Every tumpus is a zumpus. Fae is a zumpus. Every zumpus is orange. Fae is orange.", LEXICON)
    axioms = [s for s in parse_text(CONTEXT, LEXICON) if s is not None]
    grade = check_proof(steps, axioms, parse_text(" ".join(GOLD), LEXICON))
    assert grade.skip == [1] and grade.useful_skip == [1] and grade.non_atomic == [2, 4]  # what rests on it is broadly valid
    assert grade.broadly_found and not grade.found_conclusion


def test_unparseable_sentences_are_invalid_steps_and_the_label_rule_is_the_paper_s():
    scores = score("Fae is a tumpus. The moon is made of cheese. Fae is orange. False")
    assert scores["invalid_step_share"] == pytest.approx(2 / 3)
    assert score(" ".join(GOLD) + " False.")["label_accuracy"] == 0.0  # the paper's code: "false." is no label
    assert score(" ".join(GOLD) + " False.")["label_accuracy_lenient"] == 1.0
    assert score(" ".join(GOLD) + " no")["label_accuracy"] == 1.0
    assert split_label(" Fae is orange. True\n\nQ: next question") == (" Fae is orange.", "true")


def test_a_proof_only_question_scores_proofs_without_labels():
    cfg = PrOntoQAConfig(hops=(2,), deduction_rule="AndIntro", few_shot=0)
    sample = generate_prontoqa(cfg, 0, 1)
    verdict = score_prontoqa_response(cfg, sample, " ".join(sample["chain_of_thought"]))
    assert verdict.answer == "proved" and verdict.scores["proof_accuracy"] == 1.0
    assert "label_accuracy" not in verdict.scores
    assert {m.name for m in prontoqa_metrics(cfg)} == set(verdict.scores)


HOSTILE = [
    "", "   ", "x" * 1_000_000, "(" * 100_000 + "True", "9" * 100_000 + ". True", "Fae is " + "not " * 50_000 + "orange. True",
    "\u202e\u0000 Ｆａｅ ｉｓ ｏｒａｎｇｅ． True \U0001F600" * 500, "Fae is a tumpus. " * 50_000 + "True",
    "Since Since Since, so because. Assume. This contradicts with. Therefore, . False", "Q:" * 1000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_any_text_gets_a_verdict_inside_the_declared_ranges(text):
    verdict = score_prontoqa_response(CFG, SAMPLE, text)
    declared = {m.name: m for m in prontoqa_metrics(CFG)}
    assert set(verdict.scores) == set(declared)
    assert all(declared[name].contains(value) for name, value in verdict.scores.items())


def test_rendering_and_parsing_round_trip():
    lexicon = Lexicon(nouns={"tumpus": "tumpuses", "natural number": "natural numbers"}, adjectives=frozenset({"fruity", "orange"}),
                      entities=frozenset({"Fae", "31"}))
    steps = [Fact("Fae", Lit("orange", False)), Fact("31", Lit("natural number")),
             Fact("Fae", Junction("and", (Lit("fruity"), Lit("tumpus")))), Fact("Fae", Junction("or", (Lit("fruity"), Lit("tumpus")))),
             Rule(Lit("natural number"), Lit("orange", False)), Rule(Junction("or", (Lit("fruity"), Lit("tumpus"))), Lit("natural number")),
             Rule(Junction("and", (Lit("fruity"), Lit("tumpus"))), Lit("orange"))]
    for step in steps:
        for style in ("every", "each", "plural"):
            assert parse_text(render_step(step, lexicon, style), lexicon) == [step]
    assert parse_text("Therefore, Fae is orange. Since Fae is a tumpus, Fae is orange.", lexicon) == [
        Fact("Fae", Lit("orange")), Fact("Fae", Lit("tumpus")), Fact("Fae", Lit("orange"))]
