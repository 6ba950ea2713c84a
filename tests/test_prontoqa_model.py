"""Both PrOntoQA methods end to end on the embedded model, offline (mechanics, not quality): forward
chain of thought and LAMBADA backward chaining answer the same one-hop question, and every
answer, whatever the small model writes, is graded step by step. One process for both runs (the
Python API, as `harness run` does it): the imports and the model load are paid once."""

from __future__ import annotations

import pytest

import harness

pytestmark = pytest.mark.model


def test_chain_of_thought_and_lambada_on_the_embedded_model(tmp_path):
    common = {"limit": 1, "results_dir": tmp_path, "progress": False}
    cot_run = harness.evaluate("prontoqa", settings={"hops": "1", "few_shot": "1"}, max_tokens=48, out=tmp_path / "cot", **common)
    lambada_run = harness.evaluate("prontoqa-lambada", settings={"hops": "1"}, strategy_options={"max_calls": "6"},
                                   out=tmp_path / "lambada", **common)
    assert not cot_run.failures and not lambada_run.failures
    assert 0.0 <= lambada_run.value("prontoqa-lambada", "label_accuracy").value <= 1.0
    [cot] = cot_run.samples
    [lambada] = lambada_run.samples
    assert cot["sample"]["question"] == lambada["sample"]["question"] and cot["error"] is None and lambada["error"] is None
    assert 0 < cot["completion_tokens"] <= 48 and cot["responses"][0]
    assert 1 <= lambada["scores"]["calls"] == len(lambada["trace"]) <= 6
    assert lambada["trace"][0]["label"].startswith("fact_check: ")
    for line in (cot, lambada):
        assert set(line["scores"]) >= {"label_accuracy", "proof_accuracy", "valid_step_share"}
