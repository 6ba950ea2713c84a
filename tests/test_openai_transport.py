"""The openai backend's HTTP client (no SDK): what it sends, and errors shaped as the SDK's, so the
backend's retry and error classification reads them as before."""

import asyncio
import json
import socket

import pytest
from aiohttp import web

from harness.backends.openai.transport import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    connection_cause,
    is_connection_error,
    make_client,
)


async def _serve(handler):
    app = web.Application()
    app.router.add_route("*", "/v1/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}/v1"


def test_posts_json_with_the_key_and_returns_the_raw_body(monkeypatch):
    monkeypatch.setenv("OPENAI_ORG_ID", "org-1")
    seen = {}

    async def handler(request):
        seen.update(path=request.path, auth=request.headers["Authorization"], org=request.headers.get("OpenAI-Organization"),
                    body=await request.json())
        return web.json_response({"ok": True})

    async def go():
        runner, url = await _serve(handler)
        client = make_client("sk-test", url, timeout_s=5)
        try:
            response = await client.post("/chat/completions", body={"model": "m", "text": "caf\u00e9 \ud800"})
        finally:
            await client.close()
            await runner.cleanup()
        return response

    response = asyncio.run(go())
    assert response.status_code == 200 and json.loads(response.content) == {"ok": True}
    assert seen == {"path": "/v1/chat/completions", "auth": "Bearer sk-test", "org": "org-1",
                    "body": {"model": "m", "text": "caf\u00e9 \ud800"}}  # a lone surrogate travels too


def _raised_by(handler, error_type, timeout_s):
    """The error one POST to a loopback server answering with ``handler`` raises."""
    async def go():
        runner, url = await _serve(handler)
        client = make_client("k", url, timeout_s=timeout_s)
        try:
            with pytest.raises(error_type) as caught:
                await client.post("/completions", body={})
        finally:
            await client.close()
            await runner.cleanup()
        return caught.value

    return asyncio.run(go())


def test_an_error_status_raises_the_sdk_shape_with_body_and_retry_after():
    async def handler(request):
        return web.json_response({"error": {"message": "slow down", "code": "rate_limit"}}, status=429,
                                 headers={"Retry-After": "3"})

    error = _raised_by(handler, APIStatusError, timeout_s=5)
    assert error.status_code == 429 and error.body == {"message": "slow down", "code": "rate_limit"}
    assert error.response.headers["Retry-After"] == "3" and not is_connection_error(error)


def test_a_refused_connection_is_a_connection_error_that_names_its_cause():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there

    async def go():
        client = make_client("k", f"http://127.0.0.1:{port}/v1", timeout_s=5)
        try:
            with pytest.raises(APIConnectionError) as caught:
                await client.post("/completions", body={})
        finally:
            await client.close()
        return caught.value

    error = asyncio.run(go())
    assert is_connection_error(error)
    assert connection_cause(error, 5) == ("connection refused", True)


def test_a_read_past_the_timeout_is_a_timeout_error():
    async def handler(request):
        await asyncio.sleep(2)
        return web.json_response({})

    error = _raised_by(handler, APITimeoutError, timeout_s=0.2)
    assert is_connection_error(error) and connection_cause(error, 0.2)[0] == "timed out after 0.2 s"
