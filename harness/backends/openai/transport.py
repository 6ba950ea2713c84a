"""Transport of the openai backend: the official SDK's async client on its aiohttp transport (the
cheapest per request), raw POSTs without the SDK's body validation or pydantic models, and a
whole-request deadline on top of the SDK's per-read timeout."""

from __future__ import annotations

import asyncio
import sys
from typing import Any


def make_client(api_key: str, base_url: str | None, timeout_s: float) -> Any:
    import openai

    return openai.AsyncOpenAI(
        api_key=api_key,
        base_url=base_url,
        timeout=timeout_s,
        max_retries=0,  # retries are ours: backoff with jitter, Retry-After, error records
        http_client=openai.DefaultAioHttpClient(timeout=timeout_s),
    )


def raw_response_type() -> type:
    """The HTTP response class the SDK hands back untouched (httpx2 in openai>=2, httpx before)."""
    try:
        import httpx2

        return httpx2.Response
    except ImportError:  # pragma: no cover - older openai releases
        import httpx

        return httpx.Response


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
    import openai

    return isinstance(exc, openai.APIConnectionError)  # includes APITimeoutError


async def with_timeout(awaitable: Any, seconds: float) -> Any:
    """A whole-request deadline on top of the SDK's per-read timeout (a server that trickles bytes)."""
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)
