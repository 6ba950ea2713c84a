"""`harness backtrack-study`: does a model correct a trace once it knows where the mistake is?
(Tyen et al. 2024, "LLMs cannot find reasoning errors, but can correct them!", §4, Table 6.)

For each trace of the task (a family that declares ``step_traces``: mistake-finding, original or
generated) and each location source (gold, random, a model's own: studies/backtrack/locations.py),
the step at the location is drawn again at temperature 1 until it differs from the original (at
most 8 draws), then the model continues greedily (studies/backtrack/strategy.py). The table gives
accuracy before and after, and the change on the traces right before and on those wrong before,
over all traces and per source task (studies/backtrack/table.py).

Outputs in the study folder (default results/backtrack-study__<task>__<model>__s<seed>__<hash>):
backtrack.md/.csv (the table), study.json (the rows with intervals), traces.jsonl (each trace
under each source: location, draws, the new step, the new steps, answers), report.html,
manifest.json. Every request is cached, so a re-run asks nothing and adding a location source
asks only what is new.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness import Backend, BackendOptions, HarnessError, Sample, Task, get_task, load_samples, open_session, run_strategy
from harness.study import config_as_dict, families, model_identity, provenance, slug, write_json, write_samples
from studies.backtrack.locations import locations, model_answers
from studies.backtrack.strategy import BACKTRACK, LOCATION, BacktrackOptions
from studies.backtrack.table import HEAD, TraceResult, format_table, metrics_json, rows, text_rows


@dataclass
class StudySpec:
    task: str
    model: str = "local"
    sources: tuple[str, ...] = ("gold", "random")
    from_run: str | None = None
    options: BacktrackOptions = field(default_factory=BacktrackOptions)
    seed: int = 0
    limit: int | None = 20
    data: str | None = None
    settings: dict[str, str] = field(default_factory=dict)
    backend_options: BackendOptions = field(default_factory=BackendOptions)
    out: str | None = None
    results_dir: str = "results"
    cache_path: str | None = None
    progress: bool = True

    def validate(self) -> None:
        try:
            self.options.validate()
        except ValueError as exc:
            raise HarnessError(f"backtrack-study: {exc}") from None
        if ("model" in self.sources) != (self.from_run is not None):
            raise HarnessError("--locations model needs --from-run RUN_FOLDER (a mistake-finding run over the same traces),"
                               " and --from-run needs 'model' in --locations")


@dataclass
class StudyOutcome:
    study_dir: Path
    rows: list[dict[str, Any]]
    results: dict[str, list[TraceResult]]
    backend_calls: int
    cache_hits: int
    table: str


def study_task(spec: StudySpec) -> Task:
    task = get_task(spec.task, spec.settings)
    if task.family.step_traces is None:
        offering = ", ".join(f.name for f in families() if f.step_traces) or "none installed"
        raise HarnessError(f"task '{spec.task}' holds no step-by-step traces to backtrack (its family declares no"
                           f" step_traces); families that do: {offering}")
    return task


def study_id(spec: StudySpec, cache_name: str) -> str:
    fingerprint = json.dumps({"task": spec.task, "model": cache_name, "seed": spec.seed, "limit": spec.limit, "data": spec.data,
                              "settings": spec.settings, "options": config_as_dict(spec.options), "from_run": spec.from_run},
                             sort_keys=True)
    return slug(f"backtrack-study__{spec.task}__{spec.model}__s{spec.seed}") + "__" + hashlib.sha256(fingerprint.encode()).hexdigest()[:8]


def run_backtrack_study(spec: StudySpec, backend_factory: Callable[[str, BackendOptions], Backend] | None = None) -> StudyOutcome:
    started = datetime.now(timezone.utc)
    spec.validate()
    task = study_task(spec)
    hooks = task.family.step_traces
    assert hooks is not None
    samples = load_samples(task, seed=spec.seed, limit=spec.limit, data=spec.data)
    answers = model_answers(spec.from_run, samples) if spec.from_run else None
    where = {source: locations(source, samples, hooks, spec.seed, answers) for source in spec.sources}
    units, requests = [], []
    for source in spec.sources:
        for sample, k in zip(samples, where[source]):
            if k is not None:
                unit = {**sample, LOCATION: k}
                units.append((source, unit))
                requests.append(hooks.next_step(task.config, unit, hooks.steps(unit)[:k]))
    cache_name = model_identity(spec.model, spec.backend_options)
    with open_session(spec.model, backend_options=spec.backend_options, results_dir=spec.results_dir, cache=spec.cache_path,
                      progress=spec.progress, backend_factory=backend_factory) as session:
        with session.requiring(BACKTRACK.needs, "the backtracking study"):
            records = run_strategy(session, task, [u for _, u in units], requests, BACKTRACK, spec.options, spec.seed)
        backend_info = session.backend_info()
    done = {(source, str(unit["id"])): record for (source, unit), record in zip(units, records)}
    results = {source: [_result(task, hooks, sample, k, done.get((source, str(sample["id"]))))
                        for sample, k in zip(samples, where[source])] for source in spec.sources}
    table_rows = rows(results)
    table = format_table(table_rows)
    study_dir = Path(spec.out) if spec.out else Path(spec.results_dir) / study_id(spec, cache_name)
    study_dir.mkdir(parents=True, exist_ok=True)
    manifest = {
        "kind": "backtrack-study", "task": spec.task, "model": spec.model, "backend": backend_info, "seed": spec.seed,
        "limit": spec.limit, "data": spec.data, "settings": spec.settings, "locations": list(spec.sources),
        "from_run": spec.from_run, "options": config_as_dict(spec.options), "task_config": config_as_dict(task.config),
        "requests": {"asked": sum(len(r.trace) for r in records), "from_cache": session.hits, "sent_to_backend": session.calls},
        "tokens": {"prompt": sum(r.prompt_tokens for r in records), "completion": sum(r.completion_tokens for r in records)},
        "started_at": started.isoformat(), "finished_at": datetime.now(timezone.utc).isoformat(), **provenance(),
    }
    _write_outputs(study_dir, spec, samples, results, table_rows, table, manifest)
    return StudyOutcome(study_dir, table_rows, results, session.calls, session.hits, table)


def _result(task: Task, hooks, sample: Sample, k: int | None, record) -> TraceResult:
    groups = task.family.group_keys(sample) if task.family.group_keys else {}
    group = str(next(iter(groups.values()), "")) if groups else ""
    right_before = hooks.is_right(sample, hooks.answer(hooks.steps(sample)))
    result = TraceResult(str(sample["id"]), group, right_before, k, right_before)
    if record is None:
        return result
    if record.outcome is None:
        result.error = record.error
        return result
    scores, info = record.outcome.scores, record.outcome.info
    result.right_after, result.changed, result.draws = scores["right_after"] == 1.0, scores["changed"] == 1.0, int(scores["draws"])
    result.new_step, result.steps, result.answer = info["new_step"], info["steps"], info["answer"]
    return result


def _write_outputs(study_dir: Path, spec: StudySpec, samples: Sequence[Sample], results, table_rows, table: str,
                   manifest: dict[str, Any]) -> None:
    import csv

    tmp = study_dir / "backtrack.csv.tmp"
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([list(HEAD), *text_rows(table_rows)])
    tmp.replace(study_dir / "backtrack.csv")
    header = (f"# Backtracking study: {spec.task} on {spec.model}\n\n{len(samples)} traces, seed {spec.seed}; the step at the"
              f" location drawn again at temperature {spec.options.temperature} until it differs (at most"
              f" {spec.options.max_draws} draws), then continued greedily. Δ in percentage points, 95% Wilson intervals.\n")
    tmp = study_dir / "backtrack.md.tmp"
    tmp.write_text(header + "\n```\n" + table + "\n```\n", encoding="utf-8")
    tmp.replace(study_dir / "backtrack.md")
    by_id = {str(s["id"]): s for s in samples}
    write_samples(study_dir / "traces.jsonl", [
        {"id": r.sample_id, "location_source": source, "location": r.location, "source_task": r.group,
         "right_before": r.right_before, "right_after": r.right_after, "changed": r.changed, "draws": r.draws,
         "original_step": None if r.location is None else by_id[r.sample_id]["steps"][r.location],
         "new_step": r.new_step, "new_steps": r.steps, "new_answer": r.answer, "error": r.error}
        for source, items in results.items() for r in items])
    write_json(study_dir / "study.json", {"rows": metrics_json(table_rows)})
    write_json(study_dir / "manifest.json", manifest)
    from studies.backtrack.report import write_study_report

    write_study_report(study_dir, manifest, table_rows)
