"""`harness behaviours FOLDER --judge MODEL`: Gandhi et al.'s behaviour judge beside the keyword detector.

For every completion of a run folder (samples.jsonl) or a study folder (attempts.jsonl: one completion per
line with its ``task``, ``id`` and ``sample``), the judge model is sent the paper's four prompts (one per
behaviour; harness.pipeline.judge_prompts), each an ordinary cached request through the model session
(an interrupted judge resumes; a second run asks nothing). Its answer's <count>N</count> is read as the
paper reads it (missing -> 0; harness.parsing.judge_counts). Beside it, the keyword detector counts the
same completion. Written to FOLDER/behaviours/<judge id>/:

  completions.jsonl  per completion: detector and judge counts, the judge's answers, the detector's sentences
  summary.json       per task: both sets of means with CIs, their agreement (Cohen's kappa on "shows it at
                     all", Spearman on counts), the paper's own columns (avg_verifications, ...), and the
                     completions where the two disagree
  counts.csv         per task, under the column names of the paper's released results/*.csv
  report.html        the same as a page (a run folder's own report.html shows it too)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness.backends import BackendOptions
from harness.backends.base import Backend
from harness.core.data import iter_jsonl
from harness.core.errors import HarnessError
from harness.core.files import command_line, git_commit, package_versions, slug, write_json, write_samples
from harness.core.registry import Family, Task, get_task, make_config
from harness.core.types import Generation, GenerationSettings, JudgeProblem, Request, Sample
from harness.parsing.judge_counts import read_judge_count
from harness.parsing.traces import BEHAVIOURS, behaviour_sentences, model_written
from harness.pipeline.judge_prompts import JUDGED_BEHAVIOURS, judge_conversations, prompt_set_name, resolve_prompt_set
from harness.report.behaviours import judge_agreement, summarize_behaviours

JUDGE_FOLDER = "behaviours"
PAPER_MAX_TOKENS = 512  # the paper's max_tokens for each judge call
PAPER_TEMPERATURE = 1.0  # the paper's script leaves the OpenAI default in place
PAPER_COLUMNS = {"verification": "verifications", "backtracking": "backtracking", "subgoal_setting": "subgoals",
                 "backward_chaining": "backwards"}  # avg_<column> / total_<column> in results/*.csv
DISAGREEMENTS_SHOWN = 5  # per task and behaviour
EXCERPT_CHARS = 800


@dataclass
class JudgeSpec:
    """One judging of a folder's completions (docs/behaviours.md)."""

    folder: str
    judge: str | None = None  # model spec; None: the keyword detector only
    prompts: str = "auto"  # auto | paper | ours
    limit: int | None = None  # completions per task (per task and arm in a study folder), the first ones
    temperature: float = PAPER_TEMPERATURE
    max_tokens: int = PAPER_MAX_TOKENS
    seed: int = 0
    backend_options: BackendOptions = field(default_factory=BackendOptions)
    results_dir: str = "results"
    cache_path: str | None = None
    progress: bool = True

    def validate(self) -> None:
        if self.prompts not in ("auto", "paper", "ours"):
            raise HarnessError(f"--judge-prompts must be auto, paper or ours, got '{self.prompts}'")
        if self.limit is not None and self.limit < 1:
            raise HarnessError(f"--limit must be a positive number of completions per task, got {self.limit}")
        if self.max_tokens < 1:
            raise HarnessError(f"--max-tokens must be >= 1, got {self.max_tokens}")
        if not 0.0 <= self.temperature <= 10.0:
            raise HarnessError(f"--temperature must be in [0, 10], got {self.temperature}")


@dataclass
class TraceItem:
    """One completion to judge, with what the judge is shown about its problem."""

    task: str
    sample_id: str
    label: str  # which completion of the sample ("#1", or a study's attempt name)
    text: str
    problem: JudgeProblem
    family: Family
    correct: bool | None = None
    group: str = ""  # what summaries are per: the task (a run), or the task and the study's arm
    inserted: Any = ()  # [start, end) spans a strategy appended (budget forcing): not the model's words

    @property
    def row(self) -> str:
        return self.group or self.task


# ---- reading completions -------------------------------------------------------------------------

def read_traces(folder: Path) -> tuple[str, list[TraceItem]]:
    """("run" | "study", every completion of the folder with its problem), in file order."""
    if (folder / "samples.jsonl").is_file():
        return "run", list(_run_traces(folder))
    if (folder / "attempts.jsonl").is_file():
        return "study", list(_study_traces(folder))
    raise HarnessError(f"{folder} holds neither samples.jsonl (a run folder) nor attempts.jsonl (a study folder);"
                       " give the folder `harness run` or `harness search-study` wrote")


