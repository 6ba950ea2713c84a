"""Fresh LR2Bench sudoku items, made by the Sudoku family's generator (one generator in the project).

Record: {"tag", "grid" (0 = empty), "example_text"}; gold = {"grid", "answer"} as in answer.json.
Clue counts per level follow the original data: 4x4 easy 6 and hard 5 givens; 9x9 easy 33-36
(35 here) and hard 28-32 (29 here). Every puzzle has exactly one solution.
"""

from __future__ import annotations

import random

from tasks.sudoku.generator import generate_sudoku_puzzle

LEVEL_SHAPES = {  # box_rows, box_cols, givens
    "4_4_easy": (2, 2, 6),
    "4_4_hard": (2, 2, 5),
    "9_9_easy": (3, 3, 35),
    "9_9_hard": (3, 3, 29),
}


def format_grid(grid: list[list[int]]) -> str:
    """One row per line, as a JSON list of lists."""
    return "[" + ",\n ".join(str(row) for row in grid) + "]"


def make_sudoku(rng: random.Random, level: str, tag: str) -> tuple[dict, dict]:
    """(record, gold) for one fresh sudoku with a unique solution."""
    box_rows, box_cols, givens = LEVEL_SHAPES[level]
    puzzle, solution = generate_sudoku_puzzle(rng, box_rows, box_cols, givens)
    side = box_rows * box_cols
    record = {
        "tag": tag,
        "grid": puzzle,
        "example_text": f"Sudoku puzzle, {side} x {side} (0 marks an empty cell):\n{format_grid(puzzle)}",
    }
    return record, {"grid": puzzle, "answer": solution}
