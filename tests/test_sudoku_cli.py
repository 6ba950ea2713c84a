"""End to end through the CLI with no model: `harness generate` then `harness score` with the gold
answers gives the maximum score; LR2Bench-format files work as --data too."""

from __future__ import annotations

import json

from harness.cli import main
from harness.report.run_folder import read_metrics
from tasks.sudoku.scoring import gold_response


def _primary(run_dir):
    rows = read_metrics(run_dir)
    return rows, rows[0]["metrics"]


def test_generate_then_score_gold_answers_is_perfect(tmp_path):
    data = tmp_path / "sudoku.jsonl"
    assert main(["generate", "sudoku-9x9-hard", "--n", "4", "--seed", "5", "--out", str(data)]) == 0
    samples = [json.loads(line) for line in data.read_text().splitlines()]
    assert len(samples) == 4
    predictions = tmp_path / "preds.jsonl"
    predictions.write_text("".join(json.dumps({"id": s["id"], "response": gold_response(s)}) + "\n" for s in samples))
    out = tmp_path / "run"
    assert main(["score", "sudoku-9x9-hard", "--data", str(data), "--predictions", str(predictions), "--out", str(out)]) == 0
    rows, metrics = _primary(out)
    assert rows[0]["primary_metric"] == "solved"
    assert metrics["solved"].value == 1.0 and metrics["cell_accuracy"].value == 1.0 and metrics["solved"].n == 4


def test_score_lr2bench_fixture_folder_with_mixed_answers(tmp_path, fixtures_dir):
    from harness.core.registry import get_task
    from tasks.sudoku.loader import load_sudoku

    folder = fixtures_dir / "sudoku" / "lr2bench" / "data"
    samples = list(load_sudoku(str(folder), get_task("sudoku").config))
    lines = [json.dumps({"id": s["id"], "response": gold_response(s) if i % 2 == 0 else "no idea"}) for i, s in enumerate(samples)]
    predictions = tmp_path / "preds.jsonl"
    predictions.write_text("\n".join(lines) + "\n")
    out = tmp_path / "run"
    assert main(["score", "sudoku", "--data", str(folder), "--predictions", str(predictions), "--out", str(out)]) == 0
    rows, metrics = _primary(out)
    assert metrics["solved"].value == 3 / 5
    labels = {row["group"]: row for row in rows}
    assert labels["level=4_4_easy"]["metrics"]["solved"].value == 2 / 3
    assert labels["size=9x9"]["metrics"]["solved"].value == 1 / 2
    assert rows[0]["unparseable"] == 2
