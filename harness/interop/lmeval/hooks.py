"""What lm-eval calls when it runs this project's tasks (`lm_eval --include_path tasks ...`).

The YAML files written by `harness export-lmeval` point here with `!function harness.interop.lmeval.hooks.*`,
so lm-eval uses the families' own sample selection, prompts, extraction, scorers and aggregation:
one implementation, not two. Only lm-eval imports this module (it imports lm_eval itself).

- `load_dataset` (custom_dataset): the exact samples `harness run` would use, as lm-eval docs that
  carry the rendered request pieces (system turn, earlier chat turns, last user turn, continuations;
  log-likelihood requests run as lm-eval `multiple_choice`, one choice per continuation).
  Choose them with lm-eval's `--metadata '{"seed": 1, "limit": 50, "data": "PATH", "settings": {...}}'`.
- `ChatTurnsSampler` (fewshot sampler): the earlier turns of a multi-turn chat (few-shot examples the
  family put in its messages) given back per doc, so `--apply_chat_template --fewshot_as_multiturn`
  reproduces the family's message list exactly.
- `process_results`: the family's scorer on lm-eval's responses; each metric's value is the scored
  record, and `aggregate_<metric>` computes the task row exactly as `harness run` does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from lm_eval.api.samplers import ContextSampler

from harness.core.errors import HarnessError
from harness.core.types import Generation, Loglikelihood, LoglikelihoodResult, Request, Sample, ScoredSample, Verdict

# Columns of every doc; fewshot turns handed out by ChatTurnsSampler have the same ones.
DOC_COLUMNS = ("harness_id", "harness_system", "harness_user", "harness_target", "harness_choices", "harness_turns",
               "harness_record")


def load_dataset(harness_task: str, seed: int = 0, limit: int | None = None, data: str | None = None,
                 settings: Mapping[str, Any] | None = None, harness_include: str | None = None, **_ignored: Any):
    """custom_dataset hook: {"test": the samples of `harness run TASK --seed --limit --data --set`}.

    lm-eval passes its whole metadata (model arguments included), so unknown keys are ignored.
    ``harness_include`` (written by the export for a family loaded with --include) imports that
    family in lm-eval's process first.
    """
    import datasets

    from harness.core.registry import get_task
    from harness.pipeline.samples import select_samples

    if harness_include:
        from harness.core.plugins import include_plugins

        include_plugins(harness_include)

    task = get_task(harness_task, dict(settings or {}))
    _check_settings_match_yaml(task)
    limit = None if limit in (None, "", "null") else int(limit)
    samples = select_samples(task, seed=int(seed), limit=limit, data=data)
    rows = [doc_for_sample(harness_task, dict(settings or {}), sample, task.family.build_request(task.config, sample))
            for sample in samples]
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)})


def _check_settings_match_yaml(task) -> None:
    """--metadata settings may not change what the YAML declared (request kind, generation settings)."""
    import warnings

    from harness.core.registry import get_task
    from harness.interop.lmeval.export import task_shape

    declared, actual = task_shape(get_task(task.name)), task_shape(task)
    if actual.kind != declared.kind or actual.chat != declared.chat:
        raise HarnessError(f"task {task.name}: these settings change the request kind or prompt form, which its"
                           " lm-eval YAML fixes; use the variant that has them (harness list)")
    if actual.settings != declared.settings:
        warnings.warn(f"task {task.name}: these settings change generation settings to {actual.settings};"
                      " pass the same to lm-eval with --gen_kwargs (e.g. max_gen_toks=...)", stacklevel=2)


def doc_for_sample(task_name: str, settings: Mapping[str, Any], sample: Sample, request: Request) -> dict[str, str]:
    """One lm-eval doc: the request split the way lm-eval assembles prompts, plus the sample itself."""
    system, turns, user = split_messages(request)
    record = {"task": task_name, "settings": dict(settings), "sample": sample}
    doc: dict[str, Any] = {
        "harness_id": str(sample["id"]),
        "harness_system": system,
        "harness_user": user,
        "harness_target": "",
        "harness_choices": list(request.continuations),
        "harness_turns": json.dumps(turns, ensure_ascii=False),
        "harness_record": json.dumps(record, ensure_ascii=False, sort_keys=True),
    }
    return doc


def split_messages(request: Request) -> tuple[str, list[list[str]], str]:
    """(system content, [[user, assistant], ...] earlier turns, last user turn) of a request.

    Plain-text requests (no messages) are ("", [], prompt): lm-eval then sends the prompt verbatim.
    """
    if request.messages is None:
        return "", [], request.prompt
    messages = list(request.messages)
    system = messages.pop(0)["content"] if messages and messages[0]["role"] == "system" else ""
    if not messages or messages[-1]["role"] != "user":
        raise HarnessError("lm-eval export needs chats that end with a user turn")
    user = messages.pop()["content"]
    roles = [m["role"] for m in messages]
    if roles != ["user", "assistant"] * (len(messages) // 2):
        raise HarnessError(f"lm-eval export needs alternating user/assistant turns, got {roles}")
    turns = [[messages[i]["content"], messages[i + 1]["content"]] for i in range(0, len(messages), 2)]
    return system, turns, user


class ChatTurnsSampler(ContextSampler):
    """Gives each doc its own earlier chat turns as lm-eval "few-shot examples" (any n >= 1 asks
    for all of them; a doc without earlier turns gets none)."""

    def sample(self, n: int, eval_doc: dict[str, Any] | None = None, df=None, **kwargs) -> list[dict[str, str]]:
        if eval_doc is None or n <= 0:
            return []
        return [
            {column: "" for column in DOC_COLUMNS}
            | {"harness_user": user, "harness_target": assistant, "harness_choices": [], "harness_turns": "[]"}
            for user, assistant in json.loads(eval_doc["harness_turns"])
        ]


def process_results(doc: Mapping[str, Any], results: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """Score lm-eval's responses with the family's scorer; every metric gets the scored record."""
    from harness.pipeline.scoring import score_result

    record = json.loads(doc["harness_record"])
    task = _task(record["task"], record["settings"])
    scored = score_result(task, record["sample"], _as_result(results))
    payload = {
        "task": record["task"],
        "settings": record["settings"],
        "sample": record["sample"],
        "verdicts": [{"answer": v.answer, "scores": v.scores} for v in scored.verdicts],
        "scores": scored.scores,
        "error": scored.error,
    }
    from harness.interop.lmeval.export import exported_metric_names

    return {name: payload for name in exported_metric_names(record["task"])}


def _as_result(results: Sequence[Any]) -> Generation | LoglikelihoodResult:
    """lm-eval's per-doc results: [text] or [[text, ...]] (repeats) for generation; one (ll, greedy)
    per continuation for log-likelihood (multiple_choice)."""
    flat: list[Any] = []
    for item in results:
        flat.extend(item if isinstance(item, list) else [item])
    if flat and isinstance(flat[0], tuple):
        return LoglikelihoodResult(results=[Loglikelihood(logprob=float(ll), is_greedy=bool(greedy)) for ll, greedy in flat])
    texts = [str(text) for text in flat]
    return Generation(texts=texts, finish_reasons=["stop"] * len(texts), completion_tokens=[0] * len(texts))


def aggregate_metric(name: str, items: Sequence[Mapping[str, Any]]) -> float:
    """The value of `name` in the task's own row, computed by the engine from the scored records."""
    from harness.report.tables import task_rows

    if not items:
        return float("nan")
    task = _task(items[0]["task"], items[0]["settings"])
    records = [
        ScoredSample(sample=item["sample"], verdicts=[Verdict(v["answer"], v["scores"]) for v in item["verdicts"]],
                     scores=item["scores"], error=item["error"])
        for item in items
    ]
    metric = task_rows(task, records)[0]["metrics"].get(name)
    return float("nan") if metric is None else float(metric.value)


def __getattr__(attribute: str):
    """aggregate_<metric> for any exported metric name (the YAML refers to them by name)."""
    if not attribute.startswith("aggregate_"):
        raise AttributeError(attribute)

    def aggregate(items: Sequence[Mapping[str, Any]]) -> float:
        if not items:
            return float("nan")
        from harness.interop.lmeval.export import aggregation_function_name, exported_metric_names

        task_name = items[0]["task"]
        for name in exported_metric_names(task_name):
            if aggregation_function_name(name) == attribute:
                return aggregate_metric(name, items)
        raise HarnessError(f"task {task_name} exports no metric for {attribute}; re-run 'harness export-lmeval'")

    aggregate.__name__ = attribute
    return aggregate


_TASKS: dict[str, Any] = {}


def _task(name: str, settings: Mapping[str, Any]):
    from harness.core.registry import get_task

    key = json.dumps([name, settings], sort_keys=True)
    if key not in _TASKS:
        _TASKS[key] = get_task(name, dict(settings))
    return _TASKS[key]
