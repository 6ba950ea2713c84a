"""The typed registry of task families and their named variants.

A family registers itself from its own package (``register(Family(...))`` at import time); the
engine looks tasks up here by name and never imports a family by name. Families are found through
the ``reasoning_harness.families`` entry-point group (the built-in ones too, see pyproject.toml) and
through folders given with ``--include`` (harness.core.plugins). Family modules must import nothing heavy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.core.errors import HarnessError, did_you_mean
from harness.core.masking import Masking
from harness.core.metric_spec import ENGINE_METRICS, Metric, check_unique, find_metric, undeclared
from harness.core.step_traces import StepTraces
from harness.core.types import JudgeProblem, Loglikelihood, Request, Sample, ScoredSample, Verdict


@dataclass(frozen=True)
class Family:
    """Everything the engine needs to run one family of tasks. All callables are pure.

    config        dataclass type; an instance has validate() raising ValueError with a clear message
    build_request (cfg, sample) -> Request
    score         (cfg, sample, completion_text) -> Verdict          for generate requests
    score_loglikelihood (cfg, sample, list[Loglikelihood]) -> Verdict for loglikelihood requests
    generate      (cfg, seed, index) -> Sample, deterministic per (seed, index); None if loader-only
    load          (source, cfg) -> Iterable[Sample]: source is a local path or a dataset hub id
    default_source (cfg) -> str | None: where `load` reads from when no --data is given and the
                  family has no generator (a hub id, typically)
    aggregate     (cfg, list[ScoredSample]) -> {group: {metric: MetricValue}}; optional extra rows
                  and metrics beside the engine's default means (group "" is the task's own row)
    group_keys    (sample) -> {"type": "basic", ...}: the engine reports every metric per group
    selection_unit (sample) -> str: samples sharing a unit (e.g. the two directions of one pair) are
                  kept or dropped together when --limit picks a subset of loaded data
    examples      (cfg) -> list[Sample]: a few made-up samples in the family's schema, for describing
                  a task without its data (the lm-eval export); defaults to the generator's first ones
    search_prompt_settings  settings that switch the family to a prompt inviting search with
                  backtracking (e.g. {"prompt_style": "backtrack"}); None = no such prompt. Used by
                  studies that compare sequential search with parallel sampling.
    trace_markers strings that end an answer in a completion (e.g. "</answer>"): where a partial
                  completion may already hold a complete answer (trace analysis)
    behaviour_markers (completion_text) -> {behaviour: [character offsets]}: where the family's own
                  trace format marks a reasoning behaviour the keyword detector cannot read (Countdown's
                  Stream-of-Search lines: "28,24 unequal: No Solution" is verification, a "Moving to Node"
                  that is not to the node just generated is backtracking); added to the detector's counts
    export        (cfg, out_dir, seed, source) -> list[Path]: writes the files a protocol needs
                  before probing (fine-tuning data); None = the family has nothing to export
    primary_metric_for (cfg) -> str: the primary metric of a configuration, where a variant measures
                  something else (a log-likelihood variant of a generation family); default primary_metric
    metrics       the declarations of every metric the scorer and the aggregate hook emit
                  (harness.core.metric_spec.Metric: kind, range, direction, description; a name may
                  be a glob like "*_p_value"): the interval method, the lm-eval export's
                  higher_is_better, the tables and the report follow from them
    metrics_for   (cfg) -> tuple[Metric, ...]: the declarations of a configuration, where a setting
                  changes what a metric is (a probability under one protocol, 0/1 under another);
                  default ``metrics``
    gold          (sample) -> JSON-able: the expected answer, as report.html shows it beside the model's
    plots         (rows, sample_lines) -> list[harness.report.plots.Plot]: the figures the family's paper
                  shows, built from the metrics rows (metrics.json, MetricValue inside) and samples.jsonl
                  lines of this family's tasks in one run; drawn into report.html. The lines are an
                  iterable read from the file on each pass (iterate it, never index it), without their
                  texts (prompt, responses, per-completion fields: harness/report/sample_scan.py)
    why_unparseable (cfg, sample, completion_text) -> str: why no answer could be read from a completion
                  ("no <answer> block"), for the report and the per-task failure summary; called only
                  for completions whose verdict has no answer. Total: any text gets a short reason
    report_note   one sentence report.html shows under the family's tables: how to read them (e.g.
                  probes meaningful only on a model fine-tuned on their facts)
    canonical_answer (cfg, sample, answer) -> JSON-able: the form of an extracted answer that votes
                  compare (maj@k, self-consistency): two answers with one canonical form are one
                  answer (Countdown: "(1+2)*3" and "(1 + 2) * 3"); default: the answer as extracted
    answer_cue    text that opens the family's final answer ("<answer>" where answers are tagged): what
                  budget forcing appends after the end-of-thinking delimiter; "" = s1's "Final Answer:"
    judge_problem (cfg, sample) -> harness.JudgeProblem: the problem as a behaviour judge reads it
                  (`harness behaviours --judge`): a description in words for any judge prompt, and the
                  fields a paper's prompts insert (Countdown: numbers and target for Gandhi et al.'s);
                  None = the judge is shown the last user message the model saw
    default_strategy (cfg) -> str | None: the strategy a configuration answers with (a registered
                  name, e.g. one the family registers for a mode whose samples need several requests);
                  None = one request per sample. `--strategy` overrides it.
    step_traces   harness.core.step_traces.StepTraces: how the samples' step-by-step reasoning traces
                  are read, continued by a model and judged, for studies that cut a trace at a step
                  (the backtracking study); None = the samples hold no such traces
    question_text (cfg, sample) -> str: the question alone, without instructions or examples: what
                  time-reversed scoring (the ``trlm`` strategy) asks the model to predict from an
                  answer; default: the last user message of the family's request (or its prompt)
    masking       harness.core.masking.Masking: how an answer is checked backwards by hiding a number
                  of the question (the ``fobar`` strategy); None = masking makes no sense for this
                  family (Countdown, Sudoku, CounterBench), and fobar refuses it
    """

    name: str
    description: str
    config: type
    build_request: Callable[[Any, Sample], Request]
    primary_metric: str
    score: Callable[[Any, Sample, str], Verdict] | None = None
    score_loglikelihood: Callable[[Any, Sample, list[Loglikelihood]], Verdict] | None = None
    generate: Callable[[Any, int, int], Sample] | None = None
    load: Callable[[str, Any], Iterable[Sample]] | None = None
    default_source: Callable[[Any], str | None] | None = None
    aggregate: Callable[[Any, list[ScoredSample]], dict[str, dict[str, Any]]] | None = None
    group_keys: Callable[[Sample], Mapping[str, str]] | None = None
    chance_level: Callable[[Any], float | None] | None = None
    selection_unit: Callable[[Sample], str] | None = None
    examples: Callable[[Any], list[Sample]] | None = None
    search_prompt_settings: Mapping[str, Any] | None = None
    trace_markers: tuple[str, ...] = ()
    behaviour_markers: Callable[[str], Mapping[str, Sequence[int]]] | None = None
    export: Callable[..., list[Any]] | None = None
    metrics: tuple[Metric, ...] = ()
    metrics_for: Callable[[Any], tuple[Metric, ...]] | None = None
    primary_metric_for: Callable[[Any], str] | None = None
    gold: Callable[[Sample], Any] | None = None
    plots: Callable[[list[dict[str, Any]], list[dict[str, Any]]], list[Any]] | None = None
    answer_cue: str = ""
    judge_problem: Callable[[Any, Sample], JudgeProblem] | None = None
    why_unparseable: Callable[[Any, Sample, str], str] | None = None
    report_note: str | None = None
    default_strategy: Callable[[Any], str | None] | None = None
    canonical_answer: Callable[[Any, Sample, Any], Any] | None = None
    step_traces: StepTraces | None = None
    question_text: Callable[[Any, Sample], str] | None = None
    masking: Masking | None = None
    variants: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "metrics", check_unique(self.metrics, f"family '{self.name}'"))

    def declared_metrics(self, config: Any) -> tuple[Metric, ...]:
        """This family's metric declarations under ``config``."""
        if self.metrics_for is not None:
            return check_unique(self.metrics_for(config), f"family '{self.name}'")
        return self.metrics


