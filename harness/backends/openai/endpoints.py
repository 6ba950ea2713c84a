"""Several OpenAI-compatible endpoints serving the same model, used as one client.

``--base-url`` given more than once (``vllm serve`` replicas, one per GPU or node) hands the
openai backend an ``EndpointPool`` instead of a single HTTP client. The pool has the two calls the
backend makes on a client (``post`` and ``get``) and sends each one to the healthy endpoint with
the fewest requests outstanding, so a slow replica gets less work and a fast one more.

Health is tracked per endpoint from what each call raised: a dropped or refused connection, a
timeout or a 5xx counts as a failure, anything else (an answer, a 4xx, a 429) as a sign of life.
After ``max_failures`` failures in a row an endpoint is drained: it gets no new calls for
``cooldown_s`` (doubled each time it is drained again, up to ``max_cooldown_s``), then one probe
call decides whether it rejoins. The failed call itself is not retried here: the backend's own
retry loop (backoff, Retry-After, its retry budget) tries again, and its next attempt lands on
another endpoint. When every endpoint is drained, calls fail at once with a connection error, so
requests end as error records after their retries instead of waiting forever.

This module knows no request bodies, no retries and no tasks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.backends.openai.transport import APIConnectionError, is_connection_error
from harness.core.errors import HarnessError


def split_base_urls(base_url: str | None) -> list[str]:
    """The endpoints in a ``base_url`` option: one URL, or several separated by commas (the CLI
    joins repeated ``--base-url`` flags that way). Duplicates and trailing slashes are dropped."""
    if not base_url:
        return []
    urls: list[str] = []
    for part in str(base_url).split(","):
        url = part.strip().rstrip("/")
        if not url:
            continue
        if "://" not in url:
            raise HarnessError(f"--base-url {part.strip()!r} is not a URL; give e.g. http://127.0.0.1:8000/v1")
        if url not in urls:
            urls.append(url)
    return urls


@dataclass
class Endpoint:
    """One server and what the pool knows about it."""

    url: str
    client: Any
    outstanding: int = 0
    consecutive_failures: int = 0
    failures: int = 0
    calls: int = 0
    drained_until: float = 0.0  # monotonic time; 0 = in rotation
    times_drained: int = 0

    def summary(self) -> dict[str, Any]:
        return {"calls": self.calls, "failures": self.failures, "times_drained": self.times_drained,
                "drained": self.drained_until > 0}


@dataclass
class HealthPolicy:
    max_failures: int = 3
    cooldown_s: float = 30.0
    max_cooldown_s: float = 600.0


@dataclass
class EndpointPool:
    """Least-outstanding-requests routing over endpoints, with per-endpoint health."""

    endpoints: list[Endpoint]
    policy: HealthPolicy = field(default_factory=HealthPolicy)
    clock: Callable[[], float] = time.monotonic
    _turn: int = 0

    @classmethod
    def from_urls(cls, urls: Sequence[str], make_client: Callable[[str], Any],
                  policy: HealthPolicy | None = None) -> "EndpointPool":
        return cls([Endpoint(url, make_client(url)) for url in urls], policy or HealthPolicy())

    # ---- the client interface the openai backend uses --------------------------------------------
    async def post(self, path: str, **kwargs: Any) -> Any:
        return await self._call("post", path, kwargs)

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self._call("get", path, kwargs)

    async def close(self) -> None:
        for endpoint in self.endpoints:
            await endpoint.client.close()

    # ---- routing and health ------------------------------------------------------------------
    def pick(self) -> Endpoint | None:
        """The endpoint for the next call: among those in rotation (or whose cooldown is over, for
        one probe), the one with the fewest calls outstanding; ties go round-robin."""
        now = self.clock()
        candidates = []
        count = len(self.endpoints)
        for offset in range(count):
            endpoint = self.endpoints[(self._turn + offset) % count]
            if endpoint.drained_until == 0.0:
                candidates.append(endpoint)
            elif endpoint.drained_until <= now and endpoint.outstanding == 0:
                candidates.append(endpoint)  # a probe: one call decides whether it rejoins
        if not candidates:
            return None
        self._turn = (self._turn + 1) % count
        return min(candidates, key=lambda endpoint: endpoint.outstanding)

    def record(self, endpoint: Endpoint, healthy: bool) -> None:
        endpoint.calls += 1
        if healthy:
            endpoint.consecutive_failures = 0
            endpoint.drained_until = 0.0
            return
        endpoint.failures += 1
        endpoint.consecutive_failures += 1
        probing = endpoint.drained_until > 0.0
        if probing or endpoint.consecutive_failures >= self.policy.max_failures:
            cooldown = min(self.policy.max_cooldown_s, self.policy.cooldown_s * 2 ** endpoint.times_drained)
            endpoint.drained_until = self.clock() + cooldown
            endpoint.times_drained += 1

    def summary(self) -> dict[str, dict[str, Any]]:
        """Per-endpoint counts, for the run manifest (the backend redacts the URLs)."""
        return {endpoint.url: endpoint.summary() for endpoint in self.endpoints}

    async def _call(self, method: str, path: str, kwargs: dict[str, Any]) -> Any:
        endpoint = self.pick()
        if endpoint is None:
            raise _all_drained_error(len(self.endpoints), self.endpoints[0].url + path)
        endpoint.outstanding += 1
        healthy = False
        try:
            response = await getattr(endpoint.client, method)(path, **kwargs)
            healthy = True
            return response
        except BaseException as exc:  # CancelledError too: a whole-request timeout cancels the call
            healthy = not is_endpoint_failure(exc)
            raise
        finally:
            endpoint.outstanding -= 1
            self.record(endpoint, healthy)


def is_endpoint_failure(exc: BaseException) -> bool:
    """Whether an exception says the endpoint itself is unwell (not the request)."""
    if isinstance(exc, (asyncio.CancelledError, asyncio.TimeoutError, ConnectionError, OSError)):
        return True
    status = getattr(exc, "status_code", None)
    if status is not None:
        return int(status) >= 500
    return is_connection_error(exc)


def _all_drained_error(count: int, url: str) -> BaseException:
    """A connection error of the transport's own kind, so the backend's retry loop treats it as one."""
    return APIConnectionError(f"all {count} endpoints are drained after repeated failures; none to send this request to")
