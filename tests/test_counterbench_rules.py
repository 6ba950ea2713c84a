"""Reading and writing CounterBench's rule language and question templates."""

from __future__ import annotations

import json

import pytest

from tasks.counterbench.rule_text import (
    RuleSyntaxError,
    parse_given_info,
    parse_question,
    render_given_info,
    render_question,
)
from tasks.counterbench.scm import CausalModel, Literal, Mechanism, counterfactual_outcome


def mechanisms_of(text):
    model, observations = parse_given_info(text)
    return {(m.effect, tuple((c.variable, c.negated) for c in m.causes), m.operator, m.negated)
            for m in model.mechanisms}, observations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We know that Ab causes Cd.", {("Cd", (("Ab", False),), "and", False)}),
        ("We know that Ab causes not Cd.", {("Cd", (("Ab", False),), "and", True)}),
        ("We know that not Ab causes Cd.", {("Cd", (("Ab", True),), "and", False)}),
        ("We know that Ab and not Cd together cause Ef.", {("Ef", (("Ab", False), ("Cd", True)), "and", False)}),
        ("We know that Ab and Cd together cause not Ef.", {("Ef", (("Ab", False), ("Cd", False)), "and", True)}),
        ("We know that Ab or not Cd causes Ef.", {("Ef", (("Ab", False), ("Cd", True)), "or", False)}),
        ("We know that Ab and Cd causes Ef.", {("Ef", (("Ab", False), ("Cd", False)), "and", False)}),
        ("We know that Ab and Cd and Gh together cause Ef.",
         {("Ef", (("Ab", False), ("Cd", False), ("Gh", False)), "and", False)}),
        ("We know that Ab cause not Cd.", {("Cd", (("Ab", False),), "and", True)}),
    ],
)
def test_single_rule_forms(text, expected):
    assert mechanisms_of(text) == (expected, {})


def test_one_cause_with_several_effects_in_both_list_styles():
    text = "We know that Ab causes Cd, Ef and not Gh, Gh causes Ij and Kl, and Kl causes Mn."
    found, _ = mechanisms_of(text)
    assert ("Ef", (("Ab", False),), "and", False) in found
    assert ("Gh", (("Ab", False),), "and", True) in found
    assert ("Ij", (("Gh", False),), "and", False) in found and ("Kl", (("Gh", False),), "and", False) in found
    assert len(found) == 6


@pytest.mark.parametrize(
    ("suffix", "observations"),
    [(" We observed Cd", {"Cd": True}), (" We observed not Cd.", {"Cd": False}),
     (" We observed Cd and not Ab.  ", {"Cd": True, "Ab": False})],
)
def test_observations(suffix, observations):
    assert parse_given_info("We know that Ab causes Cd." + suffix)[1] == observations


def test_variables_in_order_of_mention_include_observed_ones():
    model, _ = parse_given_info("We know that Ab causes Cd, and Ef or Cd causes Gh. We observed Ij")
    assert model.variables == ("Ab", "Cd", "Ef", "Gh", "Ij")
    assert model.roots == ("Ab", "Ef", "Ij")


@pytest.mark.parametrize(
    "text",
    ["Ab causes Cd.", "We know that Ab causes.", "We know that ab causes Cd.",
     "We know that Ab and Cd or Ef causes Gh.", "We know that Cd, Ab causes Cd.",
     "We know that Ab causes Cd, Ab causes not Cd."],
)
def test_syntax_errors_are_reported(text):
    with pytest.raises(RuleSyntaxError):
        parse_given_info(text)


@pytest.mark.parametrize(
    ("question", "query_type", "target", "interventions"),
    [
        ("Would Kl occur if not Ab instead of Ab?", "basic", "Kl", ("Ab",)),
        ("Would Kl occur if not Ab instead of Ab?", "conditional", "Kl", ("Ab",)),
        ("Would Kl occur if not Ab and not Cd?", "joint", "Kl", ("Ab", "Cd")),
        ("Assume not Ab, and based on this assumption, further suppose not Cd. Would Kl occur?",
         "nested", "Kl", ("Ab", "Cd")),
    ],
)
def test_questions_parse_and_render(question, query_type, target, interventions):
    query = parse_question(question, query_type)
    assert (query.target, query.interventions) == (target, interventions)
    assert render_question(query_type, target, interventions) == question


def test_question_in_the_wrong_form():
    with pytest.raises(RuleSyntaxError):
        parse_question("Would Kl occur if not Ab instead of Cd?", "basic")
    with pytest.raises(RuleSyntaxError):
        parse_question("Would Kl occur?", "counterfactual")


def test_rendering_uses_the_original_forms_and_parses_back():
    model = CausalModel(
        ("Ab", "Cd", "Ef", "Gh", "Ij", "Kl"),
        (
            Mechanism("Cd", (Literal("Ab"),)),
            Mechanism("Ef", (Literal("Ab"),), negated=True),
            Mechanism("Gh", (Literal("Ef"), Literal("Cd", True)), "and"),
            Mechanism("Ij", (Literal("Gh"), Literal("Ab")), "or", negated=True),
            Mechanism("Kl", (Literal("Ij", True),)),
        ),
    )
    text = render_given_info(model, {"Gh": False})
    assert text == (
        "We know that Ab causes Cd and not Ef, Ef and not Cd together cause Gh, Gh or Ab causes not Ij,"
        " and not Ij causes Kl. We observed not Gh."
    )
    parsed, observations = parse_given_info(text)
    assert set(parsed.mechanisms) == set(model.mechanisms) and observations == {"Gh": False}


def test_own_fixtures_gold_agrees_with_exact_evaluation(fixtures_dir):
    rows = [json.loads(line) for line in (fixtures_dir / "counterbench" / "original_format.jsonl").open()]
    assert {row["type"] for row in rows} == {"basic", "conditional", "joint", "nested"}
    for row in rows:
        model, observations = parse_given_info(row["given_info"])
        query = parse_question(row["question"], row["type"])
        answer = counterfactual_outcome(model, query.target, query.as_interventions(), observations)
        assert ("yes" if answer else "no") == row["answer"], row["question_id"]
        assert len(model.variables) == int(row["meta"]["graph_id"][5:])