@dataclass(frozen=True)
class Task:
    """A family with a concrete, validated configuration, under the name the user asked for."""

    name: str
    family: Family
    config: Any
    extra_metrics: tuple[Metric, ...] = ()  # declared by what the run adds (a strategy's own numbers)

    @property
    def primary_metric(self) -> str:
        """The metric the task's tables lead with (its configuration's, where the family says)."""
        if self.family.primary_metric_for is not None:
            return self.family.primary_metric_for(self.config)
        return self.family.primary_metric

    def canonical_answer(self, sample: Sample, answer: Any) -> Any:
        """The form of an extracted answer that votes compare (the family's hook, else the answer)."""
        if answer is None or self.family.canonical_answer is None:
            return answer
        return self.family.canonical_answer(self.config, sample, answer)

    def question_text(self, sample: Sample) -> str:
        """The question alone (the family's hook), else the last user message of its request, else
        the request's plain prompt."""
        if self.family.question_text is not None:
            return self.family.question_text(self.config, sample)
        request = self.family.build_request(self.config, sample)
        users = [m["content"] for m in request.messages or () if m.get("role") == "user"]
        return users[-1] if users else request.prompt

    def metric(self, name: str) -> Metric:
        """The declaration of one of this task's metrics: the family's (under this configuration),
        else the engine's (pass@k, best-of-n, maj@n, chance), else an 'undeclared' bounded reading."""
        return (find_metric(name, self.family.declared_metrics(self.config), self.extra_metrics, ENGINE_METRICS)
                or undeclared(name))


