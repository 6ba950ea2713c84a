"""Fresh LR2Bench instances: determinism, unique logic solutions, faithful formats, scorer round trip."""

from __future__ import annotations

import itertools
import json
import random

import pytest

from harness.core.errors import HarnessError
from harness.core.registry import get_task
from tasks.lr2bench.generators import generate_lr2bench, make_item
from tasks.lr2bench.generators.cryptogram import random_derangement
from tasks.lr2bench.generators.dropquote import quotation_cells
from tasks.lr2bench.generators.logic import CATEGORIES, ORDERED, LogicPuzzle, clue_holds, count_solutions, make_logic_puzzle
from tasks.lr2bench.generators.sudoku import LEVEL_SHAPES
from tasks.lr2bench.instructions import tagged_solution
from tasks.lr2bench.spec import GENERABLE_TASKS, TASK_SPECS

FAST_LEVELS = {"logic": ("4_4", "4_5"), "cryptogram": ("easy", "hard"), "sudoku": TASK_SPECS["sudoku"].levels, "drop": ("easy", "hard")}


def generated_task(**overrides):
    return get_task("lr2bench-generated", {"level": "4_4,4_5,easy,hard,4_4_easy,4_4_hard,9_9_easy,9_9_hard", **overrides})


def test_same_seed_gives_byte_identical_samples_and_prompts():
    task = generated_task()
    first = [generate_lr2bench(task.config, 7, i) for i in range(12)]
    again = [generate_lr2bench(task.config, 7, i) for i in range(12)]
    assert json.dumps(first) == json.dumps(again)
    prompts = [json.dumps(task.family.build_request(task.config, s).to_json()) for s in first]
    assert prompts == [json.dumps(task.family.build_request(task.config, s).to_json()) for s in again]
    other_seed = [generate_lr2bench(task.config, 8, i) for i in range(12)]
    assert [s["record"] for s in other_seed] != [s["record"] for s in first]
    assert len({s["id"] for s in first}) == 12


def test_indices_cycle_through_the_selected_levels_and_items_do_not_depend_on_the_selection():
    task = generated_task()
    samples = [generate_lr2bench(task.config, 3, i) for i in range(10)]
    assert [(s["task"], s["level"]) for s in samples[:4]] == [("logic", "4_4"), ("logic", "4_5"), ("cryptogram", "easy"), ("cryptogram", "hard")]
    only_drop = get_task("lr2bench-drop", {"source": "generated"})
    assert generate_lr2bench(only_drop.config, 3, 0)["record"] == make_item("drop", "easy", 3, 0)["record"]
    assert samples[0]["id"] == "logic/4_4/s3-0"


def test_generation_needs_the_generated_source_and_a_generable_task():
    with pytest.raises(HarnessError, match="source=generated"):
        generate_lr2bench(get_task("lr2bench-sudoku").config, 0, 0)
    with pytest.raises(HarnessError, match="no generator"):
        get_task("lr2bench-crossword", {"source": "generated"})


def brute_force_solutions(record: dict, clues: list[dict]) -> list[list[dict]]:
    """Every assignment satisfying the clues, by enumerating all permutations (independent of the solver)."""
    categories = list(record["value"])
    ordered, others = categories[0], categories[1:]
    size = len(record["value"][ordered])
    solutions = []
    for perms in itertools.product(*(itertools.permutations(record["value"][c]) for c in others)):
        rows = [{ordered: record["value"][ordered][i], **{c: perms[j][i] for j, c in enumerate(others)}} for i in range(size)]
        where = {(c, row[c]): i for i, row in enumerate(rows) for c in categories}
        if all(clue_holds(clue, lambda e: where[e]) for clue in clues):
            solutions.append(rows)
    return solutions


@pytest.mark.parametrize("k", range(3))
def test_logic_puzzles_have_exactly_one_solution(k):
    sample = make_item("logic", "4_4", "uniq", k)
    solutions = brute_force_solutions(sample["record"], sample["clue_logic"])
    assert solutions == [sample["gold"]]
    assert len(sample["record"]["clue"]) == len(sample["clue_logic"])


def test_logic_clues_are_minimal_and_larger_levels_stay_unique():
    record, gold, clues = make_logic_puzzle(random.Random("lr2bench-test/4_5"), "4_5", "t")
    names = list(record["value"])
    assert [row[names[0]] for row in gold] == record["value"][names[0]]
    assert all(sorted(row[c] for row in gold) == record["value"][c] for c in names[1:])
    assert all(text.endswith(".") and text[0].isupper() for text in record["clue"].values())
    puzzle = puzzle_of(record, gold)
    assert count_solutions(puzzle, clues, limit=3) == 1
    for i in range(len(clues)):  # the generator dropped every redundant clue
        assert count_solutions(puzzle, clues[:i] + clues[i + 1 :]) == 2


