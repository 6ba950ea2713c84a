"""Whole runs through the openai backend against the fault-injecting server on 127.0.0.1:
faults change nothing in the results, a killed run resumes without re-asking, and the API key
never reaches the run folder or the cache."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.backends import BackendOptions
from harness.core.registry import get_task
from harness.pipeline.cache import COMMIT_EVERY, ResponseCache
from harness.pipeline.runner import GenerationOverrides, RunSpec, run
from harness.pipeline.samples import select_samples, write_generated
from tasks.countdown.solver import solve_countdown
from tests.fake_openai_server import FAULT_KINDS, FakeOpenAIServer, FaultMix

SECRET = "sk-run-SECRET-9f8e7d6c5b4a39281706"
PROMPT = re.compile(r"numbers \[([0-9, ]+)\], create an equation that equals ([0-9]+)")
REPO_ROOT = Path(__file__).resolve().parents[1]


def countdown_answer(prompt: str, index: int) -> str:
    """A fake model that solves Countdown when the target is even and bluffs when it is odd."""
    match = PROMPT.search(prompt)
    if not match:
        return "no idea"
    nums = tuple(int(n) for n in match.group(1).split(","))
    target = int(match.group(2))
    if target % 2:
        return f"<think>hmm</think> <answer>{' + '.join(map(str, nums))}</answer>"
    return f"<think>search</think> <answer>{solve_countdown(nums, target)}</answer>"


@pytest.fixture(scope="module")
def countdown_file(tmp_path_factory) -> str:
    """500 Countdown-3 samples written once, so each run only reads them."""
    task = get_task("countdown-3")
    path = tmp_path_factory.mktemp("data") / "countdown3.jsonl"
    write_generated(task, select_samples(task, seed=3, limit=500), str(path))
    return str(path)


def api_spec(tmp_path: Path, server: FakeOpenAIServer, data: str, out: str, **options) -> RunSpec:
    backend = BackendOptions(base_url=server.base_url, api_key_env="HARNESS_TEST_KEY",
                             concurrency=options.pop("concurrency", 32), timeout_s=options.pop("timeout_s", 5.0),
                             extra={"retry_base_delay_s": 0.01, "retry_max_delay_s": 0.05})
    return RunSpec(tasks=["countdown-3"], model="openai:fake-model", data=data, results_dir=str(tmp_path),
                   out=str(tmp_path / out), cache_path=str(tmp_path / f"{out}.sqlite"), progress=False,
                   backend_options=backend, **options)


def metrics_of(run_dir: Path) -> list:
    return json.loads((run_dir / "metrics.json").read_text())


def files_containing(folder: Path, needle: str) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def test_500_samples_with_20_percent_faults_match_a_fault_free_run(tmp_path, countdown_file, monkeypatch):
    monkeypatch.setenv("HARNESS_TEST_KEY", SECRET)
    with FakeOpenAIServer(answer_fn=countdown_answer, api_key=SECRET) as clean:
        reference = run(api_spec(tmp_path, clean, countdown_file, "clean"))
    faults = FaultMix(rate=0.2, hang_s=3.0, retry_after_s=0.05, max_faults_per_request=2)
    with FakeOpenAIServer(answer_fn=countdown_answer, api_key=SECRET, faults=faults, latency_s=0.002) as server:
        outcome = run(api_spec(tmp_path, server, countdown_file, "faulty", timeout_s=1.0))

    assert set(server.stats.faults) == set(FAULT_KINDS)
    assert sum(server.stats.faults.values()) >= 100  # ~20% of 500 requests fail twice each
    assert len(server.stats.prompts_answered) == 500
    assert set(server.stats.prompts_answered.values()) == {1}  # every sample answered exactly once
    lines = [json.loads(line) for line in (outcome.run_dir / "samples.jsonl").read_text().splitlines()]
    assert len(lines) == 500 and len({line["id"] for line in lines}) == 500
    assert all(line["error"] is None for line in lines)
    row = outcome.rows[0]
    assert row["errors"] == 0 and row["n"] == 500
    assert metrics_of(outcome.run_dir) == metrics_of(reference.run_dir)
    assert 0.3 < row["metrics"]["accuracy"].value < 0.7  # even targets solved, odd ones bluffed
    assert files_containing(tmp_path, SECRET) == []
    assert files_containing(tmp_path, "SECRET-9f8e") == []


def test_a_killed_run_resumes_without_re_asking(tmp_path, countdown_file):
    concurrency = 4
    env = {**os.environ, "HARNESS_TEST_KEY": SECRET, "PYTHONPATH": str(REPO_ROOT)}
    with FakeOpenAIServer(answer_fn=countdown_answer, api_key=SECRET, latency_s=0.03) as server:
        command = [sys.executable, "-m", "harness", "run", "countdown-3", "--data", countdown_file,
                   "--limit", "200", "--model", "openai:fake-model", "--base-url", server.base_url,
                   "--api-key-env", "HARNESS_TEST_KEY", "--concurrency", str(concurrency),
                   "--results-dir", str(tmp_path), "--out", str(tmp_path / "run"), "--no-progress"]
        process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while sum(server.stats.answered.values()) < 60:
            assert process.poll() is None, process.stdout.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the run never got going"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait()
        first_answers = dict(server.stats.prompts_answered)
        assert len(first_answers) < 200, "the run finished before it could be killed"

        cache = ResponseCache(tmp_path / ".cache" / "responses.sqlite")
        cached = cache._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
        cache.close()
        assert cached > 0

        resumed = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert f"{cached} from cache, {200 - cached} to the model" in resumed.stdout

    answered_twice = [p for p, count in server.stats.prompts_answered.items() if count > 1]
    # only requests in flight at the kill and the answers of the commit window still open may be asked again
    assert len(answered_twice) <= concurrency + COMMIT_EVERY
    assert len(server.stats.prompts_answered) == 200
    lines = (tmp_path / "run" / "samples.jsonl").read_text().splitlines()
    assert len(lines) == 200 and all(json.loads(line)["error"] is None for line in lines)
    assert files_containing(tmp_path, SECRET) == []


def test_failed_samples_are_recorded_and_a_re_run_asks_only_those(tmp_path, countdown_file, monkeypatch):
    monkeypatch.setenv("HARNESS_TEST_KEY", SECRET)
    broken = FaultMix(rate=0.25, kinds=("server_error",), max_faults_per_request=1000)
    with FakeOpenAIServer(answer_fn=countdown_answer, api_key=SECRET, faults=broken) as server:
        spec = api_spec(tmp_path, server, countdown_file, "flaky", limit=40)
        spec.backend_options.max_retries = 1
        first = run(spec)
        failed = {r.id for r in first.records["countdown-3"] if r.error}
        lines = [json.loads(line) for line in (first.run_dir / "samples.jsonl").read_text().splitlines()]
        answered_first = sum(server.stats.answered.values())
        server.faults = FaultMix()  # the server recovers; the same command is run again
        second = run(spec)
        answered_second = sum(server.stats.answered.values()) - answered_first
    assert 3 <= len(failed) <= 25 and first.rows[0]["errors"] == len(failed)
    assert all(line["error"].startswith("HTTP 500: ") and line["error"].endswith(f"at {server.base_url} after 1 retry")
               for line in lines if line["id"] in failed)
    assert second.backend_calls == len(failed) and second.cache_hits == 40 - len(failed)
    assert answered_first == 40 - len(failed) and answered_second == len(failed)
    assert second.rows[0]["errors"] == 0


def test_truncated_answers_are_flagged_and_counted(tmp_path, countdown_file, monkeypatch):
    monkeypatch.setenv("HARNESS_TEST_KEY", SECRET)

    def rambling(prompt: str, index: int) -> str:
        answer = countdown_answer(prompt, index)
        return answer if "[1" in prompt else "let me think " * 50 + answer  # some never finish

    with FakeOpenAIServer(answer_fn=rambling, api_key=SECRET, reasoning=True) as server:
        outcome = run(api_spec(tmp_path, server, countdown_file, "long", limit=30,
                               overrides=GenerationOverrides(max_tokens=40)))
    lines = [json.loads(line) for line in (outcome.run_dir / "samples.jsonl").read_text().splitlines()]
    truncated = [line for line in lines if line["truncated"] == [True]]
    assert truncated and all(line["finish_reasons"] == ["length"] for line in truncated)
    assert outcome.rows[0]["truncated"] == len(truncated)
    assert all(line["reasoning"] == ["Let me think about it (0)."] for line in lines)
