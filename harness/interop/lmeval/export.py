"""`harness export-lmeval`: one lm-eval task YAML per registered task, written from the registry.

Each YAML hands lm-eval this project's own code through `harness.interop.lmeval.hooks` (samples, prompts,
scorer, aggregation), so a task gives the same prompts and metrics under `lm_eval --include_path
tasks` as under `harness run`. What a YAML must state up front (request kind, generation settings,
metric names) is read off a few probe samples: the family's generator, or its `examples` hook for
families whose data cannot be made here. The files are regenerated, never edited; a test keeps the
checked-in copies current. No lm_eval import here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from harness.core.errors import HarnessError
from harness.core.plugins import family_origin
from harness.core.registry import Task, get_task, task_names
from harness.core.types import Generation, GenerationSettings, Loglikelihood, LoglikelihoodResult, Sample

PROBE_SAMPLES = 12
HOOKS = "harness.interop.lmeval.hooks"
HEADER = "# Written by `harness export-lmeval` from the task registry; do not edit (re-run the command).\n"


@dataclass(frozen=True)
class TaskShape:
    """What a task's lm-eval YAML declares: request kind, generation settings, chat or plain text,
    and the metrics of the task's own row."""

    kind: str
    settings: GenerationSettings
    chat: bool
    metrics: tuple[str, ...]


def probe_samples(task: Task) -> list[Sample]:
    family = task.family
    if family.examples is not None:
        return list(family.examples(task.config))
    if family.generate is None:
        raise HarnessError(f"task {task.name}: no generator and no examples hook, so its lm-eval YAML cannot be written")
    return [family.generate(task.config, 0, index) for index in range(PROBE_SAMPLES)]


_SHAPES: dict[tuple[str, str], TaskShape] = {}


def task_shape(task: Task) -> TaskShape:
    """The shape of a task under its configuration (cached per name and config)."""
    from harness.core.registry import config_as_dict

    key = (task.name, json.dumps(config_as_dict(task.config), sort_keys=True, default=str))
    if key not in _SHAPES:
        _SHAPES[key] = _measure_shape(task)
    return _SHAPES[key]


def _measure_shape(task: Task) -> TaskShape:
    from harness.pipeline.scoring import score_result
    from harness.report.metrics import sampling_metrics
    from harness.report.tables import task_rows

    samples = probe_samples(task)
    requests = [task.family.build_request(task.config, sample) for sample in samples]
    kinds = {request.kind for request in requests}
    settings = {request.settings for request in requests}
    if len(kinds) != 1 or len(settings) != 1:
        raise HarnessError(f"task {task.name}: samples differ in request kind or generation settings; lm-eval needs one of each")
    records = [score_result(task, sample, _blank_result(request, index)) for index, (sample, request) in enumerate(zip(samples, requests))]
    row = task_rows(task, records)[0]["metrics"]
    engine_only = set(sampling_metrics(records, task.primary_metric)) | {"chance"}
    metrics = tuple(metric for metric in row if metric not in engine_only)
    return TaskShape(kind=kinds.pop(), settings=settings.pop(), chat=requests[0].messages is not None, metrics=metrics)


def _blank_result(request, index: int):
    """An empty answer (or a made-up log-likelihood) that every scorer must accept."""
    if request.kind == "loglikelihood":
        return LoglikelihoodResult(results=[Loglikelihood(-1.0 - index % 3, False, 1) for _ in request.continuations])
    n = request.settings.n
    return Generation(texts=[""] * n, finish_reasons=["stop"] * n, completion_tokens=[1] * n)


def exported_metric_names(task_name: str) -> tuple[str, ...]:
    """The metrics a task's YAML declares (those of the registered variant, whatever --metadata sets)."""
    return task_shape(get_task(task_name)).metrics


def aggregation_function_name(metric: str) -> str:
    """`aggregate_<metric>` with every non-identifier character as '_' (partial_match_0.5 -> ..._0_5)."""
    return "aggregate_" + re.sub(r"\W", "_", metric)


def family_folder(task: Task) -> str:
    """The folder a family's YAMLs go in: its package under tasks/ for the built-in families
    (tasks.reversal.celebrity_prompts -> reversal), else the family's top-level package name."""
    parts = task.family.build_request.__module__.split(".")
    if parts[0] == "tasks" and len(parts) >= 2:
        return parts[1]
    return parts[0]


def yaml_relative_path(task: Task) -> Path:
    return Path(family_folder(task)) / "lmeval" / f"{task.name}.yaml"


