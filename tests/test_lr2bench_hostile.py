"""Hostile responses are scored, never run: eval payloads, deep nesting, megabyte strings, odd unicode."""

from __future__ import annotations

import pytest

from harness.core.registry import get_task
from tasks.lr2bench.extraction import extract_answer, last_delimited
from tasks.lr2bench.spec import TASKS

MEGABYTE = 1_000_000


@pytest.fixture(scope="module")
def lr2(request):
    fixtures = request.config.rootpath / "tests" / "fixtures" / "lr2bench" / "data"
    task = get_task("lr2bench", {"level": "5_5,easy,4_4,4_4_easy"})
    return task, list(task.family.load(str(fixtures), task.config))


def hostile_responses(marker_path: str) -> list[str]:
    payload = f"__import__('os').system('touch {marker_path}')"
    return [
        f"<Answer>{{'1-ACROSS': {payload}}}</Answer>",
        f"<Mapping>{{'B': {payload}}}</Mapping>",
        f"<Answer>[[{payload}]]</Answer>",
        f"<Answer>[{{'years': {payload}}}]</Answer>",
        f"<Answer>{payload}</Answer>",
        "<Answer>{'a': (lambda: __import__('os'))()}</Answer>",
        "<Answer>[[().__class__.__base__.__subclasses__()]]</Answer>",
        "<Answer>{'x': [c for c in ().__class__.__mro__]}</Answer>",
        "<Answer>" + "[" * 100_000 + "</Answer>",
        "<Answer>" + "[[" * 200_000 + "]]" * 200_000 + "</Answer>",
        "<Answer>{" + "{" * MEGABYTE + "</Answer>",
        "<Mapping>" + "{'A': " * 50_000 + "'B'" + "}" * 50_000 + "</Mapping>",
        "<Answer>[[" + "9" * MEGABYTE + "]]</Answer>",
        "<Answer>" * 200_000 + "</Answer>" * 200_000,
        "x" * MEGABYTE,
        "<Answer>{'k': '" + "é漢🙂\u202e\x00" * 100_000 + "'}</Answer>",
        "<Answer>[[" + "1, " * 400_000 + "]]</Answer>",
        "\x00<Answer>\ud800</Answer>",
        "<Answer>{'1-ACROSS': 'AT'}" + "}" * MEGABYTE + "</Answer>",
    ]


def test_hostile_answers_are_scored_not_run(lr2, tmp_path):
    task, samples = lr2
    marker = tmp_path / "pwned"
    for text in hostile_responses(str(marker)):
        for sample in samples:
            verdict = task.family.score(task.config, sample, text)
            assert set(verdict.scores) == {"completion_ratio", "subtask_accuracy", "exact_match", "partial_match_0.5"}
            assert all(0.0 <= value <= 1.0 for value in verdict.scores.values())
    assert not marker.exists()


def test_payloads_inside_an_otherwise_valid_answer_make_it_unparseable(lr2):
    task, samples = lr2
    sample = next(s for s in samples if s["id"] == "crossword/5_5/FX002")
    text = "<Answer>{'1-ACROSS': 'AT', '3-ACROSS': __import__('os').getcwd()}</Answer>"
    verdict = task.family.score(task.config, sample, text)
    # nothing right; upstream counts the found text as complete (CR), the strict reading does not
    assert verdict.answer is None and verdict.scores["subtask_accuracy"] == 0.0
    assert verdict.scores["completion_ratio"] == 1.0
    strict = get_task("lr2bench", {"level": "5_5", "scoring": "strict"})
    assert strict.family.score(strict.config, sample, text).scores["completion_ratio"] == 0.0


def test_hostile_answers_are_scored_not_run_in_the_strict_reading_too(lr2, tmp_path):
    _task, samples = lr2
    strict = get_task("lr2bench", {"level": "5_5,easy,4_4,4_4_easy", "scoring": "strict"})
    marker = tmp_path / "pwned"
    for text in hostile_responses(str(marker))[:8]:
        for sample in samples:
            assert all(0.0 <= v <= 1.0 for v in strict.family.score(strict.config, sample, text).scores.values())
    assert not marker.exists()


@pytest.mark.parametrize("task", TASKS)
def test_extraction_is_total_on_non_strings_and_junk(task):
    for junk in (None, 12, b"<Answer>{}</Answer>", "", "<Answer></Answer>", "<Mapping>[]</Mapping>"):
        assert extract_answer(task, junk) is None  # type: ignore[arg-type]


def test_delimiter_scan_matches_non_greedy_findall_semantics():
    assert last_delimited("a{1}b{2}c", "{", "}") == "2"
    assert last_delimited("{{1}}", "{", "}") == "{1"  # shortest match from the first opener
    assert last_delimited("[[1, 2], [3, 4]] and [[5]]", "[[", "]]") == "5"
    assert last_delimited("<A>x</A><A>y", "<A>", "</A>") == "x"
    assert last_delimited("no brackets", "{", "}") is None
