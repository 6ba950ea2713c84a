"""The native `vllm:` backend on vLLM's CPU engine with the embedded SmolLM2 (one engine load).

Generation on two families through the runner, native n = separate seeded requests, results that
do not depend on how requests are chunked, and log-likelihoods from prompt_logprobs equal to the
`local` backend's within 1e-3 with the same task metrics.
"""

from __future__ import annotations

import dataclasses

import pytest

from harness.backends import BackendOptions, make_backend
from harness.core.errors import HarnessError
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


@pytest.fixture(scope="module")
def engine():
    backend = make_backend("vllm:", BackendOptions(dtype="float32", extra={
        "max_model_len": "2048", "enforce_eager": str(ENFORCE_EAGER)}))
    try:
        yield backend
    finally:
        backend.close()


def test_data_parallel_in_one_process_is_refused_with_the_ways_that_work():
    # vLLM 0.32 refuses LLM(data_parallel_size>1) before loading anything; the error says what to do
    with pytest.raises(HarnessError, match="data-parallel-size N.*lmeval:vllm"):
        make_backend("vllm:", BackendOptions(extra={"data_parallel_size": "2"}))


def test_describe_names_the_engine_and_its_arguments(engine):
    info = engine.describe()
    assert info["name"] == "vllm:SmolLM2-135M-Instruct" and info["dtype"] == "float32"
    assert info["max_model_len"] == 2048 and info["chat_template"] is True and info["vllm_version"]
    assert info["enforce_eager"] is ENFORCE_EAGER


def test_generation_on_two_families_records_metrics_tokens_and_finish_reasons(engine, tmp_path):
    outcome = small_run(GENERATION_TASKS, "vllm:", tmp_path / "vllm-gen", backend=engine, max_tokens=MAX_TOKENS)
    assert_generation_recorded(outcome, GENERATION_TASKS, MAX_TOKENS)
    assert_same_prompt_tokens(outcome, local_run(GENERATION_TASKS, tmp_path.parent, max_tokens=1))


def _chats(count: int, settings: GenerationSettings) -> list[Request]:
    return [Request(kind="generate", messages=({"role": "user", "content": f"Name {i + 2} animals that fly."},),
                    settings=settings) for i in range(count)]


def test_native_n_equals_separate_requests_seeded_seed_plus_k(engine):
    settings = GenerationSettings(max_tokens=20, temperature=1.0, n=4, seed=5)
    requests = _chats(3, settings)
    native = dict(engine.generate(requests))
    single = [dataclasses.replace(r, settings=dataclasses.replace(settings, n=1, seed=settings.seed + k))
              for r in requests for k in range(4)]
    separate = dict(engine.generate(single))
    for index, generation in native.items():
        assert generation.error is None and len(generation.texts) == 4 and len(set(generation.texts)) > 1
        parts = [separate[index * 4 + k] for k in range(4)]
        assert generation.texts == [part.texts[0] for part in parts]
        assert generation.completion_tokens == [part.completion_tokens[0] for part in parts]
        assert all(0 < count <= 20 for count in generation.completion_tokens)


def test_results_do_not_depend_on_the_chunk_size(engine):
    requests = _chats(5, GenerationSettings(max_tokens=16, temperature=0.7, seed=3))
    whole = dict(engine.generate(requests))
    chunk_size = engine.chunk_size
    engine.chunk_size = 2
    try:
        chunked = dict(engine.generate(requests))
    finally:
        engine.chunk_size = chunk_size
    assert {i: (g.texts, g.completion_tokens) for i, g in whole.items()} == {
        i: (g.texts, g.completion_tokens) for i, g in chunked.items()}


def test_a_prompt_over_max_model_len_is_an_error_record_and_the_rest_go_on(engine):
    long = Request(kind="generate", prompt="word " * 2100, settings=GenerationSettings(max_tokens=4))
    results = dict(engine.generate([long, *_chats(1, GenerationSettings(max_tokens=4))]))
    assert results[0].error and "max_model_len" in results[0].error and results[0].finish_reasons == ["error"]
    assert results[1].error is None and results[1].texts[0] is not None
    scored = dict(engine.loglikelihood([Request(kind="loglikelihood", prompt="word " * 2100, continuations=("x",)),
                                        Request(kind="loglikelihood", prompt="Paris is in", continuations=(" France", ""))]))
    assert "max_model_len" in scored[0].error
    assert scored[1].error is None and scored[1].results[1].logprob == 0.0 and scored[1].results[0].logprob < 0


def test_loglikelihoods_from_prompt_logprobs_equal_the_local_backend(engine, tmp_path):
    outcome = small_run(LOGLIK_TASKS, "vllm:", tmp_path / "vllm-loglik", backend=engine)
    assert assert_loglikelihoods_match(outcome, local_run(LOGLIK_TASKS, tmp_path.parent)) >= 8


def test_an_assistant_prefill_is_continued_on_the_tokens_local_sees(engine):
    """The partial assistant turn (Countdown's qwen-instruct protocol) is the end of the prompt the
    engine is given, so strategies that need "prefill" (the backtracking study) run on vllm:."""
    from tasks.countdown.config import CountdownConfig
    from tasks.countdown.prompts import build_countdown_request

    request = build_countdown_request(CountdownConfig(template="qwen-instruct"), {"nums": [44, 19, 35], "target": 98})
    request = dataclasses.replace(request, settings=GenerationSettings(max_tokens=MAX_TOKENS))
    assert "prefill" in engine.capabilities() and engine.render(request) == request.prompt
    [(_, generation)] = list(engine.generate([request]))
    assert generation.error is None and generation.completion_tokens[0] >= 1
    assert generation.prompt_tokens == len(engine.tokenizer(request.prompt, add_special_tokens=False).input_ids)
