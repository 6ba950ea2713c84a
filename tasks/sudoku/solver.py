"""Exact Sudoku search for any box shape (box_rows x box_cols boxes, side = box_rows * box_cols).

Used to prove that a generated puzzle has exactly one solution (the search stops as soon as it
has seen ``limit`` solutions, 2 for a uniqueness check) and to fill a random complete grid for the
generator. Candidates are bitmasks; the search always branches on the empty cell with the fewest
candidates, which keeps 9x9 and 16x16 puzzles fast in pure Python. Pure functions, no I/O.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

Grid = list[list[int]]  # 0 = empty cell


@dataclass(frozen=True)
class SudokuShape:
    """The geometry of an n x n Sudoku whose boxes are box_rows tall and box_cols wide."""

    box_rows: int
    box_cols: int

    @property
    def side(self) -> int:
        return self.box_rows * self.box_cols

    def box_index(self, row: int, col: int) -> int:
        return (row // self.box_rows) * self.box_rows + col // self.box_cols

    @property
    def boxes(self) -> tuple[tuple[int, ...], ...]:
        """box_index of every cell, row by row (computed once per shape: searches read it per node)."""
        return _box_table(self.box_rows, self.box_cols)

    @classmethod
    def for_side(cls, side: int) -> SudokuShape:
        """The usual shape for a side length: square boxes when side is a square (4 -> 2x2,
        9 -> 3x3), else the most square factorisation with more columns than rows (6 -> 2x3)."""
        if side < 1:
            raise ValueError(f"a Sudoku side must be >= 1, got {side}")
        best = 1
        for rows in range(1, int(side**0.5) + 1):
            if side % rows == 0:
                best = rows
        return cls(box_rows=best, box_cols=side // best)


@lru_cache(maxsize=64)
def _box_table(box_rows: int, box_cols: int) -> tuple[tuple[int, ...], ...]:
    shape = SudokuShape(box_rows, box_cols)
    return tuple(tuple(shape.box_index(r, c) for c in range(shape.side)) for r in range(shape.side))


class _Search:
    """Backtracking over bitmask candidates with most-constrained-cell branching."""

    def __init__(self, grid: Grid, shape: SudokuShape, rng: random.Random | None, limit: int):
        self.shape = shape
        self.side = shape.side
        self.full = (1 << self.side) - 1
        self.rng = rng
        self.limit = limit
        self.grid = [list(row) for row in grid]
        self.rows = [0] * self.side
        self.cols = [0] * self.side
        self.boxes = [0] * self.side
        self.solutions: list[Grid] = []
        self.valid = True
        self.empty: list[tuple[int, int]] = []
        self.box_of = shape.boxes
        for r in range(self.side):
            for c in range(self.side):
                value = self.grid[r][c]
                if value == 0:
                    self.empty.append((r, c))
                    continue
                bit = 1 << (value - 1)
                b = self.box_of[r][c]
                if (self.rows[r] | self.cols[c] | self.boxes[b]) & bit:
                    self.valid = False  # the clues already contradict each other
                self.rows[r] |= bit
                self.cols[c] |= bit
                self.boxes[b] |= bit

    def run(self) -> list[Grid]:
        if self.valid:
            self._descend()
        return self.solutions

    def _candidates(self, r: int, c: int) -> int:
        return self.full & ~(self.rows[r] | self.cols[c] | self.boxes[self.box_of[r][c]])

    def _descend(self) -> bool:
        """Returns True once enough solutions are found (unwinds the search)."""
        if not self.empty:
            self.solutions.append([list(row) for row in self.grid])
            return len(self.solutions) >= self.limit
        best_pos, best_mask, best_count = 0, 0, self.side + 1
        rows, cols, boxes, box_of, full = self.rows, self.cols, self.boxes, self.box_of, self.full
        for pos, (r, c) in enumerate(self.empty):
            mask = full & ~(rows[r] | cols[c] | boxes[box_of[r][c]])  # _candidates, inlined: the hot loop
            count = mask.bit_count()
            if count < best_count:
                best_pos, best_mask, best_count = pos, mask, count
                if count <= 1:
                    break
        if best_count == 0:
            return False
        r, c = self.empty[best_pos]
        self.empty[best_pos] = self.empty[-1]
        self.empty.pop()
        b = box_of[r][c]
        values = [v for v in range(1, self.side + 1) if best_mask >> (v - 1) & 1]
        if self.rng is not None:
            self.rng.shuffle(values)
        for value in values:
            bit = 1 << (value - 1)
            self.grid[r][c] = value
            self.rows[r] |= bit
            self.cols[c] |= bit
            self.boxes[b] |= bit
            done = self._descend()
            self.rows[r] &= ~bit
            self.cols[c] &= ~bit
            self.boxes[b] &= ~bit
            self.grid[r][c] = 0
            if done:
                return True
        self.empty.append((r, c))
        last = len(self.empty) - 1
        self.empty[best_pos], self.empty[last] = self.empty[last], self.empty[best_pos]
        return False


def solve_sudoku(grid: Grid, shape: SudokuShape, limit: int = 2, rng: random.Random | None = None) -> list[Grid]:
    """Up to ``limit`` solutions of the puzzle (0 = empty). Values must already be in 0..side.
    With ``rng`` the candidate order is shuffled (used to draw random complete grids)."""
    return _Search(grid, shape, rng, limit).run()


def count_solutions(grid: Grid, shape: SudokuShape, limit: int = 2) -> int:
    """Number of solutions, counting no further than ``limit`` (2 answers 'is it unique?')."""
    return len(solve_sudoku(grid, shape, limit=limit))


def has_unique_solution(grid: Grid, shape: SudokuShape) -> bool:
    return count_solutions(grid, shape, limit=2) == 1


def solvable_without(grid: Grid, shape: SudokuShape, row: int, col: int, value: int) -> bool:
    """Whether the puzzle (empty cell at row, col) has a solution whose cell (row, col) is not
    ``value``. The generator's uniqueness test: when the puzzle was unique before that cell was
    emptied, and its solution had ``value`` there, the puzzle stays unique exactly when no such
    solution exists (any solution with ``value`` there solves the fuller puzzle too). One search that
    fails fast, instead of counting to two solutions from scratch."""
    side = shape.side
    full = (1 << side) - 1
    rows, cols, boxes = [0] * side, [0] * side, [0] * side
    empty: list[tuple[int, int, int]] = []
    box_of = shape.boxes
    for r in range(side):
        for c in range(side):
            b = box_of[r][c]
            v = grid[r][c]
            if v:
                bit = 1 << (v - 1)
                rows[r] |= bit
                cols[c] |= bit
                boxes[b] |= bit
            else:
                empty.append((r, c, b))
    banned = 1 << (value - 1)

    def descend(left: list[tuple[int, int, int]]) -> bool:
        if not left:
            return True
        best, best_mask, best_count = 0, 0, side + 1
        for position, (r, c, b) in enumerate(left):
            mask = full & ~(rows[r] | cols[c] | boxes[b])
            if r == row and c == col:
                mask &= ~banned
            count = mask.bit_count()
            if count < best_count:
                best, best_mask, best_count = position, mask, count
                if count <= 1:
                    break
        if best_count == 0:
            return False
        r, c, b = left[best]
        rest = left[:best] + left[best + 1:]
        mask = best_mask
        while mask:
            bit = mask & -mask
            mask ^= bit
            rows[r] |= bit
            cols[c] |= bit
            boxes[b] |= bit
            found = descend(rest)
            rows[r] &= ~bit
            cols[c] &= ~bit
            boxes[b] &= ~bit
            if found:
                return True
        return False

    return descend(empty)


def random_complete_grid(rng: random.Random, shape: SudokuShape) -> Grid:
    """A uniformly-shuffled search over the empty grid: a random valid complete grid."""
    empty = [[0] * shape.side for _ in range(shape.side)]
    solutions = solve_sudoku(empty, shape, limit=1, rng=rng)
    if not solutions:  # pragma: no cover - every shape has a complete grid
        raise RuntimeError(f"no complete grid for boxes {shape.box_rows}x{shape.box_cols}")
    return solutions[0]
