"""`harness behaviours FOLDER --judge MODEL`: the paper's judge prompts beside the keyword detector.

A scripted model writes Countdown traces with known behaviours into a run folder; a scripted judge
answers each of the four prompts from the completion it is shown. The mechanics are then pinned:
four cached requests per completion (a re-run asks nothing), counts read as the paper reads them
(missing tag -> 0), a failed request kept apart from a zero, agreement and disagreements in the
summary and in report.html, the paper's columns in counts.csv. Differential tests run the authors'
own code (../shared/reference/upstream/cognitive_behaviors) on the same inputs, skipping without it.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from harness.backends.base import Backend
from harness.cli import main
from harness.core.errors import HarnessError
from harness.core.types import Generation, JudgeProblem, Request
from harness.parsing.judge_counts import MAX_COUNT, read_judge_count
from harness.pipeline.behaviour_judge import JudgeSpec, run_behaviour_judge
from harness.pipeline.judge_prompts import judge_conversations, resolve_prompt_set
from harness.pipeline.runner import RunSpec, run
from harness.report.behaviours import cohen_kappa, spearman

UPSTREAM = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "upstream" / "cognitive_behaviors"
TRACES = (
    "Let me try 25 + 3 = 28, which is not 24. That doesn't work, so let me try a different pair. <answer>{answer}</answer>",
    "First, I'll get 12 before anything else. <answer>{answer}</answer>",
    "<answer>{answer}</answer>",
)


class TraceWriter(Backend):
    """Answers Countdown sample k (in the order asked) with trace k % 3 and the summed numbers."""

    name = "trace-writer"

    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        for index, request in enumerate(requests):
            nums = re.search(r"numbers \[([0-9, ]+)\]", request.messages[-1]["content"]).group(1).split(", ")
            text = TRACES[index % 3].format(answer=" + ".join(nums))
            yield index, Generation(texts=[text], finish_reasons=["stop"], prompt_tokens=9, completion_tokens=[20])


class ScriptedJudge(Backend):
    """Counts from the completion in the prompt: verification = "not 24" sentences, backtracking =
    "different" words (+1 for the paper's disagreement), subgoal = "First," (answered without a tag:
    the paper reads 0), backward chaining fails for the completion holding "I'll get 12"."""

    name = "scripted-judge"

    def __init__(self) -> None:
        self.asked: list[Request] = []

    def generate(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        for index, request in enumerate(requests):
            self.asked.append(request)
            prompt = request.messages[-1]["content"]
            completion = re.split(r"\.\s*\nEvaluate", prompt.split("The chain-of-reasoning the model used is: ", 1)[1])[0]
            if "answer-verification" in prompt:
                reply = f"I see {completion.count('not 24')} <count>{completion.count('not 24')}</count>"
            elif "backtracking behavior" in prompt:
                reply = f"<count>{completion.count('different') + 1}</count>"
            elif "subgoal setting" in prompt:
                reply = "There is one subgoal." if "First," in completion else "None."
            elif "I'll get 12" in completion:
                yield index, Generation(texts=[], finish_reasons=["error"], error="HTTP 500 from the scripted judge")
                continue
            else:
                reply = "<count>0</count>"
            yield index, Generation(texts=[reply], finish_reasons=["stop"], prompt_tokens=50, completion_tokens=[8])


def _run_folder(tmp_path: Path) -> Path:
    outcome = run(RunSpec(tasks=["countdown-3"], model="openai:fake", limit=6, results_dir=str(tmp_path), out=str(tmp_path / "run"),
                          progress=False), backend_factory=lambda model, options: TraceWriter())
    return outcome.run_dir


def test_the_judge_runs_on_a_run_folder_and_reports_its_agreement(tmp_path):
    folder = _run_folder(tmp_path)
    judge = ScriptedJudge()
    spec = JudgeSpec(folder=str(folder), judge="openai:judge", results_dir=str(tmp_path), progress=False)
    outcome = run_behaviour_judge(spec, backend_factory=lambda model, options: judge)
    assert len(judge.asked) == outcome.backend_calls == 6 * 4  # four prompts per completion
    assert all(r.settings.max_tokens == 512 and r.settings.temperature == 1.0 for r in judge.asked)
    assert judge.asked[0].messages[0]["content"] == "You are a helpful assistant that analyzes mathematical reasoning."
    [summary] = outcome.summaries
    assert summary["prompts"] == "gandhi2025" and summary["completions"] == 6
    low, high = summary["accuracy_ci"]  # the task accuracy of the judged completions, with its Wilson interval
    assert summary["accuracy_n"] == 6 and 0.0 <= low <= summary["accuracy"] <= high <= 1.0 and high - low > 0.2
    assert summary["judged"] == 4 and summary["failed_requests"] == 2  # the two "I'll get 12" completions
    assert summary["untagged_answers"] == 6  # every subgoal answer: read as 0, as the paper does
    judge_means = summary["judge"]
    assert judge_means["verification"].value == pytest.approx(0.5)  # 2 of the 4 judged say "not 24" once
    assert judge_means["subgoal_setting"].value == 0.0
    agreement = summary["agreement"]
    assert agreement["verification"]["kappa"].value == pytest.approx(1.0)  # the detector sees the same sentences
    assert agreement["backtracking"]["judge_only"] == 4  # the judge counts +1 everywhere: the 4 traces without "different"
    assert summary["paper_columns"]["avg_verifications"] == pytest.approx(0.5)
    assert summary["paper_columns"]["total_backtracking"] == 2 * 2 + 2 * 1
    shown = [d for d in summary["disagreements"] if d["behaviour"] == "subgoal_setting"]
    assert shown and all(d["detector_sentences"] and d["judge"] == 0 for d in shown)  # the detector's sentence, shown
    # outputs: per completion, summary, the paper's columns, pages
    out = outcome.out_dir
    lines = [json.loads(line) for line in (out / "completions.jsonl").read_text().splitlines()]
    assert len(lines) == 6 and lines[1]["judge"]["backward_chaining"] is None and lines[1]["judge_errors"]
    with (out / "counts.csv").open() as handle:
        [row] = list(csv.DictReader(handle))
    assert row["avg_verifications"] == "0.5" and row["completions"] == "4"
    info = json.loads((out / "summary.json").read_text())["metric_info"]  # every number declared: kind, direction
    assert info["judge"]["verification"]["kind"] == "bounded" and info["judge"]["backtracking_any"]["kind"] == "binary"
    assert "judge" in info["judge"]["verification"]["description"] and "keyword" in info["detector"]["verification"]["description"]
    assert info["agreement"]["kappa"]["higher_is_better"] is True
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert 'data-judge="' in report and "Reasoning traces" in report and "sentences the detector counted" in report
    assert "keyword detector: recall" in report
    assert "<h1>Behaviour judge" in (out / "report.html").read_text(encoding="utf-8")
    # cached and resumable: a second judging asks only the two requests that failed (failures are never cached)
    again = run_behaviour_judge(spec, backend_factory=lambda model, options: judge)
    assert again.backend_calls == 2 and again.cache_hits == 22


def test_the_detector_alone_needs_no_model_and_the_cli_prints_the_table(tmp_path, capsys):
    folder = _run_folder(tmp_path)
    outcome = run_behaviour_judge(JudgeSpec(folder=str(folder), progress=False))
    assert outcome.out_dir is None and outcome.summaries[0]["detector"]["backtracking_any"].value == pytest.approx(2 / 6)
    assert main(["behaviours", str(folder), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "backtracking" in printed and "keyword detector: recall" in printed
    assert main(["behaviours", str(tmp_path / "nowhere")]) == 2
    assert main(["behaviours", str(folder), "--limit", "0"]) == 2


def test_prompt_sets_resolve_per_family():
    from harness.core.registry import get_task

    task = get_task("countdown")
    countdown = task.family.judge_problem(task.config, task.family.generate(task.config, 0, 0))
    sudoku = JudgeProblem("Sudoku: fill ...")
    assert resolve_prompt_set("auto", countdown) == "paper" and resolve_prompt_set("auto", sudoku) == "ours"
    assert countdown.paper == "gandhi2025" and resolve_prompt_set("ours", countdown) == "ours"
    with pytest.raises(ValueError, match="no paper's judge prompts"):
        resolve_prompt_set("paper", sudoku)
    ours = judge_conversations("ours", sudoku, "TRACE")[3]
    assert "Problem: Sudoku: fill ..." in ours[1]["content"] and "<count>0</count>" in ours[1]["content"]
    assert "backward-chaining" in ours[1]["content"]


def test_the_sudoku_and_counterbench_hooks_render_their_problems():
    from harness.core.registry import get_task

    for name, expected in (("sudoku-4x4", "[["), ("counterbench", "Rules: "), ("countdown", "each exactly once")):
        task = get_task(name)
        problem = task.family.judge_problem(task.config, task.family.generate(task.config, 0, 0))
        assert expected in problem.description


@pytest.mark.parametrize("text,count,tagged", [
    ("<count>3</count>", 3, True), ("no tag", 0, False), ("<count> 3</count>", 0, False), ("<count>٣</count>", 3, True),
    ("<count>7</count> then <count>2</count>", 7, True), ("<count>" + "9" * 5000 + "</count>", MAX_COUNT, True), (None, 0, False),
])
def test_judge_counts_are_read_as_the_paper_reads_them_and_never_crash(text, count, tagged):
    found = read_judge_count(text)
    assert (found.count, found.tagged) == (count, tagged)


def test_agreement_statistics():
    assert cohen_kappa([1, 0, 2, 0], [3, 0, 1, 0]).value == pytest.approx(1.0)
    assert cohen_kappa([1, 0, 0, 0], [0, 0, 0, 1]).value == pytest.approx(-1 / 3)
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]).value == pytest.approx(1.0)
    constant = spearman([0, 0, 0], [1, 2, 3])
    assert constant.value != constant.value  # NaN: undefined when one side never varies
    interval = cohen_kappa([1, 0, 2, 0, 1, 1, 0, 0], [1, 0, 1, 1, 0, 1, 0, 0])
    assert -1.0 <= interval.ci_low <= interval.value <= interval.ci_high <= 1.0


# ---- the authors' own code as the oracle ---------------------------------------------------------

def _upstream_module():
    path = UPSTREAM / "behavioral_evals" / "gpt_api_eval.py"
    if not path.is_file():
        pytest.skip(f"upstream reference code not present at {path}")
    spec = importlib.util.spec_from_file_location("upstream_gpt_api_eval", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # defines classes only; the OpenAI client is made in __init__, never here
    return module


@pytest.mark.parametrize("numbers,target,completion", [
    ([20, 7, 11, 78], 22, "(78 - 20) - (11 - 7) = 54. Too high!"),
    ([3, 5], 15, "{braces} and 'quotes' and \"double\" ✓ 数独\n<count>9</count>"),
    ([1, 2, 3, 4], 7, ""),
])
def test_our_gandhi2025_prompts_are_the_papers_byte_for_byte(numbers, target, completion):
    from tasks.countdown.traces import countdown_judge_problem

    upstream = _upstream_module()
    theirs = upstream.CountdownAnalyzer.create_analysis_prompts(None, numbers, target, completion)
    problem = countdown_judge_problem(None, {"nums": numbers, "target": target})
    ours = judge_conversations("paper", problem, completion)
    assert [messages[1]["content"] for messages in ours] == theirs
    system = re.search(r'"role": "system", "content": "([^"]+)"', (UPSTREAM / "behavioral_evals" / "gpt_api_eval.py").read_text()).group(1)
    assert all(messages[0]["content"] == system for messages in ours)


def test_judge_counts_equal_the_papers_on_its_own_results_reader(tmp_path):
    """process_results of the authors' script reads a batch of judge answers; ours reads the same counts."""
    upstream = _upstream_module()
    replies = ["<count>2</count>", "none found", "<count>0</count> and <count>5</count>", "<count>٣</count>",
               "<count>12</count>", "<count>-1</count>", "<COUNT>4</COUNT>", "<count>999999999</count>"]
    kinds = ["verification", "backtracking", "subgoal", "backward-chaining"]
    batch_in, results = tmp_path / "batch.jsonl", tmp_path / "results.jsonl"
    with batch_in.open("w") as handle_in, results.open("w") as handle_out:
        for index, reply in enumerate(replies):
            custom_id = f"prob-{index // 4}-1-{kinds[index % 4]}"
            handle_in.write(json.dumps({"custom_id": custom_id, "body": {"messages": [{}, {"content": "q"}]}}) + "\n")
            handle_out.write(json.dumps({"custom_id": custom_id, "response": {"body": {"choices": [{"message": {"content": reply}}]}}}) + "\n")
    analyzer = upstream.BaseAnalyzer.__new__(upstream.BaseAnalyzer)  # no OpenAI client: process_results needs none
    analyzer.process_results(str(batch_in), str(results), str(tmp_path / "out"))
    problems = json.loads((tmp_path / "out" / "evaluation_step1.json").read_text())["results"]
    keys = ["verification_count", "backtracking_count", "subgoal_count", "backward_count"]
    theirs = [problem[key] for problem in problems for key in keys]
    assert theirs == [read_judge_count(reply).count for reply in replies]


