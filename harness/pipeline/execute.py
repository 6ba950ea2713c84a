"""Execute: answers for planned requests, from the response cache or the model (stage 2).

The backend is created only when something is missing, so a finished run re-runs with zero model
calls; each answer is cached the moment it arrives, so an interrupted run resumes where it stopped.
Requests another live run is already asking (claimed in the shared cache) are waited for, not paid
twice; a claim whose run died or gave up is taken over.
`ModelSession` is the public entry point for studies that build their own requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.backends import BackendOptions, make_backend
from harness.backends.base import Backend
from harness.core.errors import MissingCapability
from harness.core.registry import Task
from harness.core.types import Generation, Request, Sample
from harness.pipeline.cache import ResponseCache, request_key
from harness.pipeline.plan import RunSpec, backend_cache_name

CAPABILITY_WORDS = {"generate": "generations", "loglikelihood": "log-likelihoods",
                    "prefill": "continuing a partial assistant turn (prefill)"}
CAPABILITY_HELP = {
    "generate": "use a generating backend",
    "loglikelihood": "use local, hf:<model>, llamacpp:<gguf>, vllm:<model>, lmeval:<model>,<args> or an openai: completions"
                     " endpoint with echo+logprobs",
    "prefill": "use local, hf:<model>, vllm:<model>, lmeval:<model>,<args> or an openai: completions endpoint"
               " (--backend-option endpoint=completions); chat APIs cannot continue a partial turn",
}
SHARED_WAIT_S = 1800.0  # longest wait for answers another live run is asking (then ask them here)
STREAM_CHUNK = 256  # answers read back from the cache at once by ModelSession.answer_stream


class _InCache:
    """Marks a result left in the response cache, to be read back when its turn comes (streaming)."""

    def __repr__(self) -> str:
        return "IN_CACHE"


IN_CACHE: Any = _InCache()


class LazyBackend:
    """Creates the backend on first use: a run served fully from cache never loads a model."""

    def __init__(self, spec: RunSpec, factory: Callable[[str, BackendOptions], Backend] = make_backend):
        self.spec, self.factory, self.calls = spec, factory, 0
        self.backend: Backend | None = None

    def get(self) -> Backend:
        if self.backend is None:
            self.backend = self.factory(self.spec.model, self.spec.backend_options)
        return self.backend  # type: ignore[return-value]  # set just above

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()


@dataclass
class Lookup:
    """Requests looked up in the cache: what is there, and what the model must be asked."""

    keys: list[str]
    results: list[Any]  # the cached result, or None where the model must answer
    hits: int
    missing: dict[str, list[int]]  # key -> indices of the requests with that key (asked once)


def look_up(requests: Sequence[Request], cache: ResponseCache, cache_name: str, load: bool = True) -> Lookup:
    """``load=False``: only which answers the cache holds (IN_CACHE in ``results``), none read."""
    keys = [request_key(cache_name, r) for r in requests]
    if load:
        cached = cache.get_many(keys)
        results: list[Any] = [cached.get(k) for k in keys]
    else:
        present = cache.has_many(keys)
        results = [IN_CACHE if k in present else None for k in keys]
    missing: dict[str, list[int]] = {}
    for i, result in enumerate(results):
        if result is None:
            missing.setdefault(keys[i], []).append(i)  # identical requests are asked once
    return Lookup(keys, results, sum(r is not None for r in results), missing)


def resume_line(lookups: Sequence[Lookup]) -> str | None:
    """'resuming: N of M answers cached, asking K' when earlier answers are reused, else None."""
    cached = sum(item.hits for item in lookups)
    if not cached:
        return None
    total = sum(len(item.keys) for item in lookups)
    return f"resuming: {cached} of {total} answers cached, asking {sum(len(item.missing) for item in lookups)}"


def execute(requests: Sequence[Request], label: str, backend: LazyBackend, cache: ResponseCache, cache_name: str,
            progress: bool, lookup: Lookup | None = None, shared_wait_s: float = SHARED_WAIT_S,
            hold: bool = True) -> tuple[list[Any], int]:
    """Results for every request, from cache or the backend; returns (results, cache hits).
    ``label`` names the work on the progress bar and in errors (a task's name). ``hold=False``: an
    answer stored in the cache is left there (IN_CACHE in the list), so memory does not grow with
    the answers' texts; only failed requests' results are held."""
    lookup = lookup or look_up(requests, cache, cache_name)
    keys, results, hits, missing = lookup.keys, list(lookup.results), lookup.hits, lookup.missing
    if not missing:
        return results, hits
    bar = _progress(len(missing), label, progress)
    mine, theirs = cache.claim(missing)
    started, asked, tokens = time.monotonic(), 0, 0

    def ask(claimed: list[str]) -> None:
        by_kind: dict[str, list[int]] = {}
        for key in claimed:
            by_kind.setdefault(requests[missing[key][0]].kind, []).append(missing[key][0])
        for kind, indices in by_kind.items():
            model = backend.get()
            if kind == "loglikelihood" and not model.supports_loglikelihood:
                raise MissingCapability(
                    f"'{label}' needs log-likelihoods, which backend '{model.name}' cannot give;"
                    " use 'local', 'hf:<model>', 'llamacpp:<gguf>' or an openai: completions endpoint with echo+logprobs"
                )
            call = model.generate if kind == "generate" else model.loglikelihood
            for position, result in call([requests[i] for i in indices]):
                nonlocal asked, tokens
                index = indices[position]
                backend.calls += 1
                asked += 1
                tokens += result.prompt_tokens + sum(getattr(result, "completion_tokens", None) or [])
                if result.error is None:
                    cache.put(keys[index], result)  # also drops our claim
                else:
                    cache.release([keys[index]])  # another run may try it now
                for same in missing[keys[index]]:
                    results[same] = result if hold or result.error is not None else IN_CACHE
                bar.update(1)

    try:
        ask(mine)
        _wait_for_shared(theirs, missing, results, cache, ask, bar, shared_wait_s, hold)
    finally:
        bar.close()
        cache.release(missing)
        cache.record_cost(cache_name, label, asked, tokens, time.monotonic() - started)
    for i, result in enumerate(results):
        if result is None:  # a backend that dropped a request: record it, never lose it silently
            results[i] = Generation(texts=[], finish_reasons=["error"], error="backend returned no result")
    return results, hits


def _wait_for_shared(theirs: list[str], missing: dict[str, list[int]], results: list[Any], cache: ResponseCache,
                     ask: Callable[[list[str]], None], bar: Any, wait_s: float, hold: bool = True) -> None:
    """Answers to requests another live run claimed: read them from the cache as they land; ask
    here what its claimer dropped (it died, or the request failed there) or, after ``wait_s``,
    everything still missing."""
    pending = set(theirs)
    deadline = time.monotonic() + wait_s

    def take_answers(keys: set[str]) -> set[str]:
        found: Any = cache.get_many(keys) if hold else dict.fromkeys(cache.has_many(keys), IN_CACHE)
        for key, result in found.items():
            for same in missing[key]:
                results[same] = result
            bar.update(1)
        return set(found)

    while pending:
        pending -= take_answers(pending)
        if not pending:
            return
        orphaned = pending - cache.live_claims(pending)
        if orphaned or time.monotonic() > deadline:
            claimed, _ = cache.claim(orphaned or pending, force=not orphaned)
            pending -= set(claimed)
            late = take_answers(set(claimed))  # answered just before its claim was dropped
            ask([key for key in claimed if key not in late])
            if claimed:
                continue
        time.sleep(0.1)


def _progress(total: int, desc: str, enabled: bool):
    from harness.pipeline.progress import ProgressBar

    return ProgressBar(total, desc, enabled)


class ModelSession:
    """One model and its response cache, for a run or a study: ``answer`` returns a result per
    request (cached or asked), counting cache hits and model calls. Close it (or use ``with``)."""

    def __init__(self, spec: RunSpec, backend_factory: Callable[[str, BackendOptions], Backend] = make_backend):
        self.spec = spec
        self.cache_name = backend_cache_name(spec)
        self.cache = ResponseCache(spec.cache_path or Path(spec.results_dir) / ".cache" / "responses.sqlite")
        self.backend = LazyBackend(spec, backend_factory)
        self.hits = 0
        self._requirement: tuple[frozenset[str], str] | None = None

    def look_up(self, requests: Sequence[Request], load: bool = True) -> Lookup:
        """What the cache already holds for these requests (pass it on to ``answer``; ``load=False``
        reads no answer, for ``answer_stream``)."""
        return look_up(requests, self.cache, self.cache_name, load)

    def answer(self, task: Task, samples: Sequence[Sample], requests: Sequence[Request], lookup: Lookup | None = None) -> list[Any]:
        """A result per request of a task's samples (the samples only name the work)."""
        return self.ask(requests, task.name, lookup)

    def answer_stream(self, task: Task, requests: Sequence[Request], lookup: Lookup | None = None,
                      chunk: int = STREAM_CHUNK) -> Iterator[Any]:
        """``answer``'s results one at a time, in request order, in memory bounded by ``chunk``
        answers: the missing answers are asked first (each stored in the cache as it arrives, none
        held), then every answer is read back from the cache a chunk at a time as the caller takes
        it. An answer that cannot be read back (damaged, or deleted by another process meanwhile)
        is asked again; failed requests' results are held, not cached. Why: a pass@k study's
        answers are gigabytes of text, and a run must score and write them without holding them."""
        lookup = lookup or self.look_up(requests, load=False)
        results = self.ask(requests, task.name, lookup, hold=False)
        for start in range(0, len(results), chunk):
            stop = min(start + chunk, len(results))
            wanted = [lookup.keys[i] for i in range(start, stop) if results[i] is IN_CACHE]
            found: dict[str, Any] = self.cache.get_many(wanted) if wanted else {}
            lost = [i for i in range(start, stop) if results[i] is IN_CACHE and lookup.keys[i] not in found]
            if lost:
                self.hits -= sum(1 for i in lost if lookup.results[i] is IN_CACHE)  # counted as hits, asked after all
                again = self.ask([requests[i] for i in lost], task.name)
                for i, result in zip(lost, again):
                    found[lookup.keys[i]] = result
            for i in range(start, stop):
                result = results[i]
                results[i] = None  # what was yielded is the caller's to keep or drop
                yield found[lookup.keys[i]] if result is IN_CACHE else result

    def ask(self, requests: Sequence[Request], label: str, lookup: Lookup | None = None, hold: bool = True) -> list[Any]:
        """A result per request (Generation or LoglikelihoodResult), from the cache or the model;
        identical requests are asked once. A request that failed for good has ``error`` set.
        ``hold=False``: answers stored in the cache are left there (IN_CACHE; see answer_stream)."""
        lookup = lookup or self.look_up(requests, load=hold)
        if lookup.missing and self._requirement is not None:
            self.require(*self._requirement)
            self._requirement = None  # checked once: the backend stays the same
        results, hits = execute(requests, label, self.backend, self.cache, self.cache_name, self.spec.progress, lookup,
                                hold=hold)
        self.hits += hits
        return results

    @contextmanager
    def requiring(self, needs: Iterable[str], why: str) -> Iterator[None]:
        """Within the block, the first request the cache cannot answer loads the backend and checks
        that it can do ``needs`` (see ``require``): a run answered from the cache loads no model."""
        self._requirement = (frozenset(needs), why)
        try:
            yield
        finally:
            self._requirement = None

    def require(self, needs: Iterable[str], why: str) -> None:
        """Load the backend and fail in one line unless it can do everything in ``needs``
        ("generate", "loglikelihood", "prefill"); ``why`` names what needs it (a strategy). Raises
        MissingCapability (a HarnessError)."""
        model = self.backend.get()
        missing = sorted(set(needs) - set(model.capabilities()))
        if missing:
            raise MissingCapability(f"{why} needs {' and '.join(CAPABILITY_WORDS[m] for m in missing)}, which --model"
                                    f" {self.spec.model} cannot give; {CAPABILITY_HELP[missing[0]]}")

    @property
    def calls(self) -> int:
        return self.backend.calls

    def backend_info(self) -> dict[str, Any]:
        model = self.backend.backend
        return model.describe() if model is not None else {"name": self.spec.model, "loaded": False}

    def close(self) -> None:
        try:
            self.backend.close()
        finally:
            self.cache.close()

    def __enter__(self) -> ModelSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
