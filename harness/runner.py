"""Plan -> execute -> report for one or more tasks on one model.

plan:    choose samples (seeded), build each sample's request, apply the CLI's generation overrides
execute: look every request up in the response cache; send only the missing ones to the backend
         (created only if something is missing, so a finished run re-runs with zero model calls);
         cache each answer the moment it arrives; requests another live run is already asking
         (claimed in the shared cache) are waited for, not paid twice
report:  score with the family's pure scorer, write the run folder as one commit (manifest last,
         holding the other files' hashes), return the metrics rows

The run folder is created only once the run can start (backend made, folder locked): a missing API
key or a bad option leaves nothing behind, and a second run into the same folder stops at once with
"<folder> is being written by pid N".
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness.backends import BackendOptions, check_backend_options, check_backend_spec, make_backend
from harness.backends.base import Backend, answer_identity
from harness.cache import ResponseCache, request_key
from harness.errors import HarnessError
from harness.pipeline.run_lock import RunFolderLock
from harness.registry import Task, config_as_dict, get_task
from harness.run_folder import command_line, commit_run_folder, git_commit, package_versions
from harness.samples import select_samples
from harness.scoring import score_result
from harness.tables import task_rows
from harness.types import Generation, LoglikelihoodResult, Request, Sample, ScoredSample


@dataclass
class GenerationOverrides:
    """CLI overrides of the families' protocol defaults; None = keep the protocol's value."""

    n: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None

    def apply(self, request: Request, seed: int) -> Request:
        changes = {k: v for k, v in dataclasses.asdict(self).items() if v is not None}
        settings = dataclasses.replace(request.settings, seed=seed, **changes)
        try:
            settings.validate()
        except ValueError as exc:
            raise HarnessError(f"invalid generation setting: {exc}") from None
        return dataclasses.replace(request, settings=settings)


@dataclass
class RunSpec:
    """Everything that defines a run: two equal specs give byte-identical samples and prompts."""

    tasks: list[str]
    model: str = "local"
    seed: int = 0
    limit: int | None = None
    data: str | None = None
    settings: dict[str, str] = field(default_factory=dict)  # --set key=value (family config)
    overrides: GenerationOverrides = field(default_factory=GenerationOverrides)
    backend_options: BackendOptions = field(default_factory=BackendOptions)
    out: str | None = None
    results_dir: str = "results"
    cache_path: str | None = None
    skip_unavailable: bool = False
    progress: bool = True


@dataclass
class PlannedTask:
    task: Task
    samples: list[Sample]
    requests: list[Request]


@dataclass
class RunOutcome:
    run_dir: Path
    rows: list[dict[str, Any]]
    records: dict[str, list[ScoredSample]]
    backend_calls: int
    cache_hits: int
    skipped: dict[str, str]


def expand_task_names(names: Sequence[str]) -> list[str]:
    from harness.registry import families

    out: list[str] = []
    for name in names:
        if name == "all":
            out.extend(f.name for f in families())
        elif name not in out:
            out.append(name)
    return out


def plan_task(task: Task, spec: RunSpec) -> PlannedTask:
    samples = select_samples(task, seed=spec.seed, limit=spec.limit, data=spec.data)
    requests = [spec.overrides.apply(task.family.build_request(task.config, s), spec.seed) for s in samples]
    return PlannedTask(task=task, samples=samples, requests=requests)


SHARED_WAIT_S = 1800.0  # longest wait for answers another live run is asking (then ask them here)


def backend_cache_name(spec: RunSpec) -> str:
    """The cache namespace of a model: the spec plus every option that can change its answers."""
    return json.dumps(answer_identity(spec.model, spec.backend_options), sort_keys=True)


def default_run_id(spec: RunSpec) -> str:
    fingerprint = json.dumps(
        {"tasks": spec.tasks, "model": backend_cache_name(spec), "seed": spec.seed, "limit": spec.limit,
         "data": spec.data, "settings": spec.settings, "overrides": dataclasses.asdict(spec.overrides)},
        sort_keys=True,
    )
    digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:8]
    tasks = "+".join(spec.tasks) if len(spec.tasks) <= 3 else f"{spec.tasks[0]}+{len(spec.tasks) - 1}more"
    return slug(f"{tasks}__{spec.model}__s{spec.seed}") + f"__{digest}"


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", text).strip("_")[:120]


class LazyBackend:
    """Creates the backend on first use: a run served fully from cache never loads a model."""

    def __init__(self, spec: RunSpec, factory: Callable[[str, BackendOptions], Backend] = make_backend):
        self.spec, self.factory, self.backend, self.calls = spec, factory, None, 0

    def get(self) -> Backend:
        if self.backend is None:
            self.backend = self.factory(self.spec.model, self.spec.backend_options)
        return self.backend

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()


def missing_keys(planned: PlannedTask, cache: ResponseCache, cache_name: str) -> list[str]:
    """Keys of the task's requests that the cache cannot answer."""
    keys = [request_key(cache_name, r) for r in planned.requests]
    cached = cache.get_many(keys)
    return [k for k in dict.fromkeys(keys) if k not in cached]


