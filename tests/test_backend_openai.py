"""The openai backend against the fault-injecting fake server on 127.0.0.1 (no model, no internet)."""

from __future__ import annotations

import math
import time

import pytest

from harness.backends import BackendOptions, make_backend
from harness.core.errors import HarnessError
from harness.core.types import GenerationSettings, Request
from tests.fake_openai_server import FAULT_KINDS, FakeOpenAIServer, FaultMix, fake_greedy, fake_logprob, split_words

SECRET = "sk-test-SECRETKEY-0123456789abcdef"


def chat_requests(count: int, **settings) -> list[Request]:
    return [Request(kind="generate", messages=({"role": "user", "content": f"question {i}"},),
                    settings=GenerationSettings(**{"max_tokens": 8, **settings})) for i in range(count)]


def backend_for(server: FakeOpenAIServer, **extra):
    options = BackendOptions(base_url=server.base_url, timeout_s=extra.pop("timeout_s", 5.0),
                             concurrency=extra.pop("concurrency", 16), max_retries=extra.pop("max_retries", 6),
                             api_key_env=extra.pop("api_key_env", "OPENAI_API_KEY"),
                             extra={"retry_base_delay_s": 0.01, "retry_max_delay_s": 0.05, **extra})
    return make_backend("openai:fake-model", options)


def run_all(backend, requests) -> dict:
    try:
        results = dict(backend.generate(requests))
    finally:
        backend.close()
    assert sorted(results) == list(range(len(requests)))
    return results


def test_faults_are_retried_until_every_request_is_answered_exactly_once():
    requests = chat_requests(300)
    with FakeOpenAIServer() as clean:
        expected = run_all(backend_for(clean), requests)
    faults = FaultMix(rate=0.2, hang_s=3.0, max_faults_per_request=2)
    with FakeOpenAIServer(latency_s=0.002, faults=faults) as server:
        results = run_all(backend_for(server, timeout_s=1.0), requests)
    assert set(server.stats.faults) == set(FAULT_KINDS)
    assert 60 <= sum(server.stats.faults.values()) <= 180  # ~20% of 300 requests, 2 faults each
    assert all(count == 1 for count in server.stats.prompts_answered.values())
    assert len(server.stats.prompts_answered) == 300
    assert all(g.error is None for g in results.values())
    assert {i: g.texts for i, g in results.items()} == {i: g.texts for i, g in expected.items()}


def test_a_request_that_keeps_failing_becomes_an_error_record_and_the_run_goes_on():
    faults = FaultMix(rate=0.3, kinds=("server_error",), max_faults_per_request=100)
    with FakeOpenAIServer(faults=faults) as server:
        results = run_all(backend_for(server, max_retries=2), chat_requests(40))
    failed = [g for g in results.values() if g.error]
    assert 3 <= len(failed) <= 25
    for generation in failed:
        assert generation.finish_reasons == ["error"]
        assert generation.error.startswith("HTTP 500: ") and generation.error.endswith("after 2 retries")
    assert sum(1 for g in results.values() if g.error is None) == 40 - len(failed)


def test_retry_after_is_honoured():
    faults = FaultMix(rate=1.0, kinds=("rate_limit",), max_faults_per_request=1, retry_after_s=0.3)
    with FakeOpenAIServer(faults=faults, record_events=True) as server:
        started = time.monotonic()
        results = run_all(backend_for(server), chat_requests(3))
    assert all(g.error is None for g in results.values())
    assert time.monotonic() - started >= 0.3  # jittered backoff alone would wait <= 0.05 s
    assert server.stats.faults["rate_limit"] == 3


def test_requests_stay_in_flight_continuously_not_in_waves():
    # One slow request among many fast ones: with a worker pool the other workers keep going.
    def latency(prompt: str) -> float:
        return 0.8 if prompt == "question 0" else 0.005

    with FakeOpenAIServer(latency_fn=latency, record_events=True) as server:
        run_all(backend_for(server, concurrency=4), chat_requests(60))
    slow_start, slow_end = next((s, e) for s, e, p in server.stats.events if p == "question 0")
    during = [p for s, e, p in server.stats.events if s > slow_start and e < slow_end]
    assert len(during) >= 20, f"only {len(during)} requests ran while the slow one was in flight"
    assert server.stats.max_in_flight == 4


