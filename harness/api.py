"""The Python API: what `harness run`, `harness score` and a run folder give a notebook.

    import harness
    results = harness.evaluate("countdown-3", model="local", limit=5)
    results.to_pandas()                      # one row per task/group x metric, with its CI
    harness.load_run(results.run_dir).samples[0]["responses"]

``evaluate`` is `harness run` (same defaults, same run folder, same cache); ``score`` is `harness score`;
``load_run`` reads any committed run folder. Each returns a `Results`. Nothing heavy is imported
until a function is called, so ``import harness`` stays instant.
"""

from __future__ import annotations

import dataclasses
import json
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.errors import HarnessError


def default_results_dir() -> str:
    """Where run folders live unless told: $HARNESS_RESULTS_DIR, else ./results (as the CLI)."""
    return os.environ.get("HARNESS_RESULTS_DIR", "results")


@dataclass
class Results:
    """A committed run folder, read back.

    metrics   the metrics rows of metrics.json: {"task", "group", "primary_metric", "n", "metrics":
              {name: MetricValue(value, ci_low, ci_high, n, ci_method)}, ...}
    manifest  manifest.json (model, settings, versions, token counts, ...)
    metric_info  {task: {metric: Metric}}: each metric's kind, range, direction and description
    run_dir   the folder
    samples   every line of samples.jsonl (read on first use; ``iter_samples()`` streams them)
    failures  one line per cause of failed samples (empty when every sample was answered)
    """

    run_dir: Path
    metrics: list[dict[str, Any]]
    manifest: dict[str, Any]
    metric_info: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    _samples: list[dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def samples(self) -> list[dict[str, Any]]:
        if self._samples is None:
            self._samples = list(self.iter_samples())
        return self._samples

    def iter_samples(self) -> Iterator[dict[str, Any]]:
        """The lines of samples.jsonl one at a time (bounded memory for large runs)."""
        from harness.core.data import iter_jsonl

        for _, line in iter_jsonl(self.run_dir / "samples.jsonl"):
            yield line

    @property
    def tasks(self) -> list[str]:
        return list(dict.fromkeys(row["task"] for row in self.metrics))

    def value(self, task: str | None = None, metric: str | None = None, group: str = "") -> Any:
        """One MetricValue: the task's (default: the only task's) primary metric, or ``metric``, on its
        own row or on ``group`` (e.g. "type=basic")."""
        if task is None:
            if len(self.tasks) != 1:
                raise HarnessError(f"this run has tasks {', '.join(self.tasks)}; name one: results.value('TASK')")
            task = self.tasks[0]
        for row in self.metrics:
            if row["task"] == task and row["group"] == group:
                name = metric or row["primary_metric"]
                if name not in row["metrics"]:
                    raise HarnessError(f"task '{task}' has no metric '{name}'; it has: {', '.join(row['metrics'])}")
                return row["metrics"][name]
        raise HarnessError(f"no row for task '{task}'{f' group {group!r}' if group else ''} in {self.run_dir}")

    def to_pandas(self) -> Any:
        """One row per task/group x metric: task, group, metric, primary, value, ci_low, ci_high, n,
        ci_method, kind, higher_is_better, description."""
        import pandas as pd

        records = []
        for row in self.metrics:
            info = self.metric_info.get(row["task"], {})
            for name, value in row["metrics"].items():
                meta = info.get(name)
                records.append({
                    "task": row["task"], "group": row["group"], "metric": name, "primary": name == row["primary_metric"],
                    "value": value.value, "ci_low": value.ci_low, "ci_high": value.ci_high, "n": value.n,
                    "ci_method": value.ci_method, "kind": getattr(meta, "kind", None),
                    "higher_is_better": getattr(meta, "higher_is_better", None),
                    "description": getattr(meta, "description", None),
                })
        columns = ["task", "group", "metric", "primary", "value", "ci_low", "ci_high", "n", "ci_method", "kind",
                   "higher_is_better", "description"]
        return pd.DataFrame.from_records(records, columns=columns)


def load_run(path: str | Path) -> Results:
    """A committed run folder (of `harness run`, `harness score` or ``evaluate``) as Results; a folder
    that is not one complete commit is refused with the command that finishes it."""
    from harness.report.run_folder import read_manifest, read_metric_info, read_metrics

    run_dir = Path(path)
    if not run_dir.is_dir():
        raise HarnessError(f"no run folder at {run_dir}; give a folder that `harness run` wrote")
    rows = read_metrics(run_dir)
    return Results(run_dir=run_dir, metrics=rows, manifest=read_manifest(run_dir), metric_info=read_metric_info(run_dir),
                   failures=_recorded_failures(run_dir))


def _recorded_failures(run_dir: Path) -> list[str]:
    from collections import Counter

    from harness.core.data import iter_jsonl

    causes = Counter(str(line["error"]) for _, line in iter_jsonl(run_dir / "samples.jsonl") if line.get("error"))
    return [f"{count} sample{'s' if count > 1 else ''} failed: {cause}" for cause, count in causes.most_common()]


def _task_list(tasks: str | Sequence[str]) -> list[str]:
    names = [t.strip() for t in (tasks.split(",") if isinstance(tasks, str) else tasks) if t and t.strip()]
    if not names:
        raise HarnessError("no task given; harness.list_tasks() names them all")
    return names


def _backend_options(base_url: str | Sequence[str] | None, options: Mapping[str, Any] | None) -> Any:
    """BackendOptions from a flat mapping: its fields by name (batch_size, concurrency, ...), every
    other key a --backend-option (engine, endpoint, n_ctx, ...)."""
    from harness.backends import BackendOptions

    known = {f.name for f in dataclasses.fields(BackendOptions)} - {"extra"}
    values = dict(options or {})
    fields = {k: values.pop(k) for k in list(values) if k in known}
    if base_url is not None:
        fields["base_url"] = base_url if isinstance(base_url, str) else ",".join(base_url)
    elif "base_url" not in fields and os.environ.get("OPENAI_BASE_URL"):
        fields["base_url"] = os.environ["OPENAI_BASE_URL"]
    return BackendOptions(**fields, extra=values)


def evaluate(tasks: str | Sequence[str], model: str = "local", *, limit: int | None = None, seed: int = 0,
             samples: int | None = None, temperature: float | None = None, top_p: float | None = None,
             max_tokens: int | None = None, base_url: str | Sequence[str] | None = None,
             settings: Mapping[str, Any] | None = None, backend_options: Mapping[str, Any] | None = None,
             data: str | None = None, strategy: str | None = None, strategy_options: Mapping[str, Any] | None = None,
             out: str | Path | None = None, results_dir: str | Path | None = None, cache: str | Path | None = None,
             include: Iterable[str | Path] = (), skip_unavailable: bool = False, progress: bool = True) -> Results:
    """Run tasks on a model, exactly as `harness run` does (same defaults, run folder and cache).

    tasks       "countdown-3,sudoku-4x4" or a list of names ("all" = every family)
    model       a model spec: "local", "hf:<id>", "openai:<model>", "vllm:<model>", ...
    samples     completions per prompt (for pass@k / maj@k); None = the protocol's
    settings    task settings by name (as --set), e.g. {"n_numbers": 4}
    backend_options  BackendOptions fields (batch_size, concurrency, api_key_env, ...) and
                backend-specific options (engine, endpoint, n_ctx, ...) in one mapping
    strategy    answer each sample with a registered strategy (harness.list_strategies())
    include     folders of plugin packages to load first (as --include)

    A run where some samples failed still returns; ``Results.failures`` says why (and a warning is
    issued), and re-running the same call retries exactly those samples.
    """
    from harness.pipeline.runner import GenerationOverrides, RunSpec, failure_summary, run

    for folder in include:
        include_plugins(folder)
    spec = RunSpec(
        tasks=_task_list(tasks), model=model, seed=seed, limit=limit, data=data,
        settings={k: v if isinstance(v, str) else _setting_text(v) for k, v in (settings or {}).items()},
        overrides=GenerationOverrides(n=samples, temperature=temperature, top_p=top_p, max_tokens=max_tokens),
        backend_options=_backend_options(base_url, backend_options), out=str(out) if out is not None else None,
        results_dir=str(results_dir) if results_dir is not None else default_results_dir(),
        cache_path=str(cache) if cache is not None else None, skip_unavailable=skip_unavailable, progress=progress,
        strategy=strategy, strategy_options={k: v if isinstance(v, str) else _setting_text(v)
                                             for k, v in (strategy_options or {}).items()},
    )
    outcome = run(spec)
    results = load_run(outcome.run_dir)
    results.failures = failure_summary(outcome.records, limit=1000)
    if results.failures:
        warnings.warn(f"{len(results.failures)} cause(s) of failed samples in {outcome.run_dir}: {results.failures[0]}",
                      stacklevel=2)
    return results


def _setting_text(value: Any) -> str:
    """A Python value as the --set text the config coercion reads (tuples and lists comma-joined)."""
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, dict) else str(value)