def _manifest(folder: Path) -> dict[str, Any]:
    import json

    path = folder / "manifest.json"
    if not path.is_file():
        raise HarnessError(f"{folder} has no manifest.json: it is not a finished run or study folder (re-run its command)")
    return json.loads(path.read_text(encoding="utf-8"))


def _task(name: str, config: Mapping[str, Any] | None, settings: Mapping[str, Any] | None = None) -> Task | None:
    """The task a folder's line names, with the configuration it ran under (None: not installed here)."""
    try:
        task = get_task(name, settings or {})
    except HarnessError:
        return None
    if config:
        try:
            return dataclasses.replace(task, config=make_config(task.family, dict(config), task_name=name))
        except HarnessError:
            return task
    return task


def problem_for(task: Task, sample: Sample) -> JudgeProblem:
    """The family's judge_problem hook; without one, the last thing the model was asked."""
    if task.family.judge_problem is not None:
        return task.family.judge_problem(task.config, sample)
    request = task.family.build_request(task.config, sample)
    text = request.messages[-1]["content"] if request.messages else request.prompt
    return JudgeProblem(description=text)


def _run_traces(folder: Path) -> Iterable[TraceItem]:
    manifest = _manifest(folder)
    tasks: dict[str, Task | None] = {}
    for _, line in iter_jsonl(folder / "samples.jsonl"):
        name = str(line.get("task", ""))
        if name not in tasks:
            tasks[name] = _task(name, ((manifest.get("tasks") or {}).get(name) or {}).get("config"))
        task = tasks[name]
        responses = line.get("responses") or []
        if task is None or line.get("error") or not isinstance(line.get("sample"), dict) or not responses:
            continue
        problem = problem_for(task, line["sample"])
        per_completion = line.get("completion_scores") or [line.get("scores") or {}] * len(responses)
        for index, text in enumerate(responses):
            score = (per_completion[index] if index < len(per_completion) else None) or {}
            primary = score.get(task.primary_metric)
            inserted = (line.get("strategy_info") or {}).get("inserted") if index == 0 and isinstance(line.get("strategy_info"), dict) else ()
            yield TraceItem(name, str(line.get("id")), f"#{index + 1}", str(text or ""), problem, task.family,
                            None if primary is None else primary == 1.0, inserted=inserted or ())


def _study_traces(folder: Path) -> Iterable[TraceItem]:
    manifest = _manifest(folder)
    settings = manifest.get("settings") or {}
    tasks: dict[str, Task | None] = {}
    for _, line in iter_jsonl(folder / "attempts.jsonl"):
        name = str(line.get("task") or manifest.get("task") or "")
        if name not in tasks:
            tasks[name] = _task(name, None, settings)
        task = tasks[name]
        if task is None or line.get("error") or not isinstance(line.get("sample"), dict):
            continue
        label = str(line.get("label") or line.get("strategy") or "")
        correct = line.get("correct")
        group = f"{name} [{line['strategy']}]" if line.get("strategy") else name
        yield TraceItem(name, str(line.get("id")), label, str(line.get("response") or ""), problem_for(task, line["sample"]),
                        task.family, None if correct is None else bool(correct), group, line.get("inserted") or ())


def limit_per_task(items: Sequence[TraceItem], limit: int | None) -> list[TraceItem]:
    if limit is None:
        return list(items)
    seen: dict[str, int] = {}
    kept = []
    for item in items:
        seen[item.row] = seen.get(item.row, 0) + 1
        if seen[item.row] <= limit:
            kept.append(item)
    return kept


# ---- asking the judge ------------------------------------------------------------------------------

def judge_requests(items: Sequence[TraceItem], prompts: str, settings: GenerationSettings) -> tuple[list[Request], dict[str, str]]:
    """Four requests per completion (the paper's order), and the prompts each row was judged with."""
    requests: list[Request] = []
    used: dict[str, str] = {}
    for item in items:
        try:
            prompt_set = resolve_prompt_set(prompts, item.problem)
            conversations = judge_conversations(prompt_set, item.problem, item.text)
        except ValueError as exc:
            raise HarnessError(f"task '{item.task}': {exc}; use --judge-prompts ours (or auto)") from None
        used.setdefault(item.row, prompt_set_name(prompt_set, item.problem))
        for messages in conversations:
            plain = "\n\n".join(m["content"] for m in messages if m["content"]) + "\n"
            requests.append(Request(kind="generate", messages=messages, prompt=plain, settings=settings))
    return requests, used


