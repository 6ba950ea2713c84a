"""The upstream JSON format through --data, on the project's own fixtures (written by our generator
in the upstream layout): samples, prompts and gold scores; every malformed input is one clear line."""

from __future__ import annotations

import json

import pytest

import harness
from harness.core.errors import HarnessError
from harness.pipeline.runner import RunSpec, run
from tasks.prontoqa.config import PrOntoQAConfig
from tasks.prontoqa.loader import load_prontoqa
from tasks.prontoqa.prompts import build_prontoqa_request
from tasks.prontoqa.scoring import score_prontoqa_response
from tests.prontoqa_backend import PrOntoQAOracle


def test_a_file_loads_with_its_examples_hops_and_gold(fixtures_dir):
    path = fixtures_dir / "prontoqa" / "3hop_2shot.json"
    cfg = PrOntoQAConfig()
    samples = list(load_prontoqa(str(path), cfg))
    raw = json.loads(path.read_text())
    assert [s["id"] for s in samples] == ["3hop_2shot-example1", "3hop_2shot-example2", "3hop_2shot-example3"]
    for sample, key in zip(samples, ("example1", "example2", "example3")):
        assert sample["question"] == raw[key]["test_example"]["question"] and sample["hops"] == 3
        assert sample["examples"] == [raw[key]["in_context_example0"], raw[key]["in_context_example1"]]
        gold = " ".join(sample["chain_of_thought"]) + " " + sample["answer"]
        assert score_prontoqa_response(cfg, sample, gold).scores["proof_accuracy"] == 1.0
    prompt = build_prontoqa_request(cfg, samples[0]).prompt
    first = raw["example1"]["in_context_example0"]
    assert prompt.startswith(f"Q: {first['question']} {first['query']}\nA: {' '.join(first['chain_of_thought'])} {first['answer']}\n\n")
    assert prompt.endswith(f"Q: {samples[0]['question']} {samples[0]['query']}\nA:")


def test_a_folder_and_a_proof_only_file(fixtures_dir):
    folder = fixtures_dir / "prontoqa"
    with pytest.raises(HarnessError, match="asks for a proof only.*deduction_rule=AndIntro"):
        list(load_prontoqa(str(folder), PrOntoQAConfig()))
    cfg = PrOntoQAConfig(deduction_rule="AndIntro", hops=(1, 2, 3))
    samples = list(load_prontoqa(str(folder), cfg))
    assert len(samples) == 5
    proof_only = [s for s in samples if s["query"].startswith("Prove:")]
    assert len(proof_only) == 2 and all(s["answer"] is None for s in samples)
    for sample in proof_only:
        assert score_prontoqa_response(cfg, sample, " ".join(sample["chain_of_thought"])).scores["proof_accuracy"] == 1.0


@pytest.mark.parametrize("content, message", [
    ("not json", "not readable JSON"),
    ("[1, 2]", "expected an object of examples"),
    ('{"example1": {"x": 1}}', "has no test_example"),
    ('{"example1": {"test_example": {"question": "Fae is a tumpus."}}}', "needs the fields question, query, chain_of_thought"),
    ('{"example1": {"test_example": {"question": "q", "query": "q", "chain_of_thought": "one string", "answer": "True"}}}',
     "must be a list of sentences"),
    ('{"example1": {"test_example": {"question": "Fae is a tumpus.", "query": "True or false: Fae is a tumpus.",'
     ' "chain_of_thought": ["Fae is a tumpus."], "answer": "Maybe"}}}', 'answer must be "True" or "False"'),
    ('{"example1": {"test_example": {"question": "The cat sat on the mat.", "query": "True or false: Fae is a tumpus.",'
     ' "chain_of_thought": ["Fae is a tumpus."], "answer": "True"}}}', "outside PrOntoQA's grammar"),
])
def test_malformed_files_are_one_clear_line(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(HarnessError, match=message):
        list(load_prontoqa(str(path), PrOntoQAConfig()))


def test_missing_data_is_one_clear_line(tmp_path):
    with pytest.raises(HarnessError, match="not found"):
        list(load_prontoqa(str(tmp_path / "nope.json"), PrOntoQAConfig()))
    with pytest.raises(HarnessError, match="no PrOntoQA .json files"):
        list(load_prontoqa(str(tmp_path), PrOntoQAConfig()))


def test_harness_run_with_data_scores_the_file(tmp_path, fixtures_dir):
    path = fixtures_dir / "prontoqa" / "3hop_2shot.json"
    samples = list(load_prontoqa(str(path), PrOntoQAConfig()))
    spec = RunSpec(tasks=["prontoqa"], model="openai:fake", data=str(path), results_dir=str(tmp_path), out=str(tmp_path / "run"), progress=False)
    outcome = run(spec, backend_factory=lambda m, o: PrOntoQAOracle(samples))
    top = next(row for row in outcome.rows if row["group"] == "")
    assert top["n"] == 3 and top["metrics"]["label_accuracy"].value == 1.0 and top["metrics"]["proof_accuracy"].value == 1.0
    assert harness.load_run(outcome.run_dir).to_pandas() is not None
