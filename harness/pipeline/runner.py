"""Plan -> execute -> report for one or more tasks on one model.

plan:    choose samples (seeded), build each sample's request, apply the CLI's generation overrides
         (harness.pipeline.plan)
execute: look every request up in the response cache; send only the missing ones to the backend
         (harness.pipeline.execute)
report:  score with the family's pure scorer, write the run folder as one commit (manifest last,
         holding the other files' hashes; harness.report.run_folder), return the metrics rows

The run folder is created only once the run can start (backend made, folder locked): a missing API
key or a bad option leaves nothing behind, and a second run into the same folder stops at once with
"<folder> is being written by pid N" (harness.core.run_lock).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness.backends import BackendOptions, check_backend_options, check_backend_spec, make_backend
from harness.backends.base import Backend
from harness.core.errors import counted, is_permanent_error
from harness.core.files import command_line, git_commit, package_versions
from harness.core.registry import Task
from harness.core.run_lock import RunFolderLock
from harness.core.types import Generation, LoglikelihoodResult, Request, Sample, ScoredSample
from harness.pipeline.execute import ModelSession, resume_line
from harness.pipeline.plan import (
    GenerationOverrides,
    PlannedTask,
    RunSpec,
    command_settings,
    default_run_id,
    plan_tasks,
    task_config_record,
)
from harness.pipeline.preview import preview_lines
from harness.pipeline.scoring import score_result, score_strategy_record
from harness.report.failures import failure_cause
from harness.report.run_folder import commit_run_folder, stage_samples
from harness.report.tables import metric_info as task_metric_info
from harness.report.tables import task_rows

LOADING_NOTICE_S = 2.0  # a model load longer than this is announced

__all__ = ["GenerationOverrides", "RunSpec", "RunOutcome", "run", "sample_line", "failure_summary"]


@dataclass
class RunOutcome:
    run_dir: Path
    rows: list[dict[str, Any]]
    records: dict[str, list[ScoredSample]]
    backend_calls: int
    cache_hits: int
    skipped: dict[str, str]
    metric_info: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)


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
    if record.unparsed_reasons:
        line["unparsed_reasons"] = record.unparsed_reasons
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


def answer_with_strategy(session: ModelSession, item: PlannedTask, seed: int) -> tuple[list[ScoredSample], list[dict[str, Any]]]:
    """A task answered by its strategy: every sample's program driven over the session, each final
    outcome scored by the family's scorer, and each sample's line with the strategy's trace."""
    from harness.strategies.driver import outcome_result, run_strategy

    strategy = item.strategy
    assert strategy is not None
    with session.requiring(strategy.needs, f"strategy '{strategy.name}'"):
        outcomes = run_strategy(session, item.task, item.samples, item.requests, strategy, item.strategy_options, seed)
    records, lines = [], []
    for sample, request, outcome in zip(item.samples, item.requests, outcomes):
        record = score_strategy_record(item.task, sample, outcome)
        result = (outcome_result(outcome.outcome) if outcome.outcome is not None
                  else Generation(texts=[], finish_reasons=[], error=outcome.error))
        line = sample_line(item.task, sample, request, result, record)
        line["strategy"] = strategy.name
        line["trace"] = [step.to_json() for step in outcome.trace]
        if outcome.outcome is not None and outcome.outcome.info:
            line["strategy_info"] = outcome.outcome.info
        records.append(record)
        lines.append(line)
    return records, lines


def load_backend(session: ModelSession, spec: RunSpec, notify: Callable[[str], None] | None) -> None:
    """Load the model now; when that takes more than LOADING_NOTICE_S (a busy box, a first use), say
    so, so the screen is never silent before the first progress bar. A model that fails at once
    (a missing folder) still fails with its one line."""
    timer = None
    if notify and spec.progress:
        timer = threading.Timer(LOADING_NOTICE_S, notify, args=(f"loading {spec.model} ...",))
        timer.daemon = True
        timer.start()
    try:
        session.backend.get()
    finally:
        if timer is not None:
            timer.cancel()


