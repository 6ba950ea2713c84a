"""`harness view` in tests: the server in a thread for the length of a ``with`` block, and a GET that
returns (status, text) for error replies too."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.report.view import serve_in_thread


@contextmanager
def serving(results: Path) -> Iterator[str]:
    """The base URL (http://127.0.0.1:PORT) of a viewer over ``results``."""
    server, thread = serve_in_thread(results)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")
