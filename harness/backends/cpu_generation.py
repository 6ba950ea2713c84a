"""What the in-process CPU engines of the `local` backend share (llamacpp_batch.py, ct2.py): how
many threads to use, when a completion ends, and how its text and token counts are made, so that
every engine reports a completion the same way."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

from harness.core.types import Generation, GenerationSettings


def free_cores() -> int:
    """CPU threads to use when none were asked for: the cores other processes leave free right now,
    at least one. Two threads on a 2-core box that is busy elsewhere are slower than one, often by
    several times: every parallel step waits for the thread that lost its core."""
    cores = os.cpu_count() or 1
    return max(1, min(cores, round(cores - busy_cores())))


def busy_cores(window_s: float = 0.25) -> float:
    """How many cores are busy now: /proc/stat sampled over ``window_s`` (the 1-minute load average
    lags, and would still count `make setup`'s own work just before `make bench`), else the load average."""
    try:
        first = _cpu_times()
        time.sleep(window_s)
        second = _cpu_times()
    except (OSError, ValueError, IndexError):
        try:
            return os.getloadavg()[0]
        except OSError:  # pragma: no cover - no load average on this platform
            return 0.0
    total = sum(second) - sum(first)
    idle = (second[3] + second[4]) - (first[3] + first[4])  # idle + iowait
    return (os.cpu_count() or 1) * (total - idle) / total if total > 0 else 0.0


def _cpu_times() -> list[int]:
    with open("/proc/stat") as stat:
        return [int(field) for field in stat.readline().split()[1:8]]


def has_stop(text: str, stop: tuple[str, ...]) -> bool:
    return any(s in text for s in stop)


def finished_generation(tokenizer: Any, eos_ids: Sequence[int], prompt: Sequence[int],
                        ends: Sequence[tuple[list[int], bool]], settings: GenerationSettings,
                        max_tokens: int | None = None) -> Generation:
    """A Generation from each completion's tokens and whether it ended itself (end-of-sequence token
    or stop string): the end token is counted but left out of the text, stop strings are trimmed.
    ``max_tokens``: the limit applied, when fitted below the request's (recorded on the Generation)."""
    from harness.backends.hf import trim_at_stop

    texts, reasons, counts = [], [], []
    for row_tokens, ended in ends:
        hit_eos = bool(row_tokens) and row_tokens[-1] in eos_ids
        text = tokenizer.decode(row_tokens[:-1] if hit_eos else row_tokens, skip_special_tokens=True)
        text, hit_stop = trim_at_stop(text, settings.stop)
        texts.append(text)
        reasons.append("stop" if hit_eos or hit_stop or ended else "length")
        counts.append(len(row_tokens))
    fitted = max_tokens if max_tokens is not None and max_tokens < settings.max_tokens else None
    return Generation(texts=texts, finish_reasons=reasons, prompt_tokens=len(prompt), completion_tokens=counts,
                      max_tokens=fitted)
