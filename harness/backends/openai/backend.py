"""openai:<model> — OpenAI and every OpenAI-compatible server (vLLM, SGLang, llama.cpp, Ollama).

    harness run TASK --model openai:gpt-4o-mini                      # key from $OPENAI_API_KEY
    harness run TASK --model openai:Qwen/Qwen2.5-7B-Instruct --base-url http://127.0.0.1:8000/v1

Requests with chat messages go to /chat/completions, plain prompts to /completions (``endpoint``
option to force one). A fixed pool of ``concurrency`` workers keeps that many requests in flight
continuously on an asyncio loop in a background thread (a bare aiohttp session, transport.py:
within 1.5x of a bare client's CPU per request), and ``generate`` yields each result the moment it lands.

Failures: 429, 5xx, dropped or cut-off connections, timeouts, and bodies that are not a usable
completion (truncated or non-JSON, HTML, an error inside a 200, empty choices, null content; see
parsing.py) are retried with exponential backoff and jitter (honouring Retry-After; see retry.py);
after the last retry the request comes back as a Generation with ``error`` set ("<cause> at <url>
after N retries") and the run goes on. Other 4xx answers are never retried. Mistakes that would
fail every request (rejected key, unknown model, an unsupported parameter, a chat-only endpoint
asked for log-likelihoods, an endpoint unreachable before anything was answered, a request the
HTTP client refuses to send) stop the run with one clear HarnessError.

Secrets: the API key lives only in the client object and in ``secrets()``: whatever a server echoes
back (in an error object, an HTML title, a finish reason, a completion) is scrubbed on the way out
by the one scrubber every backend passes through (harness/backends/base.py, harness/core/redaction.py).

Options (BackendOptions fields, plus ``extra`` keys, settable as strings from the CLI):
    concurrency, base_url (else $OPENAI_BASE_URL), api_key_env, timeout_s, max_retries,
    extra: rpm, tpm, endpoint=auto|chat|completions, native_n=auto|true|false,
           max_tokens_param=auto|max_tokens|max_completion_tokens, think_tags=false|true,
           retry_base_delay_s, retry_max_delay_s
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from harness.backends.base import Backend, BackendOptions
from harness.backends.openai.async_pool import BackgroundLoop, stream_results
from harness.backends.openai.endpoints import EndpointPool, split_base_urls
from harness.backends.openai.parsing import (
    MalformedResponse,
    Outcome,
    decode_body,
    merge_generation,
    merge_loglikelihood,
    outcome_of,
    parse_chat_choices,
    parse_completion_choices,
    parse_echo_loglikelihood,
    parse_usage,
)
from harness.backends.openai.ratelimit import RateLimiter, estimate_tokens
from harness.backends.openai.requests import Call, generate_body, loglikelihood_body, prompt_chars, uses_chat
from harness.backends.openai.retry import is_retryable_status, parse_retry_after
from harness.backends.openai.settings import ApiSettings, resolve_api_key, safe_url, split_url_credentials
from harness.backends.openai.transport import (
    FAIL_FAST_ATTEMPTS,
    connection_cause,
    is_connection_error,
    make_client,
    raw_response_type,
    with_timeout,
)
from harness.core.errors import HarnessError, permanent_error
from harness.core.types import Generation, Loglikelihood, LoglikelihoodResult, Request

_MAX_ERROR_CHARS = 300


class _Fatal(Exception):
    """A mistake that would fail every request; becomes a HarnessError in the caller's thread."""


def loglikelihood_help() -> str:
    """Which backends give log-likelihoods (for error messages; the runner names the task)."""
    return (
        "tasks scored by log-likelihood need prompt log-probabilities; use --model local,"
        " hf:<model>, llamacpp:<gguf>, lmeval:<model>,<args>, or openai:<model> with --base-url at a"
        " /v1/completions endpoint that supports echo+logprobs (vLLM does)"
    )


