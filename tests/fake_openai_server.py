"""A fault-injecting OpenAI-compatible server on 127.0.0.1, for tests and bench/.

It answers /v1/chat/completions, /v1/completions (with echo + logprobs, as vLLM does) and
/v1/models with deterministic text, after a configurable latency, and injects faults on a chosen
share of requests (``FAULT_KINDS``, one handler each in ``FAULTS``): 429 with Retry-After, 500,
503, connections dropped before or in the middle of the body, stalls past the client's timeout
(before the headers or after half the body), truncated JSON, a body that is not JSON, an HTML page,
an error object inside a 200, empty choices and a null message content. Faults are decided per
request body (a retry of the same request is recognised), at most ``max_faults_per_request`` times
each, so a client with enough retries always gets through and a test never flakes on bad luck.

Text hazards are answers, not faults (a retry gets the same text): ``hazardous_answer`` wraps an
answer function so a share of prompts get a lone UTF-16 surrogate (sent as the valid JSON escape
``"\ud83d"``), NUL and control bytes, or raw bytes that are not UTF-8 at all (written as
``surrogateescape`` characters U+DC80..U+DCFF, which the server puts on the wire as the bytes
0x80..0xFF: a client that keeps the body as ``surrogateescape`` text gets them back exactly).

``echo_headers=True`` plays a careless server or proxy that echoes the request's ``Authorization``
header wherever it writes text: in every error message (HTTP errors, an error inside a 200), in an
HTML page's title, in every finish reason and at the end of every answer (what the key-scrubbing
tests look for in every file a run writes).

Tokens are whitespace-delimited words (a leading space belongs to the word after it); a word's
log-probability is ``fake_logprob(word)``, so tests can compute the expected likelihoods by hand.

    with FakeOpenAIServer(latency_s=0.1, faults=FaultMix(rate=0.2)) as server:
        client = AsyncOpenAI(base_url=server.base_url, api_key="...")

It runs its own event loop in a daemon thread, so synchronous tests can use it, and it only ever
binds to the loopback address. Every loop it has is bounded: hangs end after ``hang_s``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

FAULT_KINDS = ("rate_limit", "server_error", "unavailable", "drop", "reset_mid_body", "timeout",
               "stall_mid_body", "malformed", "not_json", "html", "error_in_200", "empty_choices",
               "null_content")
# What the server sends for each kind of text hazard (see hazardous_answer).
TEXT_HAZARDS = {
    "lone_surrogate": "\ud83d",  # half of an emoji: valid JSON ("\\ud83d"), not encodable as UTF-8
    "low_surrogate": "\udfff",
    "nul": "\x00 after NUL",
    "control": "\x01\x02\x1b[31m\x7f",
    "invalid_utf8": "\udcff\udcfe\udc80",  # raw bytes ff fe 80 on the wire
    "noncharacter": "\uffff\ufffe\ufeff",
}
WORD = re.compile(r"\s*\S+|\s+$")


@dataclass
class FaultMix:
    """Which share of distinct requests get faults, which kinds (drawn with equal weight unless
    ``kinds`` repeats one), and how often each such request fails before it is answered."""

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    max_faults_per_request: int = 2
    retry_after_s: float = 0.05  # sent as Retry-After with every 429
    hang_s: float = 2.0  # how long a "timeout" fault keeps the connection silent
    seed: int = 0

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}")


def fake_logprob(word: str) -> float:
    """The fake model's log-probability of one word token (leading whitespace included)."""
    return -0.5 - 0.1 * len(word.strip())


def fake_greedy(word: str) -> bool:
    """The fake model's greedy choice is any all-lowercase word; others are not greedy."""
    return word.strip() == word.strip().lower()


