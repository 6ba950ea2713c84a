"""Thinking efficiency of a completion (tokens to the first correct answer, after it, the share before
it, thought switches, the think/no-think mode) and its statistics per point of the search study, each
declared and with an interval inside its range."""

from __future__ import annotations

import json

import pytest

from harness.backends.base import Backend
from harness.core.types import Generation
from harness.parsing.traces import ThinkingEfficiency, thinking_efficiency, thinking_mode, thought_switches
from harness.report.behaviours import EFFICIENCY_METRICS, mode_rows, summarize_efficiency
from studies.search.study import StudySpec, run_search_study
from tasks.sudoku.extraction import extract_sudoku_grid
from tasks.sudoku.solver import SudokuShape, solve_sudoku


def test_one_completion():
    text = "Let me try. <answer>1</answer> Wait, let me check again. Alternatively 2. <answer>1</answer>"
    reading = thinking_efficiency(text, 100, lambda prefix: prefix.endswith("<answer>1</answer>"), markers=("</answer>",))
    first = round(100 * (text.index("</answer>") + len("</answer>")) / len(text))
    assert reading.first_correct_tokens == first and reading.tokens_after_first_correct == 100 - first
    assert reading.share_before_first_correct == pytest.approx(first / 100)
    assert reading.thought_switches == 2  # "Wait," and "Alternatively"
    never = thinking_efficiency("no answer", 10, lambda prefix: False)
    assert never.first_correct_tokens is None and never.tokens_after_first_correct is None and never.share_before_first_correct is None


@pytest.mark.parametrize("text,switches", [
    ("", 0), ("wait, wait. Wait!", 2), ("<think>Wait, no.", 1), ("I waited.", 0), ("On second thought, hold on. Let me reconsider.", 2),
    ("Another approach: divide.", 1), ("await the result", 0), (None, 0), ("wait " * 100_000, 1),
])
def test_thought_switches(text, switches):
    assert thought_switches(text) == switches


def test_thinking_mode_reads_thinkless_control_tokens():
    assert thinking_mode("<think>long</think> 4") == "think" and thinking_mode("  <short>4") == "short"
    assert thinking_mode("4 <think>") is None and thinking_mode(None) is None


def test_summaries_are_declared_and_inside_their_ranges():
    readings = [ThinkingEfficiency(100, 40, 2, "think"), ThinkingEfficiency(50, None, 0, "short"),
                ThinkingEfficiency(80, 80, 5, "think"), ThinkingEfficiency(20, 5, 0, "short")]
    correct = [True, False, True, True]
    summary = summarize_efficiency(readings, correct)
    declared = {m.name: m for m in EFFICIENCY_METRICS}
    assert set(summary) <= set(declared)
    for name, value in summary.items():
        metric = declared[name]
        assert metric.contains(value.value) and value.ci_low is not None
        assert metric.contains(value.ci_low) and metric.contains(value.ci_high) and value.ci_low <= value.value <= value.ci_high
    assert summary["first_correct_tokens"].value == pytest.approx((40 + 80 + 5) / 3)
    assert summary["tokens_after_first_correct"].value == pytest.approx((60 + 0 + 15) / 3)
    assert summary["think_mode_rate"].value == 0.5 and summary["accuracy_think"].value == 1.0 and summary["accuracy_short"].value == 0.5
    assert all(m.higher_is_better in (True, False, None) and m.kind in ("binary", "bounded") for m in EFFICIENCY_METRICS)
    rows = mode_rows(readings, correct, ["easy", "hard", "hard", "easy"])
    assert [(r["difficulty"], r["think_completions"], r["short_completions"]) for r in rows] == [("easy", 1, 1), ("hard", 1, 1)]
    assert rows[1]["accuracy_short"].value == 0.0 and rows[1]["think_mode_rate"].value == 0.5
    assert summarize_efficiency([ThinkingEfficiency(10, None, 0, None)], [False]).get("think_mode_rate") is None


class ThinklessSudoku(Backend):
    """A think/no-think model: the backtracking prompt gets <think> and the right grid, the plain one
    <short> and a wrong grid."""

    name = "thinkless"

    def generate(self, requests):
        for index, request in enumerate(requests):
            user = request.messages[1]["content"]
            solution = solve_sudoku(extract_sudoku_grid(user.split("\n\n")[1], 4), SudokuShape(2, 2), limit=1)[0]
            if "backtrack" in user:
                text = f"<think>Wait, check the rows.</think><answer>{json.dumps(solution)}</answer>"
            else:
                text = "<short><answer>[[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]</answer>"
            yield index, Generation(texts=[text], finish_reasons=["stop"], completion_tokens=[30])


def test_the_search_study_reports_efficiency_and_modes_per_point(tmp_path):
    spec = StudySpec(task="sudoku-4x4", budgets=(64,), parallel_n=(2,), min_cap=8, limit=2, seed=0, results_dir=str(tmp_path),
                     out=str(tmp_path / "study"), progress=False)
    outcome = run_search_study(spec, backend_factory=lambda m, o: ThinklessSudoku())
    sequential = next(r for r in outcome.rows if r["strategy"] == "sequential")
    assert sequential["metrics"]["thought_switches"].value == 1.0 and sequential["metrics"]["think_mode_rate"].value == 1.0
    assert sequential["metrics"]["tokens_after_first_correct"].value == 2.0  # only "</answer>" follows the grid's "]]"
    study = json.loads((tmp_path / "study" / "study.json").read_text())
    modes = {(m["strategy"], m["difficulty"]): m for m in study["thinking_modes"]}
    assert modes[("sequential", "size=4x4")]["accuracy_think"]["value"] == 1.0
    assert modes[("parallel", "size=4x4")]["think_mode_rate"]["value"] == 0.0
    assert study["metric_info"]["think_mode_rate"]["kind"] == "binary"
    attempts = [json.loads(line) for line in (tmp_path / "study" / "attempts.jsonl").read_text().splitlines()]
    assert {a["efficiency"]["mode"] for a in attempts} == {"think", "short"}
    assert "Thinking modes" in (tmp_path / "study" / "report.html").read_text(encoding="utf-8")
