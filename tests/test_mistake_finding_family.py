"""The mistake-finding family on its fixture copy of BIG-Bench Mistake and on generated traces:
loading (and every way a file can be wrong), which prompts a sample is asked with, the paper's
exact-match scoring and its splits, and the step modes' strategy driven by an oracle backend."""

from __future__ import annotations

import dataclasses
import json

import pytest

import harness
from harness.core.errors import HarnessError
from harness.pipeline.runner import RunSpec, run
from harness.pipeline.samples import select_samples
from harness.report.tables import task_rows
from tasks.mistake_finding.config import SOURCE_TASKS
from tasks.mistake_finding.prompt_files import paper_prompts, read_constants
from tasks.mistake_finding.scoring import gold_location, parse_location, score_location
from tests.mistake_finding_support import FIXTURE, GoldMistakeBackend


def fixture_samples(name="mistake-finding", **settings):
    task = harness.get_task(name, settings)
    return task, select_samples(task, data=str(FIXTURE))


def lines_of(outcome):
    return [json.loads(line) for line in (outcome.run_dir / "samples.jsonl").read_text().splitlines()]


# ---- loading ---------------------------------------------------------------------------------
def test_the_fixture_copy_loads_with_its_own_prompt_files():
    task, samples = fixture_samples()
    assert [s["source_task"] for s in samples] == [t for t in SOURCE_TASKS for _ in range(3)]
    assert samples[0]["id"] == "word_sorting-0001" and len({s["id"] for s in samples}) == 15
    assert all(s["prompts"] == "paper" and s["prompt_root"] == str(FIXTURE) for s in samples)
    request = task.family.build_request(task.config, samples[0])
    assert request.messages[0] == {"role": "user", "content": paper_prompts(FIXTURE, "word_sorting").mode("trace").messages[0]["content"]}
    assert request.messages[0]["content"].startswith("[fixture]")
    assert request.messages[-1]["content"].startswith("Sort these words alphabetically: " + samples[0]["input"] + "\nThought 1: ")


def test_prompts_ours_a_folder_and_a_single_file(tmp_path):
    _, samples = fixture_samples(prompts="ours")
    assert {s["prompts"] for s in samples} == {"ours"}
    task = harness.get_task("mistake-finding", {"prompts": str(FIXTURE / "mistake_finding_prompts")})
    one = select_samples(task, data=str(FIXTURE / "dyck_languages.jsonl"))
    assert [s["prompt_root"] for s in one] == [str(FIXTURE)] * 3 and one[0]["id"] == "dyck_languages-0001"
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "multistep_arithmetic.jsonl").write_bytes((FIXTURE / "multistep_arithmetic.jsonl").read_bytes())
    plain = select_samples(harness.get_task("mistake-finding"), data=str(copy))  # no prompt folder: ours
    assert len(plain) == 3 and {s["prompts"] for s in plain} == {"ours"}
    request = harness.get_task("mistake-finding").family.build_request(harness.get_task("mistake-finding").config, plain[0])
    assert request.messages[0]["role"] == "system" and request.messages[-1]["content"].startswith("Work out ((")


@pytest.mark.parametrize("line, message", [
    ('{"steps": ["a"], "answer": "x", "target": "y", "mistake_index": null}', "missing field 'input'"),
    ('{"input": "q", "steps": [], "answer": "x", "target": "y", "mistake_index": null}', "'steps' must be a non-empty list"),
    ('{"input": "q", "steps": ["a", 3], "answer": "x", "target": "y", "mistake_index": null}', "'steps' must be a non-empty list"),
    ('{"input": "q", "steps": ["a"], "answer": "x", "target": "y", "mistake_index": 1}', "'mistake_index' must be null or a step index 0..0"),
    ('{"input": "q", "steps": ["a"], "answer": "x", "target": "y", "mistake_index": true}', "'mistake_index' must be null"),
    ('{"input": "q", "steps": ["a"], "answer": 5, "target": "y", "mistake_index": null}', "'answer' must be text or null"),
    ('{"input": "q", "steps": ["a"], "answer": "x", "target": "", "mistake_index": null}', "'target' must be non-empty text"),
    ('[1, 2]', "not a JSON object"),
])
def test_a_bad_line_is_named_in_one_line(tmp_path, line, message):
    path = tmp_path / "word_sorting.jsonl"
    path.write_text('{"input": "b a", "steps": ["ok"], "answer": "a b", "target": "a b", "mistake_index": null}\n' + line + "\n")
    with pytest.raises(HarnessError, match=f"word_sorting.jsonl:2: .*{message}" if "JSON" not in message else "word_sorting.jsonl:2"):
        select_samples(harness.get_task("mistake-finding"), data=str(path))


