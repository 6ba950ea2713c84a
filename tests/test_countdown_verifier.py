"""The Countdown verifier: correct answers pass, every trick fails, hostile text gets a quick verdict."""

import time

import pytest

from tasks.countdown.config import CountdownConfig
from tasks.countdown.scoring import (
    evaluate_arithmetic,
    extract_countdown_answer,
    score_countdown_response,
    verify_countdown_expression,
)

NUMS, TARGET = [80, 66, 15, 73], 25  # (15 * (73 - 66)) - 80 = 25
SAMPLE = {"id": "x", "nums": NUMS, "target": TARGET}


def score(text: str) -> dict:
    return score_countdown_response(CountdownConfig(), SAMPLE, text).scores


def test_correct_answer_gets_reward_one():
    assert score("<think>...</think> <answer> (15 * (73 - 66)) - 80 </answer>") == {"accuracy": 1.0, "reward": 1.0, "tinyzero_reward": 1.0,
                                                                                "tinyzero_accuracy": 1.0}


def test_last_answer_block_counts():
    text = "<answer>1 + 2</answer> no wait <answer>15 * (73 - 66) - 80</answer>"
    assert score(text)["accuracy"] == 1.0


def test_no_answer_gets_zero_and_is_unparseable():
    verdict = score_countdown_response(CountdownConfig(), SAMPLE, "I think it is 25")
    assert verdict.answer is None and verdict.scores.items() >= {"accuracy": 0.0, "reward": 0.0, "tinyzero_reward": 0.0}.items()


@pytest.mark.parametrize(
    "expression",
    [
        "80 - 66 + 15 - 73",  # wrong value
        "15 * (73 - 66) - 80 + 0",  # extra number
        "15 * (73 - 66) - 80 - 15 + 15",  # reused number
        "15 * (73 - 66)",  # missing number
        "15.0 * (73 - 66) - 80",  # non-integer trick: decimal point
        "15 * (73 - 66) - 8e1",  # exponent notation
        "0x0F * (73 - 66) - 80",  # hex literal
        "15 * (73 - 66) - 80 == 25",  # comparison
        "15 * (73 - 66) - 80 = 25",  # equation, not expression (TinyZero's regex rejects '=')
        "15 ** (73 - 66) - 80",  # power
        "15 * (73 - 66) - 8_0",  # digit separator
        "__import__('os').system('echo hi')",  # code
        "15 * (73 - 66) - ٨٠",  # unicode digits
    ],
)
def test_tricks_are_wrong_but_well_formed(expression):
    assert score(f"<answer>{expression}</answer>") == {"accuracy": 0.0, "reward": 0.1, "tinyzero_reward": 0.1,
                                                       "tinyzero_accuracy": 0.0}


@pytest.mark.parametrize(
    "expression",
    ["(15 * (73 - 66)) -\n 80", "(15 *\n(73 - 66))\n- 80", "(15 * (73 - 66)) -\t80", "015 * (073 - 066) - 080",
     "(15 * (73 - 0066)) - 80"],
)
def test_written_arithmetic_over_lines_and_with_leading_zeros_counts(expression):
    """issue 26: `(1 + 2) *\n 3` and `03` were refused (Python source rules), though the README says a
    block over several lines counts; the numbers used are 15, 73, 66, 80 either way."""
    assert score(f"<answer>{expression}</answer>")["accuracy"] == 1.0
    assert evaluate_arithmetic("03") == 3 and evaluate_arithmetic("0") == 0 and evaluate_arithmetic("00 + 1") == 1


def test_division_by_zero_is_a_verdict():
    assert evaluate_arithmetic("1 / (2 - 2)") is None
    assert not verify_countdown_expression("80 / (66 - 66) + 15 + 73", [80, 66, 66, 15, 73], 25)


def test_exact_fraction_arithmetic():
    assert evaluate_arithmetic("(1 + 2) / 3") == 1
    assert verify_countdown_expression("6 / (1 - 3 / 4)", [6, 1, 3, 4], 24)


def test_blowups_are_refused_quickly():
    start = time.perf_counter()
    assert not verify_countdown_expression("99999999999 * 99999999999 * 99999999999", [1, 2, 3], 6)
    assert not verify_countdown_expression("9" * 5000 + " * 2", [9, 2], 18)
    assert evaluate_arithmetic("(" * 10_000 + "1" + ")" * 10_000) is None  # deep nesting
    assert score("<answer>" + "1+" * 50_000 + "1</answer>")["accuracy"] == 0.0
    assert time.perf_counter() - start < 5  # generous: a hang would take forever, not seconds


def test_megabytes_of_text_get_a_verdict():
    huge = "<answer>" * 100_000 + "x" * 1_000_000 + "</answer>" * 3
    assert score(huge)["accuracy"] == 0.0
    assert score("\u202e\U0001F600" * 100_000)["reward"] == 0.0


def test_extraction_handles_unclosed_tags():
    assert extract_countdown_answer("<answer> 1 + 2") is None
    assert extract_countdown_answer("</answer><answer>") is None
    assert extract_countdown_answer("<answer> 3 </answer>") == "3"


@pytest.mark.parametrize("expression, nums", [
    ("25 + 1 / 100", [25, 1, 100]),           # 25.01
    ("(25 * 4 + 1) / 4", [25, 4, 1, 4]),      # 25.25
    ("26 - 1 / 2", [26, 1, 2]),               # 25.5
    ("24 + 1 / 1000", [24, 1, 1000]),         # 24.001
    ("100000 / 100001 * 25", [100000, 100001, 25]),  # 24.99975
])
def test_near_misses_are_wrong(expression, nums):
    """|value - target| < 1e-5 (protocols.md): what a wider tolerance would let through is wrong."""
    assert 1e-5 < abs(float(evaluate_arithmetic(expression)) - 25) < 1.5
    assert verify_countdown_expression(expression, nums, 25) is False
    assert score_countdown_response(CountdownConfig(), {"id": "t", "nums": nums, "target": 25},
                                    f"<answer>{expression}</answer>").scores["accuracy"] == 0.0


def test_a_value_within_1e_minus_5_counts():
    """The one side of the tolerance exact arithmetic can reach: 1e-6 off is still correct."""
    expression = "25 + 1 / 1000000"
    assert verify_countdown_expression(expression, [25, 1, 1000000], 25) is True
    assert verify_countdown_expression("25 + 1 / 10000", [25, 1, 10000], 25) is False  # 1e-4 off
