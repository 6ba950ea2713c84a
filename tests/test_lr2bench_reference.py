"""LR2Bench on the original data in ../shared/reference (skipped when absent): all 850 items load, the
gold answers written as a model would write them score EM = CR = 1 on every level, empty answers 0.
tests/test_lr2bench_loader.py and test_lr2bench_scoring.py cover the same behaviour on own fixtures."""

from __future__ import annotations

import collections

import pytest

from harness.core.registry import get_task
from harness.core.types import ScoredSample
from tasks.lr2bench.aggregate import aggregate_lr2bench
from tasks.lr2bench.instructions import tagged_solution
from tasks.lr2bench.spec import ITEMS_PER_LEVEL, TASK_SPECS, TOTAL_ITEMS


@pytest.fixture
def original(reference_dir):
    data = reference_dir / "lr2bench" / "data"
    if not data.is_dir():
        pytest.skip(f"LR2Bench reference data not found at {data}")
    task = get_task("lr2bench")
    return task, data, list(task.family.load(str(data), task.config))


def test_every_level_loads(original):
    _task, _data, samples = original
    assert len(samples) == TOTAL_ITEMS
    assert len({s["id"] for s in samples}) == TOTAL_ITEMS
    counts = collections.Counter((s["task"], s["level"]) for s in samples)
    assert counts == {(t, level): ITEMS_PER_LEVEL for t, spec in TASK_SPECS.items() for level in spec.levels}
    ids = {s["id"] for s in samples}
    assert "sudoku/4_4_easy/A1426" in ids and "drop/hard/0" in ids


def test_gold_answers_score_full_marks_and_empty_answers_zero(original):
    task, _data, samples = original
    perfect, empty = [], []
    for sample in samples:
        verdict = task.family.score(task.config, sample, "Let me think.\n" + tagged_solution(sample["task"], sample))
        perfect.append(ScoredSample(sample=sample, verdicts=[verdict], scores=dict(verdict.scores)))
        nothing = task.family.score(task.config, sample, "")
        assert nothing.answer is None and not any(nothing.scores.values())
        empty.append(ScoredSample(sample=sample, verdicts=[nothing], scores=dict(nothing.scores)))
    rows = aggregate_lr2bench(task.config, perfect)
    assert len([label for label in rows if label.startswith("level=")]) == 17
    assert len([label for label in rows if label.startswith("task=")]) == 6
    for label, row in rows.items():
        for metric in ("exact_match", "completion_ratio", "subtask_accuracy", "partial_match_0.5"):
            assert row[metric].value == pytest.approx(1.0), (label, metric)
    for label, row in aggregate_lr2bench(task.config, empty).items():
        assert row["completion_ratio"].value == 0.0 and row["exact_match"].value == 0.0, label


def test_original_prompts_are_used(original):
    task, data, samples = original
    sample = next(s for s in samples if s["id"] == "sudoku/4_4_easy/A1426")
    request = task.family.build_request(task.config, sample)
    assert [m["role"] for m in request.messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert sample["record"]["example_text"] in request.messages[-1]["content"]
    assert "<example>" not in request.messages[-1]["content"]
    assert request.settings.max_tokens == 32768 and request.settings.temperature == 0.0
    zero = get_task("lr2bench-sudoku", {"shots": "0", "prompt_style": "api"})
    zero_sample = next(s for s in zero.family.load(str(data / "4-sudoku" / "4_4_easy"), zero.config))
    assert [m["role"] for m in zero.family.build_request(zero.config, zero_sample).messages] == ["user"]