def test_missing_data_and_unknown_files_say_how_to_fix_them(tmp_path):
    with pytest.raises(HarnessError, match="pass --data to your clone of github.com/WHGTyen/BIG-Bench-Mistake"):
        select_samples(harness.get_task("mistake-finding"))
    (tmp_path / "mine.jsonl").write_text("{}\n")
    with pytest.raises(HarnessError, match="cannot tell which task it holds; name it <task>.jsonl"):
        select_samples(harness.get_task("mistake-finding"), data=str(tmp_path / "mine.jsonl"))
    with pytest.raises(HarnessError, match="no BIG-Bench Mistake files there"):
        select_samples(harness.get_task("mistake-finding"), data=str(tmp_path))
    with pytest.raises(HarnessError, match="leaves out"):
        select_samples(harness.get_task("mistake-finding", {"source_tasks": "dyck_languages"}),
                       data=str(FIXTURE / "word_sorting.jsonl"))
    with pytest.raises(HarnessError, match="no mistake_finding_prompts/ folder there"):
        select_samples(harness.get_task("mistake-finding", {"prompts": str(tmp_path)}), data=str(FIXTURE))
    with pytest.raises(HarnessError, match="generated traces exist for"):
        harness.get_task("mistake-finding-generated", {"source_tasks": "logical_deduction"})


def test_a_broken_or_hostile_prompt_file_is_refused_without_running_it(tmp_path):
    root = tmp_path / "clone"
    (root / "mistake_finding_prompts").mkdir(parents=True)
    (root / "word_sorting.jsonl").write_bytes((FIXTURE / "word_sorting.jsonl").read_bytes())
    with pytest.raises(HarnessError, match="word_sorting_prompts.py is missing; .*prompts=ours"):
        select_samples(harness.get_task("mistake-finding"), data=str(root))
    marker = tmp_path / "ran"
    hostile = f'import os\nDIRECT_TEMPLATE = os.system("touch {marker}")\n'
    (root / "mistake_finding_prompts" / "word_sorting_prompts.py").write_text(hostile)
    with pytest.raises(HarnessError, match=r"word_sorting_prompts.py:2: a prompt constant must be strings"):
        select_samples(harness.get_task("mistake-finding"), data=str(root))
    assert not marker.exists()
    (root / "mistake_finding_prompts" / "word_sorting_prompts.py").write_text('DIRECT_TEMPLATE = "{input}"\n')
    with pytest.raises(HarnessError, match="no DIRECT_MESSAGES and DIRECT_TEMPLATE"):
        select_samples(harness.get_task("mistake-finding"), data=str(root))
    assert read_constants(FIXTURE / "mistake_finding_prompts" / "dyck_languages_prompts.py")["DIRECT_MESSAGES"][1]["content"].startswith(
        "Close every bracket")  # textwrap.dedent(...) and implicit concatenation, evaluated


# ---- scoring ----------------------------------------------------------------------------------
def test_gold_locations_score_one_off_by_one_scores_zero_and_no_is_right_without_a_mistake():
    task, samples = fixture_samples()
    gold = [score_location(task.config, s, str(gold_location(s))) for s in samples]
    assert all(v.scores["accuracy"] == 1.0 and v.scores["decision_accuracy"] == 1.0 for v in gold)
    with_mistake = [s for s in samples if s["mistake_index"] is not None]
    without = [s for s in samples if s["mistake_index"] is None]
    assert with_mistake and without
    for shift in (-1, 1):
        off = [score_location(task.config, s, str(s["mistake_index"] + 1 + shift)) for s in with_mistake]
        assert all(v.scores["accuracy"] == 0.0 and v.scores["accuracy_with_mistake"] == 0.0 for v in off)
        assert all(v.scores["decision_accuracy"] == 1.0 for v in off)  # a wrong place still says 'there is one'
    for s in without:
        right = score_location(task.config, s, "No").scores
        assert right == {"accuracy": 1.0, "accuracy_without_mistake": 1.0, "decision_accuracy": 1.0, "mistake_predicted": 0.0}
        wrong = score_location(task.config, s, "2").scores
        assert wrong["accuracy_without_mistake"] == 0.0 and wrong["mistake_predicted"] == 1.0
    say_no = [score_location(task.config, s, "No") for s in samples]
    records = [harness.ScoredSample(sample=s, verdicts=[v], scores=v.scores) for s, v in zip(samples, say_no)]
    row = {r["group"]: r for r in task_rows(task, records)}
    assert row[""]["metrics"]["accuracy"].value == pytest.approx(len(without) / len(samples))
    assert row[""]["metrics"]["accuracy_with_mistake"].value == 0.0
    assert row[""]["metrics"]["accuracy_without_mistake"].value == 1.0
    assert row["source_task=word_sorting"]["n"] == 3 and "source_task=dyck_languages" in row


@pytest.mark.parametrize("text, expected", [
    ("No", "No"), ("no.", "No"), ("None", "No"), ("**No**", "No"), ("3", 3), (" 12\n", 12), ("Thought 4", 4),
    ("#2 is wrong", 2), ("The first mistake is in Thought 5. So the answer is 5", 5),
    ("Comment 1: fine\nComment 2: So the answer is No", "No"), ("Answer: 7", 7), ("<think>maybe 2</think>No", "No"),
    ("Yes", None), ("", None), ("There is a mistake somewhere", None), ("9" * 5000, None), ("-3", 3),
])
def test_reading_a_reply(text, expected):
    assert parse_location(text) == expected


