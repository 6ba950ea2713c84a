"""A fault-injecting OpenAI-compatible server on 127.0.0.1, for tests and bench/.

It answers /v1/chat/completions, /v1/completions (with echo + logprobs, as vLLM does) and
/v1/models with deterministic text, after a configurable latency, and injects faults on a chosen
share of requests: 429 with Retry-After, 500, dropped connections, hangs past the client's timeout,
malformed JSON and empty choices. Faults are decided per request body (a retry of the same request
is recognised), at most ``max_faults_per_request`` times each, so a client with enough retries
always gets through and a test never flakes on bad luck.

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

FAULT_KINDS = ("rate_limit", "server_error", "drop", "timeout", "malformed", "empty_choices")
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
                return await self._inject(fault, request)
            payload = self._chat_payload(body, prompt) if chat else self._completion_payload(body, prompt)
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

    async def _inject(self, fault: str, request: web.Request) -> web.StreamResponse:
        mix = self.faults
        if fault == "rate_limit":
            return _error(429, "Rate limit reached; slow down.", "rate_limit_exceeded",
                          headers={"Retry-After": f"{mix.retry_after_s:g}"})
        if fault == "server_error":
            return _error(500, "The server had an error while processing your request.", "server_error")
        if fault == "drop":
            request.transport.abort()
            raise asyncio.CancelledError  # the client sees its connection reset
        if fault == "timeout":
            await asyncio.sleep(mix.hang_s)
            return _error(504, "gateway timeout", "timeout")
        if fault == "malformed":
            return web.Response(body=b'{"id": "cmpl-broken", "choices": [{"index": 0, "mess',
                                content_type="application/json")
        if fault == "empty_choices":
            return _json({"id": "cmpl-empty", "object": "chat.completion", "created": 0,
                          "model": self.model, "choices": [],
                          "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}})
        raise AssertionError(fault)

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


def _json(payload: dict, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(body=json.dumps(payload).encode(), status=status, headers=headers,
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
