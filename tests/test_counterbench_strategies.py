"""tasks.counterbench.strategies: the shared prompt strategies and the total yes/no extractor."""

from __future__ import annotations

import time

import pytest

from tasks.counterbench.strategies import (
    STRATEGIES,
    apply_strategy,
    extract_yes_no,
    strategy_max_tokens,
    strategy_text_prompt,
    validate_strategy,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yes.", "yes"),
        ("no", "no"),
        ("NO", "no"),
        ("**No**", "no"),
        ("  *Yes*, because the chain is broken.", "yes"),
        ("the answer is no", "no"),
        ("The answer would be yes, Lumbo occurs.", "yes"),
        ("Step 1 ... Step 5\nAnswer: no", "no"),
        ("Reasoning.\n**Answer:** Yes", "yes"),
        ("Final answer: \\boxed{no}", "no"),
        ("So the answer is:\nNo", "no"),
        ("Blaf is no longer true, so Vork is false.\nTherefore, yes.", "yes"),
        ("Lumbo would not occur.\nNo.", "no"),
        ("First I thought the answer is yes. Checking again... the answer is no.", "no"),
        ("Answer: yes\nAnswer: no", "no"),
        ("<think>the answer is no</think>\nYes", "yes"),
        ("Answer - YES", "yes"),
        ('The answer is "yes" because Blaf holds, not no.', "yes"),
        ("the answer is \u201cNo\u201d, since Vork fails", "no"),
    ],
)
def test_extracts_the_final_answer(text, expected):
    assert extract_yes_no(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "", "   ", "Maybe.", "I cannot tell.", "nope", "Not sure", "Yes or no?", "Answer: yes or no",
        "yes and no", "There is no rule for Blaf, so Vork keeps its value.",  # 'no' mid-sentence
        "Answer with yes or no.", "Yes/No", "answer: unclear", "Nobody knows", "yesterday",
    ],
)
def test_unparseable_answers_are_none(text):
    assert extract_yes_no(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "a" * 1_000_000,
        "answer " * 150_000,
        "answer: yes or " * 60_000,
        "(" * 500_000 + ")" * 500_000,
        "[{" * 300_000,
        "\u2603\u0301" * 400_000,
        "__import__('os').system('rm -rf /') or compile('yes', '<answer>', 'single')",
        "no!" * 300_000 + "x",
        "\x00\ud800 yes",
        "\n" * 1_000_000 + "yes",
    ],
)
def test_hostile_input_gets_a_verdict_quickly(text):
    start = time.perf_counter()
    result = extract_yes_no(text)
    assert result in ("yes", "no", None)
    assert time.perf_counter() - start < 2.0


def test_non_string_input_is_unparseable():
    assert extract_yes_no(None) is None  # type: ignore[arg-type]
    assert extract_yes_no(b"yes") is None  # type: ignore[arg-type]


def test_strategies_build_chat_and_text_prompts():
    assert set(STRATEGIES) == {"direct", "cot", "coin"}
    for name in STRATEGIES:
        messages = apply_strategy(name, "Would B occur?", "A causes B.")
        assert [m["role"] for m in messages] == ["system", "user"]
        assert messages[1]["content"].startswith("A causes B.\nWould B occur?\n\n")
        text = strategy_text_prompt(name, "Would B occur?", "A causes B.")
        assert messages[1]["content"] in text and text.endswith(STRATEGIES[name].text_cue)
    assert "only yes or no" in apply_strategy("direct", "Q?")[1]["content"]
    assert "step by step" in apply_strategy("cot", "Q?")[1]["content"]
    coin = apply_strategy("coin", "Q?")[1]["content"]
    assert "Backtrack" in coin and "Iterate" in coin and '"Answer: X"' in coin
    assert "a number" in apply_strategy("cot", "Q?", answer_format="a number")[1]["content"]
    assert strategy_max_tokens("direct") < strategy_max_tokens("cot") < strategy_max_tokens("coin")


def test_unknown_strategy_suggests_the_closest():
    with pytest.raises(ValueError, match="did you mean 'coin'"):
        validate_strategy("coinn")
    with pytest.raises(ValueError, match="direct, cot, coin"):
        apply_strategy("tree", "Q?")


# ---- issue 26: corrections and negations (a final, explicit answer wins; a negation never inverts)
OTHER = {"yes": "no", "no": "yes"}
CORRECTIONS = [  # (template, which answer a person reads: "first" or "final")
    ("{A}.\n\nWait, let me re-check. So actually: {B}.", "final"),
    ("{A}.\nHmm, on reflection, {B}.", "final"),
    ("{A}, at first sight. But the intervention cuts the chain, so {B}.", "final"),
    ("Initially I would say {A}, but Vork is blocked; therefore, {B}.", "final"),
    ("{A}\n\nLet me double-check the rules.\nBlaf causes Vork, and Vork is set to false.\nFinal: {B}", "final"),
    ("My first guess was {A}. Looking again: {B}!", "final"),
    ("{A}. Because Blaf causes Vork and nothing blocks it.", "first"),
    ("**{A}**, since the rule holds and there is no", "first"),  # 'no' mid-sentence is not an answer
]
NEGATIONS = [
    "The answer is not {A}.",
    "It is not {A}.",
    "Definitely not {A}",
    "The answer isn't {A}.",
    "I would never say {A}.",
]


@pytest.mark.parametrize(("template", "reading"), CORRECTIONS)
@pytest.mark.parametrize("first", ["yes", "no"])
def test_a_final_explicit_answer_wins_over_an_opening_word(template, reading, first):
    for case in (str.capitalize, str.lower):
        text = template.format(A=case(first), B=case(OTHER[first]))
        assert extract_yes_no(text) == (first if reading == "first" else OTHER[first]), text


@pytest.mark.parametrize("template", NEGATIONS)
@pytest.mark.parametrize("word", ["yes", "no"])
def test_a_negated_answer_word_is_never_read_as_that_answer(template, word):
    text = template.format(A=word)
    assert extract_yes_no(text) != word, text  # unparsed (None): never the negated word
    assert extract_yes_no(text) is None
