"""Sudoku family: verifier, total extraction, scoring, prompts, loader (own fixtures + LR2Bench)."""

from __future__ import annotations

import json

import pytest

from harness.core.errors import HarnessError
from harness.core.registry import get_task
from tasks.sudoku.extraction import extract_sudoku_grid
from tasks.sudoku.loader import load_sudoku
from tasks.sudoku.scoring import gold_response, score_sudoku_response, why_sudoku_unparseable
from tasks.sudoku.solver import SudokuShape
from tasks.sudoku.verifier import cell_accuracy, is_valid_solution, sudoku_violations

PUZZLE = [[4, 3, 0, 0], [1, 0, 0, 0], [0, 1, 0, 2], [0, 0, 0, 3]]
SOLUTION = [[4, 3, 2, 1], [1, 2, 3, 4], [3, 1, 4, 2], [2, 4, 1, 3]]
SAMPLE = {"id": "s", "box_rows": 2, "box_cols": 2, "puzzle": PUZZLE, "solution": SOLUTION}
SHAPE = SudokuShape(2, 2)


@pytest.fixture
def task():
    return get_task("sudoku-4x4")


# ---- verifier -------------------------------------------------------------------------------

def test_verifier_accepts_the_solution():
    assert is_valid_solution(SOLUTION, PUZZLE, SHAPE)
    assert cell_accuracy(SOLUTION, PUZZLE, SOLUTION) == 1.0


@pytest.mark.parametrize(
    "grid,reason",
    [
        ([[4, 3, 2, 1], [1, 2, 3, 4], [3, 1, 4, 2]], "not a 4x4"),  # too few rows
        ([[4, 3, 2, 1, 5]] * 4, "not a 4x4"),  # too wide
        ([[4, 3, 2, 1], [1, 2, 3, 4], [3, 1, 4, 2], [2, 4, 1, "3"]], "not a 4x4"),  # a string cell
        ([[4, 3, 2, 1], [1, 2, 3, 4], [3, 1, 4, 2], [2, 4, 1, 0]], "not 1..4"),  # left empty
        ([[4, 3, 2, 1], [1, 2, 3, 4], [3, 1, 4, 2], [2, 4, 1, 9]], "not 1..4"),  # out of range
        ([[4, 3, 2, 1], [1, 2, 4, 3], [3, 1, 4, 2], [2, 4, 1, 3]], "column"),  # a column repeats
        ([[3, 4, 2, 1], [1, 2, 3, 4], [4, 1, 3, 2], [2, 3, 1, 4]], "clue"),  # valid grid, wrong clues
        (None, "not a 4x4"),
        ("[[1]]", "not a 4x4"),
    ],
)
def test_verifier_rejects_bad_grids(grid, reason):
    problems = sudoku_violations(grid, PUZZLE, SHAPE)
    assert problems and any(reason in p for p in problems), problems
    assert not is_valid_solution(grid, PUZZLE, SHAPE)


def test_verifier_checks_boxes_not_just_rows_and_columns():
    latin_square = [[1, 2, 3, 4], [2, 3, 4, 1], [3, 4, 1, 2], [4, 1, 2, 3]]  # rows/cols fine, boxes not
    assert any("box" in p for p in sudoku_violations(latin_square, [[0] * 4] * 4, SHAPE))


def test_cell_accuracy_counts_only_empty_cells():
    wrong_two = [row[:] for row in SOLUTION]
    wrong_two[1][1], wrong_two[1][2] = wrong_two[1][2], wrong_two[1][1]
    assert cell_accuracy(wrong_two, PUZZLE, SOLUTION) == pytest.approx(1 - 2 / 10)  # 6 clues, 10 empty cells
    assert cell_accuracy([[1]], PUZZLE, SOLUTION) == 0.0


