"""The backtracking study: draws of the located step until one differs, a greedy continuation, the
before/after table per location source, cache reuse, the prefill refusal, model locations from a
mistake-finding run, and the report page. A scripted backend that knows the correct traces of
generated arithmetic pins the mechanics; one test runs the embedded model (mechanics only)."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator, Sequence

import pytest

import harness
from harness.backends.base import Backend
from harness.core.errors import HarnessError
from harness.core.types import Generation, Request
from harness.pipeline.runner import RunSpec, run
from studies.backtrack.locations import locations, parse_sources
from studies.backtrack.strategy import BacktrackOptions
from studies.backtrack.study import StudySpec, run_backtrack_study
from tasks.mistake_finding import trace_arithmetic
from tests.mistake_finding_support import GoldMistakeBackend

TASK = "mistake-finding-generated"
SETTINGS = {"source_tasks": "multistep_arithmetic"}
LAST_THOUGHT = re.compile(r"Thought (\d+):$")


def correct_trace(sample) -> list[str]:
    """The correct steps of a generated arithmetic trace (the sample's fault undone)."""
    fault = sample["fault"]
    if fault is None:
        return list(sample["steps"])
    for depth in (1, 2):
        for problem in _problems_of(sample["input"], depth):
            steps, _ = trace_arithmetic.trace(problem, trace_arithmetic.Fault(**fault))
            if steps == sample["steps"]:
                return trace_arithmetic.trace(problem)[0]
    raise AssertionError("not a generated arithmetic trace")


def _problems_of(text: str, depth: int):
    """The problem a generated input was made from (its groups in order, its operators)."""
    groups = [trace_arithmetic.Group(tuple(int(n) for n in g.split()[::2]), tuple(g.split()[1::2]))
              for g in re.findall(r"\(([-\d][^()]*)\)", text)]
    ops = re.findall(r"\) ([-+*]) \(", text)
    if depth == 1 and len(groups) == 2:
        yield trace_arithmetic.ArithmeticProblem(tuple(groups), trace_arithmetic.Node(ops[0], 0, 1))
    if depth == 2 and len(groups) == 4:
        left, right = trace_arithmetic.Node(ops[0], 0, 1), trace_arithmetic.Node(ops[2], 2, 3)
        yield trace_arithmetic.ArithmeticProblem(tuple(groups), trace_arithmetic.Node(ops[1], left, right))


class Corrector(Backend):
    """Continues traces the way a model that knows the right steps would: a draw of Thought k is the
    original step when the draw's seed is divisible by 3 (a repeat), else the correct Thought k; the
    greedy continuation writes the correct remaining Thoughts. Can prefill; counts what it is asked."""

    name = "corrector"

    def __init__(self, samples, chat_only: bool = False) -> None:
        self.samples, self.chat_only = list(samples), chat_only
        self.asked: list[Request] = []

    def sends_assistant_prefill(self, request: Request) -> bool:
        return not self.chat_only

    def _reply(self, request: Request) -> str:
        user = request.messages[-1]["content"]
        sample = max((s for s in self.samples if s["input"] in user), key=lambda s: len(s["input"]))
        k = int(LAST_THOUGHT.search(request.assistant_prefill).group(1)) - 1
        right = correct_trace(sample)
        if request.settings.stop == ("\n",):
            return " " + (sample["steps"][k] if request.settings.seed % 3 == 0 else right[k])
        return " " + "\n".join([right[k], *(f"Thought {i + 1}: {s}" for i, s in enumerate(right) if i > k)]) + "\n\nQ: next"

    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        for index, request in enumerate(requests):
            self.asked.append(request)
            text = self._reply(request)
            if request.settings.stop and "\n\n" in request.settings.stop:
                text = text.split("\n\n")[0]
            yield index, Generation(texts=[text], finish_reasons=["stop"], prompt_tokens=20, completion_tokens=[5])


def samples(limit=12):
    return harness.load_samples(harness.get_task(TASK, SETTINGS), seed=0, limit=limit)


def spec(tmp_path, out="study", **changes) -> StudySpec:
    base = StudySpec(task=TASK, model="openai:fake", settings=dict(SETTINGS), limit=12, results_dir=str(tmp_path),
                     out=str(tmp_path / out), progress=False)
    return dataclasses.replace(base, **changes)


def test_gold_locations_fix_every_wrong_trace_the_random_baseline_far_fewer(tmp_path):
    traces = samples()
    backend = Corrector(traces)
    outcome = run_backtrack_study(spec(tmp_path), backend_factory=lambda m, o: backend)
    rows = {(r["location"], r["group"]): r for r in outcome.rows}
    gold, random_ = rows[("gold", "all")], rows[("random", "all")]
    wrong = [s for s in traces if s["answer"] != s["target"]]
    assert gold["wrong"] == len(wrong) > 0 and gold["traces"] == 12
    assert gold["metrics"]["delta_wrong"].value == 1.0 and gold["metrics"]["accuracy_after"].value == 1.0
    assert gold["backtracked"] == sum(s["mistake_index"] is not None for s in traces) == random_["backtracked"]
    assert random_["metrics"]["delta_wrong"].value < 1.0  # a step before the mistake is redrawn as itself: unchanged
    for result in outcome.results["gold"]:
        sample = next(s for s in traces if str(s["id"]) == result.sample_id)
        if result.location is not None:
            assert result.steps == correct_trace(sample) and result.changed and result.right_after
            assert result.draws == next(d for d in range(1, 9) if _seed(sample, result.location, d - 1) % 3)
    assert "delta_right" in gold["metrics"] and gold["metrics"]["delta_right"].value == 0.0
    assert "-0.0" not in outcome.table and "-0.0" not in (outcome.study_dir / "study.json").read_text()  # no right trace turned wrong
    lines = [json.loads(line) for line in (outcome.study_dir / "traces.jsonl").read_text().splitlines()]
    assert len(lines) == 24 and {line["location_source"] for line in lines} == {"gold", "random"}
    assert (outcome.study_dir / "backtrack.md").read_text().count("\n") > 4
    assert "Δ on wrong (pp)" in outcome.table and "+100.0" in outcome.table
    manifest = json.loads((outcome.study_dir / "manifest.json").read_text())
    assert manifest["locations"] == ["gold", "random"] and manifest["options"]["max_draws"] == 8


def _seed(sample, k, draw) -> int:
    ctx = harness.StrategyContext(task=harness.get_task(TASK, SETTINGS), sample=sample, request=Request(kind="generate"),
                                  options=None, seed=0)
    return ctx.derive_seed("backtrack", k, draw)


def test_draws_stop_at_the_first_different_step_and_a_step_never_different_leaves_the_trace(tmp_path):
    traces = samples()
    backend = Corrector(traces)
    outcome = run_backtrack_study(spec(tmp_path, sources=("random",)), backend_factory=lambda m, o: backend)
    for result in outcome.results["random"]:
        sample = next(s for s in traces if str(s["id"]) == result.sample_id)
        if result.location is None:
            continue
        same = correct_trace(sample)[result.location] == sample["steps"][result.location]
        assert result.changed == (not same)
        if same:  # every draw repeats the step: 8 draws, the trace and its answer kept
            assert result.draws == 8 and result.right_after == result.right_before
    draws = [r for r in backend.asked if r.settings.stop == ("\n",)]
    assert all(r.settings.temperature == 1.0 for r in draws)
    assert len({r.settings.seed for r in draws}) == len(draws)


def test_a_rerun_asks_nothing_and_a_new_source_only_what_is_new(tmp_path):
    first = Corrector(samples())
    run_backtrack_study(spec(tmp_path, sources=("gold",)), backend_factory=lambda m, o: first)
    again = Corrector(samples())
    run_backtrack_study(spec(tmp_path, sources=("gold", "random")), backend_factory=lambda m, o: again)
    assert first.asked and again.asked and not [r for r in again.asked if r in first.asked]
    third = Corrector(samples())
    run_backtrack_study(spec(tmp_path, sources=("gold", "random")), backend_factory=lambda m, o: third)
    assert third.asked == []


def test_a_backend_that_cannot_prefill_is_refused_in_one_line(tmp_path):
    with pytest.raises(HarnessError, match=r"the backtracking study needs continuing a partial assistant turn \(prefill\).*"
                                           r"use local, hf:<model>, vllm:<model>.*chat APIs cannot continue a partial turn"):
        run_backtrack_study(spec(tmp_path), backend_factory=lambda m, o: Corrector(samples(), chat_only=True))


def test_model_locations_come_from_a_mistake_finding_run_over_the_same_traces(tmp_path):
    traces = samples()
    run_spec = RunSpec(tasks=[TASK], model="openai:fake", limit=12, settings=dict(SETTINGS), results_dir=str(tmp_path),
                       out=str(tmp_path / "located"), progress=False)
    run(run_spec, backend_factory=lambda m, o: GoldMistakeBackend(traces))  # a model that names the gold step
    outcome = run_backtrack_study(spec(tmp_path, sources=("gold", "model"), from_run=str(tmp_path / "located")),
                                  backend_factory=lambda m, o: Corrector(traces))
    gold = [(r.location, r.right_after) for r in outcome.results["gold"]]
    assert [(r.location, r.right_after) for r in outcome.results["model"]] == gold
    with pytest.raises(HarnessError, match="has no answer for 4 of the study's 16 traces"):
        run_backtrack_study(spec(tmp_path, out="more", limit=16, sources=("model",), from_run=str(tmp_path / "located")),
                            backend_factory=lambda m, o: Corrector(samples(16)))
    with pytest.raises(HarnessError, match="--locations model needs --from-run"):
        run_backtrack_study(spec(tmp_path, sources=("model",)), backend_factory=lambda m, o: Corrector(traces))


def test_bad_requests_are_one_clear_line(tmp_path):
    with pytest.raises(HarnessError, match="holds no step-by-step traces.*families that do: mistake-finding"):
        run_backtrack_study(spec(tmp_path, task="countdown", settings={}), backend_factory=lambda m, o: Corrector([]))
    with pytest.raises(HarnessError, match="--locations takes a comma-separated list of gold, random, model"):
        parse_sources("gold,nowhere")
    with pytest.raises(HarnessError, match="max_draws must be between 1 and 100"):
        run_backtrack_study(spec(tmp_path, options=BacktrackOptions(max_draws=0)), backend_factory=lambda m, o: Corrector([]))


def test_random_locations_are_seeded_per_trace_and_only_where_gold_backtracks():
    traces = samples(30)
    hooks = harness.get_task(TASK, SETTINGS).family.step_traces
    first = locations("random", traces, hooks, seed=0)
    assert first == locations("random", traces, hooks, seed=0) != locations("random", traces, hooks, seed=1)
    assert [k is None for k in first] == [s["mistake_index"] is None for s in traces]
    assert all(k is None or 0 <= k < len(s["steps"]) for k, s in zip(first, traces))


def test_the_report_page_escapes_every_value(tmp_path):
    from studies.backtrack.report import study_report_html
    from tests.test_html_escaping import TAG, assert_escaped, hostile

    manifest = {"task": hostile("task"), "model": hostile("model"), "backend": {"name": hostile("backend")},
                "locations": [hostile("location")], "options": {"max_draws": hostile("draws"), "temperature": 1.0}}
    row = {"location": hostile("source"), "group": hostile("group"), "traces": 1, "right": 1, "wrong": 0, "backtracked": 0,
           "changed": 0, "errors": 0, "metrics": {"accuracy_before": harness.mean_with_ci([1.0], "binary")}}
    page = study_report_html(tmp_path / f"study{TAG}", manifest, [row])
    assert_escaped(page, ("task", "model", "backend", "location", "source", "group", "draws"), scripts=1)


@pytest.mark.model
def test_the_embedded_model_runs_the_study_end_to_end(tmp_path):
    """Mechanics only: SmolLM2-135M redraws and continues generated arithmetic traces offline."""
    from harness.cli import main

    out = tmp_path / "study"
    assert main(["backtrack-study", TASK, "--set", "source_tasks=multistep_arithmetic", "--set", "max_terms=2", "--set", "mistake_share=1",
                 "--limit", "2", "--max-draws", "2", "--max-tokens", "48", "--locations", "gold", "--out", str(out),
                 "--results-dir", str(tmp_path), "--no-progress"]) == 0
    lines = [json.loads(line) for line in (out / "traces.jsonl").read_text().splitlines()]
    assert len(lines) == 2 and all(line["error"] is None for line in lines)
    assert all(line["location"] is not None and 1 <= line["draws"] <= 2 for line in lines)
    assert (out / "report.html").is_file() and json.loads((out / "study.json").read_text())["rows"]
