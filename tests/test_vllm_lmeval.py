"""`lmeval:vllm,...`: lm-eval's own vllm model (offline engine) as this harness's backend, on vLLM's
CPU engine with the embedded SmolLM2, on the same tasks as the other vLLM tests (one engine load).
"""

from __future__ import annotations

import pytest

from harness.backends import BackendOptions, make_backend
from tests.vllm_support import (
    ENFORCE_EAGER,
    GENERATION_TASKS,
    LOGLIK_TASKS,
    MAX_TOKENS,
    assert_generation_recorded,
    assert_loglikelihoods_match,
    local_run,
    requires_vllm,
    small_run,
)

pytestmark = requires_vllm


@pytest.fixture(scope="module")
def lmeval_vllm():
    from harness.backends.local import converted_model_dir

    spec = f"lmeval:vllm,pretrained={converted_model_dir()},dtype=float32,max_model_len=2048,enforce_eager={ENFORCE_EAGER}"
    backend = make_backend(spec, BackendOptions())
    try:
        yield spec, backend
    finally:
        backend.close()


def test_lmeval_vllm_generates_on_two_families_with_tokens_and_finish_reasons(lmeval_vllm, tmp_path):
    spec, backend = lmeval_vllm
    outcome = small_run(GENERATION_TASKS, spec, tmp_path / "lmeval-gen", backend=backend, max_tokens=MAX_TOKENS)
    assert_generation_recorded(outcome, GENERATION_TASKS, MAX_TOKENS)


def test_lmeval_vllm_loglikelihoods_equal_the_local_backend(lmeval_vllm, tmp_path):
    spec, backend = lmeval_vllm
    outcome = small_run(LOGLIK_TASKS, spec, tmp_path / "lmeval-loglik", backend=backend)
    assert assert_loglikelihoods_match(outcome, local_run(LOGLIK_TASKS, tmp_path.parent)) >= 8
