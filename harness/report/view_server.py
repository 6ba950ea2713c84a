"""The HTTP side of `harness view`: a small asyncio server on 127.0.0.1 that stays responsive
whatever its clients do. The pages themselves come from harness/report/view.py (``ResultsSite``).

Why not http.server's ThreadingHTTPServer: it gives every connection a thread of its own, runs a
request whose client hung up before its blank line, and never times an idle connection out: 1 100
half-open connections stopped it answering for minutes. Here:
- a connection costs no thread until its whole request head has arrived: the head must come within
  ``HEAD_TIMEOUT_S`` and fit ``MAX_HEAD_BYTES``; a client that is slower, sends more, or hangs up
  first is dropped and nothing is run for it;
- pages are built by a bounded pool of ``WORKERS`` threads (a burst of requests queues);
- at most ``MAX_CONNECTIONS`` connections are open at once: a new one past that closes the oldest
  connection still waiting for its request head (so idle or slow clients can never lock a real
  request out), and a reply that the client does not read within ``WRITE_TIMEOUT_S`` is dropped;
- only ``Host: 127.0.0.1 / localhost / [::1]`` (any port) is answered: a web page whose own name
  was rebound to 127.0.0.1 (DNS rebinding) gets 421 and cannot read any run;
- GET and HEAD only, one request per connection, and every reply forbids scripts and requests from
  anywhere else (Content-Security-Policy) and content sniffing.
"""

from __future__ import annotations

import asyncio
import http.client
import io
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

HEAD_TIMEOUT_S = 10.0
WRITE_TIMEOUT_S = 30.0
MAX_HEAD_BYTES = 16 * 1024
MAX_CONNECTIONS = 512
WORKERS = 4
ALLOWED_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:;"
                               " form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
}

Handler = Callable[[str], tuple[int, str, bytes]]  # request target -> (status, content type, body)


def host_allowed(host: str | None) -> bool:
    """Whether a Host header names this machine's loopback (a request without one: HTTP/1.0)."""
    if host is None:
        return True
    host = host.strip().lower()
    name = host[: host.index("]") + 1] if host.startswith("[") and "]" in host else host.rsplit(":", 1)[0]
    return name in ALLOWED_HOSTS


class ViewServer:
    """``serve_forever`` in one thread, ``shutdown`` from another (the interface of socketserver)."""

    def __init__(self, handle: Handler, port: int = 0, workers: int = WORKERS) -> None:
        self._handle = handle
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind(("127.0.0.1", port))
            self._socket.listen(1024)
        except OSError:
            self._socket.close()
            raise
        self.server_address = self._socket.getsockname()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="harness-view")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._running = threading.Event()
        self._stopped = threading.Event()
        self._open = 0
        self._waiting: dict[asyncio.StreamWriter, None] = {}  # connections still reading their head, oldest first

    # -- lifecycle --------------------------------------------------------------------------------

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            self._stopped.set()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._connection, sock=self._socket, limit=MAX_HEAD_BYTES)
        self._running.set()
        async with server:
            await self._stop.wait()
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def shutdown(self) -> None:
        """Stop serve_forever (from another thread) and wait until it has returned."""
        if not self._running.wait(timeout=10) or self._loop is None or self._stop is None:
            return
        self._loop.call_soon_threadsafe(self._stop.set)
        self._stopped.wait(timeout=30)

    def server_close(self) -> None:
        self._socket.close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- one connection, one request --------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._open >= MAX_CONNECTIONS:
            if not self._waiting:  # every connection is being answered: this one waits its turn elsewhere
                writer.transport.abort()
                return
            oldest = next(iter(self._waiting))
            del self._waiting[oldest]
            oldest.transport.abort()  # the longest-waiting head gives way to the newcomer
        self._open += 1
        self._waiting[writer] = None
        try:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT_S)
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ConnectionError):
                return  # hung up, too long or too slow before the blank line: nothing runs for it
            finally:
                self._waiting.pop(writer, None)
            method, target, headers = _parse_head(head)
            status: int
            if method is None:
                status, kind, body = HTTPStatus.BAD_REQUEST, "text/plain; charset=utf-8", b"malformed request\n"
            elif not host_allowed(headers.get("Host")):
                status, kind, body = (HTTPStatus.MISDIRECTED_REQUEST, "text/plain; charset=utf-8",
                                      b"harness view answers only requests for 127.0.0.1, localhost or [::1]\n")
            elif method not in ("GET", "HEAD"):
                status, kind, body = HTTPStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", b"GET only\n"
            else:
                status, kind, body = await asyncio.get_running_loop().run_in_executor(self._pool, self._handle, target)
            writer.write(_reply(status, kind, body, include_body=method != "HEAD"))
            await asyncio.wait_for(writer.drain(), WRITE_TIMEOUT_S)
        except (asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            self._open -= 1
            writer.transport.abort()  # one request per connection; never wait on a slow reader


def _parse_head(head: bytes) -> tuple[str | None, str, http.client.HTTPMessage]:
    """(method, target, headers) of a request head; method None when it is not HTTP."""
    line, _, rest = head.partition(b"\r\n")
    parts = line.decode("latin-1").split()
    try:
        headers = http.client.parse_headers(io.BytesIO(rest))
    except http.client.HTTPException:
        return None, "", http.client.HTTPMessage()
    if len(parts) != 3 or not parts[2].startswith("HTTP/") or not parts[1].startswith("/"):
        return None, "", headers
    return parts[0], parts[1], headers


def _reply(status: int, kind: str, body: bytes, include_body: bool = True) -> bytes:
    phrase = HTTPStatus(status).phrase
    lines = [f"HTTP/1.1 {int(status)} {phrase}", f"Content-Type: {kind}", f"Content-Length: {len(body)}",
             *(f"{name}: {value}" for name, value in SECURITY_HEADERS.items()), "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + (body if include_body else b"")
