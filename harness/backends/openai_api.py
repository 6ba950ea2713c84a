"""openai:<model> — OpenAI and every OpenAI-compatible server (vLLM, SGLang, llama.cpp, Ollama).

    harness run TASK --model openai:gpt-4o-mini                      # key from $OPENAI_API_KEY
    harness run TASK --model openai:Qwen/Qwen2.5-7B-Instruct --base-url http://127.0.0.1:8000/v1

Requests with chat messages go to /chat/completions, plain prompts to /completions (``endpoint``
option to force one). A fixed pool of ``concurrency`` workers keeps that many requests in flight
continuously on an asyncio loop in a background thread (the SDK's aiohttp transport, which costs
the least CPU per request), and ``generate`` yields each result the moment it lands.

Failures: 429, 5xx, dropped connections, timeouts, malformed bodies and empty choices are retried
with exponential backoff and jitter (honouring Retry-After; see retry.py); after the last retry
the request comes back as a Generation with ``error`` set and the run goes on. Mistakes that would
fail every request (rejected key, unknown model, an unsupported parameter, a chat-only endpoint
asked for log-likelihoods) stop the run with one clear HarnessError.

Secrets: the API key lives only in the client object. It is never put in describe(), error texts
or exceptions (``redact`` scrubs anything a server echoes back).

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
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.backends.async_pool import BackgroundLoop, stream_results
from harness.backends.base import Backend, BackendOptions
from harness.backends.openai_parse import (
    Choice,
    MalformedResponse,
    Usage,
    decode_body,
    parse_chat_choices,
    parse_completion_choices,
    parse_echo_loglikelihood,
    parse_usage,
    split_token_count,
)
from harness.backends.ratelimit import RateLimiter, estimate_tokens
from harness.backends.retry import RetryPolicy, is_retryable_status, parse_retry_after
from harness.errors import HarnessError
from harness.types import Generation, Loglikelihood, LoglikelihoodResult, Request

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "0.0.0.0")
_KEY_LIKE = re.compile(r"\b(sk|rk|pk|key)-[A-Za-z0-9_\-*]{6,}")
_MAX_ERROR_CHARS = 300


# ---- settings ------------------------------------------------------------------------------------
def _flag(value: Any, name: str) -> bool | None:
    """True/False/None('auto') from a bool or a CLI string."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("auto", ""):
        return None
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise HarnessError(f"backend option {name} expects true, false or auto, got '{value}'")


def _number(value: Any, name: str, kind: type = float) -> Any:
    if value is None or value == "":
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise HarnessError(f"backend option {name} expects a number, got '{value}'") from None
    if number <= 0:
        raise HarnessError(f"backend option {name} must be > 0, got {value}")
    return number