def run(spec: RunSpec, backend_factory: Callable[[str, BackendOptions], Backend] = make_backend,
        notify: Callable[[str], None] | None = None) -> RunOutcome:
    """``notify`` gets one-line status messages for the user (the CLI prints them on stderr)."""
    started = datetime.now(timezone.utc)
    check_backend_spec(spec.model)
    check_backend_options(spec.model, spec.backend_options)
    planned, skipped = plan_tasks(spec)
    run_dir = Path(spec.out) if spec.out else Path(spec.results_dir) / default_run_id(spec)
    rows: list[dict[str, Any]] = []
    all_records: dict[str, list[ScoredSample]] = {}
    metric_info: dict[str, dict[str, Any]] = {}
    lock = RunFolderLock(run_dir)
    fitted: dict[str, dict[str, Any] | None] = {}
    with ModelSession(spec, backend_factory) as session:
        try:
            # a strategy's requests are known only as it runs: its model loads on its first uncached one
            # presence only: the answers are read back a chunk at a time as they are scored (answer_stream)
            lookups = [session.look_up(item.requests, load=False) if item.strategy is None else None for item in planned]
            lock.check_free()  # a folder another run is writing: refused before the model loads
            if any(lookup.missing for lookup in lookups if lookup is not None):
                load_backend(session, spec, notify)  # a missing key or an unloadable model fails here, before any folder exists
            lock.acquire()
            known = [lookup for lookup in lookups if lookup is not None]
            if notify and spec.progress:  # once the run can start: a mistake stays one line
                for message in preview_lines(spec, [p for p, lk in zip(planned, lookups) if lk is not None], known,
                                             session.cache, session.cache_name):
                    notify(message)
            line = resume_line([lookup for lookup in lookups if lookup is not None])
            if line and notify:
                notify(line)  # before the first request: the user knows a resume is a resume

            def task_lines() -> Iterator[dict[str, Any]]:
                """Each task's sample lines as they are scored (written at once by stage_samples, none
                held); its records, metrics rows and fitted-max_tokens note once it is done."""
                for item, lookup in zip(planned, lookups):
                    limits: list[int] = []
                    if item.strategy is None:
                        records: list[ScoredSample] = []
                        answers = session.answer_stream(item.task, item.requests, lookup)
                        for sample, request, result in zip(item.samples, item.requests, answers):
                            record = score_result(item.task, sample, result)
                            records.append(record)
                            if isinstance(result, Generation) and result.max_tokens is not None:
                                limits.append(result.max_tokens)
                            yield sample_line(item.task, sample, request, result, record)
                    else:
                        records, strategy_lines = answer_with_strategy(session, item, spec.seed)
                        yield from strategy_lines
                    all_records[item.task.name] = records
                    task_row_list = task_rows(item.task, records)
                    fit = fitted[item.task.name] = fitted_note(item.requests, limits)
                    if fit:
                        task_row_list[0]["notes"] = [fit["note"]]
                    rows.extend(task_row_list)
                    metric_info[item.task.name] = task_metric_info(item.task, task_row_list)

            staged = stage_samples(run_dir, task_lines())
            backend_info = session.backend_info()
            prefills = {item.task.name: prefill_note(item.requests, session.backend.backend) for item in planned}
            commit_run_folder(run_dir, staged, rows, _manifest(spec, planned, backend_info, started, all_records,
                                                              session.calls, session.hits, skipped, prefills, fitted),
                              metric_info, keep_if_unchanged=session.calls == 0)
            from harness.report.html import try_write_report

            try_write_report(run_dir)  # a view of the committed files, rebuilt from them when missing
        finally:
            lock.release()
    return RunOutcome(run_dir, rows, all_records, session.calls, session.hits, skipped, metric_info)