def execute(planned: PlannedTask, backend: LazyBackend, cache: ResponseCache, cache_name: str, progress: bool,
            shared_wait_s: float = SHARED_WAIT_S) -> tuple[list[Any], int]:
    """Results for every request, from cache or the backend; returns (results, cache hits)."""
    keys = [request_key(cache_name, r) for r in planned.requests]
    cached = cache.get_many(keys)
    results: list[Any] = [cached.get(k) for k in keys]
    hits = sum(r is not None for r in results)
    missing: dict[str, list[int]] = {}
    for i, result in enumerate(results):
        if result is None:
            missing.setdefault(keys[i], []).append(i)  # identical requests are asked once
    if not missing:
        return results, hits
    bar = _progress(len(missing), f"{planned.task.name}", progress)
    mine, theirs = cache.claim(missing)

    def ask(claimed: list[str]) -> None:
        by_kind: dict[str, list[int]] = {}
        for key in claimed:
            by_kind.setdefault(planned.requests[missing[key][0]].kind, []).append(missing[key][0])
        for kind, indices in by_kind.items():
            model = backend.get()
            if kind == "loglikelihood" and not model.supports_loglikelihood:
                raise HarnessError(
                    f"task '{planned.task.name}' needs log-likelihoods, which backend '{model.name}' cannot give;"
                    " use 'local', 'hf:<model>', 'llamacpp:<gguf>' or an openai: completions endpoint with echo+logprobs"
                )
            call = model.generate if kind == "generate" else model.loglikelihood
            for position, result in call([planned.requests[i] for i in indices]):
                index = indices[position]
                backend.calls += 1
                if result.error is None:
                    cache.put(keys[index], result)  # also drops our claim
                else:
                    cache.release([keys[index]])  # another run may try it now
                for same in missing[keys[index]]:
                    results[same] = result
                bar.update(1)

    try:
        ask(mine)
        _wait_for_shared(theirs, missing, results, cache, ask, bar, shared_wait_s)
    finally:
        bar.close()
        cache.release(missing)
    for i, result in enumerate(results):
        if result is None:  # a backend that dropped a request: record it, never lose it silently
            results[i] = Generation(texts=[], finish_reasons=["error"], error="backend returned no result")
    return results, hits


def _wait_for_shared(theirs: list[str], missing: dict[str, list[int]], results: list[Any], cache: ResponseCache,
                     ask: Callable[[list[str]], None], bar: Any, wait_s: float) -> None:
    """Answers to requests another live run claimed: read them from the cache as they land; ask
    here what its claimer dropped (it died, or the request failed there) or, after ``wait_s``,
    everything still missing."""
    pending = set(theirs)
    deadline = time.monotonic() + wait_s

    def take_answers(keys: set[str]) -> set[str]:
        found = cache.get_many(keys)
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
            continue
        time.sleep(0.1)


def _progress(total: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="req", disable=not enabled, leave=False, dynamic_ncols=True)


def sample_line(task: Task, sample: Sample, request: Request, result: Any, record: ScoredSample) -> dict[str, Any]:
    line: dict[str, Any] = {
        "task": task.name,
        "id": record.id,
        "prompt": [dict(m) for m in request.messages] if request.messages is not None else request.prompt,
        "scores": record.scores,
        "answers": [v.answer for v in record.verdicts],
        "completion_scores": [v.scores for v in record.verdicts] if len(record.verdicts) > 1 else None,
        "prompt_tokens": record.prompt_tokens,
        "completion_tokens": record.completion_tokens,
        "error": record.error,
    }
    if isinstance(result, Generation):
        line["responses"] = result.texts
        line["finish_reasons"] = result.finish_reasons
        line["truncated"] = result.truncated
        if result.reasoning and any(result.reasoning):
            line["reasoning"] = result.reasoning
    elif isinstance(result, LoglikelihoodResult):
        line["continuations"] = list(request.continuations)
        line["loglikelihoods"] = [dataclasses.asdict(r) for r in result.results]
    line["sample"] = sample
    return line


