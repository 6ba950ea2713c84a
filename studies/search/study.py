"""`harness search-study`: sequential search vs parallel sampling at equal compute (Qin et al. 2025,
"To Backtrack or Not to Backtrack"), for any generate family that declares a backtracking prompt
(its ``search_prompt_settings`` hook; countdown and sudoku do).

For each total token budget B per problem, each arm of --strategies (default sequential,parallel):
- sequential: one completion with max_tokens = B and the family's backtracking prompt
  (its search_prompt_settings): one long chain that may search and backtrack;
- parallel: for each n in --parallel-n, n completions with max_tokens = B // n each and the family's
  default prompt; the problem counts as solved if any of them verifies (best-of-n with the verifier);
- forced: the sequential chain under s1's budget forcing (the engine's `forced` strategy): at B thinking
  tokens the end-of-thinking delimiter and an answer cue are appended and the model answers in at most
  --strategy-option answer_tokens more (a chain cut at its budget is otherwise scored as it stands);
- extend: the sequential chain under the engine's `extend` strategy: "Wait" replaces an early stop.
Every arm runs through the engine's strategy layer (sequential and parallel as the trivial `single`).
Accuracy is plotted against the tokens actually generated (summed over a problem's completions),
not the caps. Every completion is a separate request (n=1, seed = seed * 1000 + replicate) that goes
through the runner's response cache, so points share completions (parallel B=1024,n=4 reuses the
cap-256 samples of B=512,n=2) and re-running with a bigger budget list asks the model only for the
new completions. Both strategies sample at the same temperature (default 0.7: parallel sampling at
temperature 0 would repeat one answer n times).

Outputs, in the study folder (default results/search-study__<task>__<model>__s<seed>__<hash>, the
hash leaving budgets and arms out so an extended study updates its own folder): search_study.csv/.md,
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
    HarnessError,
    Request,
    Sample,
    Task,
    get_strategy,
    get_task,
    load_samples,
    open_session,
    run_strategy,
)
from harness.study import (
    config_as_dict,
    count_behaviours,
    model_identity,
    model_written,
    provenance,
    slug,
    strategy_options,
    thinking_efficiency,
    write_json,
    write_samples,
)
from studies.search.points import (
    ARMS,
    PARALLEL,
    SEQUENTIAL,
    Attempt,
    AttemptKey,
    behaviour_csv_lines,
    behaviour_rows,
    format_study_table,
    metric_info,
    mode_table,
    needed_attempts,
    point_outcomes,
    point_row,
    study_csv_lines,
    study_points,
)

DEFAULT_BUDGETS = (512, 1024, 2048, 4096)
DEFAULT_ARMS = (SEQUENTIAL, PARALLEL)
ARM_STRATEGY = {SEQUENTIAL: "single", PARALLEL: "single", "forced": "forced", "extend": "extend"}  # arm -> engine strategy
DEFAULT_PARALLEL_N = (2, 4, 8)
MAX_REPLICATES = 1000  # replicate seeds are seed * 1000 + replicate


@dataclass
class StudySpec:
    """Everything that defines a study; budgets may grow between runs without re-asking anything."""

    task: str
    model: str = "local"
    budgets: tuple[int, ...] = DEFAULT_BUDGETS
    parallel_n: tuple[int, ...] = DEFAULT_PARALLEL_N
    strategies: tuple[str, ...] = DEFAULT_ARMS  # arms: sequential, parallel, forced, extend
    strategy_options: dict[str, str] = field(default_factory=dict)  # forced / extend options (not budget: --budgets)
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
        unknown = [arm for arm in self.strategies if arm not in ARMS]
        if unknown or not self.strategies:
            raise HarnessError(f"--strategies takes arms from {', '.join(ARMS)}, got {', '.join(self.strategies) or 'none'}")
        if "budget" in self.strategy_options:
            raise HarnessError("--strategy-option budget is set per point by --budgets; leave it out")
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


def arm_options(spec: StudySpec) -> dict[str, Any]:
    """Each budget-forcing arm's options from --strategy-option (each arm takes the keys its options
    have; a key no chosen arm has is refused); the budget is set per point."""
    import dataclasses as dc

    chosen = [arm for arm in spec.strategies if ARM_STRATEGY[arm] != "single"]
    known: set[str] = set()
    options: dict[str, Any] = {}
    for arm in chosen:
        strategy = get_strategy(ARM_STRATEGY[arm])
        fields = {f.name for f in dc.fields(strategy.options)} if strategy.options else set()
        known |= fields
        options[arm] = strategy_options(strategy, {k: v for k, v in spec.strategy_options.items() if k in fields})
    stray = sorted(set(spec.strategy_options) - known)
    if stray:
        raise HarnessError(f"--strategy-option {', '.join(stray)}: no chosen arm takes it"
                           f" (arms: {', '.join(spec.strategies)}; forced and extend take delimiter, answer_cue, answer_tokens;"
                           " extend also max_waits and wait)")
    return options


def answer_attempts(session: Any, keys: Sequence[AttemptKey], by_id: dict[str, Sample], task_for: dict[str, Task],
                    spec: StudySpec, options: dict[str, Any]) -> dict[AttemptKey, Any]:
    """A StrategyRecord per attempt, every arm through the engine's strategy layer: the single-call arms
    (sequential, parallel) in one batch, each budget-forcing arm once per budget (its rounds batched)."""
    groups: dict[tuple[str, int], list[AttemptKey]] = {}
    for key in keys:
        arm = key[1]
        groups.setdefault((arm if ARM_STRATEGY[arm] != "single" else "single", key[2] if ARM_STRATEGY[arm] != "single" else 0), []).append(key)
    records: dict[AttemptKey, Any] = {}
    for (arm, budget), group in groups.items():
        strategy = get_strategy(ARM_STRATEGY.get(arm, arm))
        arm_task = task_for[group[0][1]]
        requests = [attempt_request(task_for[k[1]], by_id[k[0]], k[2], k[3], spec) for k in group]
        arm_options = dataclasses.replace(options[arm], budget=budget) if arm in options else None
        with session.requiring(strategy.needs, f"strategy '{strategy.name}' (search-study arm {arm})"):
            found = run_strategy(session, arm_task, [by_id[k[0]] for k in group], requests, strategy, arm_options, spec.seed)
        records.update(zip(group, found))
    return records


def read_attempt(task: Task, sample: Sample, key: AttemptKey, record: Any) -> Attempt:
    """Score one attempt (a strategy's final completion) and read its behaviours and thinking efficiency."""
    sample_id, strategy, cap, replicate = key
    attempt = Attempt(sample_id=sample_id, strategy=strategy, cap=cap, replicate=replicate)
    outcome = record.outcome
    if record.error is not None or outcome is None or not outcome.texts:
        attempt.error = record.error or "no completion returned"
        return attempt
    text = outcome.texts[0]
    primary = task.family.primary_metric
    score = task.family.score
    assert score is not None  # study_tasks() admits generate-scored families only
    verdict = score(task.config, sample, text)
    attempt.text = text
    attempt.completion_tokens = int(record.completion_tokens)
    attempt.finish_reason = (outcome.finish_reasons or ["stop"])[0]
    attempt.verdict = verdict
    attempt.correct = verdict.scores.get(primary) == 1.0
    attempt.inserted = list((outcome.info or {}).get("inserted") or [])  # budget forcing's own words ("Wait", delimiter, cue)
    attempt.behaviours = count_behaviours(model_written(text, attempt.inserted), task.family.behaviour_markers)
    attempt.strategy_scores = dict(outcome.scores)
    attempt.efficiency = thinking_efficiency(text, attempt.completion_tokens,
                                             lambda prefix: score(task.config, sample, prefix).scores.get(primary) == 1.0,
                                             markers=task.family.trace_markers, inserted=attempt.inserted)
    attempt.first_correct_tokens = attempt.efficiency.first_correct_tokens
    return attempt


def run_search_study(spec: StudySpec, backend_factory: Callable[[str, BackendOptions], Backend] | None = None) -> StudyOutcome:
    started = datetime.now(timezone.utc)
    spec.validate()
    budgets = tuple(sorted(set(spec.budgets)))
    parallel_n = tuple(sorted(set(spec.parallel_n)))
    arms = tuple(arm for arm in ARMS if arm in spec.strategies)
    sequential_task, parallel_task = study_tasks(spec)
    options = arm_options(spec)
    samples = load_samples(parallel_task, seed=spec.seed, limit=spec.limit, data=spec.data)
    by_id = {str(s["id"]): s for s in samples}
    points, skipped = study_points(budgets, parallel_n, spec.min_cap, arms)
    keys = needed_attempts(points, by_id)
    task_for = {arm: parallel_task if arm == PARALLEL else sequential_task for arm in ARMS}

    cache_name = model_identity(spec.model, spec.backend_options)
    with open_session(spec.model, backend_options=spec.backend_options, results_dir=spec.results_dir, cache=spec.cache_path,
                      progress=spec.progress, backend_factory=backend_factory) as session:
        records = answer_attempts(session, keys, by_id, task_for, spec, options)
        backend_info = session.backend_info()
    hits = session.hits

    attempts = {key: read_attempt(task_for[key[1]], by_id[key[0]], key, records[key]) for key in keys}
    rows = [point_row(p, point_outcomes(p, samples, attempts), parallel_task.family.primary_metric) for p in points]
    behaviours = behaviour_rows(points, samples, attempts)
    modes = mode_table(points, samples, attempts, _difficulty(parallel_task))
    table = format_study_table(rows, behaviours)

    study_dir = Path(spec.out) if spec.out else Path(spec.results_dir) / study_id(spec, cache_name)
    study_dir.mkdir(parents=True, exist_ok=True)
    _write_outputs(study_dir, spec, budgets, parallel_n, sequential_task, parallel_task, samples, rows, behaviours,
                   attempts, table, skipped, modes)
    from studies.search.plots import figure_accuracy_vs_tokens, plot_accuracy_vs_tokens

    title = f"{spec.task} on {spec.model}: {' vs '.join(ARM_TITLES[arm] for arm in arms)} ({len(samples)} problems)"
    if len(title) > 90:
        title = f"{spec.task} on {spec.model}: {', '.join(arms)} ({len(samples)} problems)"
    plot_accuracy_vs_tokens(rows, study_dir / "search_study.png", title)
    manifest = {
        "kind": "search-study",
        "task": spec.task,
        "model": spec.model,
        "backend": backend_info,
        "budgets": list(budgets),
        "parallel_n": list(parallel_n),
        "strategies": list(arms),
        "strategy_options": {arm: dataclasses.asdict(value) for arm, value in options.items()},
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

    write_study_report(study_dir, manifest, rows, behaviours, figure_accuracy_vs_tokens(rows, title), modes)
    return StudyOutcome(study_dir, rows, behaviours, skipped, session.calls, hits, table)


def _write_outputs(study_dir: Path, spec: StudySpec, budgets, parallel_n, sequential_task: Task, parallel_task: Task,
                   samples: Sequence[Sample], rows, behaviours, attempts: dict[AttemptKey, Attempt], table: str,
                   skipped: list[str], modes: list[dict[str, Any]]) -> None:
    import csv

    for name, lines in (("search_study.csv", study_csv_lines(rows)), ("behaviours.csv", behaviour_csv_lines(behaviours))):
        tmp = study_dir / f"{name}.tmp"
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(lines)
        tmp.replace(study_dir / name)
    header = (
        f"# Search study: {spec.task} on {spec.model}\n\n"
        f"{len(samples)} problems, seed {spec.seed}, temperature {spec.temperature}, budgets {list(budgets)},"
        f" parallel n {list(parallel_n)}, arms {', '.join(spec.strategies)}.\n"
        f"Sequential = one completion of B tokens with {_settings_text(sequential_task)}; parallel = n completions of"
        " B // n tokens with the default prompt, solved if any verifies; forced / extend = the sequential chain under"
        " budget forcing (its end forced at B; 'Wait' for an early stop). Tokens are those actually generated.\n"
    )
    notes = "".join(f"\n- skipped {note}" for note in skipped)
    tmp = study_dir / "search_study.md.tmp"
    tmp.write_text(header + "\n```\n" + table + "\n```\n" + notes + "\n", encoding="utf-8")
    tmp.replace(study_dir / "search_study.md")
    by_id = {str(s["id"]): s for s in samples}
    write_samples(study_dir / "attempts.jsonl", [  # task, id, sample, response: what `harness behaviours` reads
        {
            "task": (parallel_task if a.strategy == PARALLEL else sequential_task).name, "id": a.sample_id,
            "label": f"{a.strategy} cap={a.cap} #{a.replicate}",
            "strategy": a.strategy, "cap": a.cap, "replicate": a.replicate,
            "completion_tokens": a.completion_tokens, "finish_reason": a.finish_reason, "correct": a.correct,
            "answer": a.verdict.answer if a.verdict else None, "scores": a.verdict.scores if a.verdict else None,
            "behaviours": a.behaviours, "first_correct_tokens": a.first_correct_tokens,
            "efficiency": a.efficiency.to_json() if a.efficiency else None, "strategy_scores": a.strategy_scores or None,
            "inserted": a.inserted or None,
            "error": a.error,
            "response": a.text, "sample": by_id.get(a.sample_id),
        }
        for a in attempts.values()
    ])
    write_json(study_dir / "study.json", {
        "rows": [{**{k: v for k, v in r.items() if k != "metrics"}, "metrics": {k: m.to_json() for k, m in r["metrics"].items()}} for r in rows],
        "behaviours": [{**{k: v for k, v in r.items() if k != "metrics"}, "metrics": {k: m.to_json() for k, m in r["metrics"].items()}} for r in behaviours],
        "skipped_points": skipped,
        "thinking_modes": [{k: (v.to_json() if hasattr(v, "to_json") else v) for k, v in row.items()} for row in modes],
        "metric_info": metric_info(rows),
    })


def _settings_text(task: Task) -> str:
    settings = task.family.search_prompt_settings or {}
    return ", ".join(f"{key}={value}" for key, value in settings.items())


ARM_TITLES = {SEQUENTIAL: "sequential backtracking", PARALLEL: "parallel best-of-n", "forced": "budget forcing (forced)",
              "extend": "budget forcing (extend)"}


def _difficulty(task: Task) -> Any:
    """How the think-mode table groups problems: the family's groups (Sudoku size, CounterBench graph), else one."""
    def of(sample: Sample) -> str:
        if task.family.group_keys is None:
            return "all"
        try:
            return ", ".join(f"{k}={v}" for k, v in task.family.group_keys(sample).items()) or "all"
        except Exception:  # noqa: BLE001 - a sample without the group's field is in no group
            return "all"
    return of