# ---- extraction -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "<answer>[[4, 3, 2, 1], [1, 2, 3, 4], [3, 1, 4, 2], [2, 4, 1, 3]]</answer>",
        "blah [[0,0,0,0]] then <Answer>\n[[4,3,2,1],\n [1,2,3,4],\n [3,1,4,2],\n [2,4,1,3]]\n</Answer>",
        "Final grid:\n4 3 2 1\n1 2 3 4\n3 1 4 2\n2 4 1 3\n",
        "<answer>\n4 3 | 2 1\n1 2 | 3 4\n----+----\n3 1 | 4 2\n2 4 | 1 3\n</answer>",
        "<answer>\n4321\n1234\n3142\n2413\n</answer>",
        "draft [[1,1,1,1],[1,1,1,1],[1,1,1,1],[1,1,1,1]] final [[4,3,2,1],[1,2,3,4],[3,1,4,2],[2,4,1,3]]",
        "<answer>[[4, 3, 2, 1], [1, 2, 3, 4], [3, 1, 4, 2], [2, 4, 1, 3]]",  # cut off before </answer>
        # issue 26: grids of quoted digits (103 of 2 400 answers were refused)
        '<answer>[["4","3","2","1"],["1","2","3","4"],["3","1","4","2"],["2","4","1","3"]]</answer>',
        "<answer>[['4', '3', '2', '1'], ['1', '2', '3', '4'], ['3', '1', '4', '2'], ['2', '4', '1', '3']]</answer>",
        '[["4", 3, "2", 1], [1, "2", 3, "4"], ["3", 1, 4, 2], [2, 4, 1, "3"]]',
    ],
)
def test_extraction_formats(text):
    assert extract_sudoku_grid(text, 4) == SOLUTION


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I give up.",
        "<answer></answer>",
        "<answer>__import__('os').system('rm -rf /')</answer>",
        "<answer>eval('[[1]]')</answer>",
        "[[1, 2], [3, 'x']]",
        "[['1', '2'], ['3', '4\"]]",
        "[['1', \"2'], ['3', '4']]",
        "[['', '2'], ['3', '4']]",
        "[['1 2', '3'], ['4', '5']]",
        "[[[[[[[[[[]]]]]]]]]]",
        "[" * 200_000 + "]" * 200_000,
        "[[" + "1," * 500_000 + "1]]",
        "ünïcödé ✓ 数独 <answer>[[４, ３]]</answer>",
        "1 2 3\n4 5 6",
        "\x00\x01\x02" * 1000,
    ],
)
def test_extraction_is_total_on_garbage(text):
    grid = extract_sudoku_grid(text, 4)
    assert grid is None or (isinstance(grid, list) and all(isinstance(r, list) for r in grid))
    verdict = score_sudoku_response(get_task("sudoku-4x4").config, SAMPLE, text)
    assert verdict.scores["solved"] == 0.0


def test_extraction_on_one_megabyte_of_mixed_text():
    text = ("1 2 [3, 4] <answer> ]] [[ 9 |" * 40_000)[:1_000_000]
    assert extract_sudoku_grid(text, 9) is None


def test_non_str_input_is_none():
    assert extract_sudoku_grid(None, 4) is None  # type: ignore[arg-type]


# ---- scoring, prompts, registry -------------------------------------------------------------

def test_score_gold_and_wrong_answers(task):
    gold = score_sudoku_response(task.config, SAMPLE, gold_response(SAMPLE))
    assert gold.scores.items() >= {"solved": 1.0, "cell_accuracy": 1.0}.items()
    assert gold.answer == SOLUTION
    none = score_sudoku_response(task.config, SAMPLE, "no idea")
    assert none.answer is None and none.scores.items() >= {"solved": 0.0, "cell_accuracy": 0.0}.items()
    wrong = [row[:] for row in SOLUTION]
    wrong[3][2] = 4
    partial = score_sudoku_response(task.config, SAMPLE, f"<answer>{json.dumps(wrong)}</answer>")
    assert partial.scores["solved"] == 0.0 and partial.scores["cell_accuracy"] == pytest.approx(9 / 10)


