"""When to retry a failed API call, and how long to wait first.

Pure policy, no I/O: exponential backoff with full jitter, capped, and never shorter than the
server's own Retry-After. Which errors are worth retrying (rate limits, 5xx, dropped connections,
timeouts, garbled bodies) is decided by the caller, which knows its client library; this module
only knows numbers and headers.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

# Status codes worth another try: rate limited, request timeout, conflict/lock, and server errors.
RETRYABLE_STATUS = frozenset({408, 409, 425, 429}) | frozenset(range(500, 600))


@dataclass(frozen=True)
class RetryPolicy:
    """max_retries further attempts after the first; waits grow base_delay_s * 2**attempt up to
    max_delay_s, each drawn uniformly from [0, cap] ("full jitter") so clients that failed together
    do not retry together. A server's Retry-After wins when it asks for longer, up to
    max_retry_after_s."""

    max_retries: int = 6
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_retry_after_s: float = 120.0

    def delay(self, attempt: int, retry_after_s: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number ``attempt`` (0 = the first retry)."""
        cap = min(self.max_delay_s, self.base_delay_s * (2 ** min(attempt, 30)))
        wait = rng.uniform(0.0, cap)
        if retry_after_s is not None:
            wait = max(wait, min(retry_after_s, self.max_retry_after_s))
        return wait


def is_retryable_status(status: int | None) -> bool:
    return status is not None and status in RETRYABLE_STATUS


def parse_retry_after(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait, from ``retry-after-ms`` or ``Retry-After`` (seconds,
    fractional seconds, or an HTTP date). None when absent or unreadable; never raises."""
    if not headers:
        return None
    try:
        millis = _header(headers, "retry-after-ms")
        if millis is not None:
            value = float(millis) / 1000.0
            return value if math.isfinite(value) and value >= 0 else None
        raw = _header(headers, "retry-after")
        if raw is None:
            return None
        raw = raw.strip()
        try:
            value = float(raw)
            return value if math.isfinite(value) and value >= 0 else None
        except ValueError:
            pass
        parsed = email.utils.parsedate_to_datetime(raw)
        if parsed is None:
            return None
        seconds = parsed.timestamp() - (time.time() if now is None else now)
        return max(0.0, seconds)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.title())
    return None if value is None else str(value)
