"""LR2Bench end to end: `harness score` on gold predictions gives the maximum score (own fixtures,
generated samples, and the original data when present), and `harness run` with an in-process model
that answers from the gold fills the level / task / overall rows."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

import pytest

from harness.backends.base import Backend
from harness.cli import main
from harness.core.registry import get_task
from harness.core.types import Generation, Request
from harness.pipeline.runner import RunSpec, run
from tasks.lr2bench.instructions import tagged_solution

FIXTURE_LEVELS = "level=5_5,easy,4_4,4_4_easy"
METRICS = ("completion_ratio", "subtask_accuracy", "exact_match", "partial_match_0.5")


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def gold_predictions(samples, path):
    path.write_text("".join(
        json.dumps({"id": s["id"], "response": "Thinking.\n" + tagged_solution(s["task"], s)}) + "\n" for s in samples))


def metric_rows(run_dir):
    return {row["group"]: row for row in json.loads((run_dir / "metrics.json").read_text())["rows"]}


def assert_all_perfect(rows):
    for group, row in rows.items():
        for name in METRICS:
            assert row["metrics"][name]["value"] == pytest.approx(1.0), (group, name)


def test_score_gold_predictions_on_own_fixtures(capsys, tmp_path, fixtures_dir):
    data = fixtures_dir / "lr2bench" / "data"
    task = get_task("lr2bench", {"level": FIXTURE_LEVELS.split("=")[1]})
    gold_predictions(list(task.family.load(str(data), task.config)), tmp_path / "preds.jsonl")
    code, out, err = run_cli(capsys, "score", "lr2bench", "--data", str(data), "--predictions", str(tmp_path / "preds.jsonl"),
                             "--set", FIXTURE_LEVELS, "--out", str(tmp_path / "scored"))
    assert code == 0, err
    rows = metric_rows(tmp_path / "scored")
    assert {"", "task=crossword", "level=crossword/5_5", "task=drop", "level=drop/easy"} <= set(rows)
    assert_all_perfect(rows)
    assert "\n  task=sudoku " in out and "\n  level=sudoku/4_4_easy " in out  # group rows, indented under the task


def test_generate_then_score_gold_gives_the_maximum(capsys, tmp_path):
    samples_file = tmp_path / "samples.jsonl"
    argv = ["generate", "lr2bench-generated", "--n", "8", "--seed", "2", "--set", "level=4_4,easy,4_4_easy", "--out"]
    assert run_cli(capsys, *argv, str(samples_file))[0] == 0
    again = tmp_path / "again.jsonl"
    run_cli(capsys, *argv, str(again))
    assert samples_file.read_bytes() == again.read_bytes()
    samples = [json.loads(line) for line in samples_file.read_text().splitlines()]
    gold_predictions(samples, tmp_path / "preds.jsonl")
    code, _, err = run_cli(capsys, "score", "lr2bench-generated", "--data", str(samples_file),
                           "--predictions", str(tmp_path / "preds.jsonl"), "--out", str(tmp_path / "scored"))
    assert code == 0, err
    rows = metric_rows(tmp_path / "scored")
    assert {"", "task=logic", "task=cryptogram", "task=sudoku", "task=drop"} <= set(rows)
    assert rows[""]["n"] == 8
    assert_all_perfect(rows)


def test_score_gold_on_the_original_data(capsys, tmp_path, reference_dir):
    data = reference_dir / "lr2bench" / "data"
    if not data.is_dir():
        pytest.skip("no LR2Bench reference data")
    task = get_task("lr2bench")
    gold_predictions(list(task.family.load(str(data), task.config)), tmp_path / "preds.jsonl")
    code, _, err = run_cli(capsys, "score", "lr2bench", "--data", str(data), "--predictions", str(tmp_path / "preds.jsonl"),
                           "--out", str(tmp_path / "scored"))
    assert code == 0, err
    rows = metric_rows(tmp_path / "scored")
    assert len(rows) == 1 + 6 + 17 and rows[""]["n"] == 850
    assert_all_perfect(rows)


def test_offline_default_source_is_one_clear_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code, _, err = run_cli(capsys, "run", "lr2bench-sudoku", "--limit", "1", "--results-dir", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and "UltraRonin/LR2Bench" in err and "--data" in err


class GoldAnswerBackend(Backend):
    """Answers each LR2Bench prompt with the gold solution of the puzzle it contains, except for
    the sample ids it is told to leave unanswered."""

    def __init__(self, samples, unanswered):
        self.name = "gold"
        self.by_example = {s["record"]["example_text"]: s for s in samples}
        self.unanswered = set(unanswered)
        self.asked = 0

    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        for index, request in enumerate(requests):
            self.asked += 1
            text = request.messages[-1]["content"]
            sample = next(s for example, s in self.by_example.items() if example in text)
            reply = "" if sample["id"] in self.unanswered else tagged_solution(sample["task"], sample)
            yield index, Generation(texts=[reply], finish_reasons=["stop"], prompt_tokens=10, completion_tokens=[5])

    def loglikelihood(self, requests):  # pragma: no cover - LR2Bench only generates
        raise NotImplementedError


def test_run_with_a_model_fills_level_task_and_overall_rows(tmp_path):
    task = get_task("lr2bench-generated", {"level": "4_4,easy"})
    samples = [task.family.generate(task.config, 0, i) for i in range(6)]
    # indices cycle over logic/4_4, cryptogram/easy, drop/easy: two items each
    backend = GoldAnswerBackend(samples, unanswered=["cryptogram/easy/s0-0", "drop/easy/s0-1"])
    spec = RunSpec(tasks=["lr2bench-generated"], limit=6, seed=0, settings={"level": "4_4,easy"},
                   results_dir=str(tmp_path), out=str(tmp_path / "run"), progress=False)
    outcome = run(spec, backend_factory=lambda model, options: backend)
    assert backend.asked == 6
    rows = metric_rows(outcome.run_dir)
    assert rows["level=logic/4_4"]["metrics"]["exact_match"]["value"] == 1.0
    assert rows["level=cryptogram/easy"]["metrics"]["exact_match"]["value"] == 0.5
    assert rows["level=drop/easy"]["metrics"]["completion_ratio"]["value"] == 0.5
    assert rows[""]["metrics"]["exact_match"]["value"] == pytest.approx((1 + 0.5 + 0.5) / 3)
    assert rows[""]["unparseable"] == 2


def test_several_completions_per_item_give_sampling_metrics(capsys, tmp_path, fixtures_dir):
    data = fixtures_dir / "lr2bench" / "data"
    task = get_task("lr2bench-acrostic", {"level": "easy"})
    (sample,) = task.family.load(str(data), task.config)
    responses = [tagged_solution("acrostic", sample), "<Answer>{1: 'G', '2': 'O', 3: 'X'}</Answer>", ""]
    preds = tmp_path / "preds.jsonl"
    preds.write_text(json.dumps({"id": sample["id"], "responses": responses}) + "\n")
    code, _, err = run_cli(capsys, "score", "lr2bench-acrostic", "--data", str(data), "--set", "level=easy",
                           "--predictions", str(preds), "--out", str(tmp_path / "scored"))
    assert code == 0, err
    row = metric_rows(tmp_path / "scored")[""]
    assert row["metrics"]["exact_match"]["value"] == pytest.approx(1 / 3)
    assert row["metrics"]["subtask_accuracy"]["value"] == pytest.approx((1 + 2 / 5 + 0) / 3)
    assert row["metrics"]["best_of_3"]["value"] == 1.0 and "maj@3" in row["metrics"]