_FAMILIES: dict[str, Family] = {}
_loaded = False


def register(family: Family) -> Family:
    """Add a family (and its variants) to the registry; names must be unique."""
    names = [family.name, *family.variants]
    for name in names:
        if name in _task_index():
            raise ValueError(f"task name '{name}' is registered twice")
    _FAMILIES[family.name] = family
    return family


def _task_index() -> dict[str, tuple[Family, Mapping[str, Any]]]:
    index: dict[str, tuple[Family, Mapping[str, Any]]] = {}
    for family in _FAMILIES.values():
        index[family.name] = (family, {})
        for variant, overrides in family.variants.items():
            index[variant] = (family, overrides)
    return index


def load_families() -> None:
    """Import every installed family once (cheap: family modules import nothing heavy)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    from harness.core.plugins import load_installed_families

    load_installed_families()


def families() -> list[Family]:
    load_families()
    return [_FAMILIES[name] for name in sorted(_FAMILIES)]


def task_names() -> list[str]:
    load_families()
    return sorted(_task_index())


def get_task(name: str, overrides: Mapping[str, Any] | None = None) -> Task:
    """Resolve a family or variant name into a Task; unknown names get a 'did you mean'."""
    load_families()
    index = _task_index()
    if name not in index:
        raise HarnessError(
            f"unknown task '{name}'{did_you_mean(name, index)}; run 'harness list' to see all tasks"
        )
    family, variant_overrides = index[name]
    config = make_config(family, {**variant_overrides, **(overrides or {})}, task_name=name)
    return Task(name=name, family=family, config=config)


def make_config(family: Family, overrides: Mapping[str, Any], task_name: str | None = None) -> Any:
    """Build and validate a family config, coercing string values (from --set k=v) to field types."""
    fields = {f.name: f for f in dataclasses.fields(family.config)}
    defaults = family.config()
    values: dict[str, Any] = {}
    for key, raw in overrides.items():
        if key not in fields:
            raise HarnessError(
                f"task '{task_name or family.name}' has no setting '{key}'{did_you_mean(key, fields)};"
                f" settings: {', '.join(sorted(fields))}"
            )
        values[key] = coerce_setting(raw, getattr(defaults, key), key)
    config = dataclasses.replace(defaults, **values)
    try:
        config.validate()
    except ValueError as exc:
        raise HarnessError(f"invalid setting for task '{task_name or family.name}': {exc}") from None
    return config


def coerce_setting(raw: Any, default: Any, key: str) -> Any:
    """A --set (or --strategy-option) string as the type of its default; HarnessError if it is not one."""
    if not isinstance(raw, str) or isinstance(default, str) or default is None:
        return raw
    try:
        if isinstance(default, bool):
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, tuple):
            items = [item.strip() for item in raw.split(",") if item.strip()]
            kind = type(default[0]) if default else str
            return tuple(kind(item) for item in items)
    except ValueError:
        raise HarnessError(f"setting '{key}' expects {_kind_phrase(default)}, got '{raw}'") from None
    return raw


_KIND_NAMES = {int: ("an integer", "integers"), float: ("a number", "numbers"), str: ("a text", "texts"),
               bool: ("true or false (also 1/0, yes/no, on/off)", "true/false values")}


def _kind_phrase(default: Any) -> str:
    """What a --set value must look like, in words and in --set syntax: 'an integer like 4',
    'a comma-separated list of integers like 10,100' (never 'a int like (10, 100)')."""
    if isinstance(default, bool):
        return _KIND_NAMES[bool][0]
    if isinstance(default, tuple):
        kind = type(default[0]) if default else str
        plural = _KIND_NAMES.get(kind, (None, f"{kind.__name__} values"))[1]
        return f"a comma-separated list of {plural}" + (f" like {','.join(map(str, default))}" if default else "")
    return f"{_KIND_NAMES.get(type(default), (f'a {type(default).__name__} value',))[0]} like {default}"


def config_as_dict(config: Any) -> dict[str, Any]:
    return dataclasses.asdict(config)
