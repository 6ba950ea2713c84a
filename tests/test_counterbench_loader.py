"""Loading CounterBench records from the project's own fixtures (original schema) and from files
written from generated samples; clear errors for bad rows."""

from __future__ import annotations

import json

import pytest

from harness.core.errors import HarnessError
from tasks.counterbench.config import CounterBenchConfig
from tasks.counterbench.generator import generate_counterbench
from tasks.counterbench.loader import load_counterbench

CFG = CounterBenchConfig()


@pytest.fixture
def fixture_path(fixtures_dir):
    return fixtures_dir / "counterbench" / "original_format.jsonl"


def test_fixture_records_become_samples(fixture_path):
    samples = list(load_counterbench(str(fixture_path), CFG))
    assert len(samples) == 10
    first = samples[0]
    assert first["id"] == "9000"  # the question_id
    assert first["type"] == "basic" and first["answer"] == "no"
    assert first["num_variables"] == 5 and first["graph_id"] == "graph5" and first["story_id"] == "nonsense_0"
    assert first["question"].startswith("Would Kelf occur") and first["given_info"].startswith("We know that")
    json.dumps(samples)  # plain JSON


def test_json_list_and_csv_copies_load_the_same(fixture_path, tmp_path):
    rows = [json.loads(line) for line in fixture_path.open()]
    json_copy = tmp_path / "copy.json"
    json_copy.write_text(json.dumps(rows))
    assert list(load_counterbench(str(json_copy), CFG)) == list(load_counterbench(str(fixture_path), CFG))
    import csv

    csv_copy = tmp_path / "copy.csv"
    with csv_copy.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "meta": json.dumps(row["meta"])})
    assert list(load_counterbench(str(csv_copy), CFG)) == list(load_counterbench(str(fixture_path), CFG))


def test_generated_samples_written_to_jsonl_load_back_unchanged(tmp_path):
    samples = [generate_counterbench(CFG, 3, i) for i in range(8)]
    path = tmp_path / "generated.jsonl"
    path.write_text("".join(json.dumps(s) + "\n" for s in samples))
    assert list(load_counterbench(str(path), CFG)) == samples


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"answer": "maybe"}, "answer must be yes or no"),
        ({"type": "counterfactual"}, "type must be one of"),
        ({"meta": {"story_id": "x"}}, "graph_id"),
        ({"given_info": ""}, "given_info"),
        ({"question": None}, "question"),
    ],
)
def test_bad_rows_are_named(fixture_path, tmp_path, change, message):
    rows = [json.loads(line) for line in fixture_path.open()]
    rows[3].update(change)
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(HarnessError, match=f"bad.jsonl:4: .*{message}"):
        list(load_counterbench(str(path), CFG))


def test_missing_field_and_missing_file(tmp_path):
    path = tmp_path / "partial.jsonl"
    path.write_text(json.dumps({"question": "Would A occur if not B instead of B?", "answer": "yes"}) + "\n")
    with pytest.raises(HarnessError, match="partial.jsonl:1: .*missing field 'type'"):
        list(load_counterbench(str(path), CFG))
    with pytest.raises(HarnessError, match="not found"):
        list(load_counterbench(str(tmp_path / "nope.jsonl"), CFG))


def test_hub_id_offline_fails_with_a_clear_message(monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(HarnessError, match="--data PATH"):
        list(load_counterbench("CounterBench/CounterBench", CFG))
