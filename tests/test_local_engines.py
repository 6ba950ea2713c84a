"""The `local` engines: the default (llama.cpp, continuous batching, weights by CPU) gives texts that depend
on nothing but the request (batch size, threads, neighbours), hands each completion back as it
ends, samples reproducibly, reports over-long prompts per request; CTranslate2 against transformers
on the same fp32 weights: same greedy text, token counts and finish reasons."""

import pytest

from harness.backends import BackendOptions, make_backend
from harness.backends.cpu_generation import preferred_weights
from harness.backends.local import llamacpp_model_file
from harness.core.errors import HarnessError, is_permanent_error
from harness.core.types import GenerationSettings, Request

pytestmark = pytest.mark.model

PROMPTS = ("Name a prime number.", "What colour is the sky on a clear day? Answer briefly.", "Hi",
           "Write the numbers from one to twenty in words, separated by commas.")


@pytest.fixture(scope="module")
def engines():
    return {name: make_backend("local", BackendOptions(batch_size=4, threads=1, extra={"engine": name}))
            for name in ("llamacpp", "ctranslate2", "transformers")}


def chat(text, **settings):
    return Request(kind="generate", messages=({"role": "user", "content": text},),
                   settings=GenerationSettings(**{"max_tokens": 24, **settings}))


def counting(max_tokens=24):
    """A plain-text prompt the model continues until the token limit."""
    return Request(kind="generate", prompt="1, 2, 3, 4, 5,", settings=GenerationSettings(max_tokens=max_tokens))


def test_greedy_text_tokens_and_finish_reasons_match_transformers(engines):
    requests = [chat(text) for text in PROMPTS] + [counting()]
    ours = dict(engines["ctranslate2"].generate(requests))
    theirs = dict(engines["transformers"].generate(requests))
    for i in range(len(requests)):
        assert ours[i].texts == theirs[i].texts
        assert ours[i].completion_tokens == theirs[i].completion_tokens
        assert ours[i].finish_reasons == theirs[i].finish_reasons
        assert ours[i].prompt_tokens == theirs[i].prompt_tokens
    assert "length" in {r for g in ours.values() for r in g.finish_reasons}  # the long one was cut off


def test_each_completion_is_handed_back_when_it_ends_not_with_its_batch(engines):
    settings = GenerationSettings(max_tokens=40, stop=(" 4,",))
    long = Request(kind="generate", prompt="5, 6,", settings=settings)  # counts on past 40 tokens
    short = Request(kind="generate", prompt="1, 2,", settings=settings)  # reaches " 4," at once
    results = list(engines["ctranslate2"].generate([long, short]))
    assert [index for index, _ in results] == [1, 0]  # one batch; the short answer comes first
    assert results[0][1].finish_reasons == ["stop"] and results[1][1].finish_reasons == ["length"]


def test_greedy_text_does_not_depend_on_batch_size(engines):
    backend = engines["ctranslate2"]
    requests = [chat(text, max_tokens=12) for text in PROMPTS]
    backend.options.batch_size = 1
    single = dict(backend.generate(requests))
    backend.options.batch_size = 4
    batched = dict(backend.generate(requests))
    assert [single[i].texts for i in range(4)] == [batched[i].texts for i in range(4)]


def test_sampling_is_seeded_and_gives_n_completions(engines):
    backend = engines["ctranslate2"]
    request = chat("Tell me a colour.", temperature=1.0, n=3, seed=7, max_tokens=8)
    first = dict(backend.generate([request]))[0]
    again = dict(backend.generate([request]))[0]
    assert len(first.texts) == 3 and len(first.completion_tokens) == 3
    assert first.texts == again.texts


def test_stop_strings_end_the_completion_and_are_trimmed(engines):
    request = Request(kind="generate", prompt="1, 2, 3, 4,", settings=GenerationSettings(max_tokens=20, stop=(" 7",)))
    (_, generation), = list(engines["ctranslate2"].generate([request]))
    assert " 7" not in generation.texts[0]
    assert generation.finish_reasons == ["stop"]


