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

from harness.core.registry import get_task
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
