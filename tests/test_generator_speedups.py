"""The fast generators make exactly the samples the slow ones made: hashes of samples written by the
generators as they were before (python-constraint2 uniqueness checks, two-solution counting for
sudoku, an expression for every reachable Countdown value), the logic solver against
python-constraint2 on random clue sets, the sudoku removal test against a count of solutions, the
Countdown solver against the full table. Speed itself is measured by bench/generators.py, never here."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest

from harness.core.registry import get_task
from tasks.countdown.solver import reachable_values, solve_countdown
from tasks.lr2bench.generators import make_item
from tasks.lr2bench.generators.logic import (
    CATEGORIES,
    ORDERED,
    LogicPuzzle,
    _random_clue,
    count_solutions,
    uniqueness_prover,
)
from tasks.lr2bench.generators.logic_solver import NEGATED
from tasks.sudoku.config import SudokuConfig
from tasks.sudoku.generator import generate_sudoku
from tasks.sudoku.solver import SudokuShape, random_complete_grid, solvable_without
from tasks.sudoku.solver import count_solutions as count_sudoku_solutions

REFERENCE = Path(__file__).parent / "fixtures" / "generated_samples_reference.json"
PER_KEY = {"logic/4_6": 3, "logic/4_7": 2}  # the test's share of each reference key (bench/generators.py checks all)


def sample_hash(sample: dict) -> str:
    return hashlib.sha256(json.dumps(sample, sort_keys=True).encode()).hexdigest()[:16]


def reference_cases() -> list[tuple[str, int]]:
    cases = []
    for key, hashes in json.loads(REFERENCE.read_text()).items():
        family_level = "/".join(key.split("/")[1:3])
        cases.extend((key, k) for k in range(min(len(hashes), PER_KEY.get(family_level, 6))))
    return cases


def generated(key: str, k: int) -> dict:
    parts = key.split("/")
    if parts[0] == "lr2bench":
        return make_item(parts[1], parts[2], int(parts[3]), k)
    if parts[0] == "countdown":
        task = get_task(parts[1])
        return task.family.generate(task.config, int(parts[2]), k)
    box_rows, box_cols = map(int, parts[1].split("x"))
    return generate_sudoku(SudokuConfig(box_rows=box_rows, box_cols=box_cols, n_clues=int(parts[2])), int(parts[3]), k)


def test_generated_samples_are_the_ones_the_old_generators_made():
    reference = json.loads(REFERENCE.read_text())
    different = [(key, k) for key, k in reference_cases() if sample_hash(generated(key, k)) != reference[key][k]]
    assert not different, f"generated samples changed: {different[:5]}"


def random_puzzle(rng: random.Random, size: int) -> LogicPuzzle:
    ordered = rng.choice(ORDERED)
    categories = rng.sample(CATEGORIES, 3)
    values = {ordered.name: ordered.values(rng, size)}
    for category in categories:
        values[category.name] = sorted(rng.sample(category.pool, size))
    columns = {c.name: rng.sample(values[c.name], size) for c in categories}
    rows = [{ordered.name: values[ordered.name][i], **{c.name: columns[c.name][i] for c in categories}} for i in range(size)]
    return LogicPuzzle(ordered, list(categories), values, rows)


@pytest.mark.parametrize("seed", range(4))
def test_logic_solver_counts_as_python_constraint_does(seed):
    """Random clue sets of growing size, including clues that do not hold for the hidden rows (so
    sets with no solution occur) and negated clues: the same count, up to 3, as the general solver."""
    rng = random.Random(f"solver/{seed}")
    puzzle = random_puzzle(rng, 4 if seed % 2 == 0 else 5)
    prover = uniqueness_prover(puzzle)
    solver = prover.solver
    clues: list[dict] = []
    while len(clues) < 14:
        clue = _random_clue(rng, puzzle)
        if clue is None:
            continue
        if rng.random() < 0.15:  # a false clue: another entity in place of one of them
            entity = rng.choice(clue["entities"])
            category = entity[0]
            entity[1] = rng.choice(puzzle.values[category])
        clues.append(clue)
        compiled = [solver.compile(c) for c in clues]
        assert len(solver.solve(compiled, limit=3)) == count_solutions(puzzle, clues, limit=3)
        negated = [*compiled[:-1], (NEGATED[compiled[-1][0]], compiled[-1][1])]
        assert len(solver.solve(negated, limit=3)) == general_count(solver, negated, limit=3)


def general_count(solver, compiled: list, limit: int) -> int:
    """Solutions of compiled clues (negated ones too) counted by python-constraint2, to ``limit``."""
    from constraint import AllDifferentConstraint, FunctionConstraint, Problem

    problem = Problem()
    problem.addVariables(list(range(solver.count)), list(range(solver.size)))
    for members in solver.members:
        problem.addConstraint(AllDifferentConstraint(), members)
    for clue in compiled:
        variables = sorted({v for v in clue[1] if v < solver.count})

        def check(*rows, clue=clue, variables=variables):
            placed = [-1] * solver.count + list(range(solver.size))  # constants sit in their own rows
            for v, row in zip(variables, rows):
                placed[v] = row
            return solver.holds(clue, placed)

        if variables:
            problem.addConstraint(FunctionConstraint(check), variables)
        elif not solver.holds(clue, [-1] * solver.count + list(range(solver.size))):
            return 0
    found = 0
    for _ in problem.getSolutionIter():
        found += 1
        if found >= limit:
            break
    return found


@pytest.mark.parametrize("box", [(2, 2), (2, 3), (3, 3)])
def test_sudoku_removal_test_agrees_with_counting_solutions(box):
    """Emptying a cell of a unique puzzle keeps it unique exactly when no solution puts another value
    there; checked against counting solutions to two, over random removal orders."""
    shape = SudokuShape(*box)
    rng = random.Random(f"sudoku-removal/{box}")
    for _ in range(3):
        solution = random_complete_grid(rng, shape)
        puzzle = [list(row) for row in solution]
        cells = [(r, c) for r in range(shape.side) for c in range(shape.side)]
        rng.shuffle(cells)
        for r, c in cells[: shape.side * shape.side * 2 // 3]:
            kept, puzzle[r][c] = puzzle[r][c], 0
            unique = count_sudoku_solutions(puzzle, shape, limit=2) == 1
            assert (not solvable_without(puzzle, shape, r, c, kept)) == unique
            if not unique:
                puzzle[r][c] = kept


def test_countdown_solver_gives_the_expression_of_the_full_table():
    """The same expression reachable_values writes for the target (or None), including zeros,
    repeated numbers, one number, and targets <= 0 (the slow path)."""
    rng = random.Random("countdown-solver")
    for case in range(3000):
        n = rng.choice([1, 2, 3, 4, 4, 5])
        numbers = tuple(rng.randint(0 if case % 7 == 0 else 1, 30 if case % 3 else 99) for _ in range(n))
        target = rng.randint(-1 if case % 11 == 0 else 1, 120)
        assert solve_countdown(numbers, target) == reachable_values(numbers).get(target), (numbers, target)
