"""The one interface every backend implements. Backends know no task.

Both calls take the whole list of pending requests and yield ``(index, result)`` pairs as results
arrive, in any order: the runner caches each one the moment it comes back, so an interrupted run
loses nothing. A backend batches (local models) or keeps requests in flight (APIs) as it sees fit.
A request that fails for good yields a result with ``error`` set instead of raising.

Secrets: a backend names the credentials it holds in ``secrets()``. Every backend's results, errors
and description pass through harness/core/redaction.py on their way out (``Backend`` wraps a
subclass's ``generate``, ``loglikelihood`` and ``describe`` when the class is defined), so whatever a
server echoes back (an ``Authorization`` header in an error object, an HTML title, a finish reason)
never reaches a file, a cache entry, a page or stderr, and no backend has to remember to scrub.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from harness.core.redaction import scrub_exception, scrub_result, scrub_value
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


# The response cache and the run id are keyed on the model spec plus every option that can change
# what a model answers; options that only change how requests travel are left out, so re-running with
# another concurrency or timeout reuses every answer. The BackendOptions fields are classified here;
# each backend class classifies the --backend-option keys it reads (``answer_options`` /
# ``transport_options``; tests/test_cache_key.py checks that every key a backend reads is in one of
# them). Anything not declared transport-only is keyed, to be safe.
FIELD_ANSWER_OPTIONS = frozenset({"device", "dtype", "base_url"})
FIELD_TRANSPORT_OPTIONS = frozenset({"batch_size", "threads", "concurrency", "api_key_env", "timeout_s", "max_retries"})
_URL_CREDENTIALS = re.compile(r"//[^/@\s]*@")


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


def answer_identity(model: str, options: BackendOptions, backend: type[Backend] | None = None) -> dict[str, Any]:
    """The model spec and every set option that can change its answers, as plain values; URL
    credentials are left out (a new key must not orphan the cache). ``backend`` is the spec's backend
    class (found from the spec when not given): its transport-only options are left out, and the
    answer-changing defaults it implies are put in, so changing a default moves the cache namespace."""
    if backend is None:
        from harness.backends import backend_class

        backend = backend_class(model)
    transport = FIELD_TRANSPORT_OPTIONS | backend.transport_options
    identity: dict[str, Any] = {"model": model}
    values = {f.name: getattr(options, f.name) for f in fields(options) if f.name != "extra"}
    values.update(backend.implied_options)
    values.update(options.extra or {})
    for name in sorted(values):
        value = values[name]
        if name in transport or value is None:
            continue
        if name == "base_url":
            value = strip_url_credentials(str(value)).rstrip("/")
        identity[name] = value if isinstance(value, (bool, int, float)) else str(value)
    return identity


def _scrubbed_stream(method: Callable[..., Iterator[tuple[int, Any]]]) -> Callable[..., Iterator[tuple[int, Any]]]:
    """``generate`` / ``loglikelihood`` with every result, and any exception, scrubbed of secrets."""

    @functools.wraps(method)
    def stream(self: Backend, requests: Sequence[Request]) -> Iterator[tuple[int, Any]]:
        secrets = self.secrets()
        inner = method(self, requests)
        try:
            for index, result in inner:
                yield index, scrub_result(result, secrets)
        except Exception as exc:
            raise scrub_exception(exc, secrets)  # the same exception, its message redacted
        finally:
            close = getattr(inner, "close", None)
            if close is not None:
                close()  # a caller that stops early stops the backend's stream too

    stream.scrubs_secrets = True  # type: ignore[attr-defined]
    return stream


def _scrubbed_description(method: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    @functools.wraps(method)
    def describe(self: Backend) -> dict[str, Any]:
        return scrub_value(method(self), self.secrets())

    describe.scrubs_secrets = True  # type: ignore[attr-defined]
    return describe


class Backend:
    """Base class: subclasses set ``name`` and implement what they support, and declare the
    ``--backend-option`` keys (BackendOptions.extra) they read: ``answer_options`` (can change what
    the model answers: part of the cache key) or ``transport_options`` (only how requests travel).
    ``implied_options`` are answer-changing defaults the spec implies when the option is not given
    (`local` answered on transformers, then CTranslate2, before llama.cpp bf16): changing one moves
    the cache namespace, so old answers are never served as new ones."""

    name: str = "backend"
    answer_options: frozenset[str] = frozenset()
    transport_options: frozenset[str] = frozenset()
    implied_options: Mapping[str, str] = MappingProxyType({})
    supports_chat: bool = True
    supports_loglikelihood: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every subclass's results, errors and description leave through the scrubber."""
        super().__init_subclass__(**kwargs)
        for name, wrap in (("generate", _scrubbed_stream), ("loglikelihood", _scrubbed_stream), ("describe", _scrubbed_description)):
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "scrubs_secrets", False):
                setattr(cls, name, wrap(method))

    def secrets(self) -> tuple[str, ...]:
        """The credentials this backend holds (an API key): scrubbed from all it hands out."""
        return ()

    @classmethod
    def known_options(cls) -> frozenset[str]:
        """Every --backend-option key this backend reads."""
        return cls.answer_options | cls.transport_options

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

    def capabilities(self) -> frozenset[str]:
        """What this loaded backend can do for a strategy: "generate", "loglikelihood", "prefill"
        (continue a partial assistant turn of a chat request). Override where it depends on settings."""
        found = {"generate"}
        if self.supports_loglikelihood:
            found.add("loglikelihood")
        probe = Request(kind="generate", messages=({"role": "user", "content": "?"},), assistant_prefill="!")
        if self.sends_assistant_prefill(probe):
            found.add("prefill")
        return frozenset(found)

    def describe(self) -> dict[str, Any]:
        """What goes into the run manifest (never secrets)."""
        return {"name": self.name}

    def close(self) -> None:
        """Release resources (servers, sessions)."""
