"""Reasoning-benchmark evaluation harness: the engine every task family plugs into.

The public Python API (documented in docs/python-api.md; studies and notebooks use only this):

    import harness
    results = harness.evaluate("countdown-3", model="local", limit=5)   # as `harness run`
    results.to_pandas()
    harness.load_run("results/<run>")                                   # any committed run folder
    harness.score("countdown", "predictions.jsonl")                     # as `harness score`

Plugins: ``register_family`` (with ``Family`` and ``Metric`` declarations), ``register_backend``,
``register_strategy`` (with ``Strategy``, ``Ask``, ``StrategyOutcome``). Model access for studies and
strategies: ``open_session``. This package must stay light to import: every name below is loaded on
first use, and torch, transformers, openai and lm_eval only inside the backends that need them, so
`harness list` starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.core.lazy import lazy_attributes

__version__ = "0.1.0"

# public name -> module that defines it (imported on first access)
_PUBLIC = {
    # running and reading runs
    "evaluate": "harness.api", "score": "harness.api", "load_run": "harness.api", "Results": "harness.api",
    "list_tasks": "harness.api", "list_strategies": "harness.api", "include_plugins": "harness.api",
    "open_session": "harness.pipeline.session", "ModelSession": "harness.pipeline.execute",
    "get_task": "harness.core.registry", "Task": "harness.core.registry", "load_samples": "harness.pipeline.samples",
    # plugins
    "register_family": "harness.core.registry", "Family": "harness.core.registry",
    "Masking": "harness.core.masking", "MaskedQuestion": "harness.core.masking", "StepTraces": "harness.core.step_traces",
    "register_backend": "harness.backends", "Backend": "harness.backends.base", "BackendOptions": "harness.backends.base",
    "register_strategy": "harness.strategies.registry", "get_strategy": "harness.strategies.registry",
    "Strategy": "harness.strategies.types", "StrategyContext": "harness.strategies.types",
    "StrategyOutcome": "harness.strategies.types", "Ask": "harness.strategies.types",
    "run_strategy": "harness.strategies.driver",
    # metric declarations and statistics
    "Metric": "harness.core.metric_spec", "binary": "harness.core.metric_spec", "fraction": "harness.core.metric_spec",
    "bounded": "harness.core.metric_spec", "unbounded": "harness.core.metric_spec", "statistic": "harness.core.metric_spec",
    "MetricValue": "harness.report.metrics", "mean_with_ci": "harness.report.metrics", "pass_at_k": "harness.report.metrics",
    "item_kind": "harness.report.metrics", "metric_mean": "harness.report.metrics",
    "sampling_metrics": "harness.report.metrics", "wilson_interval": "harness.report.intervals",
    # records
    "Request": "harness.core.types", "GenerationSettings": "harness.core.types", "Generation": "harness.core.types",
    "Loglikelihood": "harness.core.types", "LoglikelihoodResult": "harness.core.types", "Verdict": "harness.core.types",
    "ScoredSample": "harness.core.types", "Sample": "harness.core.types", "HarnessError": "harness.core.errors",
    "JudgeProblem": "harness.core.types",
}
_RENAMED = {"register_family": "register", "load_samples": "select_samples"}

__all__ = [  # the public API (a literal list, so linters and editors see it)
    "__version__", "Ask", "Backend", "BackendOptions", "Family", "Generation", "GenerationSettings", "HarnessError", "JudgeProblem",
    "Loglikelihood", "LoglikelihoodResult", "MaskedQuestion", "Masking", "Metric", "MetricValue", "ModelSession", "Request",
    "Results", "Sample",
    "ScoredSample", "StepTraces", "Strategy", "StrategyContext", "StrategyOutcome", "Task", "Verdict", "binary", "bounded",
    "evaluate", "fraction", "get_strategy", "get_task", "include_plugins", "item_kind", "list_strategies", "list_tasks",
    "load_run", "load_samples", "mean_with_ci", "metric_mean", "open_session", "pass_at_k", "register_backend", "register_family",
    "register_strategy", "run_strategy", "sampling_metrics", "score", "statistic", "unbounded", "wilson_interval",
]


assert set(__all__) == {"__version__", *_PUBLIC}


__getattr__ = lazy_attributes('harness', globals(), _PUBLIC, _RENAMED)


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # static types for editors and mypy; at run time names load on first use
    from harness.api import Results, evaluate, include_plugins, list_strategies, list_tasks, load_run, score
    from harness.backends import register_backend
    from harness.backends.base import Backend, BackendOptions
    from harness.core.errors import HarnessError
    from harness.core.masking import MaskedQuestion, Masking
    from harness.core.metric_spec import Metric, binary, bounded, fraction, statistic, unbounded
    from harness.core.registry import Family, Task, get_task
    from harness.core.registry import register as register_family
    from harness.core.step_traces import StepTraces
    from harness.core.types import (
        Generation,
        GenerationSettings,
        JudgeProblem,
        Loglikelihood,
        LoglikelihoodResult,
        Request,
        Sample,
        ScoredSample,
        Verdict,
    )
    from harness.pipeline.execute import ModelSession
    from harness.pipeline.samples import select_samples as load_samples
    from harness.pipeline.session import open_session
    from harness.report.intervals import wilson_interval
    from harness.report.metrics import MetricValue, item_kind, mean_with_ci, metric_mean, pass_at_k, sampling_metrics
    from harness.strategies.driver import run_strategy
    from harness.strategies.registry import get_strategy, register_strategy
    from harness.strategies.types import Ask, Strategy, StrategyContext, StrategyOutcome
