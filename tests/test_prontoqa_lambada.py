"""LAMBADA backward chaining on the strategy layer, against a scripted reasoner (tests/prontoqa_backend.py):
`harness run prontoqa-lambada` picks the strategy by itself, every module call is labelled in the
trace and cached, calls and tokens are counted per question, a wrong rule is backed off from, a
search that learns nothing ends unknown, and forward chain of thought runs on the same questions."""

from __future__ import annotations

import dataclasses
import json

import pytest

import harness
from harness.core.errors import HarnessError
from harness.pipeline.runner import RunSpec, run
from tasks.prontoqa.lambada_prompts import read_fact_check, read_rule_selection, read_sign_agreement
from tasks.prontoqa.plots import prontoqa_plots
from tests.prontoqa_backend import PrOntoQAOracle

MODULES = ("fact_check", "rule_selection", "goal_decomposition", "sign_agreement")


def samples(limit=10, seed=0):
    return harness.load_samples(harness.get_task("prontoqa"), seed=seed, limit=limit)


def spec(tmp_path, task="prontoqa-lambada", out="run", **changes) -> RunSpec:
    base = RunSpec(tasks=[task], model="openai:fake", limit=10, results_dir=str(tmp_path), out=str(tmp_path / out), progress=False)
    return dataclasses.replace(base, **changes)


def lines_of(outcome):
    return [json.loads(line) for line in (outcome.run_dir / "samples.jsonl").read_text().splitlines()]


def test_a_perfect_reasoner_proves_every_question_and_every_call_is_traced(tmp_path):
    oracle = PrOntoQAOracle(samples())
    outcome = run(spec(tmp_path), backend_factory=lambda m, o: oracle)
    rows = {row["group"]: row["metrics"] for row in outcome.rows}
    assert rows[""]["label_accuracy"].value == rows[""]["proof_accuracy"].value == 1.0
    assert rows[""]["search_unknown"].value == 0.0
    assert [g for g in rows if g] == [f"hops={h}" for h in range(1, 6)]
    calls = [rows[f"hops={h}"]["calls"].value for h in range(1, 6)]
    assert calls == sorted(calls) and calls[0] < calls[-1]  # deeper questions, longer searches
    manifest = json.loads((outcome.run_dir / "manifest.json").read_text())
    assert manifest["tasks"]["prontoqa-lambada"]["strategy"] == {"name": "lambada", "options": {"depth": 6, "max_rules": 3, "max_calls": 150}}
    for line in lines_of(outcome):
        trace = line["trace"]
        assert {step["label"].split(":")[0] for step in trace} == set(MODULES)
        assert line["scores"]["calls"] == len(trace) == len(line["strategy_info"]["search"]) - _memo_hits(line)
        assert line["scores"]["prompt_tokens"] == line["prompt_tokens"] == sum(step["prompt_tokens"] for step in trace)
        assert line["scores"]["completion_tokens"] == line["completion_tokens"]
        assert line["responses"][0].endswith(" " + line["sample"]["answer"])
    info = json.loads((outcome.run_dir / "metrics.json").read_text())["metric_info"]["prontoqa-lambada"]
    assert info["calls"]["higher_is_better"] is None and info["search_unknown"]["kind"] == "binary"


def _memo_hits(line):
    """Searches may revisit a goal; the repeated call is answered from memory and not counted."""
    asked = [(step["label"], step["prompt_tail"]) for step in line["trace"]]
    return len(line["strategy_info"]["search"]) - len(asked)


def test_a_rerun_is_served_from_the_cache_byte_for_byte(tmp_path):
    first = run(spec(tmp_path, limit=5), backend_factory=lambda m, o: PrOntoQAOracle(samples(5)))
    before = (first.run_dir / "samples.jsonl").read_bytes()
    again = PrOntoQAOracle(samples(5))
    second = run(spec(tmp_path, limit=5), backend_factory=lambda m, o: again)
    assert again.asked == [] and second.backend_calls == 0
    assert (second.run_dir / "samples.jsonl").read_bytes() == before


def test_a_dead_end_rule_first_is_backed_off_from(tmp_path):
    straight = run(spec(tmp_path, out="a", cache_path=str(tmp_path / "a.sqlite")), backend_factory=lambda m, o: PrOntoQAOracle(samples()))
    detour = run(spec(tmp_path, out="b", cache_path=str(tmp_path / "b.sqlite")),
                 backend_factory=lambda m, o: PrOntoQAOracle(samples(), mistakes=True))
    top = {row["task"]: row["metrics"] for row in detour.rows if row["group"] == ""}["prontoqa-lambada"]
    assert top["label_accuracy"].value == top["proof_accuracy"].value == 1.0
    assert next(r for r in straight.rows if r["group"] == "")["metrics"]["label_accuracy"].value == 1.0
    backed_off = [line for line in lines_of(detour)
                  if any(event["module"] == "goal_decomposition" for event in line["strategy_info"]["search"][:3])
                  and sum(event["module"] == "goal_decomposition" and event["depth"] == 6 for event in line["strategy_info"]["search"]) > 1]
    assert backed_off, "no search tried a second rule for the query"


