"""`harness search-study` bookkeeping: budgets honoured, generated tokens counted (not caps), points
sharing completions, extension re-asking nothing, outputs written. A scripted fake backend makes
every number predictable; one small run of the embedded model checks the real path end to end."""

from __future__ import annotations

import csv
import json
import re

import pytest

from harness.backends.base import Backend
from harness.cli import main
from harness.core.errors import HarnessError
from harness.core.types import Generation
from studies.search.points import Attempt, ProblemOutcome, StudyPoint, needed_attempts, study_points
from studies.search.study import StudySpec, run_search_study
from tasks.sudoku.extraction import extract_sudoku_grid
from tasks.sudoku.solver import SudokuShape, solve_sudoku

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WRONG_4X4 = "[[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]"


class ScriptedSudokuBackend(Backend):
    """Parallel replicate r answers correctly iff r is odd, in 20 tokens; the sequential chain
    backtracks once and needs 60 tokens to reach the right grid (cut off below that)."""

    name = "scripted"

    def __init__(self, log: list):
        self.log = log

    def generate(self, requests):
        for index, request in enumerate(requests):
            self.log.append(request)
            user = request.messages[1]["content"]
            puzzle = extract_sudoku_grid(user.split("\n\n")[1], 4)
            solution = json.dumps(solve_sudoku(puzzle, SudokuShape(2, 2), limit=1)[0])
            cap, replicate = request.settings.max_tokens, request.settings.seed % 1000
            if "backtrack" in user:
                full = f"Let me try. <answer>{WRONG_4X4}</answer> Wait, that doesn't work. Let me verify again. <answer>{solution}</answer>"
                if cap >= 60:
                    yield index, Generation(texts=[full], finish_reasons=["stop"], completion_tokens=[60])
                else:
                    yield index, Generation(texts=[full[: full.index("Wait")]], finish_reasons=["length"], completion_tokens=[cap])
            else:
                text = f"<answer>{solution if replicate % 2 else WRONG_4X4}</answer>"
                tokens = min(cap, 20)
                yield index, Generation(texts=[text], finish_reasons=["stop" if cap >= 20 else "length"], completion_tokens=[tokens])


def _spec(tmp_path, budgets, **kw):
    return StudySpec(task="sudoku-4x4", budgets=budgets, parallel_n=(2,), min_cap=8, limit=3, seed=1,
                     results_dir=str(tmp_path), out=str(tmp_path / "study"), progress=False, **kw)


def _row(rows, strategy, budget, n):
    return next(r for r in rows if (r["strategy"], r["budget"], r["n"]) == (strategy, budget, n))


def test_points_skip_too_small_caps_and_share_completions():
    points, skipped = study_points([64, 512], [2, 4, 8], min_cap=32)
    assert [(p.strategy, p.budget, p.n, p.cap) for p in points] == [
        ("sequential", 64, 1, 64), ("parallel", 64, 2, 32),
        ("sequential", 512, 1, 512), ("parallel", 512, 2, 256), ("parallel", 512, 4, 128), ("parallel", 512, 8, 64),
    ]
    assert len(skipped) == 2 and "B=64 n=4" in skipped[0]
    shared = needed_attempts([StudyPoint("parallel", 512, 2, 256), StudyPoint("parallel", 1024, 4, 256)], ["a"])
    assert shared == [("a", "parallel", 256, r) for r in range(4)]  # the 2 of B=512 are the first 2 of B=1024


def test_first_correct_tokens_count_earlier_attempts_in_full():
    attempts = [Attempt("a", "parallel", 100, 0, completion_tokens=90), Attempt("a", "parallel", 100, 1, completion_tokens=70, correct=True, first_correct_tokens=40)]
    outcome = ProblemOutcome({"id": "a"}, attempts)
    assert outcome.solved and outcome.tokens == 160 and outcome.first_correct_tokens == 130


