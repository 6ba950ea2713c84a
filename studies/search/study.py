"""`harness search-study`: sequential search vs parallel sampling at equal compute (Qin et al. 2025,
"To Backtrack or Not to Backtrack"), for any generate family that declares a backtracking prompt
(its ``search_prompt_settings`` hook; countdown and sudoku do).

For each total token budget B per problem:
- sequential: one completion with max_tokens = B and the family's backtracking prompt
  (its search_prompt_settings): one long chain that may search and backtrack;
- parallel: for each n in --parallel-n, n completions with max_tokens = B // n each and the family's
  default prompt; the problem counts as solved if any of them verifies (best-of-n with the verifier).
Accuracy is plotted against the tokens actually generated (summed over a problem's completions),
not the caps. Every completion is a separate request (n=1, seed = seed * 1000 + replicate) that goes
through the runner's response cache, so points share completions (parallel B=1024,n=4 reuses the
cap-256 samples of B=512,n=2) and re-running with a bigger budget list asks the model only for the
new completions. Both strategies sample at the same temperature (default 0.7: parallel sampling at
temperature 0 would repeat one answer n times).

Outputs, in the study folder (default results/search-study__<task>__<model>__s<seed>__<hash>, the
hash leaving budgets out so an extended study updates its own folder): search_study.csv/.md,
behaviours.csv, search_study.png, attempts.jsonl (one line per completion), study.json, manifest.json.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness import (
    Backend,
    BackendOptions,
    Generation,
    HarnessError,
    Request,
    Sample,
    Task,
    get_task,
    load_samples,
    open_session,
)
from harness.study import (
    config_as_dict,
    count_behaviours,
    first_correct_position,
    model_identity,
    provenance,
    slug,
    tokens_at_position,
    write_json,
    write_samples,
)
from studies.search.points import (
    PARALLEL,
    SEQUENTIAL,
    Attempt,
    AttemptKey,
    behaviour_csv_lines,
    behaviour_rows,
    format_study_table,
    needed_attempts,
    point_outcomes,
    point_row,
    study_csv_lines,
    study_points,
)

DEFAULT_BUDGETS = (512, 1024, 2048, 4096)
DEFAULT_PARALLEL_N = (2, 4, 8)
MAX_REPLICATES = 1000  # replicate seeds are seed * 1000 + replicate


@dataclass
class StudySpec:
    """Everything that defines a study; budgets may grow between runs without re-asking anything."""

    task: str
    model: str = "local"
    budgets: tuple[int, ...] = DEFAULT_BUDGETS
    parallel_n: tuple[int, ...] = DEFAULT_PARALLEL_N
    min_cap: int = 32
    temperature: float = 0.7
    top_p: float = 1.0
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
        if not self.budgets or any(b < 1 for b in self.budgets):
            raise HarnessError(f"--budgets must be positive token counts, got {list(self.budgets)}")
        if not self.parallel_n or any(n < 1 or n >= MAX_REPLICATES for n in self.parallel_n):
            raise HarnessError(f"--parallel-n values must be between 1 and {MAX_REPLICATES - 1}, got {list(self.parallel_n)}")
        if self.min_cap < 1:
            raise HarnessError(f"--min-cap must be >= 1, got {self.min_cap}")
        if not 0.0 < self.temperature <= 10.0:
            raise HarnessError(f"--temperature must be in (0, 10] (parallel samples at temperature 0 would all be the same), got {self.temperature}")


@dataclass
class StudyOutcome:
    study_dir: Path
    rows: list[dict[str, Any]]
    behaviours: list[dict[str, Any]]
    skipped_points: list[str]
    backend_calls: int
    cache_hits: int
    table: str


def study_tasks(spec: StudySpec) -> tuple[Task, Task]:
    """(sequential task with the backtracking prompt, parallel task with the default prompt)."""
    parallel = get_task(spec.task, spec.settings)
    search_settings = parallel.family.search_prompt_settings
    if not search_settings:
        from harness.study import families

        offering = ", ".join(f.name for f in families() if f.search_prompt_settings) or "none installed"
        raise HarnessError(
            f"task '{spec.task}' declares no backtracking prompt (the family's search_prompt_settings hook),"
            f" so the sequential strategy has nothing to run; families that declare one: {offering}"
        )
    if parallel.family.score is None:
        raise HarnessError(f"task '{spec.task}' is not scored from generated text; the search study needs a generate task")
    sequential = get_task(spec.task, {**spec.settings, **search_settings})
    return sequential, parallel


def study_id(spec: StudySpec, cache_name: str) -> str:
    fingerprint = json.dumps(
        {"task": spec.task, "model": cache_name, "seed": spec.seed, "limit": spec.limit, "data": spec.data,
         "settings": spec.settings, "temperature": spec.temperature, "top_p": spec.top_p},
        sort_keys=True,
    )
    digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:8]
    return slug(f"search-study__{spec.task}__{spec.model}__s{spec.seed}") + f"__{digest}"


def attempt_request(task: Task, sample: Sample, cap: int, replicate: int, spec: StudySpec) -> Request:
    """The family's request for one completion, with the study's cap, temperature and seed."""
    request = task.family.build_request(task.config, sample)
    if request.kind != "generate":
        raise HarnessError(f"task '{task.name}' is scored by log-likelihood; the search study needs generated text")
    settings = dataclasses.replace(
        request.settings, max_tokens=cap, temperature=spec.temperature, top_p=spec.top_p, n=1,
        seed=spec.seed * MAX_REPLICATES + replicate,
    )
    return dataclasses.replace(request, settings=settings)


def read_attempt(task: Task, sample: Sample, key: AttemptKey, result: Generation) -> Attempt:
    """Score one completion and read its behaviours and first-correct position."""
    sample_id, strategy, cap, replicate = key
    attempt = Attempt(sample_id=sample_id, strategy=strategy, cap=cap, replicate=replicate)
    if result.error is not None or not result.texts:
        attempt.error = result.error or "no completion returned"
        return attempt
    text = result.texts[0]
    tokens = result.completion_tokens[0] if result.completion_tokens else 0
    primary = task.family.primary_metric
    score = task.family.score
    assert score is not None  # study_tasks() admits generate-scored families only
    verdict = score(task.config, sample, text)
    attempt.text = text
    attempt.completion_tokens = int(tokens)
    attempt.finish_reason = result.finish_reasons[0] if result.finish_reasons else "stop"
    attempt.verdict = verdict
    attempt.correct = verdict.scores.get(primary) == 1.0
    attempt.behaviours = count_behaviours(text, task.family.behaviour_markers)
    position = first_correct_position(
        text, lambda prefix: score(task.config, sample, prefix).scores.get(primary) == 1.0,
        markers=task.family.trace_markers)
    if position is not None:
        attempt.first_correct_tokens = tokens_at_position(text, position, attempt.completion_tokens)
    return attempt


def run_search_study(spec: StudySpec, backend_factory: Callable[[str, BackendOptions], Backend] | None = None) -> StudyOutcome:
    started = datetime.now(timezone.utc)
    spec.validate()
    budgets = tuple(sorted(set(spec.budgets)))
    parallel_n = tuple(sorted(set(spec.parallel_n)))
    sequential_task, parallel_task = study_tasks(spec)
    samples = load_samples(parallel_task, seed=spec.seed, limit=spec.limit, data=spec.data)
    by_id = {str(s["id"]): s for s in samples}
    points, skipped = study_points(budgets, parallel_n, spec.min_cap)
    keys = needed_attempts(points, by_id)
    task_for = {SEQUENTIAL: sequential_task, PARALLEL: parallel_task}
    requests = [attempt_request(task_for[k[1]], by_id[k[0]], k[2], k[3], spec) for k in keys]

    cache_name = model_identity(spec.model, spec.backend_options)
    with open_session(spec.model, backend_options=spec.backend_options, results_dir=spec.results_dir, cache=spec.cache_path,
                      progress=spec.progress, backend_factory=backend_factory) as session:
        results = session.ask(requests, spec.task)
        backend_info = session.backend_info()
    hits = session.hits

    attempts = {key: read_attempt(task_for[key[1]], by_id[key[0]], key, result) for key, result in zip(keys, results)}
    rows = [point_row(p, point_outcomes(p, samples, attempts), parallel_task.family.primary_metric) for p in points]
    behaviours = behaviour_rows(points, samples, attempts)
    table = format_study_table(rows, behaviours)

    study_dir = Path(spec.out) if spec.out else Path(spec.results_dir) / study_id(spec, cache_name)
    study_dir.mkdir(parents=True, exist_ok=True)
    _write_outputs(study_dir, spec, budgets, parallel_n, sequential_task, parallel_task, samples, rows, behaviours,
                   attempts, table, skipped)
    from studies.search.plots import figure_accuracy_vs_tokens, plot_accuracy_vs_tokens

    title = f"{spec.task} on {spec.model}: sequential backtracking vs parallel best-of-n ({len(samples)} problems)"
    plot_accuracy_vs_tokens(rows, study_dir / "search_study.png", title)
    manifest = {
        "kind": "search-study",
        "task": spec.task,
        "model": spec.model,
        "backend": backend_info,
        "budgets": list(budgets),
        "parallel_n": list(parallel_n),
        "min_cap": spec.min_cap,
        "temperature": spec.temperature,
        "top_p": spec.top_p,
        "seed": spec.seed,
        "limit": spec.limit,
        "data": spec.data,
        "settings": spec.settings,
        "sequential_config": config_as_dict(sequential_task.config),
        "parallel_config": config_as_dict(parallel_task.config),
        "skipped_points": skipped,
        "requests": {"completions": len(keys), "from_cache": hits, "sent_to_backend": session.calls},
        "tokens": {"completion": sum(a.completion_tokens for a in attempts.values())},
        "started_at": started.isoformat(),
        "finished_at": datetime.now(timezone.utc).isoformat(),
        **provenance(),
    }
    write_json(study_dir / "manifest.json", manifest)
    from studies.search.report import write_study_report

    write_study_report(study_dir, manifest, rows, behaviours, figure_accuracy_vs_tokens(rows, title))
    return StudyOutcome(study_dir, rows, behaviours, skipped, session.calls, hits, table)


def _write_outputs(study_dir: Path, spec: StudySpec, budgets, parallel_n, sequential_task: Task, parallel_task: Task,
                   samples: Sequence[Sample], rows, behaviours, attempts: dict[AttemptKey, Attempt], table: str,
                   skipped: list[str]) -> None:
    import csv

    for name, lines in (("search_study.csv", study_csv_lines(rows)), ("behaviours.csv", behaviour_csv_lines(behaviours))):
        tmp = study_dir / f"{name}.tmp"
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(lines)
        tmp.replace(study_dir / name)
    header = (
        f"# Search study: {spec.task} on {spec.model}\n\n"
        f"{len(samples)} problems, seed {spec.seed}, temperature {spec.temperature}, budgets {list(budgets)},"
        f" parallel n {list(parallel_n)}.\n"
        f"Sequential = one completion of B tokens with {_settings_text(sequential_task)}; parallel = n completions of"
        " B // n tokens with the default prompt, solved if any verifies. Tokens are those actually generated.\n"
    )
    notes = "".join(f"\n- skipped {note}" for note in skipped)
    tmp = study_dir / "search_study.md.tmp"
    tmp.write_text(header + "\n```\n" + table + "\n```\n" + notes + "\n", encoding="utf-8")
    tmp.replace(study_dir / "search_study.md")
    task_for = {SEQUENTIAL: sequential_task, PARALLEL: parallel_task}
    by_id = {str(s["id"]): s for s in samples}
    write_samples(study_dir / "attempts.jsonl", [  # task, id, sample, response: what `harness behaviours` reads
        {
            "task": task_for[a.strategy].name, "id": a.sample_id, "label": f"{a.strategy} cap={a.cap} #{a.replicate}",
            "strategy": a.strategy, "cap": a.cap, "replicate": a.replicate,
            "completion_tokens": a.completion_tokens, "finish_reason": a.finish_reason, "correct": a.correct,
            "answer": a.verdict.answer if a.verdict else None, "scores": a.verdict.scores if a.verdict else None,
            "behaviours": a.behaviours, "first_correct_tokens": a.first_correct_tokens, "error": a.error,
            "response": a.text, "sample": by_id.get(a.sample_id),
        }
        for a in attempts.values()
    ])
    write_json(study_dir / "study.json", {
        "rows": [{**{k: v for k, v in r.items() if k != "metrics"}, "metrics": {k: m.to_json() for k, m in r["metrics"].items()}} for r in rows],
        "behaviours": [{**{k: v for k, v in r.items() if k != "metrics"}, "metrics": {k: m.to_json() for k, m in r["metrics"].items()}} for r in behaviours],
        "skipped_points": skipped,
    })


def _settings_text(task: Task) -> str:
    settings = task.family.search_prompt_settings or {}
    return ", ".join(f"{key}={value}" for key, value in settings.items())