def test_a_grid_of_the_wrong_shape_is_unparseable_and_says_why(task):
    text = "<answer>[[1, 2], [2, 1]]</answer>"
    verdict = score_sudoku_response(task.config, SAMPLE, text)
    assert verdict.answer is None and verdict.scores.items() >= {"solved": 0.0, "cell_accuracy": 0.0}.items()
    assert why_sudoku_unparseable(task.config, SAMPLE, text) == "grid has 2 rows, expected 4"
    ragged = "<answer>[[1, 2, 3, 4], [3, 4, 1], [2, 1, 4, 3], [4, 3, 2, 1]]</answer>"
    assert why_sudoku_unparseable(task.config, SAMPLE, ragged) == "row 2 has 3 numbers, expected 4"
    assert why_sudoku_unparseable(task.config, SAMPLE, "no idea") == (
        "the response (no <answer> block) holds no 4x4 grid: no [[...]] list of rows and no 4 lines of 4 numbers")
    assert why_sudoku_unparseable(task.config, SAMPLE, "<answer> </answer>") == "the <answer> block is empty"


def test_generated_samples_and_prompts_are_deterministic():
    for name in ("sudoku-4x4", "sudoku-9x9"):
        task = get_task(name)
        a = [task.family.generate(task.config, 3, i) for i in range(3)]
        b = [task.family.generate(task.config, 3, i) for i in range(3)]
        assert json.dumps(a) == json.dumps(b)
        assert len({json.dumps(s["puzzle"]) for s in a}) == 3
        ra = [task.family.build_request(task.config, s).to_json() for s in a]
        rb = [task.family.build_request(task.config, s).to_json() for s in b]
        assert json.dumps(ra) == json.dumps(rb)
        for sample in a:
            assert task.family.score(task.config, sample, gold_response(sample)).scores["solved"] == 1.0


def test_a_seed_never_repeats_a_puzzle():
    """issue 26: sudoku-4x4-hard seed 11 drew 199 distinct puzzles in 200. An index whose draw repeats
    an earlier puzzle of its seed draws again; the others keep their draw."""
    task = get_task("sudoku-4x4-hard")
    samples = [task.family.generate(task.config, 11, i) for i in range(200)]
    assert len({json.dumps(s["puzzle"]) for s in samples}) == 200
    assert len({s["id"] for s in samples}) == 200
    import random

    from tasks.sudoku.generator import generate_sudoku_puzzle
    first = generate_sudoku_puzzle(random.Random("sudoku/2x2/5/11/0"), 2, 2, 5)[0]
    assert samples[0]["puzzle"] == first  # an index that never collided keeps its draw
    assert [task.family.generate(task.config, 11, i) for i in (150, 3)] == [samples[150], samples[3]]
    for sample in samples[::20]:
        assert task.family.score(task.config, sample, gold_response(sample)).scores["solved"] == 1.0


def test_a_space_too_small_for_the_request_says_so():
    task = get_task("sudoku", {"box_rows": "1", "box_cols": "2", "n_clues": "1"})  # 2x2: two puzzle grids in all
    with pytest.raises(HarnessError, match="only 8 distinct 2x2 Sudoku puzzles"):
        [task.family.generate(task.config, 0, i) for i in range(20)]


def test_variants_and_clue_counts():
    assert sum(v != 0 for r in get_task("sudoku-9x9-hard").family.generate(get_task("sudoku-9x9-hard").config, 0, 0)["puzzle"] for v in r) == 28
    task = get_task("sudoku", {"box_rows": "2", "box_cols": "3", "n_clues": "14"})
    sample = task.family.generate(task.config, 0, 0)
    assert len(sample["puzzle"]) == 6 and "2x3 box" in task.family.build_request(task.config, sample).messages[1]["content"]
    with pytest.raises(HarnessError, match="prompt_style"):
        get_task("sudoku", {"prompt_style": "shouting"})
    with pytest.raises(HarnessError, match="n_clues"):
        get_task("sudoku-4x4", {"n_clues": "99"})


def test_backtrack_prompt_invites_backtracking():
    task = get_task("sudoku-4x4", {"prompt_style": "backtrack"})
    request = task.family.build_request(task.config, SAMPLE)
    assert "backtrack" in request.messages[1]["content"]
    assert request.prompt.endswith("<think>")
    assert request.settings.max_tokens == 1024


def test_group_keys():
    family = get_task("sudoku").family
    assert family.group_keys(SAMPLE) == {"size": "4x4"}
    assert family.group_keys({**SAMPLE, "level": "4_4_easy"}) == {"size": "4x4", "level": "4_4_easy"}


