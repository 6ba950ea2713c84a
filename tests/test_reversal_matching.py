"""The reversal-curse text rules: parse_response, the startswith rules, name cutting; all total."""

from __future__ import annotations

import pytest

from tasks.reversal.matching import (
    contains_match,
    first_two_words,
    is_celebrity_answer_correct,
    is_filtered_celebrity_answer_correct,
    is_startswith_match,
    looks_like_name_target,
    parse_celebrity_response,
)


@pytest.mark.parametrize(
    "reply, parsed",
    [
        ("Malia Obama", "Malia Obama"),
        ("Maye Musk", "Maye Musk"),
        ("Jean-Luc De La Croix Dupont", "Jean-Luc De La Croix Dupont"),  # 5 words: the maximum
        ("Jean Luc De La Croix Dupont", None),  # 6 words
        ("Madonna", None),  # 1 word
        ("I don't know.", None),
        ("I dont know", None),
        ("I don't know who that is", None),
        ("Ana de Armas", None),  # a lower-case word: the paper's rule rejects it
        ("Malia Obama.", "Malia Obama."),
        ("the answer", None),
        ("", None),
        ("   ", None),
        ("  Malia Obama\n", "Malia Obama"),  # surrounding whitespace is not part of the reply
        ("Søren Ålund", "Søren Ålund"),
        ("(Malia) Obama", None),
    ],
)
def test_parse_celebrity_response_rules(reply, parsed):
    assert parse_celebrity_response(reply) == parsed


def test_celebrity_correct_is_the_released_startswith_rule():
    """issue 26: the released test_parent_child_pairs.py counts `response.startswith(gold)` and nothing
    else; parse_response only built the dataset. Its filter is the stricter `score_filtered`."""
    assert is_celebrity_answer_correct("Malia Obama", "Malia Obama")
    assert is_celebrity_answer_correct("Malia Ann Obama", "Malia")  # startswith, as in the paper
    assert is_celebrity_answer_correct("Ron Donachie is his father.", "Ron Donachie")  # 0 under the filter
    assert is_celebrity_answer_correct("Malia Obama is the daughter of Barack", "Malia Obama")  # > 5 words
    assert not is_celebrity_answer_correct("malia obama", "Malia Obama")  # case-sensitive
    assert not is_celebrity_answer_correct(" Malia Obama", "Malia Obama")  # raw reply, as released
    assert not is_celebrity_answer_correct("Sasha Obama", "Malia Obama")
    assert is_celebrity_answer_correct("I don't know.", "I don't know.")  # the rule is only startswith


def test_filtered_celebrity_correct_needs_parse_and_case_sensitive_prefix():
    assert is_filtered_celebrity_answer_correct("Malia Obama", "Malia Obama")
    assert is_filtered_celebrity_answer_correct("  Malia Obama\n", "Malia Obama")  # parse strips
    assert not is_filtered_celebrity_answer_correct("Ron Donachie is his father.", "Ron Donachie")  # lower-case words
    assert not is_filtered_celebrity_answer_correct("malia obama", "Malia Obama")
    assert not is_filtered_celebrity_answer_correct("I don't know.", "I don't know.")
    assert not is_filtered_celebrity_answer_correct("Malia Obama is the daughter of Barack", "Malia Obama")  # > 5 words


@pytest.mark.parametrize(
    "completion, target, correct",
    [
        (" Uriah Hawthorne", " Uriah Hawthorne", True),
        ("uriah hawthorne is a composer", " Uriah Hawthorne", True),
        ("\n  URIAH HAWTHORNE.", "Uriah Hawthorne ", True),
        (" Uriah", " Uriah Hawthorne", False),
        (" The composer Uriah Hawthorne", " Uriah Hawthorne", False),
        ("", " Uriah Hawthorne", False),
        (" the renowned composer of the world's first underwater symphony.", " the renowned composer", True),
    ],
)
def test_startswith_rule(completion, target, correct):
    assert is_startswith_match(completion, target) is correct


def test_first_two_words_keeps_leading_space():
    assert first_two_words(" Mason Caldwell has found their calling.") == " Mason Caldwell"
    assert first_two_words("Mason Caldwell") == "Mason Caldwell"
    assert first_two_words(" Zendaya") == " Zendaya"
    assert first_two_words("") == ""


def test_name_target_heuristic():
    assert looks_like_name_target(" Mason Caldwell has found their calling.")
    assert not looks_like_name_target(" the groundbreaking roboticist who developed AI.")
    assert not looks_like_name_target(" directed the virtual reality masterpiece")
    assert not looks_like_name_target(" Zendaya")


def test_contains_match():
    assert contains_match("I think it is Uriah Hawthorne.", " Uriah Hawthorne")
    assert not contains_match("No idea.", " Uriah Hawthorne")
    assert not contains_match("anything", "   ")


HOSTILE = [
    "A" * 1_000_000,
    "Malia " * 200_000,
    "[" * 100_000 + "]" * 100_000,
    "__import__('os').system('echo pwned')",
    "compile('1+1', '', 'single'); globals()['__builtins__']",
    "\x00\ud800\uffff" * 1000,
    "İ" * 10_000,
    "🙂 " * 50_000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_rules_are_total_on_hostile_text(text):
    """Every rule answers (no exception, no eval); the suite's runtime shows they are quick."""
    assert parse_celebrity_response(text) is None or isinstance(parse_celebrity_response(text), str)
    is_celebrity_answer_correct(text, "Malia Obama")
    is_startswith_match(text, " Malia Obama")
    contains_match(text, " Malia Obama")
    first_two_words(text)
    looks_like_name_target(text)
