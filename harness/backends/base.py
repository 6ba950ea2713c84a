"""The one interface every backend implements. Backends know no task.

Both calls take the whole list of pending requests and yield ``(index, result)`` pairs as results
arrive, in any order: the runner caches each one the moment it comes back, so an interrupted run
loses nothing. A backend batches (local models) or keeps requests in flight (APIs) as it sees fit.
A request that fails for good yields a result with ``error`` set instead of raising.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
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


class Backend:
    """Base class: subclasses set ``name`` and implement what they support."""

    name: str = "backend"
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