# ---- loader: own fixtures in the LR2Bench schema, then the real files -------------------------

def test_loader_lr2bench_folder_fixture(fixtures_dir, task):
    samples = list(load_sudoku(str(fixtures_dir / "sudoku" / "lr2bench" / "data"), task.config))
    assert [s["level"] for s in samples] == ["4_4_easy"] * 3 + ["9_9_hard"] * 2
    assert samples[0]["id"] == "F40" and samples[3]["box_rows"] == 3
    for sample in samples:
        assert is_valid_solution(sample["solution"], sample["puzzle"], SudokuShape(sample["box_rows"], sample["box_cols"]))
        assert score_sudoku_response(task.config, sample, gold_response(sample)).scores["solved"] == 1.0


def test_loader_lr2bench_answer_file_and_level_file_agree(fixtures_dir, task):
    data = fixtures_dir / "sudoku" / "lr2bench" / "data"
    from_answers = list(load_sudoku(str(data / "answer.json"), task.config))
    from_level = list(load_sudoku(str(data / "4-sudoku" / "4_4_easy" / "data.jsonl"), task.config))  # gold solved here
    assert len(from_answers) == 5
    by_id = {s["id"]: s for s in from_answers}
    for sample in from_level:
        assert sample["solution"] == by_id[sample["id"]]["solution"]
        assert sample["puzzle"] == by_id[sample["id"]]["puzzle"]


def test_loader_own_schema_and_errors(fixtures_dir, task):
    samples = list(load_sudoku(str(fixtures_dir / "sudoku" / "puzzles_no_gold.jsonl"), task.config))
    assert [s["id"] for s in samples] == ["plain-4", "plain-6"]
    assert (samples[1]["box_rows"], samples[1]["box_cols"]) == (2, 3)
    with pytest.raises(HarnessError, match="bad_rows.jsonl:1: "):
        list(load_sudoku(str(fixtures_dir / "sudoku" / "bad_rows.jsonl"), task.config))
    with pytest.raises(HarnessError, match="no solution"):
        list(load_sudoku(str(fixtures_dir / "sudoku" / "unsolvable.jsonl"), task.config))
    with pytest.raises(HarnessError, match="no LR2Bench"):
        list(load_sudoku(str(fixtures_dir / "sudoku"), task.config))


def test_loader_on_reference_lr2bench(reference_dir, task):
    data = reference_dir / "lr2bench" / "data"
    samples = list(load_sudoku(str(data), task.config))
    assert len(samples) == 200
    assert {s["level"] for s in samples} == {"4_4_easy", "4_4_hard", "9_9_easy", "9_9_hard"}
    for sample in samples:
        assert score_sudoku_response(task.config, sample, gold_response(sample)).scores["solved"] == 1.0
    by_id = {s["id"]: s["solution"] for s in load_sudoku(str(data / "answer.json"), task.config)}
    assert by_id == {s["id"]: s["solution"] for s in samples}
    solved_here = list(load_sudoku(str(data / "4-sudoku" / "9_9_hard" / "data.jsonl"), task.config))
    assert all(s["solution"] == by_id[s["id"]] for s in solved_here)  # our solver agrees with the gold


def test_the_figure_plots_the_table_metrics_under_their_own_names(monkeypatch):
    """A figure's series carry the table's metric names (issue 26), with the means of those scores."""
    import tasks.sudoku.plots as plots
    from tasks.sudoku.scoring import SUDOKU_METRICS

    drawn: dict = {}
    monkeypatch.setattr(plots, "bar_chart", lambda series, labels, **kw: drawn.update(series) or "<svg/>")
    line = {"sample": SAMPLE, "scores": {"solved": 0.0, "cell_accuracy": 0.5}}
    assert plots.sudoku_plots([], [line, {**line, "scores": {"solved": 1.0, "cell_accuracy": 1.0}}])
    assert set(drawn) == {"solved", "cell_accuracy"} <= {m.name for m in SUDOKU_METRICS}
    assert [bar.value for bar in drawn["cell_accuracy"]] == [0.75]
