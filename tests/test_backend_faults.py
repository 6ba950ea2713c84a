"""Every fault kind the fake server can inject, one at a time, end to end; null content; text no
UTF-8 writer can take; exit codes and stderr that tell the truth; fail-fast on an unreachable
endpoint or a refused key; URL credentials; never retrying what cannot succeed; two runs at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.backends import BackendOptions, make_backend
from harness.core.jsontext import original_bytes
from harness.core.types import GenerationSettings, Request
from harness.pipeline.runner import RunSpec, run
from tests.fake_openai_server import FAULT_KINDS, FakeOpenAIServer, FaultMix, default_answer, hazardous_answer

REPO_ROOT = Path(__file__).resolve().parents[1]
SECRET = "sk-faults-SECRET-5a4b3c2d1e0f"


def requests(count: int, tag: str = "q") -> list[Request]:
    return [Request(kind="generate", messages=({"role": "user", "content": f"{tag} {i}"},),
                    settings=GenerationSettings(max_tokens=8)) for i in range(count)]


def backend_for(server, **options):
    extra = {"retry_base_delay_s": 0.01, "retry_max_delay_s": 0.05, **options.pop("extra", {})}
    return make_backend("openai:fake-model", BackendOptions(base_url=options.pop("base_url", server.base_url),
                                                            timeout_s=options.pop("timeout_s", 0.5), extra=extra, **options))


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_each_fault_kind_is_retried_until_answered(kind):
    faults = FaultMix(rate=1.0, kinds=(kind,), max_faults_per_request=1, hang_s=1.5, retry_after_s=0.02)
    with FakeOpenAIServer(faults=faults) as server:
        backend = backend_for(server, concurrency=4)
        try:
            results = dict(backend.generate(requests(6)))
        finally:
            backend.close()
    assert server.stats.faults[kind] == 6
    assert all(g.error is None for g in results.values()), [g.error for g in results.values()]
    assert [results[i].texts[0] for i in range(6)] == [default_answer(f"q {i}", 0) for i in range(6)]
    assert set(server.stats.prompts_answered.values()) == {1}


def api_spec(tmp_path, server, out="run", **options) -> RunSpec:
    return RunSpec(tasks=["countdown"], model="openai:fake-model", limit=options.pop("limit", 8), results_dir=str(tmp_path),
                   out=str(tmp_path / out), progress=False,
                   backend_options=BackendOptions(base_url=server.base_url, timeout_s=1.0, max_retries=options.pop("max_retries", 2),
                                                  extra={"retry_base_delay_s": 0.01, "retry_max_delay_s": 0.02}))


def test_null_content_is_retried_then_recorded_as_an_error_never_cached(tmp_path):
    faults = FaultMix(rate=1.0, kinds=("null_content",), max_faults_per_request=100)
    with FakeOpenAIServer(faults=faults) as server:
        first = run(api_spec(tmp_path, server))
        assert all(r.error and "message content is null" in r.error for r in first.records["countdown"])
        assert server.stats.requests_sent == 8 * 3  # first try + 2 retries each
        server.faults = FaultMix()
        second = run(api_spec(tmp_path, server))
    assert second.backend_calls == 8 and second.rows[0]["errors"] == 0


def test_text_no_utf8_writer_takes_is_stored_scored_and_recoverable(tmp_path):
    answer = hazardous_answer(default_answer, rate=1.0, kinds=("invalid_utf8",))
    with FakeOpenAIServer(answer_fn=answer) as server:
        outcome = run(api_spec(tmp_path, server, limit=3))
    lines = [json.loads(line) for line in (outcome.run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(line["error"] is None for line in lines)
    for line in lines:
        assert b"\xff\xfe\x80" in original_bytes(line["responses"][0])  # the bytes the server sent
    surrogate = hazardous_answer(default_answer, rate=1.0, kinds=("lone_surrogate", "nul"))
    with FakeOpenAIServer(answer_fn=surrogate) as server:
        outcome = run(api_spec(tmp_path, server, out="surrogate", limit=4))
    texts = [json.loads(line)["responses"][0] for line in (outcome.run_dir / "samples.jsonl").read_text().splitlines()]
    assert all("\ud83d" in t or "\x00" in t for t in texts) and outcome.rows[0]["errors"] == 0


def cli(args: list[str], env_extra: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **(env_extra or {})}
    env.pop("OPENAI_BASE_URL", None)
    return subprocess.run([sys.executable, "-m", "harness", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=REPO_ROOT)


def run_args(tmp_path, base_url: str, out: str = "run", limit: int = 6, *more: str) -> list[str]:
    return ["run", "countdown", "--limit", str(limit), "--model", "openai:fake-model", "--base-url", base_url,
            "--results-dir", str(tmp_path), "--out", str(tmp_path / out), "--no-progress",
            "--backend-option", "retry_base_delay_s=0.05", *more]


def test_unreachable_endpoint_fails_fast_with_one_line_and_no_folder(tmp_path):
    started = time.monotonic()
    result = cli(run_args(tmp_path, "http://127.0.0.1:9/v1"))
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == ("harness: error: cannot reach http://127.0.0.1:9/v1: connection refused (3 attempts,"
                                     " no request answered yet); is the server running? check --base-url")
    assert elapsed < 30  # seconds, not the minutes 6 retries with backoff would take
    assert not (tmp_path / "run").exists()


def test_refused_key_fails_fast_and_url_credentials_are_used_as_the_key(tmp_path):
    with FakeOpenAIServer(api_key=SECRET) as server:
        refused = cli(run_args(tmp_path, server.base_url), {"OPENAI_API_KEY": "sk-wrong-0000000000"})
        host = server.base_url.split("//", 1)[1]
        with_credentials = cli(run_args(tmp_path, f"http://user:{SECRET}@{host}", "creds"))
    assert refused.returncode == 2 and "rejected the API key" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert with_credentials.returncode == 0, with_credentials.stderr
    assert "6 to the model" in with_credentials.stdout
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_failed_samples_give_exit_3_and_one_stderr_line_per_cause(tmp_path):
    faults = FaultMix(rate=0.4, kinds=("server_error",), max_faults_per_request=1000)
    with FakeOpenAIServer(faults=faults) as server:
        result = cli(run_args(tmp_path, server.base_url, "run", 20, "--max-retries", "1"))
        server.faults = FaultMix()
        again = cli(run_args(tmp_path, server.base_url, "run", 20, "--max-retries", "1"))
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    failed = int(lines[0].split()[1])
    assert 2 <= failed <= 16
    assert lines[0] == (f"harness: {failed} samples failed: HTTP 500: The server had an error while processing your"
                        f" request. at {server.base_url} after 1 retry; re-run the same command to retry them")
    assert again.returncode == 0 and f"{20 - failed} from cache, {failed} to the model" in again.stdout


def test_a_request_the_server_refuses_is_never_retried(tmp_path):
    with FakeOpenAIServer(reject_fn=lambda prompt: True) as server:
        outcome = run(api_spec(tmp_path, server, limit=5, max_retries=6))
    assert server.stats.requests_sent == 5
    assert all("not retried" in r.error for r in outcome.records["countdown"])


def test_two_runs_at_once_share_requests_and_never_share_a_folder(tmp_path):
    slow = {"on": True}  # the first run stays busy until the second one has been turned away
    with FakeOpenAIServer(latency_fn=lambda prompt: 0.3 if slow["on"] else 0.01) as server:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        env.pop("OPENAI_BASE_URL", None)

        def start(out: str) -> subprocess.Popen:
            args = [sys.executable, "-m", "harness", *run_args(tmp_path, server.base_url, out, 60, "--concurrency", "4")]
            return subprocess.Popen(args, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        first = start("a")
        deadline = time.monotonic() + 60
        while sum(server.stats.answered.values()) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        same_folder, other_folder = start("a"), start("b")
        _, same_err = same_folder.communicate(timeout=120)
        slow["on"] = False
        _, first_err = first.communicate(timeout=120)
        _, other_err = other_folder.communicate(timeout=120)
    assert same_folder.returncode == 2, same_err
    assert same_err.strip() == (f"harness: error: {tmp_path / 'a'} is being written by pid {first.pid}; wait for that run"
                                " to finish (its answers are cached for this one), or give this run another --out")
    assert first.returncode == 0 and other_folder.returncode == 0, (first_err, other_err)
    assert len(server.stats.prompts_answered) == 60
    assert set(server.stats.prompts_answered.values()) == {1}  # no request paid twice
    for run_dir in ("a", "b"):
        lines = (tmp_path / run_dir / "samples.jsonl").read_text().splitlines()
        assert len(lines) == 60 and all(json.loads(line)["error"] is None for line in lines)