def test_the_released_counts_quoted_in_the_docs_are_the_papers():
    path = UPSTREAM / "results" / "qwen_results.csv"
    if not path.is_file():
        pytest.skip(f"upstream results not present at {path}")
    docs = (Path(__file__).resolve().parents[1] / "docs" / "behaviours.md").read_text(encoding="utf-8")
    for model, name in (("Qwen-2.5-3B", "qwen_results.csv"), ("Llama-3.2-3B", "llama_results.csv")):
        with (UPSTREAM / "results" / name).open() as handle:
            rows = [r for r in csv.DictReader(handle) if r["condition"] == "base_ppo"]
        for row in (rows[0], rows[-1]):
            quoted = " | ".join(f"{float(row[c]):.2f}" for c in ("avg_verifications", "avg_backtracking", "avg_subgoals", "avg_backwards"))
            assert f"| {model} | {row['step']} | {quoted} |" in docs, (model, row["step"], quoted)


@pytest.mark.model
def test_the_embedded_model_judges_a_real_run_offline(tmp_path):
    """Mechanics on the real path: the embedded model answers a Countdown problem, then judges its own
    completion with the paper's prompts (its counts mean little; that every step runs is the point)."""
    results = str(tmp_path / "results")
    assert main(["run", "countdown-3", "--limit", "1", "--max-tokens", "48", "--results-dir", results,
                 "--out", str(tmp_path / "run"), "--no-progress"]) == 0
    assert main(["behaviours", str(tmp_path / "run"), "--judge", "local", "--max-tokens", "24", "--results-dir", results,
                 "--no-progress"]) == 0
    [out] = list((tmp_path / "run" / "behaviours").iterdir())
    summary = json.loads((out / "summary.json").read_text())
    [task] = summary["tasks"]
    assert task["prompts"] == "gandhi2025" and task["judged"] + task["failed_requests"] >= 1
    assert summary["requests"]["judge_calls"] == 4 and "Behaviour judge" in (tmp_path / "run" / "report.html").read_text()