def run(spec: RunSpec, backend_factory: Callable[[str, BackendOptions], Backend] = make_backend) -> RunOutcome:
    started = datetime.now(timezone.utc)
    spec.tasks = expand_task_names(spec.tasks)
    check_backend_spec(spec.model)
    check_backend_options(spec.model, spec.backend_options)
    if spec.data is not None and len(spec.tasks) > 1:
        raise HarnessError("--data applies to one task at a time; run each task with its own --data")
    planned: list[PlannedTask] = []
    skipped: dict[str, str] = {}
    for name in spec.tasks:
        task = get_task(name, spec.settings if len(spec.tasks) == 1 else _settings_for(name, spec.settings))
        try:
            planned.append(plan_task(task, spec))
        except HarnessError as exc:
            if not spec.skip_unavailable:
                raise
            skipped[name] = str(exc)
    run_dir = Path(spec.out) if spec.out else Path(spec.results_dir) / default_run_id(spec)
    cache = ResponseCache(spec.cache_path or Path(spec.results_dir) / ".cache" / "responses.sqlite")
    cache_name = backend_cache_name(spec)
    backend = LazyBackend(spec, backend_factory)
    rows: list[dict[str, Any]] = []
    all_records: dict[str, list[ScoredSample]] = {}
    lines: list[dict[str, Any]] = []
    hits = 0
    lock = RunFolderLock(run_dir)
    try:
        if any(missing_keys(item, cache, cache_name) for item in planned):
            backend.get()  # a missing key or an unloadable model fails here, before any folder exists
        lock.acquire()
        for item in planned:
            results, task_hits = execute(item, backend, cache, cache_name, spec.progress)
            hits += task_hits
            records = [score_result(item.task, s, r) for s, r in zip(item.samples, results)]
            all_records[item.task.name] = records
            rows.extend(task_rows(item.task, records))
            lines.extend(sample_line(item.task, s, q, r, rec) for s, q, r, rec in zip(item.samples, item.requests, results, records))
        backend_info = backend.backend.describe() if backend.backend is not None else {"name": spec.model, "loaded": False}
        commit_run_folder(run_dir, lines, rows, _manifest(spec, planned, backend_info, started, all_records,
                                                          backend.calls, hits, skipped))
    finally:
        backend.close()
        cache.close()
        lock.release()
    return RunOutcome(run_dir, rows, all_records, backend.calls, hits, skipped)


def failure_summary(records: dict[str, list[ScoredSample]], limit: int = 6) -> list[str]:
    """One line per distinct cause of failed samples, most frequent first, for stderr."""
    causes = Counter(r.error for rs in records.values() for r in rs if r.error)
    lines = [f"{count} sample{'s' if count > 1 else ''} failed: {cause}; re-run the same command to retry them"
             for cause, count in causes.most_common(limit)]
    rest = causes.most_common()[limit:]
    if rest:
        lines.append(f"{sum(c for _, c in rest)} more samples failed with {len(rest)} other errors (see samples.jsonl)")
    return lines


def _settings_for(name: str, settings: dict[str, str]) -> dict[str, str]:
    """With several tasks, --set applies only where the task has that setting."""
    task = get_task(name)
    fields = {f.name for f in dataclasses.fields(task.config)}
    return {k: v for k, v in settings.items() if k in fields}


def _manifest(spec, planned, backend_info, started, records, calls, hits, skipped) -> dict[str, Any]:
    tasks = {}
    for item in planned:
        defaults = config_as_dict(type(item.task.config)())
        config = config_as_dict(item.task.config)
        tasks[item.task.name] = {
            "family": item.task.family.name,
            "config": config,
            "differs_from_family_defaults": {k: v for k, v in config.items() if defaults.get(k) != v},
            "generation_overrides": {k: v for k, v in dataclasses.asdict(spec.overrides).items() if v is not None},
            "n_samples": len(item.samples),
            "request_settings": item.requests[0].settings.__dict__ if item.requests else None,
        }
    flat = [r for rs in records.values() for r in rs]
    return {
        "model": spec.model,
        "backend": backend_info,
        "tasks": tasks,
        "skipped_tasks": skipped,
        "seed": spec.seed,
        "limit": spec.limit,
        "data": spec.data,
        "command": command_line(),
        "started_at": started.isoformat(),
        "finished_at": datetime.now(timezone.utc).isoformat(),
        "tokens": {
            "prompt": sum(r.prompt_tokens for r in flat),
            "completion": sum(r.completion_tokens for r in flat),
        },
        "requests": {"from_cache": hits, "sent_to_backend": calls},
        "versions": package_versions(),
        "git_commit": git_commit(),
    }