def test_the_default_engine_still_scores_log_likelihoods(engines):
    request = Request(kind="loglikelihood", prompt="The capital of France is", continuations=(" Paris", " London"))
    (_, ours), = list(engines["ctranslate2"].loglikelihood([request]))
    (_, theirs), = list(engines["transformers"].loglikelihood([request]))
    assert [r.logprob for r in ours.results] == pytest.approx([r.logprob for r in theirs.results], abs=1e-6)
    assert ours.results[0].logprob > ours.results[1].logprob


def test_describe_names_the_engine(engines):
    assert engines["llamacpp"].describe()["engine"] == "llamacpp"
    described = engines["llamacpp"].describe()
    chosen = preferred_weights()[0]
    assert described["dtype"] == {"bf16": "bfloat16", "f16": "float16", "f32": "float32"}[chosen]
    assert described["weights_chosen"].startswith(chosen) and described["threads_chosen"] and described["tokenizer"] == "tokenizers"
    assert engines["ctranslate2"].describe()["engine"] == "ctranslate2"
    assert engines["transformers"].describe()["engine"] == "transformers"


def test_an_unknown_engine_or_weights_is_a_clear_error():
    with pytest.raises(HarnessError, match="engine must be one of llamacpp, ctranslate2, transformers"):
        make_backend("local", BackendOptions(extra={"engine": "vllm"}))
    with pytest.raises(HarnessError, match="weights must be one of bf16, f32, f16, q4_1; got 'int3'"):
        make_backend("local", BackendOptions(extra={"weights": "int3"}))
    with pytest.raises(HarnessError, match="weights applies to engine=llamacpp only"):
        make_backend("local", BackendOptions(extra={"engine": "ctranslate2", "weights": "f16"}))


# ---- the default engine: llama.cpp with continuous batching ------------------------------------

LONG = "Repeat after me, word for word: " + " ".join(f"item{i}" for i in range(400))  # > 1 prefill chunk


def mixed_requests(max_tokens=16):
    return [chat(text, max_tokens=max_tokens) for text in PROMPTS] + [counting(max_tokens), chat(LONG, max_tokens=max_tokens)]


def texts(results):
    return [results[i].texts for i in sorted(results)]


def test_the_default_engine_is_llamacpp():
    backend = make_backend("local", BackendOptions(batch_size=2, threads=1))
    try:
        assert backend.describe()["engine"] == "llamacpp"
    finally:
        backend.close()


def test_llamacpp_text_does_not_depend_on_batch_size_threads_or_neighbours(engines):
    backend = engines["llamacpp"]
    requests = mixed_requests()
    backend.options.batch_size = 1
    alone = dict(backend.generate(requests))
    backend.options.batch_size = 3
    batched = dict(backend.generate(requests))
    backend.options.batch_size = 1000  # more rows than llama.cpp holds: capped, same texts
    huge = dict(backend.generate(requests))
    backend.options.batch_size = 4
    reordered = dict(backend.generate(requests[::-1]))
    assert texts(alone) == texts(batched) == texts(huge)
    assert [alone[i].texts for i in range(len(requests))] == [reordered[len(requests) - 1 - i].texts for i in range(len(requests))]
    assert alone[len(requests) - 1].prompt_tokens > 512  # the long prompt took several prefill chunks
    two_threads = make_backend("local", BackendOptions(batch_size=4, threads=2))
    try:
        assert texts(dict(two_threads.generate(requests))) == texts(alone)
    finally:
        two_threads.close()
    assert all(g.completion_tokens[0] > 0 and g.finish_reasons[0] in ("stop", "length") for g in alone.values())


def test_llamacpp_hands_each_completion_back_when_it_ends(engines):
    settings = GenerationSettings(max_tokens=40, stop=(" 4,",))
    long = Request(kind="generate", prompt="5, 6,", settings=settings)
    short = Request(kind="generate", prompt="1, 2,", settings=settings)
    engines["llamacpp"].options.batch_size = 4
    results = list(engines["llamacpp"].generate([long, short]))
    assert [index for index, _ in results] == [1, 0]
    assert results[0][1].finish_reasons == ["stop"] and " 4," not in results[0][1].texts[0]
    assert results[1][1].finish_reasons == ["length"] and results[1][1].completion_tokens == [40]