def test_study_bookkeeping_with_a_scripted_backend(tmp_path):
    log: list = []
    outcome = run_search_study(_spec(tmp_path, (32, 64)), backend_factory=lambda model, options: ScriptedSudokuBackend(log))
    rows = outcome.rows
    assert len(log) == outcome.backend_calls == 3 * (2 + 2 + 2)  # per problem: seq 32, seq 64, par cap 16 x2, cap 32 x2
    assert all(r.settings.n == 1 and r.settings.temperature == 0.7 for r in log)
    seq32, seq64 = _row(rows, "sequential", 32, 1), _row(rows, "sequential", 64, 1)
    par32, par64 = _row(rows, "parallel", 32, 2), _row(rows, "parallel", 64, 2)
    assert seq32["metrics"]["accuracy"].value == 0.0 and seq32["truncated"] == 1.0
    assert seq64["metrics"]["accuracy"].value == 1.0 and seq64["metrics"]["tokens"].value == 60  # generated, not the cap
    assert seq64["budget_used"] == pytest.approx(60 / 64)
    assert par32["metrics"]["tokens"].value == 32 and par32["metrics"]["accuracy"].value == 1.0  # 2 x 16
    assert par64["metrics"]["tokens"].value == 40  # 2 x 20 generated under a cap of 32 each
    assert par64["metrics"]["pass@1"].value == 0.5 and par64["metrics"]["best_of_2"].value == 1.0
    # replicate 0 in full, then replicate 1 up to the "]]" that completes the right grid
    correct_text = "<answer>" + json.dumps([[0] * 4] * 4) + "</answer>"
    at_grid_end = round(20 * (correct_text.index("]]") + 2) / len(correct_text))
    assert par64["metrics"]["first_correct_tokens"].value == 20 + at_grid_end
    for row in rows:
        assert row["max_tokens_seen"] <= row["budget"]
    # the sequential chain shows the scripted behaviours
    seq_behaviour = next(b for b in outcome.behaviours if b["strategy"] == "sequential" and b["budget"] == 64)
    assert seq_behaviour["metrics"]["backtracking"].value == 1.0 and seq_behaviour["metrics"]["verification"].value == 1.0
    study = tmp_path / "study"
    png = (study / "search_study.png").read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 5_000
    with (study / "search_study.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 4
    attempts = [json.loads(line) for line in (study / "attempts.jsonl").read_text().splitlines()]
    assert len(attempts) == 18 and all(a["completion_tokens"] <= a["cap"] for a in attempts)
    manifest = json.loads((study / "manifest.json").read_text())
    assert manifest["requests"] == {"completions": 18, "from_cache": 0, "sent_to_backend": 18}
    assert manifest["sequential_config"]["prompt_style"] == "backtrack" and manifest["parallel_config"]["prompt_style"] == "direct"
    assert "accuracy" in (study / "search_study.md").read_text() and "behaviours" in outcome.table
    report = (study / "report.html").read_text(encoding="utf-8")  # the curve and the table, self-contained
    assert 'data-family="search-study"' in report and "<svg" in report and not re.search(r'(src|href)="https?://', report)
    assert f'data-row="sequential B=64" data-metric="accuracy" data-value="{seq64["metrics"]["accuracy"].value!r}"' in report


def test_extending_the_budgets_asks_only_for_new_completions(tmp_path):
    log: list = []
    factory = lambda model, options: ScriptedSudokuBackend(log)  # noqa: E731
    first = run_search_study(_spec(tmp_path, (32, 64)), backend_factory=factory)
    asked = len(log)
    again = run_search_study(_spec(tmp_path, (32, 64)), backend_factory=factory)
    assert again.backend_calls == 0 and len(log) == asked
    extended = run_search_study(_spec(tmp_path, (32, 64, 128)), backend_factory=factory)
    assert extended.backend_calls == len(log) - asked == 3 * 3  # per problem: seq 128, par cap 64 x2
    assert extended.cache_hits == 18
    old = {(r["strategy"], r["budget"]): r["metrics"]["accuracy"].value for r in first.rows}
    new = {(r["strategy"], r["budget"]): r["metrics"]["accuracy"].value for r in extended.rows}
    assert {k: new[k] for k in old} == old and len(new) == len(old) + 2


def test_study_rejects_unsupported_tasks_and_settings(tmp_path):
    with pytest.raises(HarnessError, match="temperature"):
        run_search_study(_spec(tmp_path, (32,), temperature=0.0))
    with pytest.raises(HarnessError, match="budgets"):
        run_search_study(_spec(tmp_path, (0,)))
    assert main(["search-study", "sudoku-4x4", "--budgets", "a,b"]) == 2


def test_countdown_backtrack_prompt_is_used_for_the_sequential_strategy():
    from studies.search.study import StudySpec as Spec
    from studies.search.study import study_tasks

    sequential, parallel = study_tasks(Spec(task="countdown"))
    sample = parallel.family.generate(parallel.config, 0, 0)
    seq_text = sequential.family.build_request(sequential.config, sample).messages[1]["content"]
    par_text = parallel.family.build_request(parallel.config, sample).messages[1]["content"]
    assert "backtrack" in seq_text and "backtrack" not in par_text
    assert seq_text.startswith(par_text)  # the TinyZero prompt, plus the invitation


@pytest.mark.model
def test_search_study_on_the_embedded_model(tmp_path):
    """A tiny real study (one problem, 6 completions, 96 tokens at most): budgets honoured, tokens
    counted, plot written, and a re-run served from the cache. One torch thread: on a shared CPU
    that is several times faster than oversubscribed threads."""
    torch = pytest.importorskip("torch")
    try:
        from harness.backends.local import embedded_gguf_path

        embedded_gguf_path()
    except HarnessError as exc:
        pytest.skip(str(exc))
    spec = StudySpec(task="sudoku-4x4", budgets=(16, 32), parallel_n=(2,), min_cap=8, limit=1, seed=0,
                     results_dir=str(tmp_path), out=str(tmp_path / "study"), progress=False)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        outcome = run_search_study(spec)
    finally:
        torch.set_num_threads(threads)
    assert outcome.backend_calls == 6  # seq 16, seq 32, parallel cap 8 x2, cap 16 x2
    attempts = [json.loads(line) for line in (tmp_path / "study" / "attempts.jsonl").read_text().splitlines()]
    assert sorted((a["strategy"], a["cap"], a["replicate"]) for a in attempts) == [
        ("parallel", 8, 0), ("parallel", 8, 1), ("parallel", 16, 0), ("parallel", 16, 1), ("sequential", 16, 0), ("sequential", 32, 0)]
    assert all(0 < a["completion_tokens"] <= a["cap"] for a in attempts)
    for row in outcome.rows:
        assert 0 < row["metrics"]["tokens"].value <= row["budget"]
        assert row["max_tokens_seen"] <= row["budget"]
    png = (tmp_path / "study" / "search_study.png").read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 5_000
    again = run_search_study(spec)
    assert again.backend_calls == 0 and again.cache_hits == 6


class ThinkingSudokuBackend(Backend):
    """A Sudoku chain that thinks 40 tokens before its answer: cut below that it has none; after the
    answer cue a forced end gets the right grid in 20 tokens. It can continue its own turn (prefill)."""

    name = "thinking-sudoku"

    def __init__(self, log: list):
        self.log = log

    def sends_assistant_prefill(self, request):
        return True

    def generate(self, requests):
        for index, request in enumerate(requests):
            self.log.append(request)
            user = request.messages[1]["content"]
            puzzle = extract_sudoku_grid(user.split("\n\n")[1], 4)
            solution = json.dumps(solve_sudoku(puzzle, SudokuShape(2, 2), limit=1)[0])
            cap = request.settings.max_tokens
            if request.assistant_prefill.endswith("<answer> "):
                yield index, Generation(texts=[f"{solution}</answer>"], finish_reasons=["stop"], completion_tokens=[min(cap, 20)])
            elif cap >= 40:
                yield index, Generation(texts=[f"try, check. </think> <answer>{solution}</answer>"], finish_reasons=["stop"],
                                        completion_tokens=[40])
            else:
                yield index, Generation(texts=["try, check, try"], finish_reasons=["length"], completion_tokens=[cap])


def test_budget_forcing_arms_run_through_the_strategy_layer(tmp_path):
    log: list = []
    spec = _spec(tmp_path, (16, 64), strategies=("sequential", "forced"), strategy_options={"answer_tokens": "24"})
    outcome = run_search_study(spec, backend_factory=lambda model, options: ThinkingSudokuBackend(log))
    seq16, forced16 = _row(outcome.rows, "sequential", 16, 1), _row(outcome.rows, "forced", 16, 1)
    assert seq16["metrics"]["accuracy"].value == 0.0 and seq16["truncated"] == 1.0  # cut at its budget: no answer
    assert forced16["metrics"]["accuracy"].value == 1.0 and forced16["metrics"]["forced"].value == 1.0
    assert forced16["metrics"]["tokens"].value == 16 + 20  # the thinking budget plus the forced answer
    forced64 = _row(outcome.rows, "forced", 64, 1)
    assert forced64["metrics"]["forced"].value == 0.0 and forced64["metrics"]["accuracy"].value == 1.0
    # the forced arm's first request is the sequential arm's: asked once, from the cache the second time
    assert len(log) == 3 * (2 + 1)  # per problem: sequential 16 and 64 (= forced's think rounds), forced 16's answer
    assert not any(row["strategy"] == "parallel" for row in outcome.rows)
    study = tmp_path / "study"
    manifest = json.loads((study / "manifest.json").read_text())
    assert manifest["strategies"] == ["sequential", "forced"] and manifest["strategy_options"]["forced"]["answer_tokens"] == 24
    info = json.loads((study / "study.json").read_text())["metric_info"]
    assert info["forced"]["kind"] == "binary" and info["share_before_first_correct"]["higher_is_better"] is True
    report = (study / "report.html").read_text(encoding="utf-8")
    assert "budget forcing" in report and 'data-row="forced B=16" data-metric="accuracy"' in report
    with pytest.raises(HarnessError, match="no chosen arm takes it"):
        run_search_study(_spec(tmp_path, (16,), strategies=("forced",), strategy_options={"max_waits": "2"}))
    with pytest.raises(HarnessError, match="--strategies takes arms"):
        run_search_study(_spec(tmp_path, (16,), strategies=("beam",)))


def test_budget_forcing_arms_refuse_a_chat_api(tmp_path):
    with pytest.raises(HarnessError, match="continuing a partial assistant turn"):
        run_search_study(_spec(tmp_path, (16,), strategies=("extend",)), backend_factory=lambda m, o: ScriptedSudokuBackend([]))


@pytest.mark.model
def test_forced_and_extend_run_on_the_embedded_model(tmp_path):
    """`search-study --strategies forced,extend` on the embedded model: the figure shows both arms."""
    assert main(["search-study", "countdown-3", "--strategies", "sequential,forced,extend", "--budgets", "16,32",
                 "--limit", "1", "--strategy-option", "answer_tokens=16", "--results-dir", str(tmp_path),
                 "--out", str(tmp_path / "study"), "--no-progress"]) == 0
    study = tmp_path / "study"
    rows = json.loads((study / "study.json").read_text())["rows"]
    assert {(r["strategy"], r["budget"]) for r in rows} == {(a, b) for a in ("sequential", "forced", "extend") for b in (16, 32)}
    forced = [r for r in rows if r["strategy"] == "forced"]
    assert all(r["metrics"]["tokens"]["value"] > 0 for r in forced)
    svg = (study / "report.html").read_text(encoding="utf-8")
    assert "budget forcing (forced end at B)" in svg and "budget forcing ('Wait', extend)" in svg  # the figure's legend
    assert (study / "search_study.png").read_bytes().startswith(PNG_MAGIC)
