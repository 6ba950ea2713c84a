"""Score one Sudoku response: extract the grid, then verify it. Pure and total."""

from __future__ import annotations

from harness.core.metric_spec import binary, fraction
from harness.core.types import JudgeProblem, Sample, Verdict
from tasks.sudoku.config import SudokuConfig
from tasks.sudoku.extraction import answer_block, extract_sudoku_grid
from tasks.sudoku.solver import SudokuShape
from tasks.sudoku.verifier import cell_accuracy, is_valid_solution

SUDOKU_METRICS = (
    binary("solved", "the grid is complete, every row, column and box holds 1..side once, and every clue is kept"),
    fraction("cell_accuracy", "share of the puzzle's empty cells filled with the gold value"),
)


def sample_shape(sample: Sample) -> SudokuShape:
    """The box shape a sample records (older records without one get the usual shape for its side)."""
    if "box_rows" in sample and "box_cols" in sample:
        return SudokuShape(int(sample["box_rows"]), int(sample["box_cols"]))
    return SudokuShape.for_side(len(sample["puzzle"]))


def grid_shape_problem(grid: list[list[int]], side: int) -> str | None:
    """'grid has 3 rows, expected 4' / 'row 2 has 3 numbers, expected 4', or None for a side x side grid."""
    if len(grid) != side:
        return f"grid has {len(grid)} rows, expected {side}"
    for number, row in enumerate(grid, 1):
        if len(row) != side:
            return f"row {number} has {len(row)} numbers, expected {side}"
    return None


def why_sudoku_unparseable(cfg: SudokuConfig, sample: Sample, text: str) -> str:
    """Why extract_sudoku_grid found no grid (the report's failure summary)."""
    side = sample_shape(sample).side
    grid = extract_sudoku_grid(text, side)
    if grid is not None:
        return grid_shape_problem(grid, side) or "unreadable grid"
    block = answer_block(text)
    where = "the <answer> block" if block is not text else "the response (no <answer> block)"
    if not block.strip():
        return f"{where} is empty"
    return f"{where} holds no {side}x{side} grid: no [[...]] list of rows and no {side} lines of {side} numbers"


def score_sudoku_response(cfg: SudokuConfig, sample: Sample, text: str) -> Verdict:
    """solved: the grid is complete, every row/column/box holds 1..side once, and every clue is kept.
    cell_accuracy: share of the puzzle's empty cells filled with the gold value.
    The verdict's answer is the extracted grid (None when no grid was found), so maj@k compares grids."""
    shape = sample_shape(sample)
    grid = extract_sudoku_grid(text, shape.side)
    if grid is None or grid_shape_problem(grid, shape.side):  # no grid, or not one of this puzzle's shape
        return Verdict(answer=None, scores={"solved": 0.0, "cell_accuracy": 0.0})
    solved = is_valid_solution(grid, sample["puzzle"], shape)
    cells = cell_accuracy(grid, sample["puzzle"], sample["solution"])
    return Verdict(answer=grid, scores={"solved": float(solved), "cell_accuracy": cells})


def format_grid(grid: list[list[int]]) -> str:
    """Rows on their own lines in JSON list-of-lists form: how prompts show grids and gold answers."""
    return "[" + ",\n ".join("[" + ", ".join(str(v) for v in row) + "]" for row in grid) + "]"


def gold_response(sample: Sample) -> str:
    """A response that states the gold solution the way the prompt asks (for end-to-end tests)."""
    return f"<answer>\n{format_grid(sample['solution'])}\n</answer>"


def sudoku_judge_problem(cfg: SudokuConfig, sample: Sample) -> JudgeProblem:
    """The puzzle for a behaviour judge: its rules and grid, as the prompt states them."""
    shape = sample_shape(sample)
    return JudgeProblem(description=(
        f"Sudoku: fill the empty cells (0) of this {shape.side}x{shape.side} grid so that every row, every column and"
        f" every {shape.box_rows}x{shape.box_cols} box holds each number from 1 to {shape.side} exactly once,"
        f" keeping the given numbers:\n{format_grid(sample['puzzle'])}"))


def sudoku_canonical_answer(cfg: SudokuConfig, sample: Sample, answer: object) -> object:
    """What maj@k votes on: the extracted grid as integers, however it was written (JSON rows, quoted
    digits, a text grid): the verifier reads nothing else."""
    if isinstance(answer, list) and all(isinstance(row, list) for row in answer):
        return [[int(cell) for cell in row] for row in answer]
    return answer