def puzzle_of(record: dict, gold: list[dict]) -> LogicPuzzle:
    names = list(record["value"])
    ordered = next(o for o in ORDERED if o.name == names[0])
    categories = [next(c for c in CATEGORIES if c.name == name) for name in names[1:]]
    return LogicPuzzle(ordered, categories, record["value"], gold)


def test_cryptograms_are_substitutions_over_project_text():
    for level in ("easy", "hard"):
        sample = make_item("cryptogram", level, 11, 0)
        record, gold = sample["record"], sample["gold"]
        letters = {c for c in record["text"] if c.isalpha()}
        assert set(gold) == letters == set(record["mapping"])
        assert all(cipher != plain for cipher, plain in gold.items())
        assert len(set(gold.values())) == len(gold)
        plain = "".join(gold.get(c, c) for c in record["text"])
        assert plain == plain.upper() and plain.strip()
        assert ("Hints:" in record["example_text"]) == (level == "easy")
        assert len(record["hints"]) == 3
    derangement = random_derangement(random.Random(1))
    assert sorted(derangement.values()) == sorted(derangement) and all(a != b for a, b in derangement.items())


def test_drop_quotes_follow_the_original_grid_rules():
    assert quotation_cells("Go on, be bold. Yes") == list("GO#ON,BE#BOLD.YES")
    for level, width in (("easy", 15), ("hard", 20)):
        sample = make_item("drop", level, 5, 1)
        record, gold = sample["record"], sample["gold"]
        assert all(len(row) == width for row in gold) and len(record["grid"]) == len(gold)
        for r, row in enumerate(gold):
            for c, cell in enumerate(row):
                assert record["grid"][r][c] == (str(c + 1) if cell.isalpha() else cell)
        for c in range(width):
            assert record["candidate"][c] == "".join(sorted(row[c] for row in gold if row[c].isalpha()))
        cells = [cell for row in gold for cell in row]
        assert "".join(cells).rstrip("#") == "".join(quotation_cells(record["answer"]))


@pytest.mark.parametrize("level", TASK_SPECS["sudoku"].levels)
def test_sudoku_items_come_from_the_shared_generator(level):
    sample = make_item("sudoku", level, 2, 0)
    grid, solution = sample["gold"]["grid"], sample["gold"]["answer"]
    assert grid == sample["record"]["grid"]
    side = len(grid)
    assert sum(cell != 0 for row in grid for cell in row) == LEVEL_SHAPES[level][2]
    assert all(grid[r][c] in (0, solution[r][c]) for r in range(side) for c in range(side))
    assert all(sorted(row) == list(range(1, side + 1)) for row in solution)
    assert all(sorted(col) == list(range(1, side + 1)) for col in zip(*solution))


@pytest.mark.parametrize("task_name", GENERABLE_TASKS)
def test_generated_items_round_trip_through_the_scorer(task_name):
    task = get_task("lr2bench-generated")
    for level in FAST_LEVELS[task_name]:
        sample = json.loads(json.dumps(make_item(task_name, level, 9, 0)))  # as `harness generate` writes it
        perfect = task.family.score(task.config, sample, "Reasoning.\n" + tagged_solution(task_name, sample))
        assert perfect.scores.items() >= {"completion_ratio": 1.0, "subtask_accuracy": 1.0, "exact_match": 1.0, "partial_match_0.5": 1.0}.items()
        assert task.family.score(task.config, sample, "").scores["completion_ratio"] == 0.0


def test_generated_prompts_use_the_project_instructions():
    task = get_task("lr2bench-generated")
    sample = make_item("sudoku", "4_4_easy", 1, 0)
    two_shot = task.family.build_request(task.config, sample)
    assert [m["role"] for m in two_shot.messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert sample["record"]["example_text"] in two_shot.messages[-1]["content"]
    assert "<Answer>" in two_shot.messages[2]["content"]
    zero = get_task("lr2bench-generated", {"shots": "0", "system_prompt": "false"})
    zero_shot = zero.family.build_request(zero.config, sample)
    assert [m["role"] for m in zero_shot.messages] == ["user"]
    assert zero_shot.prompt.endswith("Assistant:")


def test_samples_written_by_generate_load_back(tmp_path):
    task = generated_task()
    samples = [generate_lr2bench(task.config, 4, i) for i in range(6)]
    path = tmp_path / "generated.jsonl"
    path.write_text("".join(json.dumps(s) + "\n" for s in samples), encoding="utf-8")
    assert list(task.family.load(str(path), task.config)) == samples
    only_logic = get_task("lr2bench-logic", {"source": "generated"})
    assert [s["task"] for s in only_logic.family.load(str(path), only_logic.config)] == ["logic", "logic"]