def test_llamacpp_sampling_is_seeded_per_completion_whatever_the_batch(engines):
    backend = engines["llamacpp"]
    request = chat("Tell me a colour.", temperature=1.0, n=3, seed=7, max_tokens=8)
    backend.options.batch_size = 4
    first = dict(backend.generate([request, chat("Hi", temperature=1.0, seed=7, max_tokens=8)]))[0]
    backend.options.batch_size = 1
    again = dict(backend.generate([request]))[0]
    assert len(first.texts) == 3 and len(first.completion_tokens) == 3
    assert first.texts == again.texts
    other_seed = dict(backend.generate([chat("Tell me a colour.", temperature=1.0, n=3, seed=8, max_tokens=8)]))[0]
    assert other_seed.texts != first.texts


def test_llamacpp_requests_differing_only_in_seed_decode_together_and_draw_as_alone(engines, monkeypatch):
    """A strategy's N draws (one request per seed) share a batch and draw what each draws alone."""
    backend = engines["llamacpp"]
    backend.options.batch_size = 4
    requests = [chat("Tell me a colour.", temperature=1.0, seed=seed, max_tokens=8) for seed in (3, 4, 5)]
    calls, real = [], backend._engine.generate
    monkeypatch.setattr(backend._engine, "generate", lambda *a, **k: calls.append(k.get("seeds")) or real(*a, **k))
    together = dict(backend.generate(requests))
    assert calls == [[3, 4, 5]]  # one call to the engine: one batch
    alone = [dict(backend.generate([request]))[0] for request in requests]
    assert [together[i].texts for i in range(3)] == [result.texts for result in alone]
    assert len({together[i].texts[0] for i in range(3)}) > 1  # each its own seed


def test_llamacpp_reports_an_over_long_prompt_and_serves_the_rest(engines):
    backend = engines["llamacpp"]
    too_long = Request(kind="generate", prompt="word " * 9000, settings=GenerationSettings(max_tokens=8))
    results = dict(backend.generate([too_long, chat("Hi", max_tokens=8)]))
    assert results[0].finish_reasons == ["error"] and "fills the model's context of 8192 tokens" in results[0].error
    assert is_permanent_error(results[0].error)  # a re-run cannot fix it: no re-run advice
    assert results[1].error is None and results[1].texts[0]


def test_llamacpp_fits_max_tokens_to_the_context_left_after_the_prompt(engines):
    """LR²Bench asks 32 768 new tokens; SmolLM2 holds 8 192 in all: each prompt gets what is left."""
    backend = engines["llamacpp"]
    engine = backend._engine
    real = engine.n_ctx_train
    engine.n_ctx_train = 40  # a small context, so the fitted limit is reached quickly
    try:
        fitted, = dict(backend.generate([counting(max_tokens=32768)])).values()
        short, = dict(backend.generate([counting(max_tokens=8)])).values()
    finally:
        engine.n_ctx_train = real
    assert fitted.error is None and fitted.max_tokens == 40 - fitted.prompt_tokens
    assert fitted.completion_tokens == [fitted.max_tokens] and fitted.finish_reasons == ["length"]
    assert short.max_tokens is None  # asked less than the context leaves: as asked, nothing recorded


def test_llamacpp_weights_can_be_the_shipped_q4_1_file():
    backend = make_backend("local", BackendOptions(batch_size=2, threads=1, extra={"weights": "q4_1"}))
    try:
        (_, generation), = list(backend.generate([chat("Name a prime number.", max_tokens=8)]))
        assert backend.describe()["dtype"] == "q4_1" and generation.texts[0] and generation.error is None
    finally:
        backend.close()


def test_the_default_weights_are_the_cpus_choice_and_give_that_formats_texts():
    """The default loads the weights file chosen from the CPU's flags (f16 without AVX512-BF16, bf16
    with it) and its texts equal those of that format asked for by name."""
    chosen = preferred_weights()[0]
    prompts = [chat(text, max_tokens=24) for text in (*PROMPTS, "Who wrote Hamlet?", "Describe a cat in five words.")]
    results, files = {}, {}
    for name, extra in (("default", {}), (chosen, {"weights": chosen})):
        backend = make_backend("local", BackendOptions(batch_size=4, threads=1, extra=extra))
        try:
            results[name] = texts(dict(backend.generate(prompts)))
            files[name] = backend.describe()["weights_file"]
        finally:
            backend.close()
    assert files["default"] == files[chosen] == llamacpp_model_file(chosen).name
    assert results["default"] == results[chosen]