def test_the_judge_reads_a_search_study_folder_per_arm(tmp_path):
    from studies.search.study import StudySpec, run_search_study
    from tests.test_search_study import ScriptedSudokuBackend

    spec = StudySpec(task="sudoku-4x4", budgets=(64,), parallel_n=(2,), min_cap=8, limit=2, seed=1, results_dir=str(tmp_path),
                     out=str(tmp_path / "study"), progress=False)
    run_search_study(spec, backend_factory=lambda model, options: ScriptedSudokuBackend([]))
    judge = ScriptedJudge()
    outcome = run_behaviour_judge(JudgeSpec(folder=str(tmp_path / "study"), judge="openai:judge", results_dir=str(tmp_path),
                                            progress=False), backend_factory=lambda model, options: judge)
    assert outcome.kind == "study" and [s["task"] for s in outcome.summaries] == ["sudoku-4x4 [sequential]", "sudoku-4x4 [parallel]"]
    assert all(s["prompts"] == "ours" for s in outcome.summaries)  # the paper's prompts are Countdown's
    assert "Problem: Sudoku: fill the empty cells" in judge.asked[0].messages[1]["content"]
    assert len(judge.asked) == 4 * (2 + 2 * 2) and (outcome.out_dir / "report.html").is_file()


def test_a_folder_without_completions_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(HarnessError, match="neither samples.jsonl"):
        run_behaviour_judge(JudgeSpec(folder=str(tmp_path / "empty"), progress=False))
    assert sys.modules.get("harness.pipeline.behaviour_judge") is not None
