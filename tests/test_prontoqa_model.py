"""Both PrOntoQA methods end to end on the embedded model, offline (mechanics, not quality): forward
chain of thought and LAMBADA backward chaining answer the same one-hop question, and every
answer, whatever the small model writes, is graded step by step."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.model


def harness_run(tmp_path, *args):
    done = subprocess.run([sys.executable, "-m", "harness", "run", *args, "--limit", "1", "--set", "hops=1", "--results-dir", str(tmp_path),
                           "--no-progress"], capture_output=True, text=True, cwd=REPO_ROOT, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_chain_of_thought_and_lambada_on_the_embedded_model(tmp_path):
    harness_run(tmp_path, "prontoqa", "--set", "few_shot=1", "--max-tokens", "48", "--out", str(tmp_path / "cot"))
    done = harness_run(tmp_path, "prontoqa-lambada", "--strategy-option", "max_calls=6", "--out", str(tmp_path / "lambada"))
    assert "prontoqa-lambada" in done.stdout and "label_accuracy" in done.stdout
    cot = json.loads((tmp_path / "cot" / "samples.jsonl").read_text())
    lambada = json.loads((tmp_path / "lambada" / "samples.jsonl").read_text())
    assert cot["sample"]["question"] == lambada["sample"]["question"] and cot["error"] is None and lambada["error"] is None
    assert 0 < cot["completion_tokens"] <= 48 and cot["responses"][0]
    assert 1 <= lambada["scores"]["calls"] == len(lambada["trace"]) <= 6
    assert lambada["trace"][0]["label"].startswith("fact_check: ")
    for line in (cot, lambada):
        assert set(line["scores"]) >= {"label_accuracy", "proof_accuracy", "valid_step_share"}