def test_generation_settings_reach_the_server():
    requests = chat_requests(1, max_tokens=7, temperature=0.7, top_p=0.9, stop=("###",), seed=11)
    with FakeOpenAIServer(keep_bodies=True) as server:
        run_all(backend_for(server), requests)
    body = server.stats.bodies[0]
    assert body["model"] == "fake-model"
    assert body["max_tokens"] == 7 and body["temperature"] == 0.7 and body["top_p"] == 0.9
    assert body["stop"] == ["###"] and body["seed"] == 11
    assert body["messages"] == [{"role": "user", "content": "question 0"}]


def test_plain_prompts_go_to_the_completions_endpoint():
    requests = [Request(kind="generate", prompt="Q: 2+2?\nA:", settings=GenerationSettings(max_tokens=4))]
    with FakeOpenAIServer(keep_bodies=True) as server:
        results = run_all(backend_for(server), requests)
    assert server.stats.bodies[0]["prompt"] == "Q: 2+2?\nA:"
    assert results[0].texts[0].startswith("answer ")


def test_native_n_is_one_request():
    with FakeOpenAIServer(keep_bodies=True) as server:
        results = run_all(backend_for(server), chat_requests(2, n=3, temperature=1.0))
    assert len(server.stats.bodies) == 2 and all(b["n"] == 3 for b in server.stats.bodies)
    assert all(len(g.texts) == 3 and len(g.completion_tokens) == 3 for g in results.values())
    assert results[0].completion_tokens == [2, 3, 3]  # 'answer abcd', 'answer abcd #1', ...


def test_servers_that_ignore_n_get_separate_requests_with_distinct_seeds():
    with FakeOpenAIServer(native_n=False, keep_bodies=True) as server:
        backend = backend_for(server)
        first = dict(backend.generate(chat_requests(1, n=3, temperature=1.0, seed=5)))
        bodies_after_first = len(server.stats.bodies)
        second = run_all(backend, chat_requests(2, n=3, temperature=1.0, seed=5))
    assert len(first[0].texts) == 3 and first[0].error is None
    assert bodies_after_first == 3  # one with n=3 (answered once), then two single requests
    later = server.stats.bodies[bodies_after_first:]
    assert len(later) == 6 and all("n" not in b for b in later)  # split from the start now
    assert sorted(b["seed"] for b in later) == [5, 5, 6, 6, 7, 7]
    assert all(len(g.texts) == 3 for g in second.values())


def test_max_completion_tokens_is_used_when_the_server_demands_it():
    with FakeOpenAIServer(require_max_completion_tokens=True, keep_bodies=True) as server:
        results = run_all(backend_for(server), chat_requests(3))
    assert all(g.error is None for g in results.values())
    assert "max_completion_tokens" in server.stats.bodies[-1] and "max_tokens" not in server.stats.bodies[-1]


def test_reasoning_is_kept_apart_and_truncation_is_flagged():
    def long_answer(prompt: str, index: int) -> str:
        return "one two three four five six seven eight nine ten"

    with FakeOpenAIServer(reasoning=True, answer_fn=long_answer) as server:
        results = run_all(backend_for(server), chat_requests(2, max_tokens=3))
    generation = results[0]
    assert generation.texts == ["one two three"]
    assert generation.finish_reasons == ["length"] and generation.truncated == [True]
    assert generation.reasoning == ["Let me think about it (0)."]
    assert generation.completion_tokens == [3] and generation.prompt_tokens == 2


