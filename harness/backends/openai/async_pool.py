"""Run many coroutines with bounded concurrency from synchronous code, yielding results as they land.

API backends need thousands of requests in flight while the runner consumes results one by one in
its own (synchronous) thread. ``BackgroundLoop`` owns an asyncio loop in a daemon thread;
``stream_results`` starts a fixed pool of workers on it that pull the next item as soon as they
finish one (requests stay in flight continuously, never in lock-step waves) and hands each result
to the caller the moment it is ready: the results that land in one turn of the loop cross to the
caller's thread together, one wake-up per turn (a wake-up per result costs more CPU than the HTTP
exchange on a busy box, in GIL hand-offs). Closing the iterator early cancels the work still in flight.

Workers report expected failures as ordinary results; an exception escaping a worker (a bug, or a
fatal error such as a rejected API key) stops the pool and is re-raised in the caller's thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

_DONE = object()


class BackgroundLoop:
    """An asyncio event loop running in its own daemon thread."""

    def __init__(self, name: str = "harness-async") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coro: Coroutine[Any, Any, Result]) -> concurrent.futures.Future[Result]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, Result], timeout: float | None = None) -> Result:
        return self.submit(coro).result(timeout)

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self.loop.close()


def stream_results(
    background: BackgroundLoop,
    items: Sequence[Item],
    worker: Callable[[Item], Awaitable[Result]],
    concurrency: int,
) -> Iterator[tuple[int, Result]]:
    """Yield ``(position in items, worker(item))`` in completion order, at most ``concurrency``
    workers running at once."""
    if not items:
        return
    results: queue.SimpleQueue = queue.SimpleQueue()
    next_position = iter(range(len(items)))

    loop = background.loop
    landed: list[tuple[int, Any]] = []

    def hand_over() -> None:  # one cross-thread wake-up per loop turn, not one per result
        batch = landed[:]
        landed.clear()
        results.put(batch)

    async def work() -> None:
        for position in next_position:  # shared iterator: each worker takes the next free item
            value = await worker(items[position])
            if not landed:
                loop.call_soon(hand_over)
            landed.append((position, value))

    async def pool() -> None:
        workers = [asyncio.ensure_future(work()) for _ in range(min(max(1, concurrency), len(items)))]
        try:
            done, _ = await asyncio.wait(workers, return_when=asyncio.FIRST_EXCEPTION)
            failed = [task.exception() for task in done if not task.cancelled() and task.exception()]
            if failed:
                results.put(landed[:] + [(_DONE, failed[0])])
                landed.clear()
        finally:  # a failure, or the consumer going away, stops every other worker
            for task in workers:
                task.cancel()

    future = background.submit(pool())
    try:
        remaining = len(items)
        while remaining:
            for position, value in results.get():
                if position is _DONE:
                    raise value
                remaining -= 1
                yield position, value
    finally:
        if not future.done():
            future.cancel()