def fitted_max_tokens(requests: Sequence[Request], results: Sequence[Any]) -> dict[str, Any] | None:
    """For the manifest and the table: how the backend fitted max_tokens to its context, when it did
    (the protocol asked for more new tokens than the model's context leaves after the prompt)."""
    return fitted_note(requests, [r.max_tokens for r in results if isinstance(r, Generation) and r.max_tokens is not None])


def fitted_note(requests: Sequence[Request], limits: Sequence[int]) -> dict[str, Any] | None:
    """fitted_max_tokens from the fitted limits alone (a streaming run keeps only those numbers)."""
    if not limits:
        return None
    asked = max(q.settings.max_tokens for q in requests)
    low, high = min(limits), max(limits)
    span = f"{low}" if low == high else f"{low}-{high}"
    return {"asked": asked, "fitted_min": low, "fitted_max": high, "samples": len(limits),
            "note": f"max_tokens {asked} is more than the model's context leaves: fitted to the context minus"
                    f" the prompt ({span} tokens) for {counted(len(limits), 'sample')}"}


def failure_summary(records: dict[str, list[ScoredSample]], limit: int = 6) -> list[str]:
    """One line per cause of failed samples, most frequent first, for stderr: one example message per
    cause, and re-run advice only where a re-run can help (not for a permanent error)."""
    groups: dict[str, list[str]] = {}
    for rs in records.values():
        for r in rs:
            if r.error:
                groups.setdefault(failure_cause(r.error), []).append(r.error)
    ranked = sorted(groups.values(), key=len, reverse=True)
    lines = []
    for errors in ranked[:limit]:
        advice = "" if is_permanent_error(errors[0]) else "; re-run the same command to retry them"
        example = errors[0] if len(set(errors)) == 1 else f"{errors[0]} (first of {len(errors)}; see samples.jsonl)"
        lines.append(f"{counted(len(errors), 'sample')} failed: {example}{advice}")
    rest = ranked[limit:]
    if rest:
        lines.append(f"{sum(len(e) for e in rest)} more samples failed with {len(rest)} other errors (see samples.jsonl)")
    return lines


def prefill_note(requests: Sequence[Request], backend: Backend | None) -> dict[str, Any] | None:
    """For the manifest: the assistant prefill a task asks for and whether the backend sent it as the
    start of the model's turn (a chat API cannot: then the model answered without it)."""
    prefilled = [r for r in requests if r.assistant_prefill]
    if not prefilled:
        return None
    if backend is None:
        return {"text": prefilled[0].assistant_prefill, "sent": None, "note": "every answer came from the cache"}
    sends = getattr(backend, "sends_assistant_prefill", lambda r: r.messages is None)
    sent = all(sends(r) for r in prefilled)
    note = ("sent as the start of the assistant turn" if sent else
            f"NOT sent: backend '{getattr(backend, 'name', '?')}' cannot prefill a chat turn; the model began its answer itself")
    return {"text": prefilled[0].assistant_prefill, "sent": sent, "note": note}


def _manifest(spec, planned, backend_info, started, records, calls, hits, skipped, prefills=None, fitted=None) -> dict[str, Any]:
    from harness.strategies.registry import options_as_dict

    tasks = {}
    for item in planned:
        tasks[item.task.name] = {
            **task_config_record(item.task, spec.overrides),
            "n_samples": len(item.samples),
            "request_settings": item.requests[0].settings.__dict__ if item.requests else None,
        }
        if item.strategy is not None:
            tasks[item.task.name]["strategy"] = {"name": item.strategy.name, "options": options_as_dict(item.strategy_options)}
        if (prefills or {}).get(item.task.name):
            tasks[item.task.name]["assistant_prefill"] = prefills[item.task.name]
        if (fitted or {}).get(item.task.name):
            tasks[item.task.name]["max_tokens_fitted"] = fitted[item.task.name]
    flat = [r for rs in records.values() for r in rs]
    return {
        "model": spec.model,
        "backend": backend_info,
        "tasks": tasks,
        "skipped_tasks": skipped,
        "seed": spec.seed,
        "limit": spec.limit,
        "data": spec.data,
        "settings": command_settings(spec),
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
