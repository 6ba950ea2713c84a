"""Seeded Sudoku puzzles with exactly one solution, for any n^2 x n^2 (or box_rows x box_cols) size.

A random complete grid is drawn by a shuffled search, then clues are removed in a random order,
each removal kept only if the puzzle keeps exactly one solution (no solution puts another value in
the emptied cell: solver.solvable_without),
until the requested number of clues is left. Difficulty is the number of clues. Everything is drawn
from the ``random.Random`` handed in, so one rng state gives one byte-identical puzzle.

``generate_sudoku_puzzle`` is also the public API other families (LR2Bench) call.
"""

from __future__ import annotations

import random

from harness.core.types import Sample
from tasks.sudoku.config import SudokuConfig
from tasks.sudoku.solver import Grid, SudokuShape, random_complete_grid, solvable_without

MAX_ATTEMPTS = 20  # fresh complete grids to try before giving up on a too-low clue count


def generate_sudoku_puzzle(
    rng: random.Random, box_rows: int, box_cols: int, n_clues: int
) -> tuple[list[list[int]], list[list[int]]]:
    """(puzzle with 0 = empty, solution) for a side = box_rows * box_cols Sudoku with exactly
    ``n_clues`` givens and a unique solution. Raises ValueError when the sizes are impossible or
    no unique puzzle that sparse turns up (e.g. fewer than 17 clues on 9x9)."""
    shape = SudokuShape(box_rows, box_cols)
    side = shape.side
    if box_rows < 1 or box_cols < 1 or side < 2:
        raise ValueError(f"box sizes must be >= 1 with a side of at least 2, got {box_rows}x{box_cols}")
    if side > 25:
        raise ValueError(f"sides above 25 are not supported, got {side}")
    if not 0 <= n_clues <= side * side:
        raise ValueError(f"n_clues must be between 0 and {side * side}, got {n_clues}")
    for _ in range(MAX_ATTEMPTS):
        solution = random_complete_grid(rng, shape)
        puzzle = _remove_clues(rng, solution, shape, n_clues)
        if puzzle is not None:
            return puzzle, solution
    raise ValueError(
        f"could not make a unique {side}x{side} puzzle with {n_clues} clues in {MAX_ATTEMPTS} attempts;"
        " ask for more clues"
    )


def _remove_clues(rng: random.Random, solution: Grid, shape: SudokuShape, n_clues: int) -> Grid | None:
    """Blank cells in random order while the solution stays unique; None if stuck above n_clues."""
    side = shape.side
    puzzle = [list(row) for row in solution]
    cells = [(r, c) for r in range(side) for c in range(side)]
    rng.shuffle(cells)
    clues = side * side
    for r, c in cells:
        if clues == n_clues:
            break
        kept = puzzle[r][c]
        puzzle[r][c] = 0
        if not solvable_without(puzzle, shape, r, c, kept):  # still unique (the puzzle was before)
            clues -= 1
        else:
            puzzle[r][c] = kept
    return puzzle if clues == n_clues else None


def generate_sudoku(cfg: SudokuConfig, seed: int, index: int) -> Sample:
    """The family's generator: deterministic per (config, seed, index)."""
    rng = random.Random(f"sudoku/{cfg.box_rows}x{cfg.box_cols}/{cfg.n_clues}/{seed}/{index}")
    puzzle, solution = generate_sudoku_puzzle(rng, cfg.box_rows, cfg.box_cols, cfg.n_clues)
    side = cfg.box_rows * cfg.box_cols
    return {
        "id": f"sudoku-{side}x{side}-c{cfg.n_clues}/{seed}/{index}",
        "box_rows": cfg.box_rows,
        "box_cols": cfg.box_cols,
        "puzzle": puzzle,
        "solution": solution,
    }
