"""What the in-process CPU engines of the `local` backend share (llamacpp_batch.py, ct2.py): how
many threads to use, when a completion ends, and how its text and token counts are made, so that
every engine reports a completion the same way."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from harness.core.types import Generation, GenerationSettings

SATURATED_LOAD_PER_CORE = 2.0  # a load average this many times the cores (and no core idle) is "clearly saturated"


def choose_threads() -> tuple[int, str]:
    """CPU threads to use when none were asked for, and why, in words for the manifest: every core,
    unless the box is clearly saturated (every core busy with other work right now and a load average
    of at least SATURATED_LOAD_PER_CORE per core), then half of them. Taking only the cores that
    looked free in a quarter-second sample (the rule before) chose 1 thread in 1 of 3 runs at load
    ~2 on 2 cores and took 36 s instead of 24 s; a parallel step only loses to a single thread when
    the cores are taken for good (bench/local_startup.py)."""
    cores = os.cpu_count() or 1
    busy = busy_cores()
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover - no load average on this platform
        load = busy
    if cores > 1 and busy >= cores - 0.25 and load >= SATURATED_LOAD_PER_CORE * cores:
        threads = max(1, cores // 2)
        return threads, (f"{threads} of {cores} cores: the box is saturated (load average {load:.1f}, {busy:.1f} cores busy"
                         " with other work); --threads N chooses")
    return cores, f"all {cores} cores (load average {load:.1f}, {busy:.1f} busy with other work)"


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags as /proc/cpuinfo lists them (empty where there is no such file)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith("flags"):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        pass
    return frozenset()


def preferred_weights(flags: frozenset[str] | None = None) -> tuple[str, str]:
    """The llama.cpp weights format that runs fastest on this CPU, and why: bf16 where the CPU has
    bf16 dot products (AVX512-BF16), else f16 where it converts halves in hardware
    (F16C: on this project's CPU without AVX512-BF16, f16 ran 1.1-1.3x faster than bf16), else f32."""
    flags = cpu_flags() if flags is None else flags
    if "avx512_bf16" in flags:  # the bf16 kernels `make setup` compiles llama.cpp with (.ci/ggml_cpu_flags.sh)
        return "bf16", "bf16: this CPU has bf16 dot products (AVX512-BF16)"
    if "f16c" in flags:
        return "f16", "f16: this CPU has no bf16 dot products (no AVX512-BF16) but converts halves in hardware (F16C)"
    return "f32", "f32: this CPU has neither bf16 dot products nor F16C"


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
