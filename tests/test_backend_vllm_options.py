"""The vllm: backend's option handling and its message when vLLM is absent (no engine needed)."""

from __future__ import annotations

import pytest

from harness.backends import BackendOptions, make_backend
from harness.backends.vllm import engine_arguments, vllm_available
from harness.core.errors import HarnessError


def test_engine_options_are_validated_and_passed_to_the_engine_typed():
    options = BackendOptions(dtype="bfloat16", extra={
        "tensor_parallel_size": "4", "pipeline_parallel_size": "2", "data_parallel_size": "1",
        "gpu_memory_utilization": "0.85", "max_model_len": "8192", "enforce_eager": "true", "chunk_size": "64",
        "distributed_executor_backend": "ray"})
    assert engine_arguments(options) == {
        "tensor_parallel_size": 4, "pipeline_parallel_size": 2, "data_parallel_size": 1,
        "gpu_memory_utilization": 0.85, "max_model_len": 8192, "enforce_eager": True, "dtype": "bfloat16",
        "distributed_executor_backend": "ray"}
    assert engine_arguments(BackendOptions(dtype="float16", extra={"dtype": "float32"}))["dtype"] == "float32"
    assert engine_arguments(BackendOptions()) == {}


@pytest.mark.parametrize(("extra", "message"), [
    ({"tensor_parallel": "2"}, "no option 'tensor_parallel'.*did you mean.*tensor_parallel_size"),
    ({"tensor_parallel_size": "two"}, "tensor_parallel_size expects an integer"),
    ({"pipeline_parallel_size": "0"}, "must be > 0"),
    ({"gpu_memory_utilization": "90"}, r"share of GPU memory in \(0, 1\]"),
    ({"enforce_eager": "maybe"}, "expects true or false"),
    ({"distributed_executor_backend": "slurm"}, "mp .one node. or ray"),
])
def test_bad_engine_options_fail_with_one_clear_line(extra, message):
    with pytest.raises(HarnessError, match=message):
        engine_arguments(BackendOptions(extra=extra))


@pytest.mark.skipif(vllm_available(), reason="vLLM is installed here")
def test_without_vllm_the_backend_says_how_to_install_it():
    with pytest.raises(HarnessError, match="needs vLLM.*make setup-vllm"):
        make_backend("vllm:Qwen/Qwen2.5-7B-Instruct", BackendOptions())


@pytest.mark.model
def test_an_assistant_prefill_is_rendered_as_the_hf_backend_renders_it():
    """vllm: continues a partial assistant turn (strategies that need "prefill" run on it): the
    embedded model's ChatML template + the continued turn = TinyZero's prefix byte for byte, as hf."""
    from transformers import AutoTokenizer

    from harness.backends.hf import HFBackend
    from harness.backends.local import converted_model_dir
    from harness.backends.vllm import VLLMBackend
    from tasks.countdown.config import CountdownConfig
    from tasks.countdown.prompts import build_countdown_request

    tokenizer = AutoTokenizer.from_pretrained(converted_model_dir())
    vllm, hf = VLLMBackend.__new__(VLLMBackend), HFBackend.__new__(HFBackend)  # the renderers only: no engine
    for backend in (vllm, hf):
        backend.tokenizer, backend.supports_chat = tokenizer, True
    request = build_countdown_request(CountdownConfig(template="qwen-instruct"), {"nums": [44, 19, 35], "target": 98})
    assert request.assistant_prefill and vllm.render(request) == hf.render(request) == request.prompt
    assert vllm.sends_assistant_prefill(request) and "prefill" in vllm.capabilities()
    plain = build_countdown_request(CountdownConfig(), {"nums": [44, 19, 35], "target": 98})
    assert vllm.render(plain) == hf.render(plain) and vllm.render(plain).endswith("<|im_start|>assistant\n")
