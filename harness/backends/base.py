"""The one interface every backend implements. Backends know no task.

Both calls take the whole list of pending requests and yield ``(index, result)`` pairs as results
arrive, in any order: the runner caches each one the moment it comes back, so an interrupted run
loses nothing. A backend batches (local models) or keeps requests in flight (APIs) as it sees fit.
A request that fails for good yields a result with ``error`` set instead of raising.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from harness.core.types import Generation, LoglikelihoodResult, Request


@dataclass
class BackendOptions:
    """Knobs shared by backends; each backend reads the ones it understands."""

    batch_size: int = 8
    device: str | None = None  # "cpu", "cuda", ... (None = best available)
    dtype: str | None = None  # "float32", "bfloat16", ... (None = backend default)
    threads: int | None = None  # CPU threads for local inference (None = torch's default)
    concurrency: int = 32
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    timeout_s: float = 120.0
    max_retries: int = 6
    extra: dict[str, Any] = field(default_factory=dict)


# Every option, in one of two lists. The response cache and the run id are keyed on the model spec
# plus every option that can change what a model answers; options that only change how requests
# travel are left out, so re-running with another concurrency or timeout reuses every answer.
# A new option must be added to one list (tests/test_cache_key.py fails until it is); an option in
# neither list (a typo the backend rejects anyway) is keyed, to be safe.
ANSWER_OPTIONS = frozenset({
    "device", "dtype", "base_url",  # BackendOptions fields
    "endpoint", "native_n", "max_tokens_param", "think_tags",  # openai
    "n_ctx", "n_gpu_layers", "n_batch",  # llamacpp (GPU offload and batch change the numerics)
    "chunk_size",  # lmeval and vllm (seeded engines draw per chunk)
    "engine", "weights",  # local: llamacpp (bf16 by default), ctranslate2 or transformers
    # vllm: parallel layout, context length, memory share (batch composition), CUDA graphs and
    # dtype all can change the numerics or what fits
    "tensor_parallel_size", "pipeline_parallel_size", "data_parallel_size", "max_model_len",
    "gpu_memory_utilization", "enforce_eager",
})
TRANSPORT_OPTIONS = frozenset({
    "batch_size", "threads",  # local models give the same text for any batch size (tested)
    "concurrency", "api_key_env", "timeout_s", "max_retries",  # BackendOptions fields
    "rpm", "tpm", "retry_base_delay_s", "retry_max_delay_s",  # openai
    "n_threads",  # llamacpp
    "distributed_executor_backend",  # vllm: mp or ray, how workers are started
})
_URL_CREDENTIALS = re.compile(r"//[^/@\s]*@")
# Answer-changing defaults a spec implies when the option is not given, so that changing a default
# moves the cache namespace: `local` answered on transformers, then CTranslate2, before llama.cpp (bf16).
IMPLIED_OPTIONS: dict[str, dict[str, str]] = {"local": {"engine": "llamacpp", "weights": "bf16"}}


def strip_url_credentials(url: str) -> str:
    """A URL without its user:KEY@ part (the key is used, never written anywhere)."""
    return _URL_CREDENTIALS.sub("//", url)


def fit_max_tokens(asked: int, prompt_tokens: int, context: int | None) -> int:
    """New tokens a prompt can get: the request's max_tokens, or what the model's context leaves after
    the prompt when that is less (LR²Bench asks 32 768; SmolLM2 holds 8 192 in all). 0 means the
    prompt alone fills the context. The limit depends only on the request and the model, so a
    cached answer stays valid; Generation.max_tokens records the fitted value."""
    if context is None:
        return asked
    return max(0, min(asked, context - prompt_tokens))


def prompt_fills_context(prompt_tokens: int, context: int) -> str:
    """The error of a prompt that leaves no room to answer: permanent, a re-run fails the same way."""
    from harness.core.errors import permanent_error

    return permanent_error(f"the prompt ({prompt_tokens} tokens) fills the model's context of {context} tokens",
                           "shorten the prompt, e.g. fewer shots, or use a model with a longer context")


def answer_identity(model: str, options: BackendOptions) -> dict[str, Any]:
    """The model spec and every set option that can change its answers (see ANSWER_OPTIONS), as
    plain values; URL credentials are left out (a new key must not orphan the cache)."""
    identity: dict[str, Any] = {"model": model}
    values = {f.name: getattr(options, f.name) for f in fields(options) if f.name != "extra"}
    values.update(IMPLIED_OPTIONS.get(model, {}))
    values.update(options.extra or {})
    for name in sorted(values):
        value = values[name]
        if name in TRANSPORT_OPTIONS or value is None:
            continue
        if name == "base_url":
            value = strip_url_credentials(str(value)).rstrip("/")
        identity[name] = value if isinstance(value, (bool, int, float)) else str(value)
    return identity


class Backend:
    """Base class: subclasses set ``name`` and implement what they support, and list in
    ``extra_options`` the ``--backend-option`` keys (BackendOptions.extra) they read."""

    name: str = "backend"
    extra_options: frozenset[str] = frozenset()
    supports_chat: bool = True
    supports_loglikelihood: bool = False

    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        raise NotImplementedError

    def loglikelihood(self, requests: Sequence[Request]) -> Iterator[tuple[int, LoglikelihoodResult]]:
        raise NotImplementedError(
            f"backend '{self.name}' cannot compute log-likelihoods; use 'local', 'hf:<model>',"
            " 'llamacpp:<gguf>' or an 'openai:' completions endpoint with echo+logprobs"
        )

    def sends_assistant_prefill(self, request: Request) -> bool:
        """Whether the model sees ``request.assistant_prefill`` as the start of its own turn.
        A plain-text prompt already ends with it; a chat request needs a backend that can continue
        a partial assistant turn (override where it can). The run manifest records the answer."""
        return request.messages is None

    def describe(self) -> dict[str, Any]:
        """What goes into the run manifest (never secrets)."""
        return {"name": self.name}

    def close(self) -> None:
        """Release resources (servers, sessions)."""