def score(task: str, predictions: str | Path | Iterable[Mapping[str, Any]], *, data: str | None = None,
          settings: Mapping[str, Any] | None = None, seed: int = 0, limit: int | None = None,
          out: str | Path | None = None, results_dir: str | Path | None = None) -> Results:
    """Score predictions made elsewhere, as `harness score` does: ``predictions`` is a JSONL file or
    an iterable of {"id": ..., "response": "..."} (or "responses": [...]) records."""
    from harness.pipeline.rescore import score_predictions

    run_dir, _, _ = score_predictions(task, data, predictions, str(out) if out is not None else None,
                                      {k: v if isinstance(v, str) else _setting_text(v) for k, v in (settings or {}).items()},
                                      str(results_dir) if results_dir is not None else default_results_dir(),
                                      seed=seed, limit=limit)
    return load_run(run_dir)


def list_tasks() -> list[str]:
    """Every task name (families and their variants)."""
    from harness.core.registry import task_names

    return task_names()


def list_strategies() -> list[str]:
    from harness.strategies.registry import strategies

    return [s.name for s in strategies()]


def include_plugins(path: str | Path) -> list[str]:
    """Import the plugin packages in a folder (families, backends, strategies), as --include does."""
    from harness.core.plugins import include_plugins as include

    return include(path)
