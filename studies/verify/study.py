"""`harness verify-study`: choosing one answer among N sampled completions, by voting, by the model's
own likelihoods, or by reasoning backwards, against N and against the tokens each way costs.

For every task, sample N forward completions per problem (seeded, cached, shared by every
selector), then let each selector pick one; the family's scorer grades the pick. The selectors are
the engine's strategies (harness/strategies/): ``majority`` (self-consistency), ``forward-lp``
(mean token log P(response | prompt)), ``trlm`` (time-reversed scoring, log P(question | response)),
``fobar`` (backward checks by masking a number of the question) and ``oracle`` (pass@N, the
ceiling). Each runs at every N of the curve (1, 2, 4, ... up to --n): the draws of a smaller N are
the first draws of the larger one, and FOBAR's backward chains are seeded by (masked question,
candidate, chain), so the smaller points are answered from the cache. Tokens per problem count
every request a selector made (the N forward draws, its log-likelihood requests or backward
chains), prompt and generated tokens alike.

A selector a task cannot take (fobar on a family without masking) or a model cannot serve
(log-likelihoods from a chat API) is skipped, and the manifest says which and why.

Outputs, in the study folder (default results/verify-study__<tasks>__<model>__s<seed>__<hash>):
verify_study.csv / .md (accuracy and tokens per task x selector x N, 95% CIs), choices.jsonl (per
problem: the draws' answers and every selector's choice at every N), verify_study.png,
report.html, study.json, manifest.json.
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
    Strategy,
    Task,
    get_strategy,
    get_task,
    load_samples,
    open_session,
    run_strategy,
)
from harness.study import MissingCapability, config_as_dict, model_identity, provenance, settings_for, slug
from studies.verify.rows import Choice, choice_of, study_rows

SELECTORS = ("majority", "forward-lp", "trlm", "fobar", "oracle")


@dataclass
class StudySpec:
    """Everything that defines a study."""

    tasks: list[str]
    model: str = "local"
    n: int = 8
    selectors: tuple[str, ...] = SELECTORS
    chains: int = 8
    alpha: float = 0.5
    temperature: float = 0.7
    top_p: float = 1.0
    max_tokens: int | None = None
    reverse_prompt: str = "ours"
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
        if not self.tasks:
            raise HarnessError("no task given; e.g. harness verify-study arith-word,countdown-3")
        if not 1 <= self.n <= 1000:
            raise HarnessError(f"--n must be between 1 and 1000, got {self.n}")
        unknown = [s for s in self.selectors if s not in SELECTORS]
        if unknown or not self.selectors:
            raise HarnessError(f"--selectors takes {', '.join(SELECTORS)}; got {', '.join(unknown) or 'none'}")
        if self.data is not None and len(self.tasks) > 1:
            raise HarnessError("--data applies to one task at a time; run the study on that task alone")
        if self.max_tokens is not None and self.max_tokens < 1:
            raise HarnessError(f"--max-tokens must be >= 1, got {self.max_tokens}")

    def curve(self) -> list[int]:
        """The N of the curve: powers of two below --n, and --n itself."""
        points, n = [], 1
        while n < self.n:
            points.append(n)
            n *= 2
        return [*points, self.n]


@dataclass
class Skip:
    selector: str
    tasks: list[str]
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"selector": self.selector, "tasks": self.tasks, "reason": self.reason}


@dataclass
class TaskPlan:
    task: Task
    samples: list[Sample]
    requests: list[Request]


@dataclass
class StudyOutcome:
    study_dir: Path
    rows: list[dict[str, Any]]
    skipped: list[Skip]
    choices: dict[tuple[str, str, int], list[Choice]]
    backend_calls: int
    cache_hits: int
    table: str


def study_id(spec: StudySpec, cache_name: str) -> str:
    fingerprint = json.dumps({
        "tasks": spec.tasks, "model": cache_name, "seed": spec.seed, "limit": spec.limit, "data": spec.data,
        "settings": spec.settings, "temperature": spec.temperature, "top_p": spec.top_p, "max_tokens": spec.max_tokens,
        "chains": spec.chains, "alpha": spec.alpha, "reverse_prompt": spec.reverse_prompt,
    }, sort_keys=True)  # --n and --selectors left out: a study extended with more draws updates its folder
    digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:8]
    names = "+".join(spec.tasks) if len(spec.tasks) <= 3 else f"{spec.tasks[0]}+{len(spec.tasks) - 1}more"
    return slug(f"verify-study__{names}__{spec.model}__s{spec.seed}") + f"__{digest}"


def plan_task(name: str, spec: StudySpec) -> TaskPlan:
    task = get_task(name, spec.settings if len(spec.tasks) == 1 else settings_for(name, spec.settings))
    samples = load_samples(task, seed=spec.seed, limit=spec.limit, data=spec.data)
    requests = []
    for sample in samples:
        request = task.family.build_request(task.config, sample)
        if task.family.score is None or request.kind != "generate":
            raise HarnessError(f"task '{name}' is scored by log-likelihood; the verify study chooses among generated answers")
        if spec.max_tokens is not None:
            request = dataclasses.replace(request, settings=dataclasses.replace(request.settings, max_tokens=spec.max_tokens))
        requests.append(request)
    return TaskPlan(task, list(samples), requests)


def selector_options(strategy: Strategy, spec: StudySpec, n: int) -> Any:
    """The strategy's options dataclass with the study's values for the fields it has."""
    assert strategy.options is not None
    values = {"n": n, "temperature": spec.temperature, "top_p": spec.top_p, "chains": spec.chains, "alpha": spec.alpha,
              "reverse_prompt": spec.reverse_prompt}
    fields = {f.name for f in dataclasses.fields(strategy.options)}
    options = strategy.options(**{k: v for k, v in values.items() if k in fields})
    try:
        options.validate()
    except ValueError as exc:
        raise HarnessError(f"selector '{strategy.name}': {exc}") from None
    return options


def run_verify_study(spec: StudySpec, backend_factory: Callable[[str, BackendOptions], Backend] | None = None) -> StudyOutcome:
    started = datetime.now(timezone.utc)
    spec.validate()
    plans = [plan_task(name, spec) for name in spec.tasks]
    strategies = [get_strategy(name) for name in SELECTORS if name in spec.selectors]
    curve = spec.curve()
    skipped: list[Skip] = []
    choices: dict[tuple[str, str, int], list[Choice]] = {}
    cache_name = model_identity(spec.model, spec.backend_options)
    with open_session(spec.model, backend_options=spec.backend_options, results_dir=spec.results_dir, cache=spec.cache_path,
                      progress=spec.progress, backend_factory=backend_factory) as session:
        for strategy in strategies:
            refused = {plan.task.name: strategy.applies_to(plan.task) for plan in plans} if strategy.applies_to else {}
            for reason in dict.fromkeys(r for r in refused.values() if r):
                skipped.append(Skip(strategy.name, [t for t, r in refused.items() if r == reason], reason))
            runnable = [plan for plan in plans if not refused.get(plan.task.name)]
            try:
                for plan in runnable:
                    for n in reversed(curve):  # the largest N first: the smaller ones are its cached prefix
                        options = selector_options(strategy, spec, n)
                        with session.requiring(strategy.needs, f"selector '{strategy.name}'"):
                            records = run_strategy(session, plan.task, plan.samples, plan.requests, strategy, options, spec.seed)
                        choices[(plan.task.name, strategy.name, n)] = [
                            choice_of(plan.task, sample, record) for sample, record in zip(plan.samples, records)]
            except MissingCapability as exc:
                skipped.append(Skip(strategy.name, [plan.task.name for plan in runnable], str(exc)))
                for key in [k for k in choices if k[1] == strategy.name]:
                    del choices[key]
        backend_info = session.backend_info()
    rows = study_rows(plans, strategies, curve, choices)

    study_dir = Path(spec.out) if spec.out else Path(spec.results_dir) / study_id(spec, cache_name)
    study_dir.mkdir(parents=True, exist_ok=True)
    manifest = {
        "kind": "verify-study",
        "tasks": spec.tasks,
        "model": spec.model,
        "backend": backend_info,
        "n": spec.n,
        "curve": curve,
        "selectors": [s.name for s in strategies],
        "skipped_selectors": [s.to_json() for s in skipped],
        "options": {"temperature": spec.temperature, "top_p": spec.top_p, "chains": spec.chains, "alpha": spec.alpha,
                    "reverse_prompt": spec.reverse_prompt, "max_tokens": spec.max_tokens},
        "seed": spec.seed,
        "limit": spec.limit,
        "data": spec.data,
        "settings": spec.settings,
        "task_configs": {plan.task.name: config_as_dict(plan.task.config) for plan in plans},
        "samples": {plan.task.name: len(plan.samples) for plan in plans},
        "requests": {"from_cache": session.hits, "sent_to_backend": session.calls},
        "tokens": _study_tokens(choices, curve),
        "started_at": started.isoformat(),
        "finished_at": datetime.now(timezone.utc).isoformat(),
        **provenance(),
    }
    from studies.verify.outputs import write_outputs

    table = write_outputs(study_dir, spec, manifest, plans, strategies, curve, rows, choices)
    return StudyOutcome(study_dir, rows, skipped, choices, session.calls, session.hits, table)


def _study_tokens(choices: dict[tuple[str, str, int], list[Choice]], curve: Sequence[int]) -> dict[str, int]:
    """Tokens of the whole study: each selector's requests at the largest N (the smaller N reuse
    them), the forward draws counted once per task."""
    top = curve[-1]
    prompt = completion = 0
    forward_done: set[str] = set()
    for (task, _, n), items in choices.items():
        if n != top:
            continue
        for choice in items:
            prompt += choice.prompt_tokens - (choice.forward_prompt_tokens if task in forward_done else 0)
            completion += choice.completion_tokens - (choice.forward_completion_tokens if task in forward_done else 0)
        forward_done.add(task)
    return {"prompt": prompt, "completion": completion}