class OpenAIBackend(Backend):
    """Chat and text completions, and echo-based log-likelihoods, over one aiohttp session."""

    name = "openai"
    supports_chat = True
    supports_loglikelihood = True
    answer_options = frozenset({"endpoint", "native_n", "max_tokens_param", "think_tags"})
    transport_options = frozenset({"rpm", "tpm", "retry_base_delay_s", "retry_max_delay_s"})

    def __init__(self, model: str, options: BackendOptions) -> None:
        if not model.strip():
            raise HarnessError("the openai backend needs a model name, e.g. --model openai:gpt-4o-mini")
        self.settings = ApiSettings.from_options(model.strip(), options)
        _, url_key = split_url_credentials(options.base_url or os.environ.get("OPENAI_BASE_URL") or None)
        self._api_key = resolve_api_key(self.settings, url_key)
        self._answered_any = False  # until one request succeeds, an unreachable endpoint fails fast
        self._limiter = RateLimiter(self.settings.rpm, self.settings.tpm)
        self._native_n = self.settings.native_n
        self._max_tokens_param = self.settings.max_tokens_param
        if self._max_tokens_param == "auto":
            # OpenAI's own API wants max_completion_tokens (reasoning models reject max_tokens);
            # other servers know max_tokens (some ignore the newer name and run unbounded).
            self._max_tokens_param = "max_tokens" if self.settings.base_url else "max_completion_tokens"
        self._background: BackgroundLoop | None = None
        self._client: Any = None
        self._llama_cpp_server: bool | None = None

    def secrets(self) -> tuple[str, ...]:
        return (self._api_key,)

    def __repr__(self) -> str:
        return f"OpenAIBackend(model={self.settings.model!r}, base_url={safe_url(self.settings.base_url)!r})"

    # ---- public interface ---------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        s = self.settings
        return {
            "name": self.name,
            "model": s.model,
            "base_url": safe_url(s.base_url),
            "api_key_env": s.api_key_env,
            "endpoint": s.endpoint,
            "concurrency": s.concurrency,
            "rpm": s.rpm,
            "tpm": s.tpm,
            "timeout_s": s.timeout_s,
            "max_retries": s.retry.max_retries,
            "native_n": self._native_n,
            "max_tokens_param": self._max_tokens_param,
            **({"endpoints": {safe_url(url): health for url, health in self._client.summary().items()}}
               if isinstance(self._client, EndpointPool) else {}),
        }

    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        calls: list[Call] = []
        for index, request in enumerate(requests):
            n = request.settings.n
            if n > 1 and self._native_n is False:
                calls.extend(Call(index, part, 1, request) for part in range(n))
            else:
                calls.append(Call(index, 0, n, request))
        for index, parts in self._assemble(calls, self._generate_call):
            yield index, merge_generation(parts)

    def loglikelihood(self, requests: Sequence[Request]) -> Iterator[tuple[int, LoglikelihoodResult]]:
        if self.settings.endpoint == "chat":
            raise HarnessError(f"--model openai:{self.settings.model} is set to the chat endpoint only;"
                               f" {loglikelihood_help()}")
        calls = [Call(index, part, 1, request)
                 for index, request in enumerate(requests) for part in range(len(request.continuations))]
        if calls and self._served_by_llama_cpp_cached():
            raise HarnessError(
                f"the server at {safe_url(self.settings.base_url)} is llama.cpp, whose echo+logprobs"
                " misaligns prompt log-probabilities by one token; score with --model llamacpp:<gguf>"
                f" instead. {loglikelihood_help()}")
        for index, request in enumerate(requests):
            if not request.continuations:
                yield index, LoglikelihoodResult(results=[], prompt_tokens=0)
        for index, parts in self._assemble(calls, self._loglikelihood_call):
            yield index, merge_loglikelihood(parts)

    def _served_by_llama_cpp_cached(self) -> bool:
        if self._llama_cpp_server is None:
            self._llama_cpp_server = self._ensure_loop().run(self._served_by_llama_cpp())
        return self._llama_cpp_server

    def _ensure_loop(self) -> BackgroundLoop:
        if self._background is None:
            self._background = BackgroundLoop("openai-backend")
        return self._background

    def close(self) -> None:
        if self._background is None:
            return
        if self._client is not None:
            try:
                self._background.run(self._client.close(), timeout=10)
            except Exception:  # noqa: BLE001 - closing must not mask the run's own outcome
                pass
            self._client = None
        self._background.close()
        self._background = None

    # ---- plumbing -----------------------------------------------------------------------------
    def _assemble(self, calls: list[Call], worker: Callable) -> Iterator[tuple[int, list[Outcome]]]:
        """Run the calls in the pool; yield (request index, its outcomes in part order) as soon as
        every call of that request is back."""
        if not calls:
            return
        background = self._ensure_loop()
        expected: dict[int, int] = defaultdict(int)
        for call in calls:
            expected[call.index] += 1
        pending: dict[int, dict[int, Outcome]] = defaultdict(dict)
        try:
            for position, outcome in stream_results(background, calls, worker, self.settings.concurrency):
                call = calls[position]
                pending[call.index][call.part] = outcome
                if len(pending[call.index]) == expected[call.index]:
                    parts = pending.pop(call.index)
                    yield call.index, [parts[part] for part in sorted(parts)]
        except _Fatal as exc:
            raise HarnessError(str(exc)) from None

    def _client_now(self) -> Any:
        """The HTTP client, made on the background loop the first time it is needed."""
        if self._client is None:
            urls = split_base_urls(self.settings.base_url)  # several: replicas behind one pool
            if len(urls) > 1:
                self._client = EndpointPool.from_urls(
                    urls, lambda url: make_client(self._api_key, url, self.settings.timeout_s))
            else:
                self._client = make_client(self._api_key, self.settings.base_url, self.settings.timeout_s)
        return self._client

    def capabilities(self) -> frozenset[str]:
        found = super().capabilities()
        return found - {"loglikelihood"} if self.settings.endpoint == "chat" else found

    def sends_assistant_prefill(self, request: Request) -> bool:
        return not self._uses_chat(request)  # a chat completions API has no partial assistant turn

    def _uses_chat(self, request: Request) -> bool:
        return uses_chat(self.settings.endpoint, request)

    def _generate_body(self, request: Request, n: int, seed: int, chat: bool) -> dict[str, Any]:
        return generate_body(self.settings.model, self._max_tokens_param, request, n, seed, chat)

    async def _generate_call(self, call: Call) -> Outcome:
        request, chat = call.request, self._uses_chat(call.request)
        seed = request.settings.seed + call.part
        parse = (lambda data: parse_chat_choices(data, self.settings.think_tags)) if chat else (
            lambda data: parse_completion_choices(data, self.settings.think_tags))
        outcome = await self._call_with_retries(chat, lambda: self._generate_body(request, call.n, seed, chat),
                                                parse, prompt_chars(request), call.n)
        if outcome.error is not None or len(outcome.choices) >= call.n:
            outcome.choices = outcome.choices[: call.n]
            outcome.completion_tokens = outcome.completion_tokens[: call.n]
            return outcome
        # The server ignored n (llama.cpp, Ollama): ask for the rest one by one, and from now on.
        if self._native_n is None:
            self._native_n = False
        for extra in range(len(outcome.choices), call.n):
            def one_more(extra: int = extra) -> dict[str, Any]:
                return self._generate_body(request, 1, seed + extra, chat)

            more = await self._call_with_retries(chat, one_more, parse, prompt_chars(request), 1)
            if more.error is not None:
                return more
            outcome.choices.extend(more.choices[:1])
            outcome.completion_tokens.extend(more.completion_tokens[:1])
        return outcome

    async def _loglikelihood_call(self, call: Call) -> Outcome:
        prompt, continuation = call.request.prompt, call.request.continuations[call.part]
        if not continuation:
            return Outcome(loglikelihood=Loglikelihood(0.0, True, 0))

        def body() -> dict[str, Any]:
            return loglikelihood_body(self.settings.model, prompt, continuation, call.request.settings.seed)

        return await self._call_with_retries(
            False, body, lambda data: parse_echo_loglikelihood(data, prompt, continuation),
            len(prompt) + len(continuation), 1, loglikelihood=True)

    async def _served_by_llama_cpp(self) -> bool:
        """Whether /models looks like llama.cpp's servers (ids of .gguf files, owner 'me' or
        'llamacpp'). Their echo+logprobs shifts prompt log-probabilities by one token."""
        try:
            response = await with_timeout(self._client_now().get("/models", cast_to=raw_response_type()),
                                           self.settings.timeout_s)
            models = json.loads(response.content).get("data") or []
        except Exception:  # noqa: BLE001 - no /models: nothing to learn, go on
            return False
        return any(isinstance(m, dict) and (str(m.get("id", "")).lower().endswith(".gguf")
                                            or m.get("owned_by") in ("me", "llamacpp")) for m in models)

    async def _call_with_retries(self, chat: bool, make_body: Callable[[], dict], parse: Callable,
                                 prompt_chars: int, n: int, loglikelihood: bool = False) -> Outcome:
        """One logical request: retried until it succeeds, fails for good, or proves fatal."""
        client = self._client_now()
        path = "/chat/completions" if chat else "/completions"
        raw_type = raw_response_type()
        policy = self.settings.retry
        rng: random.Random | None = None  # jitter only (made on the first retry): touches no data
        body = make_body()
        estimate = estimate_tokens(prompt_chars, int(body.get(self._max_tokens_param, body.get("max_tokens", 1))), n)
        last_error, retry_after, attempt, adjusted = "", None, 0, False
        while True:
            if attempt:
                rng = rng or random.Random()
                await asyncio.sleep(policy.delay(attempt - 1, retry_after, rng))
            retry_after = None
            if self._limiter.active:
                await self._limiter.acquire(estimate)
            try:
                # One POST on the shared aiohttp session (transport.py): auth, base URL, timeouts and
                # SDK-shaped status/connection errors, and no per-request models or copies.
                response = await with_timeout(client.post(path, cast_to=raw_type, body=body),
                                               self.settings.timeout_s + 5)
                data = decode_body(response.content)
                parsed = parse(data)
                usage = parse_usage(data)
                self._limiter.settle(estimate, usage.total)
                self._answered_any = True
                return outcome_of(parsed, usage)
            except MalformedResponse as exc:
                last_error = f"malformed response: {exc}"
            except asyncio.TimeoutError:
                last_error = f"timed out after {self.settings.timeout_s:g} s"
            except Exception as exc:  # noqa: BLE001 - sorted into retry / fail / fatal below
                status = getattr(exc, "status_code", None)
                message = self._error_text(exc)
                where = safe_url(self.settings.base_url) or "the OpenAI API"
                if status is None and not is_connection_error(exc):
                    # neither an HTTP answer nor the network: a request the client can never send
                    # (a URL it refuses, ...), so every request would fail the same way
                    raise _Fatal(f"requests to {where} cannot be sent: {type(exc).__name__}: {str(exc)[:200]}") from None
                if status is None:
                    last_error, unreachable = connection_cause(exc, self.settings.timeout_s)
                    if unreachable and not self._answered_any and attempt + 1 >= FAIL_FAST_ATTEMPTS:
                        raise _Fatal(f"cannot reach {where}: {last_error} ({attempt + 1} attempts, no request"
                                     " answered yet); is the server running? check --base-url") from None
                elif is_retryable_status(status):
                    retry_after = parse_retry_after(getattr(getattr(exc, "response", None), "headers", None))
                    last_error = message
                else:
                    if not adjusted and self._adapt_to(status, message):
                        adjusted, body = True, make_body()
                        continue
                    self._raise_if_fatal(status, message, chat, loglikelihood)
                    return Outcome(error=permanent_error(message, "the server refused this request"))
            attempt += 1
            if attempt > policy.max_retries:
                retries, where = policy.max_retries, safe_url(self.settings.base_url) or "the OpenAI API"
                return Outcome(error=f"{last_error} at {where} after {retries} retr{'y' if retries == 1 else 'ies'}")

    def _adapt_to(self, status: int, message: str) -> bool:
        """Switch between max_tokens and max_completion_tokens when the server names the other."""
        if status != 400 or self.settings.max_tokens_param != "auto":
            return False
        if "max_completion_tokens" in message and "'max_tokens'" in message:
            self._max_tokens_param = "max_completion_tokens"
            return True
        if "max_completion_tokens" in message and "unsupported" in message.lower():
            self._max_tokens_param = "max_tokens"
            return True
        return False

    def _raise_if_fatal(self, status: int, message: str, chat: bool, loglikelihood: bool) -> None:
        where = safe_url(self.settings.base_url) or "the OpenAI API"
        if status in (401, 403):
            raise _Fatal(f"{where} rejected the API key from ${self.settings.api_key_env} ({message});"
                         f" check the key, or --api-key-env to name another variable")
        if loglikelihood and (status in (404, 405, 501) or (status == 400 and re.search(
                r"echo|logprobs|not supported|unsupported", message, re.I))):
            raise _Fatal(f"{where} has no /completions endpoint with echo+logprobs for model"
                         f" '{self.settings.model}' ({message}); {loglikelihood_help()}")
        if status == 404:
            endpoint = "/chat/completions" if chat else "/completions"
            raise _Fatal(f"{where} answered 404 for model '{self.settings.model}' on {endpoint} ({message});"
                         " check the model name and --base-url (it usually ends in /v1)")
        if status == 400 and re.search(r"unsupported (parameter|value)", message, re.I):
            raise _Fatal(f"model '{self.settings.model}' at {where} refused a setting: {message}")

    def _error_text(self, exc: BaseException) -> str:
        status = getattr(exc, "status_code", None)
        body = getattr(exc, "body", None)
        detail = None
        if isinstance(body, dict):
            inner = body.get("error", body)
            detail = inner.get("message") if isinstance(inner, dict) else inner
        if not detail:
            detail = str(getattr(exc, "message", "") or exc) or type(exc).__name__
        cause = exc.__cause__
        if status is None and cause is not None:
            detail = f"{type(exc).__name__}: {type(cause).__name__} {cause}"
        text = f"HTTP {status}: {detail}" if status is not None else detail
        return " ".join(str(text).split())[:_MAX_ERROR_CHARS]