@dataclass
class JudgedItem:
    item: TraceItem
    detector: dict[str, int]
    sentences: dict[str, list[str]]
    judge: dict[str, int | None] = field(default_factory=dict)  # None: that request failed
    replies: dict[str, str] = field(default_factory=dict)
    untagged: list[str] = field(default_factory=list)  # behaviours whose answer had no <count> (read as 0)
    errors: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"task": self.item.task, "group": self.item.row, "id": self.item.sample_id, "completion": self.item.label,
                "correct": self.item.correct,
                "detector": self.detector, "judge": self.judge or None, "judge_untagged": self.untagged,
                "judge_errors": self.errors or None, "judge_replies": self.replies or None,
                "detector_sentences": self.sentences}


def detect(item: TraceItem) -> JudgedItem:
    spans = behaviour_sentences(model_written(item.text, item.inserted), item.family.behaviour_markers)
    sentences = {name: [" ".join(item.text[a:b].split())[:300] for a, b in found[:DISAGREEMENTS_SHOWN]] for name, found in spans.items()}
    return JudgedItem(item, {name: len(found) for name, found in spans.items()}, sentences)


def read_replies(judged: JudgedItem, results: Sequence[Any]) -> None:
    for behaviour, result in zip(JUDGED_BEHAVIOURS, results):
        if not isinstance(result, Generation) or result.error is not None or not result.texts:
            judged.judge[behaviour] = None
            judged.errors[behaviour] = getattr(result, "error", None) or "no answer"
            continue
        reply = result.texts[0]
        count = read_judge_count(reply)
        judged.judge[behaviour] = count.count
        judged.replies[behaviour] = reply
        if not count.tagged:
            judged.untagged.append(behaviour)


# ---- summarising -------------------------------------------------------------------------------------

def task_summary(task: str, judged: Sequence[JudgedItem], prompt_set: str | None) -> dict[str, Any]:
    """One task's numbers: detector and judge means with CIs, their agreement, the paper's columns."""
    complete = [j for j in judged if j.judge and all(j.judge.get(b) is not None for b in BEHAVIOURS)]
    summary: dict[str, Any] = {
        "task": task, "completions": len(judged), "prompts": prompt_set,
        "detector": summarize_behaviours(j.detector for j in judged),
    }
    from harness.report.intervals import wilson_interval

    correct = [j.item.correct for j in judged if j.item.correct is not None]
    summary["accuracy"] = sum(correct) / len(correct) if correct else None
    summary["accuracy_n"] = len(correct)
    summary["accuracy_ci"] = list(wilson_interval(sum(correct), len(correct))) if correct else None  # 95%, Wilson
    if prompt_set is None:
        return summary
    summary["judged"] = len(complete)
    summary["failed_requests"] = sum(len(j.errors) for j in judged)
    summary["untagged_answers"] = sum(len(j.untagged) for j in judged)
    summary["judge"] = summarize_behaviours({b: int(j.judge[b] or 0) for b in BEHAVIOURS} for j in complete)
    summary["agreement"] = judge_agreement([j.detector for j in judged], [j.judge for j in judged])
    summary["paper_columns"] = paper_columns(complete)
    summary["disagreements"] = disagreements(judged)
    return summary


def paper_columns(complete: Sequence[JudgedItem]) -> dict[str, float | int]:
    """avg_<behaviour> and total_<behaviour> under the paper's column names (results/*.csv)."""
    out: dict[str, float | int] = {}
    for behaviour, column in PAPER_COLUMNS.items():
        total = sum(int(j.judge.get(behaviour) or 0) for j in complete)
        out[f"avg_{column}"] = total / len(complete) if complete else math.nan
        out[f"total_{column}"] = total
    return out


def disagreements(judged: Sequence[JudgedItem]) -> list[dict[str, Any]]:
    """Completions where the judge and the detector disagree on whether a behaviour is there at all:
    the detector's sentences (it counted, the judge did not) or the judge's answer (the other way)."""
    out = []
    for behaviour in BEHAVIOURS:
        shown = 0
        for j in judged:
            count = j.judge.get(behaviour)
            if count is None or (count > 0) == (j.detector[behaviour] > 0):
                continue
            out.append({"behaviour": behaviour, "id": j.item.sample_id, "completion": j.item.label,
                        "detector": j.detector[behaviour], "judge": count,
                        "detector_sentences": j.sentences[behaviour],
                        "judge_reply": _excerpt(j.replies.get(behaviour, "")), "trace": _excerpt(j.item.text)})
            shown += 1
            if shown >= DISAGREEMENTS_SHOWN:
                break
    return out


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "\u2026"


# ---- the command ---------------------------------------------------------------------------------------

@dataclass
class JudgeOutcome:
    folder: Path
    out_dir: Path | None
    kind: str
    summaries: list[dict[str, Any]]
    backend_calls: int = 0
    cache_hits: int = 0


