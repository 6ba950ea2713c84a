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


def is_connection_error(exc: BaseException) -> bool:
    import openai

    return isinstance(exc, openai.APIConnectionError)  # includes APITimeoutError


async def with_timeout(awaitable: Any, seconds: float) -> Any:
    """A whole-request deadline on top of the SDK's per-read timeout (a server that trickles bytes)."""
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)
