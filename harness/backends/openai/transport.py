"""Transport of the openai backend: one aiohttp session posting JSON bodies, nothing else.

Why not the official SDK: per request it builds pydantic option models, deep-copies them, makes an
httpx-style request and response on top of aiohttp's own, normalises headers and mints an
idempotency key, which cost about 4x the CPU of the HTTP exchange itself (bench/api_throughput.py);
its aiohttp transport also caps a client at 100 connections, whatever the concurrency. On a shared
2-core box that CPU is the ceiling of the whole run. This client speaks the same protocol the SDK
does (Bearer key, OpenAI-Organization / OpenAI-Project from $OPENAI_ORG_ID / $OPENAI_PROJECT_ID,
JSON bodies, base URL + path) and keeps the SDK's error shapes, so the backend's retry and error
classification is unchanged: an HTTP error answer raises ``APIStatusError`` (``status_code``, the
decoded error ``body``, ``response.headers`` for Retry-After), a network failure raises
``APIConnectionError`` (``APITimeoutError`` for a read that waited past the timeout) chained to
the aiohttp/OS exception that says what happened.

Timeouts: ``timeout_s`` bounds connecting and each read; ``with_timeout`` adds a whole-request
deadline (a server that trickles bytes).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from typing import Any

OPENAI_BASE_URL = "https://api.openai.com/v1"


@dataclass(frozen=True)
class RawResponse:
    """What the backend reads of a 2xx answer: the undecoded body (and the headers)."""

    status_code: int
    headers: Any
    content: bytes


class APIStatusError(Exception):
    """The server answered with an HTTP error status (as the SDK's exception of that name)."""

    def __init__(self, message: str, status_code: int, body: Any, response: RawResponse) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.body = body
        self.response = response


class APIConnectionError(Exception):
    """No HTTP answer: refused, reset, cut off mid-body, DNS, TLS (chained to the cause)."""

    def __init__(self, message: str = "Connection error.") -> None:
        super().__init__(message)
        self.message = message


class APITimeoutError(APIConnectionError):
    def __init__(self) -> None:
        super().__init__("Request timed out.")


def _status_error(status: int, content: bytes, response: RawResponse) -> APIStatusError:
    """The SDK's rule: the decoded JSON body (its "error" object when there is one) or the text."""
    text = content.decode("utf-8", errors="replace").strip()
    try:
        body: Any = json.loads(text)
        message = f"Error code: {status} - {body}"
    except ValueError:
        body, message = text or None, text or f"Error code: {status}"
    if isinstance(body, dict):
        body = body.get("error", body)
    return APIStatusError(message, status, body, response)


class AioHttpClient:
    """POST/GET against ``base_url`` with the key, on the running asyncio loop (made lazily there)."""

    def __init__(self, api_key: str, base_url: str | None, timeout_s: float, max_connections: int = 0) -> None:
        self.base_url = (base_url or OPENAI_BASE_URL).rstrip("/")
        self.timeout_s = timeout_s
        self.max_connections = max_connections
        self._headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json",
                         "Accept": "application/json", "User-Agent": "reasoning-harness"}
        for header, variable in (("OpenAI-Organization", "OPENAI_ORG_ID"), ("OpenAI-Project", "OPENAI_PROJECT_ID")):
            if os.environ.get(variable):
                self._headers[header] = os.environ[variable]
        self._session: Any = None

    def _session_now(self) -> Any:
        if self._session is None:
            import aiohttp

            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.max_connections, limit_per_host=0),
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.timeout_s, sock_read=self.timeout_s),
                headers=self._headers,
            )
        return self._session

    async def post(self, path: str, *, body: dict[str, Any], cast_to: Any = None) -> RawResponse:
        return await self._request("POST", path, _dumps(body))

    async def get(self, path: str, *, cast_to: Any = None) -> RawResponse:
        return await self._request("GET", path, None)

    async def _request(self, method: str, path: str, data: bytes | None) -> RawResponse:
        import aiohttp

        session = self._session_now()
        try:
            async with session.request(method, self.base_url + path, data=data) as response:
                content = await response.read()
                status, headers = response.status, response.headers
        except asyncio.TimeoutError as exc:  # aiohttp's ServerTimeoutError / ConnectionTimeoutError
            raise APITimeoutError() from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise APIConnectionError() from exc
        raw = RawResponse(status, headers, content)
        if status >= 400:
            raise _status_error(status, content, raw)
        return raw

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _dumps(body: dict[str, Any]) -> bytes:
    # ensure_ascii keeps any text, lone surrogates included, sendable as plain ASCII JSON
    return json.dumps(body, separators=(",", ":")).encode("ascii")


def make_client(api_key: str, base_url: str | None, timeout_s: float, max_connections: int = 0) -> AioHttpClient:
    return AioHttpClient(api_key, base_url, timeout_s, max_connections)


def raw_response_type() -> type:
    """Kept for callers written against the SDK's ``cast_to``; the client ignores it."""
    return RawResponse


FAIL_FAST_ATTEMPTS = 3  # connection failures in a row, before any answer, that end the run


def connection_cause(exc: BaseException, timeout_s: float) -> tuple[str, bool]:
    """(what went wrong on the network, whether it says the endpoint is unreachable), read from the
    exception chain: the SDK files a refused connection under "Request timed out"."""
    names: list[str] = []
    seen: set[int] = set()
    item: BaseException | None = exc
    while item is not None and id(item) not in seen:
        seen.add(id(item))
        names.append(type(item).__name__)
        item = item.__cause__ or item.__context__
    if "ConnectionRefusedError" in names:
        return "connection refused", True
    if "gaierror" in names or "ClientConnectorDNSError" in names:
        return "host not found", True
    if any(name in names for name in ("ClientConnectorError", "ClientConnectorCertificateError", "ClientSSLError")):
        return "cannot connect", True
    if "ServerDisconnectedError" in names:
        return "server closed the connection", False
    if "ClientPayloadError" in names or "ContentLengthError" in names:
        return "reply cut off mid-body", False
    if any("Timeout" in name for name in names):
        return f"timed out after {timeout_s:g} s", False
    return f"connection error ({names[-1]})", False


def is_connection_error(exc: BaseException) -> bool:
    """Ours (APITimeoutError included), or the SDK's when some other piece raised one."""
    if isinstance(exc, APIConnectionError):
        return True
    sdk = sys.modules.get("openai")  # never imported just to ask
    return sdk is not None and isinstance(exc, sdk.APIConnectionError)


async def with_timeout(awaitable: Any, seconds: float) -> Any:
    """A whole-request deadline on top of the per-read timeout (a server that trickles bytes)."""
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)
