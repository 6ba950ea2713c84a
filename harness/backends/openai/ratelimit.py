"""Client-side requests-per-minute and tokens-per-minute limits for API backends.

A token bucket per limit that refills continuously and may go into debt: a call waits until the
bucket holds what it asks for (or is full, for calls bigger than the bucket), then takes it. The
average rate therefore never exceeds the limit, while short bursts up to ``burst_s`` seconds'
worth are allowed. Token counts are estimated before a call and corrected from the server's
usage afterwards (``settle``). Runs on the caller's asyncio loop; knows nothing about HTTP.
"""

from __future__ import annotations

import asyncio
import time


class TokenBucket:
    """``rate_per_minute`` units per minute with a burst of ``burst_s`` seconds' worth."""

    def __init__(self, rate_per_minute: float, burst_s: float = 10.0) -> None:
        if rate_per_minute <= 0:
            raise ValueError(f"rate limit must be > 0 per minute, got {rate_per_minute}")
        self.rate_per_s = rate_per_minute / 60.0
        self.capacity = max(1.0, self.rate_per_s * burst_s)
        self.level = self.capacity
        self.updated = time.monotonic()
        self._lock: asyncio.Lock | None = None

    def _refill(self) -> None:
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self.updated) * self.rate_per_s)
        self.updated = now

    async def take(self, amount: float) -> None:
        """Wait until ``amount`` may be spent (first come, first served), then spend it."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            need = min(amount, self.capacity)
            self._refill()
            while self.level < need:
                await asyncio.sleep((need - self.level) / self.rate_per_s)
                self._refill()
            self.level -= amount

    def settle(self, estimated: float, actual: float) -> None:
        """Correct an earlier ``take(estimated)`` once the real amount is known."""
        self._refill()
        self.level = min(self.capacity, self.level + estimated - actual)


class RateLimiter:
    """Optional RPM and TPM limits together; a limit of None is no limit."""

    def __init__(self, rpm: float | None = None, tpm: float | None = None) -> None:
        self.requests = TokenBucket(rpm) if rpm else None
        self.tokens = TokenBucket(tpm) if tpm else None

    @property
    def active(self) -> bool:
        return self.requests is not None or self.tokens is not None

    async def acquire(self, estimated_tokens: float) -> None:
        if self.requests is not None:
            await self.requests.take(1)
        if self.tokens is not None:
            await self.tokens.take(estimated_tokens)

    def settle(self, estimated_tokens: float, actual_tokens: float | None) -> None:
        if self.tokens is not None and actual_tokens is not None:
            self.tokens.settle(estimated_tokens, actual_tokens)


def estimate_tokens(prompt_chars: int, max_tokens: int, n: int) -> float:
    """A rough upper estimate of what a call will cost (4 characters per prompt token, and every
    completion running to max_tokens), as providers themselves reserve before a call."""
    return prompt_chars / 4.0 + max_tokens * n
