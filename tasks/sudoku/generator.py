"""Seeded Sudoku puzzles with exactly one solution, for any n^2 x n^2 (or box_rows x box_cols) size.

A random complete grid is drawn by a shuffled search, then clues are removed in a random order,
each removal kept only if the puzzle keeps exactly one solution (no solution puts another value in
the emptied cell: solver.solvable_without),
until the requested number of clues is left. Difficulty is the number of clues. Everything is drawn
from the ``random.Random`` handed in, so one rng state gives one byte-identical puzzle.

``generate_sudoku_puzzle`` is also the public API other families (LR2Bench) call.

The family's samples for one seed are distinct puzzles: small spaces repeat (4x4 with 5 clues:
seed 11 drew 199 distinct puzzles in 200), so an index whose draw repeats an earlier index's puzzle
draws again (``/redraw1``, ``/redraw2``, ...). An index's puzzle thus depends on the earlier ones
of its seed, which are drawn first (and cached); indices that never collided keep their draw.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from functools import lru_cache

from harness.core.errors import HarnessError
from harness.core.types import Sample
from tasks.sudoku.config import SudokuConfig
from tasks.sudoku.solver import Grid, SudokuShape, random_complete_grid, solvable_without

MAX_ATTEMPTS = 20  # fresh complete grids to try before giving up on a too-low clue count
MAX_REDRAWS = 100  # draws for one index whose puzzle an earlier index of the seed already has


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


@dataclass
class _SeedPuzzles:
    """The distinct puzzles of one (shape, clues, seed), drawn so far, in index order."""

    puzzles: list[tuple[Grid, Grid]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


@lru_cache(maxsize=32)
def _seed_puzzles(box_rows: int, box_cols: int, n_clues: int, seed: int) -> _SeedPuzzles:
    return _SeedPuzzles()


def distinct_sudoku_puzzle(box_rows: int, box_cols: int, n_clues: int, seed: int, index: int) -> tuple[Grid, Grid]:
    """(puzzle, solution) number ``index`` of the seed's sequence of distinct puzzles (see the
    module docstring). Raises HarnessError when the space holds too few distinct puzzles."""
    drawn = _seed_puzzles(box_rows, box_cols, n_clues, seed)
    with drawn.lock:
        while len(drawn.puzzles) <= index:
            position = len(drawn.puzzles)
            for redraw in range(MAX_REDRAWS + 1):
                suffix = f"/redraw{redraw}" if redraw else ""
                rng = random.Random(f"sudoku/{box_rows}x{box_cols}/{n_clues}/{seed}/{position}{suffix}")
                puzzle, solution = generate_sudoku_puzzle(rng, box_rows, box_cols, n_clues)
                key = json.dumps(puzzle)
                if key not in drawn.seen:
                    break
            else:
                side = box_rows * box_cols
                raise HarnessError(f"only {position} distinct {side}x{side} Sudoku puzzles with {n_clues} clues turned up"
                                   f" for seed {seed} ({MAX_REDRAWS} redraws found no new one); ask for at most"
                                   f" {position} samples (--limit / --n) or change the clues (--set n_clues=...)")
            drawn.seen.add(key)
            drawn.puzzles.append((puzzle, solution))
        puzzle, solution = drawn.puzzles[index]
    return [row[:] for row in puzzle], [row[:] for row in solution]


def generate_sudoku(cfg: SudokuConfig, seed: int, index: int) -> Sample:
    """The family's generator: deterministic per (config, seed, index); distinct within a seed."""
    puzzle, solution = distinct_sudoku_puzzle(cfg.box_rows, cfg.box_cols, cfg.n_clues, seed, index)
    side = cfg.box_rows * cfg.box_cols
    return {
        "id": f"sudoku-{side}x{side}-c{cfg.n_clues}/{seed}/{index}",
        "box_rows": cfg.box_rows,
        "box_cols": cfg.box_cols,
        "puzzle": puzzle,
        "solution": solution,
    }