def test_hostile_replies_get_a_verdict():
    task, samples = fixture_samples()
    for text in ("x" * 1_000_000, "\u202e\u0000" * 1000, "[" * 10000 + "3", "answer is " * 100000, "1" * 100000 + " No", "7" * 7):
        verdict = score_location(task.config, samples[0], text)
        assert set(verdict.scores) >= {"accuracy", "decision_accuracy"}


# ---- the step modes: the family's strategy -----------------------------------------------------
def spec(tmp_path, task, out, **changes) -> RunSpec:
    base = RunSpec(tasks=[task], model="openai:fake", limit=9, results_dir=str(tmp_path), out=str(tmp_path / out),
                   progress=False)
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize("task", ["mistake-finding-generated-step", "mistake-finding-generated-cot"])
def test_step_modes_ask_every_step_and_predict_the_first_no(tmp_path, task):
    samples = harness.load_samples(harness.get_task(task), seed=0, limit=9)
    backend = GoldMistakeBackend(samples, cot=task.endswith("cot"))
    outcome = run(spec(tmp_path, task, "all"), backend_factory=lambda m, o: backend)
    lines = lines_of(outcome)
    assert all(line["strategy"] == "first-no" for line in lines)
    assert backend.calls == [sum(len(s["steps"]) for s in samples)]  # order=all: every step of every trace in one round
    assert outcome.rows[0]["metrics"]["accuracy"].value == 1.0
    for line, sample in zip(lines, samples):
        assert line["answers"] == [gold_location(sample)]
        assert len(line["trace"]) == len(sample["steps"]) and line["scores"]["steps_asked"] == len(sample["steps"])
        answers = line["strategy_info"]["step_answers"]
        first = sample["mistake_index"]
        assert answers == ["yes"] * len(answers) if first is None else answers[first] == "no"
    info = json.loads((outcome.run_dir / "metrics.json").read_text())["metric_info"][task]
    assert info["step_unparsed"]["higher_is_better"] is False and info["accuracy"]["kind"] == "binary"
    until = GoldMistakeBackend(samples, cot=task.endswith("cot"))
    stepwise = run(spec(tmp_path, task, "until", strategy_options={"order": "until-no"}, cache_path=str(tmp_path / "u.sqlite")),
                   backend_factory=lambda m, o: until)
    assert [line["answers"] for line in lines_of(stepwise)] == [line["answers"] for line in lines]
    asked = sum(len(s["steps"]) if s["mistake_index"] is None else s["mistake_index"] + 1 for s in samples)
    assert len(until.asked) == asked < len(backend.asked)


def test_a_believed_location_one_step_late_scores_zero_on_traces_with_a_mistake(tmp_path):
    task = "mistake-finding-generated-step"
    samples = harness.load_samples(harness.get_task(task), seed=0, limit=9)
    outcome = run(spec(tmp_path, task, "late"), backend_factory=lambda m, o: GoldMistakeBackend(samples, shift=1))
    metrics = outcome.rows[0]["metrics"]
    assert metrics["accuracy_with_mistake"].value == 0.0 and metrics["accuracy_without_mistake"].value == 1.0


def test_trace_mode_is_one_request_per_trace_and_the_strategy_refuses_it(tmp_path):
    samples = harness.load_samples(harness.get_task("mistake-finding-generated"), seed=0, limit=6)
    backend = GoldMistakeBackend(samples)
    outcome = run(spec(tmp_path, "mistake-finding-generated", "trace", limit=6), backend_factory=lambda m, o: backend)
    assert backend.calls == [6] and outcome.rows[0]["metrics"]["accuracy"].value == 1.0
    assert "strategy" not in lines_of(outcome)[0]
    with pytest.raises(HarnessError, match="strategy 'first-no' cannot run on task 'mistake-finding-generated'"):
        run(spec(tmp_path, "mistake-finding-generated", "refused", strategy="first-no"), backend_factory=lambda m, o: backend)


def test_original_traces_through_the_paper_prompt_structure_end_to_end(tmp_path):
    """The fixture copy (prompt files in the paper's structure) in all three modes, oracle answers."""
    for task in ("mistake-finding", "mistake-finding-step", "mistake-finding-cot"):
        _, samples = fixture_samples(task)
        backend = GoldMistakeBackend(samples, cot=task.endswith("cot"))
        outcome = run(spec(tmp_path, task, task, data=str(FIXTURE), limit=None), backend_factory=lambda m, o: backend)
        assert outcome.rows[0]["metrics"]["accuracy"].value == 1.0, task
        assert all(r.messages[0]["content"].startswith("[fixture]") for r in backend.asked)
