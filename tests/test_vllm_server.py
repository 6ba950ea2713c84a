"""The openai backend against a real `vllm serve` (vLLM's CPU engine) with the embedded SmolLM2.

One server for this module, on 127.0.0.1, started and stopped here (by its pid, also when a test
fails): chat generation on two families, native `n` against separate seeded requests, and
log-likelihoods over /v1/completions (echo + logprobs) against the `local` backend.
VLLM_TEST_BASE_URL=http://127.0.0.1:PORT/v1 points the tests at a server already running instead.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from harness.backends import BackendOptions, make_backend
from harness.core.types import GenerationSettings, Request
from tests.vllm_support import (
    ENFORCE_EAGER,
    GENERATION_TASKS,
    LOGLIK_TASKS,
    MAX_TOKENS,
    assert_generation_recorded,
    assert_loglikelihoods_match,
    assert_same_prompt_tokens,
    local_run,
    requires_vllm,
    small_run,
)

pytestmark = requires_vllm
EAGER_FLAG = ["--enforce-eager"] if ENFORCE_EAGER else []
SERVED_NAME = "smollm2"
STARTUP_TIMEOUT_S = 900  # loading on two busy cores takes 1.5-4 minutes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the server's own process group (it has its engine-core children), then SIGKILL."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def vllm_server(tmp_path_factory):
    """The base URL of one `vllm serve` of the embedded model's fp32 folder."""
    given = os.environ.get("VLLM_TEST_BASE_URL")
    if given:
        yield given.rstrip("/")
        return
    from harness.backends.local import converted_model_dir

    model_dir = converted_model_dir()
    port = _free_port()
    log_path = tmp_path_factory.mktemp("vllm-serve") / "server.log"
    command = [str(Path(sys.executable).with_name("vllm")), "serve", str(model_dir),
               "--served-model-name", SERVED_NAME, "--host", "127.0.0.1", "--port", str(port),
               "--dtype", "float32", "--max-model-len", "2048", "--seed", "0", *EAGER_FLAG]
    env = {**os.environ, "VLLM_HOST_IP": "127.0.0.1"}
    env.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")  # GiB of KV cache: plenty for these tests
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        started, deadline = time.monotonic(), time.monotonic() + STARTUP_TIMEOUT_S
        while not _healthy(base):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text(errors="replace")[-3000:]
                pytest.fail(f"vllm serve did not become healthy (exit code {process.poll()}):\n{tail}")
            time.sleep(2)
        print(f"\nvllm serve healthy after {time.monotonic() - started:.0f} s", file=sys.stderr)
        yield f"{base}/v1"
    finally:
        _stop(process)


def _backend(base_url: str, **extra):
    return make_backend(f"openai:{SERVED_NAME}", BackendOptions(base_url=base_url, concurrency=8, timeout_s=300,
                                                                extra=extra))


def test_chat_generation_on_two_families_records_metrics_tokens_and_finish_reasons(vllm_server, tmp_path):
    outcome = small_run(GENERATION_TASKS, f"openai:{SERVED_NAME}", tmp_path / "openai-gen",
                        BackendOptions(base_url=vllm_server, concurrency=8, timeout_s=300), max_tokens=MAX_TOKENS)
    assert_generation_recorded(outcome, GENERATION_TASKS, MAX_TOKENS)
    # the server rendered the same chat template and tokens as the local backend does
    assert_same_prompt_tokens(outcome, local_run(GENERATION_TASKS, tmp_path.parent, max_tokens=1))


def test_native_n_gives_the_same_samples_as_separate_requests_seeded_seed_plus_k(vllm_server):
    settings = GenerationSettings(max_tokens=24, temperature=1.0, n=4, seed=11)
    requests = [Request(kind="generate", messages=({"role": "user", "content": f"Tell me a fact about {topic}."},),
                        settings=settings) for topic in ("owls", "rivers", "prime numbers")]
    native_backend = _backend(vllm_server)
    try:
        native = dict(native_backend.generate(requests))
        assert native_backend.describe()["native_n"] is None  # never fell back: the server honours n
    finally:
        native_backend.close()
    separate_backend = _backend(vllm_server, native_n="false")
    try:
        separate = dict(separate_backend.generate(requests))
    finally:
        separate_backend.close()
    for index in range(len(requests)):
        ours, theirs = native[index], separate[index]
        assert ours.error is None and theirs.error is None
        assert len(ours.texts) == 4
        assert len(set(ours.texts)) > 1  # sampled, not four copies
        # vLLM seeds the k-th of n samples with seed + k: the harness's own rule for separate requests
        assert ours.texts == theirs.texts and ours.finish_reasons == theirs.finish_reasons
        assert ours.prompt_tokens == theirs.prompt_tokens > 0
        # native n reports one total, shared out by length; the sum is the server's own count
        assert sum(ours.completion_tokens) == sum(theirs.completion_tokens)


def test_loglikelihoods_over_completions_equal_the_local_backend(vllm_server, tmp_path):
    outcome = small_run(LOGLIK_TASKS, f"openai:{SERVED_NAME}", tmp_path / "openai-loglik",
                        BackendOptions(base_url=vllm_server, concurrency=8, timeout_s=300))
    compared = assert_loglikelihoods_match(outcome, local_run(LOGLIK_TASKS, tmp_path.parent))
    assert compared >= 8
