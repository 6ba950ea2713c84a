"""The Sudoku verifier: is a grid a complete, valid solution consistent with the clues, and how many
of the puzzle's empty cells does it get right? Pure functions over lists; any input gets an answer."""

from __future__ import annotations

from typing import Any

from tasks.sudoku.solver import SudokuShape

Grid = list[list[int]]


def is_square_grid(grid: Any, side: int) -> bool:
    """A side x side list of lists of plain integers."""
    return (
        isinstance(grid, list)
        and len(grid) == side
        and all(isinstance(row, list) and len(row) == side for row in grid)
        and all(type(value) is int for row in grid for value in row)
    )


def sudoku_violations(grid: Any, puzzle: Grid, shape: SudokuShape) -> list[str]:
    """Why the grid is not a solution of the puzzle (empty list = it is one). Reasons are short
    strings such as 'row 2 repeats 5', 'clue (1, 3) changed', 'cell (4, 4) empty'."""
    side = shape.side
    if not is_square_grid(grid, side):
        return [f"not a {side}x{side} grid of integers"]
    problems: list[str] = []
    for r in range(side):
        for c in range(side):
            value = grid[r][c]
            if not 1 <= value <= side:
                problems.append(f"cell ({r + 1}, {c + 1}) is {value}, not 1..{side}")
            if puzzle[r][c] != 0 and value != puzzle[r][c]:
                problems.append(f"clue ({r + 1}, {c + 1}) changed")
    units: list[tuple[str, list[int]]] = []
    for i in range(side):
        units.append((f"row {i + 1}", grid[i]))
        units.append((f"column {i + 1}", [grid[r][i] for r in range(side)]))
    boxes: dict[int, list[int]] = {}
    for r in range(side):
        for c in range(side):
            boxes.setdefault(shape.box_index(r, c), []).append(grid[r][c])
    units.extend((f"box {b + 1}", values) for b, values in sorted(boxes.items()))
    for name, values in units:
        seen: set[int] = set()
        for value in values:
            if value in seen and 1 <= value <= side:
                problems.append(f"{name} repeats {value}")
                break
            seen.add(value)
    return problems


def is_valid_solution(grid: Any, puzzle: Grid, shape: SudokuShape) -> bool:
    return not sudoku_violations(grid, puzzle, shape)


def cell_accuracy(grid: Any, puzzle: Grid, solution: Grid) -> float:
    """Share of the puzzle's empty cells that the grid fills with the gold value (LR2Bench's sudoku
    subtasks). A grid of the wrong shape scores 0; a puzzle with no empty cell scores 1 if valid."""
    side = len(puzzle)
    if not is_square_grid(grid, side):
        return 0.0
    empty = [(r, c) for r in range(side) for c in range(side) if puzzle[r][c] == 0]
    if not empty:
        return 1.0 if grid == solution else 0.0
    return sum(grid[r][c] == solution[r][c] for r, c in empty) / len(empty)
