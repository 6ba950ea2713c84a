"""Sudoku solver and generator: uniqueness, determinism, sizes, clue counts."""

from __future__ import annotations

import random

import pytest

from tasks.sudoku.generator import generate_sudoku_puzzle
from tasks.sudoku.solver import SudokuShape, count_solutions, has_unique_solution, solve_sudoku

SOLVED_4X4 = [[1, 2, 3, 4], [3, 4, 1, 2], [2, 1, 4, 3], [4, 3, 2, 1]]


def _is_complete_valid(grid, shape):
    side = shape.side
    want = set(range(1, side + 1))
    rows_ok = all(set(row) == want for row in grid)
    cols_ok = all({grid[r][c] for r in range(side)} == want for c in range(side))
    boxes: dict[int, set[int]] = {}
    for r in range(side):
        for c in range(side):
            boxes.setdefault(shape.box_index(r, c), set()).add(grid[r][c])
    return rows_ok and cols_ok and all(box == want for box in boxes.values())


@pytest.mark.parametrize("box_rows,box_cols,n_clues", [(2, 2, 4), (2, 2, 6), (2, 3, 14), (3, 3, 30), (3, 3, 36)])
def test_generated_puzzle_is_unique_with_requested_clues(box_rows, box_cols, n_clues):
    shape = SudokuShape(box_rows, box_cols)
    puzzle, solution = generate_sudoku_puzzle(random.Random("t"), box_rows, box_cols, n_clues)
    assert sum(v != 0 for row in puzzle for v in row) == n_clues
    assert _is_complete_valid(solution, shape)
    assert all(p in (0, s) for prow, srow in zip(puzzle, solution) for p, s in zip(prow, srow))
    assert count_solutions(puzzle, shape, limit=5) == 1
    assert solve_sudoku(puzzle, shape) == [solution]


def test_generator_is_deterministic_per_rng_state():
    a = generate_sudoku_puzzle(random.Random("sudoku/1/7"), 3, 3, 30)
    b = generate_sudoku_puzzle(random.Random("sudoku/1/7"), 3, 3, 30)
    c = generate_sudoku_puzzle(random.Random("sudoku/1/8"), 3, 3, 30)
    assert a == b
    assert a != c


def test_solver_stops_at_two_solutions_on_empty_grid():
    shape = SudokuShape(3, 3)
    assert count_solutions([[0] * 9 for _ in range(9)], shape, limit=2) == 2
    assert not has_unique_solution([[0] * 4 for _ in range(4)], SudokuShape(2, 2))


def test_solver_detects_contradictory_clues():
    grid = [[1, 1, 0, 0], [0] * 4, [0] * 4, [0] * 4]
    assert count_solutions(grid, SudokuShape(2, 2)) == 0


def test_solver_keeps_a_complete_valid_grid():
    assert solve_sudoku(SOLVED_4X4, SudokuShape(2, 2)) == [SOLVED_4X4]


def test_impossible_clue_counts_raise_clear_errors():
    with pytest.raises(ValueError, match="n_clues"):
        generate_sudoku_puzzle(random.Random(0), 2, 2, 17)
    with pytest.raises(ValueError, match="more clues"):
        generate_sudoku_puzzle(random.Random(0), 2, 2, 2)  # no 4x4 with 2 clues is unique


def test_shape_for_side():
    assert SudokuShape.for_side(4) == SudokuShape(2, 2)
    assert SudokuShape.for_side(9) == SudokuShape(3, 3)
    assert SudokuShape.for_side(6) == SudokuShape(2, 3)