def render_task_yaml(name: str) -> str:
    """The YAML text for one registered task (deterministic: same registry, same bytes)."""
    task = get_task(name)
    shape = task_shape(task)
    s = shape.settings
    lines = [
        HEADER,
        f"# lm_eval --include_path tasks --tasks {name} --model hf --model_args pretrained=MODEL"
        + (" --apply_chat_template --fewshot_as_multiturn" if shape.chat else ""),
        "# Samples: --metadata '{\"seed\": 0, \"limit\": 50, \"data\": \"PATH\", \"settings\": {\"key\": \"value\"}}'",
        f"task: {name}",
        "tag:",
        "  - reasoning-harness",
        f"  - reasoning-harness-{task.family.name}",
        f"custom_dataset: !function {HOOKS}.load_dataset",
        "dataset_kwargs:",
        f"  harness_task: {name}",
        *([f"  harness_include: {json.dumps(origin)}"] if (origin := family_origin(task.family.build_request.__module__)) else []),
        "test_split: test",
        "description: harness_system",
        "doc_to_text: harness_user",
        "doc_to_target: " + ("0" if shape.kind == "loglikelihood" else "harness_target"),
        'target_delimiter: ""',
        'fewshot_delimiter: ""',
    ]
    if shape.chat:
        lines += [
            "# earlier chat turns of each sample (few-shot examples) come back per doc as multi-turn few-shot",
            "fewshot_split: test",
            "num_fewshot: 1",
            "fewshot_config:",
            f"  sampler: !function {HOOKS}.ChatTurnsSampler",
        ]
    if shape.kind == "loglikelihood":
        lines += ["# log P(continuation | prompt) for each of the sample's continuations",
                  "output_type: multiple_choice", "doc_to_choice: harness_choices"]
    else:
        lines += [
            "output_type: generate_until",
            "generation_kwargs:",
            f"  until: {json.dumps(list(s.stop), ensure_ascii=False)}",
            f"  max_gen_toks: {s.max_tokens}",
        ]
        if s.temperature > 0:
            lines += ["  do_sample: true", f"  temperature: {s.temperature!r}", f"  top_p: {s.top_p!r}"]
        else:
            lines += ["  do_sample: false", "  temperature: 0.0"]
        if s.n > 1:
            lines += [
                f"repeats: {s.n}",
                "filter_list:",
                "  - name: none",
                "    filter:",
                "      - function: take_first_k",
                f"        k: {s.n}",
            ]
    lines.append(f"process_results: !function {HOOKS}.process_results")
    lines.append("metric_list:")
    for metric in shape.metrics:
        better = task.metric(metric).higher_is_better  # declared beside the family's scorer
        lines += [
            f"  - metric: {json.dumps(metric)}",
            f"    aggregation: !function {HOOKS}.{aggregation_function_name(metric)}",
            f"    higher_is_better: {'null' if better is None else str(better).lower()}",
        ]
    lines += ["metadata:", "  version: 1.0"]
    return lines[0] + "\n".join(lines[1:]) + "\n"


def answered_by_strategy(task: Task) -> bool:
    """Whether the task's configuration answers with a strategy (several requests per sample, e.g.
    prontoqa-lambada): lm-eval sends one request per document, so such a task has no YAML."""
    return task.family.default_strategy is not None and task.family.default_strategy(task.config) is not None


def exportable_task_names() -> list[str]:
    """The registered tasks lm-eval can run: those answered with one request per sample."""
    return [name for name in task_names() if not answered_by_strategy(get_task(name))]


def expected_files() -> dict[Path, str]:
    """{path relative to the tasks folder: YAML text} for every registered task answered with one
    request per sample."""
    tasks = [get_task(name) for name in task_names()]
    return {yaml_relative_path(task): render_task_yaml(task.name) for task in tasks if not answered_by_strategy(task)}


def export_all(root: Path) -> list[Path]:
    """Write every task's YAML under root/<family folder>/lmeval/; remove YAMLs of tasks that are gone."""
    wanted = expected_files()
    for relative, text in wanted.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    for old in root.glob("*/lmeval/*.yaml"):
        if old.relative_to(root) not in wanted:
            old.unlink()
    return [root / relative for relative in wanted]


def stale_files(root: Path) -> list[str]:
    """Paths (relative to root) whose YAML is missing, different from the registry's, or left over."""
    wanted = expected_files()
    stale = [str(rel) for rel, text in wanted.items()
             if not (root / rel).is_file() or (root / rel).read_text(encoding="utf-8") != text]
    stale += [str(p.relative_to(root)) for p in root.glob("*/lmeval/*.yaml") if p.relative_to(root) not in wanted]
    return sorted(stale)
