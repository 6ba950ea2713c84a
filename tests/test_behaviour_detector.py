"""The keyword detector's extensions: the forms of the paper's own judge examples, the Stream-of-Search
trace format through Countdown's behaviour_markers hook, and its measured recall and false positives,
which docs/behaviours.md shows and this test keeps equal to what the code computes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.core.registry import get_task
from harness.parsing.traces import BEHAVIOURS, behaviour_sentences, count_behaviours, explain_behaviours, labelled_examples
from harness.report.behaviours import detector_scorecard, scorecard_line, scorecard_markdown
from tasks.countdown.traces import stream_of_search_markers

DOCS = Path(__file__).resolve().parents[1] / "docs" / "behaviours.md"
README = Path(__file__).resolve().parents[1] / "README.md"

# The examples in Gandhi et al.'s judge prompts: the development examples the patterns were extended for.
PAPER_EXAMPLES = [
    ("This sequence results in 1, which is not equal to 22", "verification"),
    ("Since 25 is not equal to 22", "verification"),
    ("Too high!", "verification"),
    ("This works!", "verification"),
    ("we need to try a different sequence", "backtracking"),
    ("First, I'll try to get close to 11, then...", "subgoal_setting"),
    ("Let's work backwards from the target. 24/2 = 12. So, 12*2=24.", "backward_chaining"),
    ("Since the target is 22, and 22 + 3 = 25, ...", "backward_chaining"),
]

SOS_TRACE = """Current State: 24:[8, 2, 3], Operations: []
Exploring Operation: 8+2=10, Resulting Numbers: [3, 10]
Generated Node #0,0: 24:[3, 10] Operation: 8+2=10
Moving to Node #0,0
Current State: 24:[3, 10], Operations: ['8+2=10']
Exploring Operation: 3+10=13, Resulting Numbers: [13]
13,24 unequal: No Solution
Exploring Operation: 10-3=7, Resulting Numbers: [7]
7,24 unequal: No Solution
Moving to Node #0
Current State: 24:[8, 2, 3], Operations: []
Exploring Operation: 8*3=24, Resulting Numbers: [2, 24]
Generated Node #0,1: 24:[2, 24] Operation: 8*3=24
Moving to Node #0,1
Exploring Operation: 24/2=12, Resulting Numbers: [12]
12,24 unequal: No Solution
Exploring Operation: 2*24=48, Resulting Numbers: [48]
48,24 unequal: No Solution
"""


@pytest.mark.parametrize("sentence,behaviour", PAPER_EXAMPLES)
def test_the_papers_own_examples_are_found(sentence, behaviour):
    assert count_behaviours(sentence)[behaviour] == 1


def test_stream_of_search_markers_count_dead_ends_and_backtracking_moves():
    hook = get_task("countdown").family.behaviour_markers
    assert hook is stream_of_search_markers
    assert count_behaviours(SOS_TRACE) == {name: 0 for name in BEHAVIOURS}  # no keyword in the whole trace
    counts = count_behaviours(SOS_TRACE, hook)
    assert counts["verification"] == 4  # four "unequal: No Solution" lines
    # the move back to node #0, and the two new operations tried right after a dead end; the forward
    # moves to the nodes just generated (#0,0 and #0,1) are not backtracking
    assert counts["backtracking"] == 3
    found = explain_behaviours(SOS_TRACE, format_markers=hook)["backtracking"]
    assert found == ["Exploring Operation: 10-3=7, Resulting Numbers: [7]", "Moving to Node #0",
                     "Exploring Operation: 2*24=48, Resulting Numbers: [48]"]
    assert count_behaviours("Exploring Operation: 6*4=24, Resulting Numbers: [24]\n24,24 equal: Goal Reached", hook)["verification"] == 1


@pytest.mark.parametrize("text", ["", "Moving to Node #", "\n" * 10_000, "1,2 unequal: No Solution\n" * 50_000, "Moving to Node #0,0\n" * 10_000])
def test_the_format_hook_is_total_and_linear(text):
    counts = count_behaviours(text, stream_of_search_markers)
    assert all(isinstance(v, int) and v >= 0 for v in counts.values())


def test_a_failing_hook_marks_nothing_and_keywords_still_count():
    def broken(text):
        raise RuntimeError("hook bug")

    assert count_behaviours("Let me verify this.", broken)["verification"] == 1
    assert count_behaviours("Let me verify this.", lambda text: {"verification": [10**9, -1], "unknown": [0]})["verification"] == 1


def test_sentences_are_reported_as_spans():
    text = "Step 1: add them. Too high! Let me try another combination."
    spans = behaviour_sentences(text)
    assert [text[a:b].strip() for a, b in spans["verification"]] == ["Too high!"]
    assert [text[a:b].strip() for a, b in spans["backtracking"]] == ["Let me try another combination."]


def test_the_labelled_sets_are_well_formed():
    for name in ("held_out", "development"):
        items = labelled_examples(name)
        assert len({item["id"] for item in items}) == len(items) > 150
        assert all(set(item["labels"]) <= set(BEHAVIOURS) and item["family"] in {"countdown", "sudoku", "counterbench"} for item in items)
        assert all(sum(name in item["labels"] for item in items) >= 30 for name in BEHAVIOURS)  # 30+ positives each
    held_out = {item["text"] for item in labelled_examples("held_out")}
    assert not held_out & {item["text"] for item in labelled_examples("development")}
    assert not held_out & {sentence for sentence, _ in PAPER_EXAMPLES}
    with pytest.raises(ValueError, match="unknown labelled set"):
        labelled_examples("test")


def test_the_docs_show_the_scorecard_the_code_computes():
    docs = DOCS.read_text(encoding="utf-8")
    for name in ("held_out", "development"):
        block = re.search(rf"<!-- scorecard: {name} -->\n(.*?)\n<!-- end scorecard -->", docs, re.S)
        assert block is not None, f"docs/behaviours.md lost its {name} table"
        assert block.group(1) == scorecard_markdown(name), f"re-paste harness.report.behaviours.scorecard_markdown('{name}')"
    readme = README.read_text(encoding="utf-8")  # the README quotes the held-out table, the figures to quote
    block = re.search(r"<!-- scorecard: held_out -->\n(.*?)\n<!-- end scorecard -->", readme, re.S)
    assert block is not None and block.group(1) == scorecard_markdown("held_out"), "re-paste the held-out table into README.md"


def test_the_scorecard_is_honest_about_low_recall():
    scores = {s.behaviour: s for s in detector_scorecard("held_out")}
    for score in scores.values():  # every interval inside [0, 1] and around its value
        for rate in ("recall", "false_positive_rate", "precision"):
            value = score.rate(rate)
            assert 0.0 <= value.ci_low <= value.value <= value.ci_high <= 1.0
    line = scorecard_line()
    assert line.startswith("keyword detector: recall") and "docs/behaviours.md" in line