def judge_id(spec: JudgeSpec) -> str:
    return slug(f"judge__{spec.judge}__{spec.prompts}__t{spec.temperature:g}__s{spec.seed}")


def run_behaviour_judge(spec: JudgeSpec, backend_factory: Callable[[str, BackendOptions], Backend] | None = None) -> JudgeOutcome:
    spec.validate()
    folder = Path(spec.folder)
    if not folder.is_dir():
        raise HarnessError(f"no folder at {folder}; give a run folder (harness run) or a study folder (harness search-study)")
    started = datetime.now(timezone.utc)
    kind, items = read_traces(folder)
    items = limit_per_task(items, spec.limit)
    if not items:
        raise HarnessError(f"{folder} has no completion to read (no generated responses without errors)")
    judged = [detect(item) for item in items]
    rows = list(dict.fromkeys(item.row for item in items))
    if spec.judge is None:
        return JudgeOutcome(folder, None, kind, [task_summary(r, [j for j in judged if j.item.row == r], None) for r in rows])

    from harness.pipeline.session import open_session

    settings = GenerationSettings(max_tokens=spec.max_tokens, temperature=spec.temperature, top_p=1.0, n=1, seed=spec.seed)
    requests, used = judge_requests(items, spec.prompts, settings)
    with open_session(spec.judge, backend_options=spec.backend_options, results_dir=spec.results_dir, cache=spec.cache_path,
                      progress=spec.progress, backend_factory=backend_factory) as session:
        results = session.ask(requests, "behaviour judge")
        backend_info = session.backend_info()
    per = len(JUDGED_BEHAVIOURS)
    for index, item in enumerate(judged):
        read_replies(item, results[index * per : (index + 1) * per])
    summaries = [task_summary(r, [j for j in judged if j.item.row == r], used.get(r)) for r in rows]
    out_dir = folder / JUDGE_FOLDER / judge_id(spec)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_samples(out_dir / "completions.jsonl", [j.to_json() for j in judged])
    write_judge_csv(out_dir / "counts.csv", summaries)
    write_json(out_dir / "summary.json", {
        "judge": spec.judge, "judge_backend": backend_info, "prompts_requested": spec.prompts,
        "request_settings": {"max_tokens": spec.max_tokens, "temperature": spec.temperature, "seed": spec.seed},
        "source": {"folder": str(folder), "kind": kind}, "limit": spec.limit,
        "requests": {"judge_calls": len(requests), "from_cache": session.hits, "sent_to_backend": session.calls},
        "tasks": [summary_to_json(s) for s in summaries],
        "metric_info": judge_metric_info(),
        "started_at": started.isoformat(), "finished_at": datetime.now(timezone.utc).isoformat(),
        "command": command_line(), "versions": package_versions(), "git_commit": git_commit(),
    })
    from harness.report.judge_page import write_judge_pages

    write_judge_pages(folder, kind, out_dir)
    return JudgeOutcome(folder, out_dir, kind, summaries, session.calls, session.hits)


def judge_metric_info() -> dict[str, dict[str, dict[str, object]]]:
    """What each number of a task's summary means (kind, range, direction): the detector's and the
    judge's behaviour statistics, and their agreement."""
    from harness.report.behaviours import AGREEMENT_METRICS, BEHAVIOUR_METRICS, JUDGE_BEHAVIOUR_METRICS

    return {"detector": {m.name: m.to_json() for m in BEHAVIOUR_METRICS},
            "judge": {m.name: m.to_json() for m in JUDGE_BEHAVIOUR_METRICS},
            "agreement": {m.name: m.to_json() for m in AGREEMENT_METRICS}}


def summary_to_json(summary: Mapping[str, Any]) -> dict[str, Any]:
    """MetricValues as their JSON form, everything else as it is."""
    def convert(value: Any) -> Any:
        if hasattr(value, "to_json"):
            return value.to_json()
        if isinstance(value, Mapping):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    return convert(dict(summary))


def write_judge_csv(path: Path, summaries: Sequence[Mapping[str, Any]]) -> None:
    import csv

    from harness.core.files import tmp_path_for

    columns = [f"{kind}_{column}" for kind in ("avg", "total") for column in PAPER_COLUMNS.values()]
    tmp = tmp_path_for(path)
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["task", "prompts", "completions", *columns, "accuracy"])
        for s in summaries:
            values = s.get("paper_columns") or {}
            writer.writerow([s["task"], s.get("prompts") or "", s.get("judged", 0), *(_csv(values.get(c)) for c in columns),
                             _csv(s.get("accuracy"))])
    tmp.replace(path)


def _csv(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.6g}" if isinstance(value, float) else str(value)
