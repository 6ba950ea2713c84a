"""Plan: which samples a run asks, and the exact request for each (stage 1 of plan -> execute -> report).

No backend, no response cache. Two equal RunSpecs plan byte-identical samples and prompts; the one
file planning touches is the generated-instance cache (harness.pipeline.instance_cache), which saves
generating big selections again and changes no byte of them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.backends.base import BackendOptions, answer_identity, strip_url_credentials
from harness.core.errors import HarnessError
from harness.core.files import slug
from harness.core.registry import Task, get_task
from harness.core.types import Request, Sample
from harness.pipeline.samples import select_samples
from harness.strategies.types import Strategy


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
    strategy: str | None = None  # --strategy: answer each sample with this strategy (default: the family's, else one call)
    strategy_options: dict[str, str] = field(default_factory=dict)  # --strategy-option key=value


@dataclass
class PlannedTask:
    task: Task
    samples: list[Sample]
    requests: list[Request]
    strategy: Strategy | None = None  # None: one request per sample, scored as it is
    strategy_options: Any = None


def expand_task_names(names: Sequence[str]) -> list[str]:
    from harness.core.registry import families

    out: list[str] = []
    for name in names:
        if name == "all":
            out.extend(f.name for f in families())
        elif name not in out:
            out.append(name)
    return out


def plan_task(task: Task, spec: RunSpec, suite: bool = False) -> PlannedTask:
    """The samples of one task (seeded) and their requests, with the CLI's generation overrides."""
    strategy, options = task_strategy(task, spec, suite)
    if strategy is not None and strategy.metrics:
        task = dataclasses.replace(task, extra_metrics=strategy.metrics)
    samples = select_samples(task, seed=spec.seed, limit=spec.limit, data=spec.data, instances=instance_cache_path(spec))
    requests = [spec.overrides.apply(task.family.build_request(task.config, s), spec.seed) for s in samples]
    return PlannedTask(task=task, samples=samples, requests=requests, strategy=strategy, strategy_options=options)


def instance_cache_path(spec: RunSpec) -> Path:
    """Where generated instances are kept between runs: beside the response cache
    (results/.cache/responses.instances.sqlite; with --cache C.sqlite, C.instances.sqlite)."""
    cache = Path(spec.cache_path) if spec.cache_path else Path(spec.results_dir) / ".cache" / "responses.sqlite"
    return cache.with_name(f"{cache.stem}.instances.sqlite")


def task_strategy(task: Task, spec: RunSpec, suite: bool = False) -> tuple[Strategy | None, Any]:
    """The strategy a task runs under (--strategy, else the family's default for its configuration,
    else None: one call per sample) and its validated options. In a suite without --strategy each
    task's default strategy takes only the options it declares, as --set applies only where a task
    has that setting (plan_tasks checks that every option reached some task)."""
    from harness.strategies.registry import get_strategy, make_strategy_options

    name = spec.strategy or (task.family.default_strategy(task.config) if task.family.default_strategy else None)
    values = dict(spec.strategy_options)
    if name is None:
        if values and not suite:
            raise HarnessError("--strategy-option needs --strategy NAME (see 'harness list --strategies')")
        return None, None
    strategy = get_strategy(name)
    if suite and spec.strategy is None:
        values = {key: value for key, value in values.items() if key in strategy_option_names(strategy)}
    return strategy, make_strategy_options(strategy, values)


def strategy_option_names(strategy: Strategy) -> set[str]:
    return {f.name for f in dataclasses.fields(strategy.options)} if strategy.options is not None else set()


def check_suite_strategy_options(spec: RunSpec, planned: list[PlannedTask]) -> None:
    """In a suite without --strategy, an option no task's default strategy declares is a typo or a
    missing --strategy: say which strategies ran and what they take."""
    if spec.strategy is not None or not spec.strategy_options:
        return
    strategies = {p.strategy.name: p.strategy for p in planned if p.strategy is not None}
    declared = set().union(*(strategy_option_names(s) for s in strategies.values()))
    unused = sorted(set(spec.strategy_options) - declared)
    if not unused:
        return
    if not strategies:
        raise HarnessError("--strategy-option needs --strategy NAME: none of these tasks runs a strategy by default"
                           " (see 'harness list --strategies')")
    takes = "; ".join(f"'{name}' takes {', '.join(sorted(strategy_option_names(s))) or 'no options'}"
                      for name, s in sorted(strategies.items()))
    raise HarnessError(f"--strategy-option {', '.join(unused)}: no task's strategy has that option ({takes})")