def _choice(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    text = str(value or allowed[0]).strip().lower()
    if text not in allowed:
        raise HarnessError(f"backend option {name} must be one of {', '.join(allowed)}; got '{value}'")
    return text


@dataclass(frozen=True)
class ApiSettings:
    """The validated knobs of one openai backend (none of them secret)."""

    model: str
    base_url: str | None
    api_key_env: str
    concurrency: int
    timeout_s: float
    retry: RetryPolicy
    rpm: float | None = None
    tpm: float | None = None
    endpoint: str = "auto"  # auto: messages -> chat, plain prompt -> completions
    native_n: bool | None = None  # None: try native n, fall back to separate requests
    max_tokens_param: str = "auto"
    think_tags: bool = False  # also split '<think>...</think>' out of the text (off: every backend
    # must hand the scorer the same text; servers with a reasoning parser already separate it)

    @classmethod
    def from_options(cls, model: str, options: BackendOptions) -> "ApiSettings":
        extra = dict(options.extra or {})
        if options.concurrency < 1:
            raise HarnessError(f"--concurrency must be >= 1, got {options.concurrency}")
        if options.max_retries < 0:
            raise HarnessError(f"max_retries must be >= 0, got {options.max_retries}")
        base_url, _ = split_url_credentials(options.base_url or os.environ.get("OPENAI_BASE_URL") or None)
        retry = RetryPolicy(
            max_retries=int(options.max_retries),
            base_delay_s=_number(extra.get("retry_base_delay_s"), "retry_base_delay_s") or 0.5,
            max_delay_s=_number(extra.get("retry_max_delay_s"), "retry_max_delay_s") or 30.0,
        )
        return cls(
            model=model,
            base_url=base_url.rstrip("/") if base_url else None,
            api_key_env=options.api_key_env or "OPENAI_API_KEY",
            concurrency=int(options.concurrency),
            timeout_s=_number(options.timeout_s, "timeout_s") or 120.0,
            retry=retry,
            rpm=_number(extra.get("rpm"), "rpm"),
            tpm=_number(extra.get("tpm"), "tpm"),
            endpoint=_choice(extra.get("endpoint"), "endpoint", ("auto", "chat", "completions")),
            native_n=_flag(extra.get("native_n"), "native_n"),
            max_tokens_param=_choice(extra.get("max_tokens_param"), "max_tokens_param",
                                     ("auto", "max_tokens", "max_completion_tokens")),
            think_tags=_flag(extra.get("think_tags"), "think_tags") is True,
        )

    @property
    def is_local_server(self) -> bool:
        return bool(self.base_url) and any(f"//{host}" in self.base_url for host in LOCAL_HOSTS)


def split_url_credentials(url: str | None) -> tuple[str | None, str | None]:
    """('http://host/v1', 'KEY') from 'http://user:KEY@host/v1' (or 'http://KEY@host/v1'): HTTP
    clients refuse credentials in the URL next to a bearer key, so they are taken out and used as
    the key."""
    if not url:
        return url, None
    match = re.match(r"^([a-z][a-z0-9+.-]*://)([^/@\s]*)@(.*)$", url.strip(), re.I)
    if match is None:
        return url, None
    user, _, password = match.group(2).partition(":")
    from urllib.parse import unquote

    return match.group(1) + match.group(3), unquote(password or user) or None


def resolve_api_key(settings: ApiSettings, url_key: str | None = None) -> str:
    """The key given in the --base-url (user:KEY@host), else the named environment variable.
    Servers on this machine need none."""
    if url_key:
        return url_key
    key = os.environ.get(settings.api_key_env, "").strip()
    if key:
        return key
    if settings.base_url:
        return "EMPTY"  # vLLM, llama.cpp and Ollama accept any key unless started with one
    raise HarnessError(
        f"no API key: set {settings.api_key_env} (or name another variable with --api-key-env),"
        " or point --base-url at an OpenAI-compatible server"
    )


def redact(text: str, secret: str | None) -> str:
    """``text`` with the secret, anything shaped like an API key, and URL passwords removed."""
    if secret and secret != "EMPTY":
        text = text.replace(secret, "***")
    text = _KEY_LIKE.sub(r"\1-***", text)
    return re.sub(r"//[^/@\s:]+:[^/@\s]+@", "//***@", text)


def _safe_url(url: str | None) -> str | None:
    if url is None:
        return None
    return redact(re.sub(r"([?&][^=&]*(key|token|secret)[^=&]*=)[^&]*", r"\1***", url, flags=re.I), None)


# ---- one API call and its outcome -----------------------------------------------------------------
@dataclass(frozen=True)
class _Call:
    """One HTTP request's worth of work: completions of one request, or one continuation."""

    index: int  # the request's position in the batch
    part: int  # which completion (separate-request n) or which continuation
    n: int
    request: Request


@dataclass
class _Outcome:
    choices: list[Choice] = field(default_factory=list)
    completion_tokens: list[int] = field(default_factory=list)
    prompt_tokens: int = 0
    loglikelihood: Loglikelihood | None = None
    error: str | None = None


class _Fatal(Exception):
    """A mistake that would fail every request; becomes a HarnessError in the caller's thread."""


def loglikelihood_help() -> str:
    """Which tasks need log-likelihoods and which backends provide them (for error messages)."""
    try:
        from harness.registry import families

        names = [f.name for f in families() if f.score_loglikelihood is not None]
    except Exception:  # noqa: BLE001 - help text must never fail
        names = []
    tasks = f" ({', '.join(names)} in their likelihood settings)" if names else ""
    return (
        f"tasks scored by log-likelihood{tasks} need prompt log-probabilities; use --model local,"
        " hf:<model>, llamacpp:<gguf>, lmeval:<model>,<args>, or openai:<model> with --base-url at a"
        " /v1/completions endpoint that supports echo+logprobs (vLLM does)"
    )


class OpenAIBackend(Backend):
    """Chat and text completions, and echo-based log-likelihoods, over the official async SDK."""

    name = "openai"
    supports_chat = True
    supports_loglikelihood = True
    extra_options = frozenset({"rpm", "tpm", "endpoint", "native_n", "max_tokens_param", "think_tags",
                               "retry_base_delay_s", "retry_max_delay_s"})

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

    def __repr__(self) -> str:
        return f"OpenAIBackend(model={self.settings.model!r}, base_url={_safe_url(self.settings.base_url)!r})"

    # ---- public interface ---------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        s = self.settings
        return {
            "name": self.name,
            "model": s.model,
            "base_url": _safe_url(s.base_url),
            "api_key_env": s.api_key_env,
            "endpoint": s.endpoint,
            "concurrency": s.concurrency,
            "rpm": s.rpm,
            "tpm": s.tpm,
            "timeout_s": s.timeout_s,
            "max_retries": s.retry.max_retries,
            "native_n": self._native_n,
            "max_tokens_param": self._max_tokens_param,
        }

    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        calls: list[_Call] = []
        for index, request in enumerate(requests):
            n = request.settings.n
            if n > 1 and self._native_n is False:
                calls.extend(_Call(index, part, 1, request) for part in range(n))
            else:
                calls.append(_Call(index, 0, n, request))
        for index, parts in self._assemble(calls, self._generate_call):
            yield index, _merge_generation(parts)

    def loglikelihood(self, requests: Sequence[Request]) -> Iterator[tuple[int, LoglikelihoodResult]]:
        if self.settings.endpoint == "chat":
            raise HarnessError(f"--model openai:{self.settings.model} is set to the chat endpoint only;"
                               f" {loglikelihood_help()}")
        calls = [_Call(index, part, 1, request)
                 for index, request in enumerate(requests) for part in range(len(request.continuations))]
        if calls and self._served_by_llama_cpp_cached():
            raise HarnessError(
                f"the server at {_safe_url(self.settings.base_url)} is llama.cpp, whose echo+logprobs"
                " misaligns prompt log-probabilities by one token; score with --model llamacpp:<gguf>"
                f" instead. {loglikelihood_help()}")
        for index, request in enumerate(requests):
            if not request.continuations:
                yield index, LoglikelihoodResult(results=[], prompt_tokens=0)
        for index, parts in self._assemble(calls, self._loglikelihood_call):
            yield index, _merge_loglikelihood(parts)

    def _served_by_llama_cpp_cached(self) -> bool:
        if self._llama_cpp_server is None:
            self._ensure_loop()
            self._llama_cpp_server = self._background.run(self._served_by_llama_cpp())
        return self._llama_cpp_server

    def _ensure_loop(self) -> None:
        if self._background is None:
            self._background = BackgroundLoop("openai-backend")

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
    def _assemble(self, calls: list[_Call], worker: Callable) -> Iterator[tuple[int, list[_Outcome]]]:
        """Run the calls in the pool; yield (request index, its outcomes in part order) as soon as
        every call of that request is back."""
        if not calls:
            return
        self._ensure_loop()
        expected: dict[int, int] = defaultdict(int)
        for call in calls:
            expected[call.index] += 1
        pending: dict[int, dict[int, _Outcome]] = defaultdict(dict)
        try:
            for position, outcome in stream_results(self._background, calls, worker, self.settings.concurrency):
                call = calls[position]
                pending[call.index][call.part] = outcome
                if len(pending[call.index]) == expected[call.index]:
                    parts = pending.pop(call.index)
                    yield call.index, [parts[part] for part in sorted(parts)]
        except _Fatal as exc:
            raise HarnessError(str(exc)) from None

    def _client_now(self) -> Any:
        """The SDK client, made on the background loop the first time it is needed."""
        if self._client is None:
            import openai

            self._client = openai.AsyncOpenAI(
                api_key=self._api_key,
                base_url=self.settings.base_url,
                timeout=self.settings.timeout_s,
                max_retries=0,  # retries are ours: backoff with jitter, Retry-After, error records
                http_client=openai.DefaultAioHttpClient(timeout=self.settings.timeout_s),
            )
        return self._client

    def _uses_chat(self, request: Request) -> bool:
        if self.settings.endpoint == "chat":
            return True
        if self.settings.endpoint == "completions":
            return False
        return request.messages is not None

    def _generate_body(self, request: Request, n: int, seed: int, chat: bool) -> dict[str, Any]:
        s = request.settings
        body: dict[str, Any] = {"model": self.settings.model, self._max_tokens_param: s.max_tokens,
                                "temperature": s.temperature, "seed": seed}
        if chat:
            messages = request.messages if request.messages is not None else (
                {"role": "user", "content": request.prompt},)
            body["messages"] = [dict(message) for message in messages]
        else:
            body["prompt"] = request.prompt
        if n > 1:
            body["n"] = n
        if s.top_p != 1.0:
            body["top_p"] = s.top_p
        if s.stop:
            body["stop"] = list(s.stop)
        return body

    async def _generate_call(self, call: _Call) -> _Outcome:
        request, chat = call.request, self._uses_chat(call.request)
        seed = request.settings.seed + call.part
        parse = (lambda data: parse_chat_choices(data, self.settings.think_tags)) if chat else (
            lambda data: parse_completion_choices(data, self.settings.think_tags))
        outcome = await self._call_with_retries(chat, lambda: self._generate_body(request, call.n, seed, chat),
                                                parse, _prompt_chars(request), call.n)
        if outcome.error is not None or len(outcome.choices) >= call.n:
            outcome.choices = outcome.choices[: call.n]
            outcome.completion_tokens = outcome.completion_tokens[: call.n]
            return outcome
        # The server ignored n (llama.cpp, Ollama): ask for the rest one by one, and from now on.
        if self._native_n is None:
            self._native_n = False
        for extra in range(len(outcome.choices), call.n):
            more = await self._call_with_retries(
                chat, lambda extra=extra: self._generate_body(request, 1, seed + extra, chat),
                parse, _prompt_chars(request), 1)
            if more.error is not None:
                return more
            outcome.choices.extend(more.choices[:1])
            outcome.completion_tokens.extend(more.completion_tokens[:1])
        return outcome

    async def _loglikelihood_call(self, call: _Call) -> _Outcome:
        prompt, continuation = call.request.prompt, call.request.continuations[call.part]
        if not continuation:
            return _Outcome(loglikelihood=Loglikelihood(0.0, True, 0))

        def body() -> dict[str, Any]:
            # max_tokens=1, not 0: some servers read 0 as "no limit"; the extra token is ignored.
            return {"model": self.settings.model, "prompt": prompt + continuation, "max_tokens": 1,
                    "temperature": 0.0, "echo": True, "logprobs": 1, "seed": call.request.settings.seed}

        return await self._call_with_retries(
            False, body, lambda data: parse_echo_loglikelihood(data, prompt, continuation),
            len(prompt) + len(continuation), 1, loglikelihood=True)

    async def _served_by_llama_cpp(self) -> bool:
        """Whether /models looks like llama.cpp's servers (ids of .gguf files, owner 'me' or
        'llamacpp'). Their echo+logprobs shifts prompt log-probabilities by one token."""
        try:
            response = await _with_timeout(self._client_now().get("/models", cast_to=_raw_response_type()),
                                           self.settings.timeout_s)
            models = json.loads(response.content).get("data") or []
        except Exception:  # noqa: BLE001 - no /models: nothing to learn, go on
            return False
        return any(isinstance(m, dict) and (str(m.get("id", "")).lower().endswith(".gguf")
                                            or m.get("owned_by") in ("me", "llamacpp")) for m in models)

    async def _call_with_retries(self, chat: bool, make_body: Callable[[], dict], parse: Callable,
                                 prompt_chars: int, n: int, loglikelihood: bool = False) -> _Outcome:
        """One logical request: retried until it succeeds, fails for good, or proves fatal."""
        client = self._client_now()
        path = "/chat/completions" if chat else "/completions"
        raw_type = _raw_response_type()
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
                # The SDK's generic post: its auth, base URL, transport, timeouts and status errors,
                # without re-validating our body against its TypedDicts (a third of the client's CPU
                # per request) or building pydantic models we would only turn back into dicts.
                response = await _with_timeout(client.post(path, cast_to=raw_type, body=body),
                                               self.settings.timeout_s + 5)
                data = decode_body(response.content)
                parsed = parse(data)
                usage = parse_usage(data)
                self._limiter.settle(estimate, usage.total)
                self._answered_any = True
                return _outcome(parsed, usage)
            except MalformedResponse as exc:
                last_error = f"malformed response: {exc}"
            except asyncio.TimeoutError:
                last_error = f"timed out after {self.settings.timeout_s:g} s"
            except Exception as exc:  # noqa: BLE001 - sorted into retry / fail / fatal below
                status = getattr(exc, "status_code", None)
                message = self._error_text(exc)
                if status is None and not _is_connection_error(exc):
                    # not an HTTP answer and not the network: a request that can never be sent
                    # (a URL the client refuses, ...): every request would fail the same way
                    raise _Fatal(f"requests to {_safe_url(self.settings.base_url) or 'the OpenAI API'} cannot be"
                                 f" sent: {type(exc).__name__}: {redact(str(exc), self._api_key)[:200]}") from None
                if status is None:
                    last_error, unreachable = connection_cause(exc, self.settings.timeout_s)
                    if unreachable and not self._answered_any and attempt + 1 >= FAIL_FAST_ATTEMPTS:
                        raise _Fatal(f"cannot reach {_safe_url(self.settings.base_url) or 'the OpenAI API'}:"
                                     f" {last_error} ({attempt + 1} attempts, no request answered yet);"
                                     " is the server running? check --base-url") from None
                elif is_retryable_status(status):
                    retry_after = parse_retry_after(getattr(getattr(exc, "response", None), "headers", None))
                    last_error = message
                else:
                    if not adjusted and self._adapt_to(status, message):
                        adjusted, body = True, make_body()
                        continue
                    self._raise_if_fatal(status, message, chat, loglikelihood)
                    return _Outcome(error=f"{message} (not retried: the server refused this request)")
            attempt += 1
            if attempt > policy.max_retries:
                where = _safe_url(self.settings.base_url) or "the OpenAI API"
                retries = policy.max_retries
                return _Outcome(error=f"{last_error} at {where} after {retries} retr{'y' if retries == 1 else 'ies'}")

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
        where = _safe_url(self.settings.base_url) or "the OpenAI API"
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
        return redact(" ".join(str(text).split()), self._api_key)[:_MAX_ERROR_CHARS]


# ---- helpers -------------------------------------------------------------------------------------
def _prompt_chars(request: Request) -> int:
    if request.messages is not None:
        return sum(len(str(message.get("content", ""))) for message in request.messages)
    return len(request.prompt)


def _outcome(parsed: Any, usage: Usage) -> _Outcome:
    if isinstance(parsed, tuple):  # (Loglikelihood, prompt tokens)
        loglikelihood, prompt_tokens = parsed
        return _Outcome(loglikelihood=loglikelihood, prompt_tokens=prompt_tokens)
    return _Outcome(choices=list(parsed), completion_tokens=split_token_count(usage.completion_tokens, parsed),
                    prompt_tokens=usage.prompt_tokens or 0)


def _merge_generation(parts: list[_Outcome]) -> Generation:
    errors = [part.error for part in parts if part.error is not None]
    if errors:
        return Generation(texts=[""], finish_reasons=["error"], error=errors[0])
    choices = [choice for part in parts for choice in part.choices]
    reasoning = [choice.reasoning for choice in choices]
    return Generation(
        texts=[choice.text for choice in choices],
        finish_reasons=[choice.finish_reason for choice in choices],
        prompt_tokens=parts[0].prompt_tokens,  # the prompt once, however many requests carried it
        completion_tokens=[count for part in parts for count in part.completion_tokens],
        reasoning=reasoning if any(text is not None for text in reasoning) else None,
    )


def _merge_loglikelihood(parts: list[_Outcome]) -> LoglikelihoodResult:
    errors = [part.error for part in parts if part.error is not None]
    if errors:
        return LoglikelihoodResult(results=[], prompt_tokens=0, error=errors[0])
    prompt_tokens = max((part.prompt_tokens for part in parts), default=0)
    return LoglikelihoodResult(results=[part.loglikelihood for part in parts], prompt_tokens=prompt_tokens)


def _raw_response_type() -> type:
    """The HTTP response class the SDK hands back untouched (httpx2 in openai>=2, httpx before)."""
    try:
        import httpx2

        return httpx2.Response
    except ImportError:  # pragma: no cover - older openai releases
        import httpx

        return httpx.Response


FAIL_FAST_ATTEMPTS = 3  # connection failures in a row, before any answer, that end the run


def connection_cause(exc: BaseException, timeout_s: float) -> tuple[str, bool]:
    """(what went wrong on the network, whether it says the endpoint is unreachable), from the
    exception chain: the SDK files a refused connection under "Request timed out"."""
    names, seen, item = [], set(), exc
    while item is not None and id(item) not in seen:
        seen.add(id(item))
        names.append(type(item).__name__)
        item = item.__cause__ or item.__context__
    if "ConnectionRefusedError" in names:
        return "connection refused", True
    if "gaierror" in names or "ClientConnectorDNSError" in names:
        return "host not found", True
    if "ClientConnectorError" in names or "ClientConnectorCertificateError" in names or "ClientSSLError" in names:
        return "cannot connect", True
    if "ServerDisconnectedError" in names:
        return "server closed the connection", False
    if "ClientPayloadError" in names or "ContentLengthError" in names:
        return "reply cut off mid-body", False
    if any("Timeout" in name for name in names):
        return f"timed out after {timeout_s:g} s", False
    return f"connection error ({names[-1]})", False


def _is_connection_error(exc: BaseException) -> bool:
    import openai

    return isinstance(exc, openai.APIConnectionError)  # includes APITimeoutError


async def _with_timeout(awaitable: Any, seconds: float) -> Any:
    """A whole-request deadline on top of the SDK's per-read timeout (a server that trickles bytes)."""
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)
