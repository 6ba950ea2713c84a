"""The lmeval: bridge: spec parsing, clear errors, and lm-eval's own `hf` model on the embedded
SmolLM2 giving the same greedy text, likelihoods and token counts as our local backend."""

from __future__ import annotations

import importlib.util
import math

import pytest

from harness.backends import BackendOptions, make_backend
from harness.backends.lmeval_bridge import arg_keys, parse_spec
from harness.core.errors import HarnessError
from harness.core.types import GenerationSettings, Request


def test_spec_parsing():
    assert parse_spec("vllm,pretrained=Qwen/Qwen2.5-7B-Instruct,tensor_parallel_size=2,data_parallel_size=4") == (
        "vllm", "pretrained=Qwen/Qwen2.5-7B-Instruct,tensor_parallel_size=2,data_parallel_size=4")
    assert parse_spec("hf") == ("hf", "")
    assert arg_keys("pretrained=x,dtype=bfloat16") == {"pretrained", "dtype"}


def test_unknown_lm_eval_model_is_a_clear_error():
    with pytest.raises(HarnessError, match=r"lm-eval has no model 'hff' \(did you mean 'hf'\?\)"):
        make_backend("lmeval:hff,pretrained=x")
    with pytest.raises(HarnessError, match="needs an lm-eval model name"):
        make_backend("lmeval:")


def test_built_in_models_are_all_visible():
    from lm_eval.api.registry import model_registry

    from harness.backends.lmeval_bridge import resolve_lm_class

    assert resolve_lm_class("hf").__name__ == "HFLM"
    assert resolve_lm_class("local-chat-completions").__name__
    assert {"vllm", "sglang", "hf"} <= set(model_registry.keys())


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed here")
def test_an_engine_that_is_not_installed_is_a_clear_error():
    with pytest.raises(HarnessError, match="lm-eval model 'vllm' needs the package 'vllm'.*pip install vllm"):
        make_backend("lmeval:vllm,pretrained=Qwen/Qwen2.5-7B-Instruct,tensor_parallel_size=2")


@pytest.mark.model
def test_lm_eval_hf_on_the_embedded_model_matches_the_local_backend():
    requests = [
        Request(kind="generate", messages=({"role": "user", "content": "What is the capital of France?"},),
                settings=GenerationSettings(max_tokens=10)),
        Request(kind="generate", prompt="The capital of France is",
                settings=GenerationSettings(max_tokens=8, stop=(".",))),
        Request(kind="generate", prompt="Count: one, two, three,", settings=GenerationSettings(max_tokens=3)),
    ]
    scoring = [Request(kind="loglikelihood", prompt="The capital of France is", continuations=(" Paris", " Berlin"))]

    bridge = make_backend("lmeval:hf", BackendOptions(batch_size=4, device="cpu"))
    try:
        assert bridge.describe()["lm_eval_model"] == "hf"
        via_lm_eval = dict(bridge.generate(requests))
        (_, scored_lm_eval), = list(bridge.loglikelihood(scoring))
    finally:
        bridge.close()
    local = make_backend("local", BackendOptions(batch_size=4, device="cpu"))
    try:
        via_local = dict(local.generate(requests))
        (_, scored_local), = list(local.loglikelihood(scoring))
    finally:
        local.close()

    for i in range(len(requests)):
        assert via_lm_eval[i].texts == via_local[i].texts
        assert via_lm_eval[i].finish_reasons == via_local[i].finish_reasons
        assert via_lm_eval[i].prompt_tokens == via_local[i].prompt_tokens
        assert via_lm_eval[i].completion_tokens == via_local[i].completion_tokens
    assert via_lm_eval[2].truncated == [True]
    for ours, theirs in zip(scored_local.results, scored_lm_eval.results):
        assert math.isclose(ours.logprob, theirs.logprob, abs_tol=1e-3)
        assert ours.is_greedy == theirs.is_greedy and ours.n_tokens == theirs.n_tokens
    assert scored_lm_eval.prompt_tokens == scored_local.prompt_tokens


def test_prefill_follows_a_text_chat_template_and_is_not_sent_in_an_api_json_chat():
    from harness.backends.lmeval_bridge import LMEvalBackend

    class TextTemplate:
        def apply_chat_template(self, chat, add_generation_prompt=True):
            return "".join(f"<{m['role']}>{m['content']}" for m in chat) + "<assistant>"

    class JsonChat:
        def apply_chat_template(self, chat, add_generation_prompt=True):
            return ("json", chat)  # like lm-eval's JsonChatStr, a NamedTuple

    request = Request(kind="generate", prompt="P<assistant>Let me", messages=({"role": "user", "content": "q"},),
                      assistant_prefill="Let me")
    backend = LMEvalBackend.__new__(LMEvalBackend)  # the renderer only: no lm-eval model
    backend.lm = TextTemplate()
    assert backend.render(request) == "<user>q<assistant>Let me" and backend.sends_assistant_prefill(request)
    backend.lm = JsonChat()
    assert backend.render(request) == ("json", [{"role": "user", "content": "q"}])
    assert not backend.sends_assistant_prefill(request)
