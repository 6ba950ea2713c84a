"""The rules of LR2Bench's default scoring (the authors' scripts) on the project's own fixtures,
without the reference folder: tests/fixtures/lr2bench/upstream_rules.jsonl holds responses to the
fixture puzzles with the extracted text and the verdict worked out by hand from
`1-extract_answer.py` / `2-merge_answer.py` (one rule each: tag case, CR of the default and of
unparseable text, missing keys, duplicated keys, blanks, the lazy regex cuts, raw grid cells, ...).
tests/test_lr2bench_upstream.py runs the same file through the authors' scripts when they are
present ("upstream": "same" rows must agree; "differs" / "crashes" / "hangs" rows are the
documented exceptions)."""

from __future__ import annotations

import json

import pytest

from harness.registry import get_task
from harness.safe_expr import ExpressionError, evaluate_expression
from tasks.lr2bench.extraction import last_regex_match, upstream_answer_text
from tasks.lr2bench.scoring import count_subtasks
from tests.conftest import FIXTURES_DIR

RULES = [json.loads(line) for line in (FIXTURES_DIR / "lr2bench" / "upstream_rules.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def samples():
    task = get_task("lr2bench", {"level": "5_5,easy,4_4,4_4_easy"})
    return task, {s["id"]: s for s in task.family.load(str(FIXTURES_DIR / "lr2bench" / "data"), task.config)}


@pytest.mark.parametrize("case", RULES, ids=[f"{c['id']}: {c['rule'][:60]}" for c in RULES])
def test_each_rule_gives_the_verdict_worked_out_by_hand(samples, case):
    task, by_id = samples
    sample = by_id[case["id"]]
    assert upstream_answer_text(sample["task"], case["response"]) == case["text"]
    scores = task.family.score(task.config, sample, case["response"]).scores
    total = count_subtasks(sample["task"], sample["gold"])
    assert scores == {
        "completion_ratio": float(case["completion_ratio"]),
        "subtask_accuracy": case["correct"] / total,
        "exact_match": float(case["exact_match"]),
        "partial_match_0.5": float(case["partial_match_0.5"]),
    }


def test_the_fixture_covers_every_task_and_the_documented_exceptions():
    tasks = {case["id"].split("/")[0] for case in RULES}
    assert tasks == {"crossword", "acrostic", "logic", "cryptogram", "sudoku", "drop"}
    kinds = {case["upstream"] for case in RULES}
    assert kinds == {"same", "differs", "crashes", "hangs"}


def test_regex_scan_equals_findall():
    import re

    texts = ["<Answer>a</Answer><answer>b</ANSWER>", "<Answer><Answer>x</Answer>", "x</Answer><Answer>y", "",
             "<ANSWER>" * 50 + "</answer>", "<Answer>\n1\n</Answer>\n<Answer>\n2"]
    for text in texts:
        found = re.findall(r"<Answer>(.*?)</Answer>", text, re.IGNORECASE | re.DOTALL)
        assert last_regex_match(text, "<Answer>", "</Answer>", inner=True) == (found[-1] if found else None)
    grids = ["[[1]] [ [2 ] ]  [[3]", "[[[1]]]", "[\n[1],\n[2]\n]", "[ 1 ] ]", "[[", "[[1] ]x[[2]]"]
    for text in grids:
        found = re.findall(r"\[\s*\[.*?\]\s*\]", text, re.IGNORECASE | re.DOTALL)
        assert last_regex_match(text, r"\[\s*\[", r"\]\s*\]", inner=False) == (found[-1] if found else None)


def test_megabytes_of_unclosed_tags_are_cheap():
    text = "<answer>" * 200_000 + "[[" * 200_000
    assert upstream_answer_text("sudoku", text) == "[[]]"
    assert upstream_answer_text("sudoku", "<Answer>" + "[[ " * 300_000 + "]]</Answer>").startswith("[[ [[")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("{'a': 1, 'a': 2}", {"a": 2}),
        ("[[1, 2.0, True]]", [[1, 2.0, True]]),
        ("- - 1", 1),
        ("'A' + 'T'", "AT"),
        ("'ab' * 2", "abab"),
        ("0 and 1 / 0", 0),
        ("1 if 1 < 2 < 3 else 1 / 0", 1),
        ("'abc'[::-1]", "cba"),
        ("{1: b'x', 2: 1j, 3: ...}", {1: b"x", 2: 1j, 3: ...}),
        ("f'plain'", "plain"),
        ("1 in [1, 2] and 'a' not in 'bcd'", True),
        ("(((((((((('deep'))))))))))", "deep"),
    ],
)
def test_constant_expressions_have_evals_value(text, value):
    assert evaluate_expression(text) == value  # the values eval gives these texts (checked by hand)


@pytest.mark.parametrize(
    "text",
    [
        "len",  # names: eval would look them up among the caller's variables
        "true",
        "__import__('os').system('true')",
        "'a'.upper()",
        "[x for x in (1, 2)]",
        "lambda: 1",
        "(x := 1)",
        "[*'ab']",
        "{**{'a': 1}}",
        "f'{1}'",
        "'%s' % 1",
        "1 is 1",
        "9 ** 9 ** 9",  # eval would run for hours
        "'a' * 10 ** 10",  # or take 10 GB
        "2 << 10 ** 9",
        "1 / 0",  # eval raises
        "[1][5]",
        "-'a'",
        "{[1]: 2}",
        "[" * 300 + "]" * 300,
        "'\x00'",
        "[1, 2",
    ],
)
def test_everything_else_is_refused(text):
    with pytest.raises(ExpressionError):
        evaluate_expression(text)