def plan_tasks(spec: RunSpec) -> tuple[list[PlannedTask], dict[str, str]]:
    """Every task of the spec planned; with --skip-unavailable, tasks whose data cannot be loaded are
    returned as {name: reason} instead of stopping the run."""
    spec.tasks = expand_task_names(spec.tasks)
    if spec.data is not None and len(spec.tasks) > 1:
        raise HarnessError("--data applies to one task at a time; run each task with its own --data")
    planned: list[PlannedTask] = []
    skipped: dict[str, str] = {}
    for name in spec.tasks:
        task = get_task(name, spec.settings if len(spec.tasks) == 1 else settings_for(name, spec.settings))
        try:
            planned.append(plan_task(task, spec, suite=len(spec.tasks) > 1))
        except HarnessError as exc:
            if spec.skip_unavailable:
                skipped[name] = str(exc)
            elif len(spec.tasks) > 1:  # a suite: say how to go on without it, and how to run it
                raise HarnessError(f"task '{name}' cannot start: {exc}. To run the other tasks without it, add"
                                   f" --skip-unavailable; to run it, give its data: harness run {name} --data PATH") from None
            else:
                raise
    if len(spec.tasks) > 1:
        check_suite_strategy_options(spec, planned)
    return planned, skipped


def settings_for(name: str, settings: dict[str, str]) -> dict[str, str]:
    """With several tasks, --set applies only where the task has that setting."""
    task = get_task(name)
    fields = {f.name for f in dataclasses.fields(task.config)}
    return {k: v for k, v in settings.items() if k in fields}


def backend_cache_name(spec: RunSpec) -> str:
    """The cache namespace of a model: the spec plus every option that can change its answers
    (harness.backends.base.answer_identity); transport-only options are left out."""
    return json.dumps(answer_identity(spec.model, spec.backend_options), sort_keys=True)


def task_config_record(task: Task, overrides: GenerationOverrides | None = None) -> dict[str, Any]:
    """For the manifest: a task's whole config, what differs from the task's own defaults (a
    variant's settings are its defaults: lr2bench-generated is source=generated as published), and
    the generation overrides of the command (what the report and leaderboard show as its settings)."""
    from harness.core.registry import config_as_dict

    try:
        defaults = config_as_dict(get_task(task.name).config)
    except HarnessError:  # a task made outside the registry
        defaults = config_as_dict(type(task.config)())
    config = config_as_dict(task.config)
    return {
        "family": task.family.name,
        "config": config,
        "differs_from_family_defaults": {k: v for k, v in config.items() if defaults.get(k) != v},
        "generation_overrides": {k: v for k, v in dataclasses.asdict(overrides or GenerationOverrides()).items() if v is not None},
    }


def command_settings(spec: RunSpec) -> dict[str, Any]:
    """Every setting of a `harness run` (the RunSpec), for the manifest; API keys are never part of it."""
    options = dataclasses.asdict(spec.backend_options)
    if options.get("base_url"):
        options["base_url"] = strip_url_credentials(options["base_url"])
    return {"tasks": list(spec.tasks), "model": spec.model, "seed": spec.seed, "limit": spec.limit, "data": spec.data,
            "set": dict(spec.settings), "generation_overrides": dataclasses.asdict(spec.overrides),
            "backend_options": options, "out": spec.out, "results_dir": spec.results_dir, "cache": spec.cache_path,
            "skip_unavailable": spec.skip_unavailable}


def default_run_id(spec: RunSpec) -> str:
    identity: dict[str, Any] = {"tasks": spec.tasks, "model": backend_cache_name(spec), "seed": spec.seed, "limit": spec.limit,
                                "data": spec.data, "settings": spec.settings, "overrides": dataclasses.asdict(spec.overrides)}
    if spec.strategy or spec.strategy_options:  # runs without a strategy keep the ids they always had
        identity["strategy"] = {"name": spec.strategy, "options": spec.strategy_options}
    fingerprint = json.dumps(identity, sort_keys=True)
    digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:8]
    tasks = "+".join(spec.tasks) if len(spec.tasks) <= 3 else f"{spec.tasks[0]}+{len(spec.tasks) - 1}more"
    return slug(f"{tasks}__{spec.model}__s{spec.seed}") + f"__{digest}"
