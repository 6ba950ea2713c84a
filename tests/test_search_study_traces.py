"""The keyword behaviour detector and the first-correct-answer position."""

from __future__ import annotations

import pytest

from harness.parsing.traces import (
    BEHAVIOUR_PATTERNS,
    BEHAVIOURS,
    count_behaviours,
    explain_behaviours,
    first_correct_position,
    tokens_at_position,
)
from harness.report.behaviours import summarize_behaviours

TRACE = (
    "Let me break this down into smaller steps. Step 1: try 25 + 3 = 28. "
    "Wait, that doesn't work, 28 is too small. Let me try another combination. "
    "To get 24, we need 4 * 6, so working backwards we need a 6. "
    "Let me verify: 4 * 6 = 24. <answer>4 * 6</answer>"
)


def test_each_behaviour_is_detected_in_a_worked_trace():
    counts = count_behaviours(TRACE)
    assert set(counts) == set(BEHAVIOURS) == {"verification", "backtracking", "subgoal_setting", "backward_chaining"}
    assert counts["verification"] == 2  # "28 is too small" (implicit, as the paper's "Too high!") and "Let me verify"
    assert counts["backtracking"] == 2  # "Wait, that doesn't work" and "Let me try another combination"
    assert counts["subgoal_setting"] == 2  # "break this down" and "Step 1"
    assert counts["backward_chaining"] == 1  # one sentence, two cues: counted once


@pytest.mark.parametrize(
    "sentence,behaviour",
    [
        ("Let me double-check the third row.", "verification"),
        ("Checking whether 7 fits in the box.", "verification"),
        ("That is a contradiction, so cell (2,3) cannot be 5.", "backtracking"),
        ("I'll go back to the previous choice.", "backtracking"),
        ("Oops, I used 3 twice.", "backtracking"),
        ("First, let's fill the obvious cells.", "subgoal_setting"),
        ("Our next goal is the second box.", "subgoal_setting"),
        ("Starting from the target 24, what do we need?", "backward_chaining"),
        ("Which numbers are missing in row 2?", "backward_chaining"),
    ],
)
def test_documented_patterns_fire(sentence, behaviour):
    assert count_behaviours(sentence)[behaviour] == 1
    assert explain_behaviours(sentence)[behaviour]


def test_plain_arithmetic_shows_no_behaviour():
    assert count_behaviours("25 + 3 = 28. 28 * 2 = 56.") == {name: 0 for name in BEHAVIOURS}


def test_patterns_are_documented_strings():
    assert all(isinstance(p, str) and p for patterns in BEHAVIOUR_PATTERNS.values() for p in patterns)


@pytest.mark.parametrize(
    "text",
    ["", "\x00" * 1000, "ünïcödé ✓ 数独", "wait, " * 50_000, "a." * 100_000, "(" * 1_000_000, None, 42],
)
def test_detector_is_total(text):
    counts = count_behaviours(text)  # type: ignore[arg-type]
    assert set(counts) == set(BEHAVIOURS) and all(isinstance(v, int) and v >= 0 for v in counts.values())


def test_first_correct_position_finds_the_earliest_verifying_prefix():
    text = "<answer>1 + 2</answer> hmm, no. <answer>4 * 6</answer> and again <answer>4 * 6</answer>"
    position = first_correct_position(text, lambda prefix: prefix.rstrip().endswith("<answer>4 * 6</answer>"),
                                      markers=("</answer>",))
    assert position == text.index("</answer>", text.index("4 * 6")) + len("</answer>")
    # without markers only the whole text is a candidate
    assert first_correct_position(text, lambda prefix: prefix.rstrip().endswith("<answer>4 * 6</answer>")) == len(text)
    assert first_correct_position(text, lambda prefix: False, markers=("</answer>",)) is None
    assert first_correct_position("no markers", lambda prefix: prefix == "no markers") == len("no markers")


def test_first_correct_position_survives_a_crashing_verifier():
    def explode(prefix: str) -> bool:
        raise RuntimeError("scorer bug")

    assert first_correct_position("<answer>x</answer>", explode, markers=("</answer>",)) is None


def test_tokens_at_position():
    assert tokens_at_position("abcdefghij", 5, completion_tokens=100) == 50
    assert tokens_at_position("abcdefghij", 5, 100, count_tokens=lambda s: len(s) * 2) == 10
    assert tokens_at_position("", 0, 10) == 0


def test_summarize_behaviours_means_and_shares():
    summary = summarize_behaviours([{"backtracking": 2}, {"backtracking": 0}, {"backtracking": 1}, {}])
    assert summary["backtracking"].value == pytest.approx(0.75)
    assert summary["backtracking_any"].value == pytest.approx(0.5)
    assert summary["backtracking_any"].ci_low is not None
    assert summary["verification"].value == 0.0