def default_answer(prompt: str, index: int) -> str:
    """Deterministic text for a prompt: 'answer <8 hex digits of its hash>' (+ index for n>1)."""
    digest = hashlib.sha1(prompt.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"answer {digest}" if index == 0 else f"answer {digest} #{index}"


def split_words(text: str) -> list[str]:
    return WORD.findall(text)


def hazardous_answer(answer_fn: Callable[[str, int], str] = default_answer, rate: float = 0.2,
                     kinds: tuple[str, ...] = tuple(TEXT_HAZARDS), seed: int = 0) -> Callable[[str, int], str]:
    """``answer_fn`` with one text hazard inserted in the middle of a deterministic share of answers
    (the same prompt always gets the same text, so a clean and a faulty server agree)."""
    unknown = set(kinds) - set(TEXT_HAZARDS)
    if unknown:
        raise ValueError(f"unknown text hazards {sorted(unknown)}; known: {tuple(TEXT_HAZARDS)}")

    def answer(prompt: str, index: int) -> str:
        text = answer_fn(prompt, index)
        key = f"{seed}/{index}/{prompt}"
        if _unit(f"hazard/{key}") >= rate:
            return text
        kind = kinds[min(int(_unit(f"hazard-kind/{key}") * len(kinds)), len(kinds) - 1)]
        middle = len(text) // 2
        return text[:middle] + TEXT_HAZARDS[kind] + text[middle:]

    return answer


@dataclass
class ServerStats:
    """What the server saw; read it after a run (counters are keyed by request-body hash)."""

    attempts: Counter = field(default_factory=Counter)
    answered: Counter = field(default_factory=Counter)
    faults: Counter = field(default_factory=Counter)  # by kind
    prompts_answered: Counter = field(default_factory=Counter)  # by prompt text
    in_flight: int = 0
    max_in_flight: int = 0
    events: list[tuple[float, float, str]] = field(default_factory=list)  # (start, end, prompt)
    auth_failures: int = 0
    bodies: list[dict] = field(default_factory=list)  # only when keep_bodies=True

    @property
    def requests_sent(self) -> int:
        """Every HTTP request that reached a handler (first tries and retries)."""
        return sum(self.attempts.values())


class FakeOpenAIServer:
    """An OpenAI-compatible server in a background thread; use as a context manager."""

    def __init__(
        self,
        *,
        latency_s: float = 0.0,
        latency_fn: Callable[[str], float] | None = None,
        faults: FaultMix | None = None,
        answer_fn: Callable[[str, int], str] = default_answer,
        api_key: str | None = None,
        chat_only: bool = False,
        native_n: bool = True,
        reasoning: bool = False,
        require_max_completion_tokens: bool = False,
        keep_bodies: bool = False,
        record_events: bool = False,
        reject_fn: Callable[[str], bool] | None = None,
        model: str = "fake-model",
        echo_headers: bool = False,
    ) -> None:
        self.latency_s = latency_s
        self.latency_fn = latency_fn
        self.faults = faults or FaultMix()
        self.answer_fn = answer_fn
        self.api_key = api_key
        self.chat_only = chat_only
        self.native_n = native_n
        self.reasoning = reasoning
        self.require_max_completion_tokens = require_max_completion_tokens
        self.keep_bodies = keep_bodies
        self.record_events = record_events
        self.reject_fn = reject_fn  # prompts it rejects get a 400 that echoes the Authorization header
        self.model = model
        self.echo_headers = echo_headers
        self.stats = ServerStats()
        self._faults_served: Counter = Counter()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    # ---- lifecycle ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "FakeOpenAIServer":
        started = threading.Event()
        self._loop = asyncio.new_event_loop()

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._setup())
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, name="fake-openai-server", daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("fake OpenAI server did not start within 10 s")
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
        try:
            future.result(timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()
            self._loop = None

    def __enter__(self) -> "FakeOpenAIServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _setup(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/completions", self._completions)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        self.port = self._runner.addresses[0][1]

    # ---- handlers ----------------------------------------------------------------------------
    async def _models(self, request: web.Request) -> web.Response:
        return _json({"object": "list", "data": [{"id": self.model, "object": "model"}]})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, chat=True)

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        if self.chat_only:
            return _error(404, "This model only supports /v1/chat/completions", "invalid_request_error")
        return await self._handle(request, chat=False)

    async def _handle(self, request: web.Request, *, chat: bool) -> web.StreamResponse:
        stats = self.stats
        if self.api_key is not None and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            stats.auth_failures += 1
            return _error(401, "Incorrect API key provided.", "invalid_api_key")
        raw = await request.read()
        key = hashlib.sha1(raw).hexdigest()
        stats.attempts[key] += 1
        try:
            body = json.loads(raw)
        except ValueError:
            return _error(400, "request body is not JSON", "invalid_request_error")
        if self.keep_bodies:
            stats.bodies.append(body)
        if self.require_max_completion_tokens and "max_tokens" in body:
            return _error(
                400,
                "Unsupported parameter: 'max_tokens' is not supported with this model."
                " Use 'max_completion_tokens' instead.",
                "invalid_request_error",
            )
        prompt = _prompt_text(body, chat)
        if self.reject_fn is not None and self.reject_fn(prompt):  # a careless server that leaks the key
            return _error(400, f"Invalid request with credentials {request.headers.get('Authorization')}",
                          "invalid_request_error")
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        started = time.monotonic()
        try:
            latency = self.latency_fn(prompt) if self.latency_fn else self.latency_s
            if latency > 0:
                await asyncio.sleep(latency)
            fault = self._pick_fault(key)
            if fault is not None:
                stats.faults[fault] += 1
                return await self._inject(fault, request, body, prompt, chat)
            payload = self._payload(body, prompt, chat)
            if self.echo_headers:
                for choice in payload["choices"]:
                    choice["finish_reason"] = f"stop (served for {self.echoed(request)})"
                    if isinstance((choice.get("message") or {}).get("content"), str):
                        choice["message"]["content"] += f"\n[request {self.echoed(request)}]"
                    elif isinstance(choice.get("text"), str):
                        choice["text"] += f"\n[request {self.echoed(request)}]"
            stats.answered[key] += 1
            stats.prompts_answered[prompt] += 1
            return _json(payload)
        finally:
            stats.in_flight -= 1
            if self.record_events:
                stats.events.append((started, time.monotonic(), prompt))

    def _pick_fault(self, key: str) -> str | None:
        mix = self.faults
        if mix.rate <= 0 or self._faults_served[key] >= mix.max_faults_per_request:
            return None
        if _unit(f"{mix.seed}/select/{key}") >= mix.rate:
            return None
        attempt = self._faults_served[key]
        self._faults_served[key] += 1
        kind_index = int(_unit(f"{mix.seed}/kind/{key}/{attempt}") * len(mix.kinds))
        return mix.kinds[min(kind_index, len(mix.kinds) - 1)]

    def echoed(self, request: web.Request) -> str:
        """What an echoing server repeats of the request ("" unless echo_headers)."""
        return f"Authorization: {request.headers.get('Authorization')}" if self.echo_headers else ""

    async def _inject(self, fault: str, request: web.Request, body: dict, prompt: str,
                      chat: bool) -> web.StreamResponse:
        return await FAULTS[fault](self, request, body, prompt, chat)

    async def _send_part_then(self, request: web.Request, payload: dict, then_hang: bool) -> web.StreamResponse:
        """Headers and half of a real body, then either a reset or silence past the timeout."""
        data = _encode_json(payload)
        response = web.StreamResponse(status=200, headers={"Content-Type": "application/json",
                                                           "Content-Length": str(len(data))})
        await response.prepare(request)
        await response.write(data[: len(data) // 2])
        if then_hang:
            await asyncio.sleep(self.faults.hang_s)
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError  # the client sees a body cut short

    # ---- payloads ----------------------------------------------------------------------------
    def _n_choices(self, body: dict) -> int:
        n = int(body.get("n") or 1)
        return n if self.native_n else 1

    def _limit(self, body: dict) -> int:
        value = body.get("max_completion_tokens", body.get("max_tokens"))
        return 16 if value is None else int(value)

    def _complete(self, body: dict, prompt: str, index: int) -> tuple[str, str, int]:
        """(text, finish_reason, completion tokens) for choice ``index``."""
        text = self.answer_fn(prompt, index)
        stops = body.get("stop") or []
        if isinstance(stops, str):
            stops = [stops]
        finish = "stop"
        cut = min((text.find(s) for s in stops if s and s in text), default=-1)
        if cut >= 0:
            text = text[:cut]
        words = split_words(text)
        limit = self._limit(body)
        if len(words) > limit:
            words = words[:limit]
            text = "".join(words)
            finish = "length"
        return text, finish, len(words)

    def _payload(self, body: dict, prompt: str, chat: bool) -> dict:
        return self._chat_payload(body, prompt) if chat else self._completion_payload(body, prompt)

    def _chat_payload(self, body: dict, prompt: str) -> dict:
        choices, completion_tokens = [], 0
        for index in range(self._n_choices(body)):
            text, finish, n_tokens = self._complete(body, prompt, index)
            message: dict[str, Any] = {"role": "assistant", "content": text}
            if self.reasoning:
                message["reasoning_content"] = f"Let me think about it ({index})."
            choices.append({"index": index, "message": message, "finish_reason": finish, "logprobs": None})
            completion_tokens += n_tokens
        return {"id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": self.model,
                "choices": choices, "usage": _usage(len(split_words(prompt)), completion_tokens)}

    def _completion_payload(self, body: dict, prompt: str) -> dict:
        echo = bool(body.get("echo"))
        want_logprobs = body.get("logprobs") is not None
        choices, completion_tokens = [], 0
        for index in range(self._n_choices(body)):
            text, finish, n_tokens = self._complete(body, prompt, index)
            if echo and want_logprobs:
                text = " x" * min(1, self._limit(body))  # the one token a scoring call generates
                n_tokens = len(split_words(text))
                finish = "length"
            full = (prompt + text) if echo else text
            choice: dict[str, Any] = {"index": index, "text": full, "finish_reason": finish, "logprobs": None}
            if want_logprobs:
                choice["logprobs"] = _logprobs(full, echo)
            choices.append(choice)
            completion_tokens += n_tokens
        return {"id": "cmpl-fake", "object": "text_completion", "created": 0, "model": self.model,
                "choices": choices, "usage": _usage(len(split_words(prompt)), completion_tokens)}


# ---- one handler per fault kind (add a kind: one function here, one name in FAULT_KINDS) ---------
async def _rate_limit(server, request, body, prompt, chat):
    return _error(429, f"Rate limit reached; slow down. {server.echoed(request)}", "rate_limit_exceeded",
                  headers={"Retry-After": f"{server.faults.retry_after_s:g}"})


async def _server_error(server, request, body, prompt, chat):
    return _error(500, f"The server had an error while processing your request. {server.echoed(request)}", "server_error")


async def _unavailable(server, request, body, prompt, chat):
    return _error(503, f"The engine is currently overloaded, please try again later {server.echoed(request)}", "overloaded",
                  headers={"Retry-After": f"{server.faults.retry_after_s:g}"})


async def _drop(server, request, body, prompt, chat):
    request.transport.abort()
    raise asyncio.CancelledError  # the client sees its connection reset


async def _reset_mid_body(server, request, body, prompt, chat):
    return await server._send_part_then(request, server._payload(body, prompt, chat), then_hang=False)


async def _timeout(server, request, body, prompt, chat):
    await asyncio.sleep(server.faults.hang_s)
    return _error(504, f"gateway timeout {server.echoed(request)}", "timeout")


async def _stall_mid_body(server, request, body, prompt, chat):
    return await server._send_part_then(request, server._payload(body, prompt, chat), then_hang=True)


async def _malformed(server, request, body, prompt, chat):  # truncated JSON
    return web.Response(body=b'{"id": "cmpl-broken", "choices": [{"index": 0, "mess',
                        content_type="application/json")


async def _not_json(server, request, body, prompt, chat):
    return web.Response(body=f"upstream connect error or disconnect/reset before headers {server.echoed(request)}".encode(),
                        status=200, content_type="application/json")


async def _html(server, request, body, prompt, chat):  # a proxy's or captive portal's page
    title = f"502 {server.echoed(request)}" if server.echo_headers else "502 Bad Gateway"
    return web.Response(body=f"<!DOCTYPE html><html><head><title>{title}</title></head>"
                             "<body><h1>Bad Gateway</h1></body></html>".encode(), status=200, content_type="text/html")


async def _error_in_200(server, request, body, prompt, chat):
    return _json({"error": {"message": f"CUDA out of memory; request aborted {server.echoed(request)}", "type": "internal_error",
                            "code": 500}})


async def _empty_choices(server, request, body, prompt, chat):
    return _json({"id": "cmpl-empty", "object": "chat.completion", "created": 0, "model": server.model,
                  "choices": [], "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}})


async def _null_content(server, request, body, prompt, chat):
    if not chat:  # completions have no message; the equivalent is a choice without text
        return _json({"id": "cmpl-null", "object": "text_completion", "created": 0, "model": server.model,
                      "choices": [{"index": 0, "text": None, "finish_reason": "stop", "logprobs": None}],
                      "usage": _usage(0, 0)})
    return _json({"id": "chatcmpl-null", "object": "chat.completion", "created": 0, "model": server.model,
                  "choices": [{"index": 0, "message": {"role": "assistant", "content": None},
                               "finish_reason": "stop", "logprobs": None}], "usage": _usage(0, 0)})


FAULTS: dict[str, Callable] = {
    "rate_limit": _rate_limit, "server_error": _server_error, "unavailable": _unavailable, "drop": _drop,
    "reset_mid_body": _reset_mid_body, "timeout": _timeout, "stall_mid_body": _stall_mid_body,
    "malformed": _malformed, "not_json": _not_json, "html": _html, "error_in_200": _error_in_200,
    "empty_choices": _empty_choices, "null_content": _null_content,
}
assert set(FAULTS) == set(FAULT_KINDS)


def _logprobs(text: str, echo: bool) -> dict:
    tokens, offsets, logprobs, tops = [], [], [], []
    offset = 0
    for position, word in enumerate(split_words(text)):
        tokens.append(word)
        offsets.append(offset)
        offset += len(word)
        if echo and position == 0:  # the first token of an echoed prompt has no logprob
            logprobs.append(None)
            tops.append(None)
            continue
        lp = fake_logprob(word)
        logprobs.append(lp)
        tops.append({word: lp} if fake_greedy(word) else {" the": lp + 0.5})
    return {"tokens": tokens, "token_logprobs": logprobs, "top_logprobs": tops, "text_offset": offsets}


def _prompt_text(body: dict, chat: bool) -> str:
    if chat:
        return "\n".join(str(m.get("content", "")) for m in body.get("messages") or [])
    prompt = body.get("prompt", "")
    return prompt if isinstance(prompt, str) else json.dumps(prompt)


def _usage(prompt_tokens: int, completion_tokens: int) -> dict:
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}


def _unit(text: str) -> float:
    """A deterministic number in [0, 1) from a string."""
    return int(hashlib.sha1(text.encode()).hexdigest()[:12], 16) / float(16**12)


_NON_BYTE_SURROGATE = re.compile("[\ud800-\udc7f\udd00-\udfff]")


def _encode_json(payload: dict) -> bytes:
    """UTF-8 JSON; lone surrogates go out as JSON escapes, except U+DC80..U+DCFF, which go out as
    the raw (invalid UTF-8) bytes 0x80..0xFF they stand for under ``surrogateescape``."""
    text = json.dumps(payload, ensure_ascii=False)
    text = _NON_BYTE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text.encode("utf-8", "surrogateescape")


def _json(payload: dict, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(body=_encode_json(payload), status=status, headers=headers,
                        content_type="application/json")


def _error(status: int, message: str, code: str, headers: dict | None = None) -> web.Response:
    return _json({"error": {"message": message, "type": code, "code": code}}, status, headers)


if __name__ == "__main__":  # pragma: no cover - manual use: python tests/fake_openai_server.py
    import argparse

    parser = argparse.ArgumentParser(description="fake OpenAI-compatible server on 127.0.0.1")
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    args = parser.parse_args()
    with FakeOpenAIServer(latency_s=args.latency, faults=FaultMix(rate=args.fault_rate)) as server:
        print(server.base_url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
