"""End to end through the command line, no model: `harness generate` then `harness score` with
the gold answers gives accuracy 1.0, on generated items and on original-format records."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from harness.report.run_folder import read_metrics


def _gold_predictions(samples_path, predictions_path, template="Let me work through it.\n**Answer:** {answer}"):
    with samples_path.open() as samples, predictions_path.open("w") as out:
        for line in samples:
            sample = json.loads(line)
            answer = sample["answer"].capitalize()
            out.write(json.dumps({"id": str(sample.get("id", sample.get("question_id"))),
                                  "response": template.format(answer=answer)}) + "\n")


def _rows_by_label(run_dir):
    return {(row["group"] or ""): row for row in read_metrics(str(run_dir))}


def test_generate_then_score_gold_gives_one(tmp_path, capsys):
    samples = tmp_path / "items.jsonl"
    assert main(["generate", "counterbench-coin", "--n", "16", "--seed", "5", "--out", str(samples)]) == 0
    predictions = tmp_path / "predictions.jsonl"
    _gold_predictions(samples, predictions)
    run_dir = tmp_path / "run"
    assert main(["score", "counterbench-coin", "--data", str(samples), "--predictions", str(predictions),
                 "--out", str(run_dir)]) == 0
    rows = _rows_by_label(run_dir)
    assert rows[""]["metrics"]["accuracy"].value == 1.0
    assert rows[""]["metrics"]["chance"].value == 0.5
    assert rows[""]["unparseable"] == 0
    assert {"type=basic", "type=conditional", "type=joint", "type=nested", "variables=5", "variables=6"} <= set(rows)
    assert all(row["metrics"]["accuracy"].value == 1.0 for row in rows.values())


def test_score_original_format_records_and_count_unparseable(tmp_path, fixtures_dir):
    data = fixtures_dir / "counterbench" / "original_format.jsonl"
    predictions = tmp_path / "predictions.jsonl"
    _gold_predictions(data, predictions, template="{answer}.")
    run_dir = tmp_path / "run"
    assert main(["score", "counterbench-original", "--data", str(data), "--predictions", str(predictions),
                 "--out", str(run_dir)]) == 0
    assert _rows_by_label(run_dir)[""]["metrics"]["accuracy"].value == 1.0

    lines = predictions.read_text().splitlines()
    lines[0] = json.dumps({"id": "9000", "response": "I cannot decide."})
    predictions.write_text("\n".join(lines) + "\n")
    assert main(["score", "counterbench-original", "--data", str(data), "--predictions", str(predictions),
                 "--out", str(tmp_path / "run2")]) == 0
    row = _rows_by_label(tmp_path / "run2")[""]
    assert row["unparseable"] == 1 and row["metrics"]["accuracy"].value == pytest.approx(0.9)


def test_original_without_data_offline_says_to_pass_data(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    predictions = tmp_path / "p.jsonl"
    predictions.write_text(json.dumps({"id": "0", "response": "yes"}) + "\n")
    assert main(["score", "counterbench-original", "--predictions", str(predictions), "--out", str(tmp_path / "r")]) == 2
    assert "--data PATH" in capsys.readouterr().err