def test_noise_from_every_module_ends_unknown_without_an_error(tmp_path):
    outcome = run(spec(tmp_path, limit=4), backend_factory=lambda m, o: PrOntoQAOracle(samples(4), garbage=True))
    for line in lines_of(outcome):
        assert line["error"] is None and line["strategy_info"]["verdict"] == "unknown"
        assert line["scores"]["search_unknown"] == 1.0 and line["scores"]["label_accuracy"] == 0.0
        assert line["responses"] == ["Unknown"] and line["scores"]["calls"] == 2  # Fact Check and Rule Selection: nothing usable


def test_the_call_budget_and_depth_end_the_search(tmp_path):
    outcome = run(spec(tmp_path, limit=5, strategy_options={"max_calls": "3"}), backend_factory=lambda m, o: PrOntoQAOracle(samples(5)))
    lines = lines_of(outcome)
    assert all(line["scores"]["calls"] <= 3 for line in lines)
    assert any(line["strategy_info"]["verdict"] == "unknown" for line in lines)
    shallow = run(spec(tmp_path, out="shallow", limit=5, strategy_options={"depth": "1"}), backend_factory=lambda m, o: PrOntoQAOracle(samples(5)))
    solved = {line["sample"]["hops"]: line["scores"]["label_accuracy"] for line in lines_of(shallow)}
    assert solved[1] == 1.0 and solved[3] == 0.0  # one rule application: three-hop questions stay unknown


def test_forward_and_backward_runs_ask_the_same_questions(tmp_path):
    oracle = PrOntoQAOracle(samples())
    both = run(spec(tmp_path, task="prontoqa", out="both", tasks=["prontoqa", "prontoqa-lambada"]), backend_factory=lambda m, o: oracle)
    lines = lines_of(both)
    by_task = {task: [(l["id"], l["sample"]["question"]) for l in lines if l["task"] == task] for task in ("prontoqa", "prontoqa-lambada")}
    assert by_task["prontoqa"] == by_task["prontoqa-lambada"]
    assert all("trace" not in l for l in lines if l["task"] == "prontoqa")
    page = (both.run_dir / "report.html").read_text()
    assert "PrOntoQA: label accuracy by number of hops" in page and "tokens per question" in page
    figures = {plot.title: plot.svg for plot in prontoqa_plots([], lines)}
    assert ">label_accuracy<" in figures["PrOntoQA: label accuracy by number of hops"]  # the table's metric names
    assert ">proof_accuracy<" in figures["PrOntoQA: strict proof accuracy by number of hops"]


def test_lambada_refuses_what_it_cannot_answer(tmp_path):
    with pytest.raises(HarnessError, match="cannot run on task 'countdown-3'.*prontoqa task"):
        run(spec(tmp_path, task="countdown-3", tasks=["countdown-3"], strategy="lambada"), backend_factory=lambda m, o: PrOntoQAOracle())
    with pytest.raises(HarnessError, match="invalid option for strategy 'lambada': depth must be between 1 and 12"):
        run(spec(tmp_path, strategy_options={"depth": "0"}), backend_factory=lambda m, o: PrOntoQAOracle())
    with pytest.raises(HarnessError, match="has no option 'deep'"):
        run(spec(tmp_path, strategy_options={"deep": "3"}), backend_factory=lambda m, o: PrOntoQAOracle())


@pytest.mark.parametrize("text", ["", "\u0000" * 10_000, "9" * 5000, "Answer: 2, 2, 99, -1, 3", "none of them", "((((" * 1000])
def test_module_readers_are_total(text):
    assert read_fact_check(text) in ("proved", "disproved", "unknown")
    assert all(0 <= i < 3 for i in read_rule_selection(text, 3))
    assert read_sign_agreement(text) in (True, False, None)
    assert read_rule_selection("Answer: 2, 2, 99, 1", 3) == [1, 0] and read_sign_agreement("Disagree.") is False


def test_a_suite_gives_each_default_strategy_only_the_options_it_declares(tmp_path):
    """Like --set, --strategy-option in a suite without --strategy reaches the tasks whose default
    strategy declares it; tasks without a strategy run as they would alone; a typo still fails."""
    from harness.pipeline.plan import plan_tasks

    suite = spec(tmp_path, limit=2, strategy_options={"depth": "2"})
    suite.tasks = ["prontoqa-lambada", "countdown-3"]
    planned, _ = plan_tasks(suite)
    by_task = {p.task.name: p for p in planned}
    assert by_task["prontoqa-lambada"].strategy_options.depth == 2
    assert by_task["countdown-3"].strategy is None
    typo = spec(tmp_path, limit=2, strategy_options={"deep": "2"})
    typo.tasks = ["prontoqa-lambada", "countdown-3"]
    with pytest.raises(HarnessError, match="deep: no task's strategy has that option .'lambada' takes depth"):
        plan_tasks(typo)
    nothing = spec(tmp_path, limit=2, strategy_options={"depth": "2"})
    nothing.tasks = ["countdown-3", "sudoku"]
    with pytest.raises(HarnessError, match="none of these tasks runs a strategy by default"):
        plan_tasks(nothing)