def test_loglikelihood_from_echoed_logprobs():
    request = Request(kind="loglikelihood", prompt="Who is the mother of Tom?",
                      continuations=(" Mary Lee", " jane doe", ""))
    with FakeOpenAIServer() as server:
        backend = backend_for(server)
        try:
            (index, result), = list(backend.loglikelihood([request]))
        finally:
            backend.close()
    assert index == 0 and result.error is None
    mary, jane, empty = result.results
    assert math.isclose(mary.logprob, fake_logprob(" Mary") + fake_logprob(" Lee"))
    assert mary.n_tokens == 2 and mary.is_greedy is False  # capitalised words are not greedy here
    assert jane.is_greedy is True and fake_greedy(" jane")
    assert empty.logprob == 0.0 and empty.n_tokens == 0
    assert result.prompt_tokens == len(split_words(request.prompt))


def test_chat_only_server_gives_a_clear_loglikelihood_error():
    request = Request(kind="loglikelihood", prompt="Q:", continuations=(" A",))
    with FakeOpenAIServer(chat_only=True) as server:
        backend = backend_for(server)
        with pytest.raises(HarnessError, match=r"echo\+logprobs.*llamacpp:<gguf>.*lmeval:"):
            list(backend.loglikelihood([request]))
        backend.close()


def test_the_api_key_never_shows(monkeypatch):
    monkeypatch.setenv("MY_KEY", SECRET)
    with FakeOpenAIServer(api_key=SECRET) as server:
        backend = backend_for(server, api_key_env="MY_KEY")
        assert SECRET not in repr(backend.describe()) and SECRET not in repr(backend)
        results = run_all(backend, chat_requests(2))
        assert all(g.error is None for g in results.values())
    with FakeOpenAIServer(api_key="sk-another-key-000000") as server:
        backend = backend_for(server, api_key_env="MY_KEY")
        with pytest.raises(HarnessError) as info:
            list(backend.generate(chat_requests(2)))
        backend.close()
    assert "rejected the API key from $MY_KEY" in str(info.value)
    assert SECRET not in str(info.value) and "SECRETKEY" not in str(info.value)


def test_a_key_echoed_back_by_the_server_is_redacted_from_error_records(monkeypatch):
    monkeypatch.setenv("MY_KEY", SECRET)
    with FakeOpenAIServer(api_key=SECRET, reject_fn=lambda prompt: prompt.endswith("1")) as server:
        results = run_all(backend_for(server, api_key_env="MY_KEY"), chat_requests(3))
    assert results[0].error is None and results[2].error is None
    assert "HTTP 400: Invalid request with credentials Bearer" in results[1].error
    assert SECRET not in results[1].error and "SECRETKEY" not in results[1].error


def test_a_missing_key_for_the_hosted_api_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(HarnessError, match="no API key: set OPENAI_API_KEY"):
        make_backend("openai:gpt-4o-mini", BackendOptions())


def test_closing_the_stream_early_cancels_the_rest():
    with FakeOpenAIServer(latency_s=0.05) as server:
        backend = backend_for(server, concurrency=2)
        stream = backend.generate(chat_requests(200))
        next(stream)
        stream.close()
        time.sleep(0.2)
        answered = sum(server.stats.answered.values())
        backend.close()
    assert answered < 20


def test_rate_limits_pass_through_to_the_limiter():
    with FakeOpenAIServer() as server:
        backend = backend_for(server, rpm="600", tpm=100000)
        assert backend.describe()["rpm"] == 600.0 and backend.describe()["tpm"] == 100000.0
        results = run_all(backend, chat_requests(5))
    assert all(g.error is None for g in results.values())


def test_bad_options_are_clear_errors():
    with pytest.raises(HarnessError, match="endpoint must be one of"):
        make_backend("openai:m", BackendOptions(base_url="http://127.0.0.1:9/v1", extra={"endpoint": "chatty"}))
    with pytest.raises(HarnessError, match="rpm must be > 0"):
        make_backend("openai:m", BackendOptions(base_url="http://127.0.0.1:9/v1", extra={"rpm": "-1"}))
    with pytest.raises(HarnessError, match="needs a model name"):
        make_backend("openai:", BackendOptions(base_url="http://127.0.0.1:9/v1"))
