"""Load Sudoku puzzles from files: this project's own records and the LR2Bench sudoku format.

Accepted sources (``--data PATH``):
- a .jsonl / .json / .csv / .parquet file of records with the puzzle in ``puzzle`` or ``grid``
  (a list of lists or its JSON text, 0 = empty) and optionally the gold grid in ``solution`` or
  ``answer`` (a grid, its JSON text, or LR2Bench's JSON text ``{"grid": ..., "answer": ...}``);
  ids come from ``id``, else LR2Bench's ``tag``, else the row number; ``level`` is kept;
- LR2Bench's gold file ``answer.json`` (``{"sudoku": [{"tag", "level", "answer"}], ...}``);
- an LR2Bench folder (``data/`` or ``data/4-sudoku``): every ``*/data.jsonl`` under its sudoku
  folder, the level taken from the folder name and gold from a nearby ``answer.json``.
Records without a gold grid are solved here; a puzzle with no solution, or malformed values, is a
clear error naming the row. The box shape is the usual one for the side (4 -> 2x2, 9 -> 3x3, 6 -> 2x3)
unless the record gives ``box_rows`` and ``box_cols``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.core.data import read_records, read_text_file, strict_int
from harness.core.errors import HarnessError
from harness.core.types import Sample
from tasks.sudoku.config import SudokuConfig
from tasks.sudoku.solver import SudokuShape, solve_sudoku
from tasks.sudoku.verifier import is_square_grid, is_valid_solution

LR2BENCH_TASK = "sudoku"


def load_sudoku(source: str, cfg: SudokuConfig) -> Iterator[Sample]:
    path = Path(source).expanduser()
    if path.is_dir():
        yield from _load_lr2bench_folder(path)
        return
    if path.suffix.lower() == ".json" and path.is_file():
        gold = _lr2bench_answer_file(path)
        if gold is not None:
            for row_number, row in enumerate(gold):
                yield sudoku_sample_from_record(row, f"{source}: sudoku entry {row_number + 1}", row_number)
            return
    for index, row in read_records(source):
        yield sudoku_sample_from_record(row, index.where, int(index))


def sudoku_sample_from_record(row: dict[str, Any], where: str, row_number: int, gold: Any = None) -> Sample:
    """One sample from one record in any accepted schema; ``where`` names the row in errors."""
    puzzle_raw = row.get("puzzle", row.get("grid"))
    answer_raw = row.get("solution", row.get("answer", gold))
    answer = _maybe_json(answer_raw, where)
    if isinstance(answer, dict):  # LR2Bench answer.json: {"grid": puzzle, "answer": solution}
        puzzle_raw = puzzle_raw if puzzle_raw is not None else answer.get("grid")
        answer = answer.get("answer")
    puzzle = _maybe_json(puzzle_raw, where)
    if puzzle is None:
        raise HarnessError(f"{where}: not a Sudoku record (needs 'puzzle' or 'grid', a list of rows)")
    side = len(puzzle) if isinstance(puzzle, list) else 0
    if "box_rows" in row and "box_cols" in row:
        try:
            shape = SudokuShape(strict_int(row["box_rows"], "box_rows", 1, 16), strict_int(row["box_cols"], "box_cols", 1, 16))
        except ValueError as exc:
            raise HarnessError(f"{where}: {exc}") from None
    else:
        shape = SudokuShape.for_side(max(side, 1))
    if side < 2 or shape.side != side or not is_square_grid(puzzle, side) or not all(0 <= v <= side for r in puzzle for v in r):
        raise HarnessError(f"{where}: the puzzle must be a square grid of integers 0..side with boxes that tile it")
    solution = answer if answer not in (None, "", []) else None
    if solution is not None and not is_valid_solution(solution, puzzle, shape):
        raise HarnessError(f"{where}: the gold answer is not a valid solution of the puzzle")
    if solution is None:
        found = solve_sudoku(puzzle, shape, limit=1)
        if not found:
            raise HarnessError(f"{where}: the puzzle has no solution")
        solution = found[0]
    record_id = row.get("id", row.get("tag", row_number))
    sample: Sample = {
        "id": str(record_id),
        "box_rows": shape.box_rows,
        "box_cols": shape.box_cols,
        "puzzle": puzzle,
        "solution": solution,
    }
    if row.get("level"):
        sample["level"] = str(row["level"])
    return sample


def _maybe_json(value: Any, where: str) -> Any:
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise HarnessError(f"{where}: a grid field holds text that is not JSON") from None
    return value


def _lr2bench_answer_file(path: Path) -> list[dict[str, Any]] | None:
    """The sudoku entries of an LR2Bench answer.json; None if the file is not one."""
    try:
        data = json.loads(read_text_file(path))
    except json.JSONDecodeError as exc:
        raise HarnessError(f"{path}:{exc.lineno}: corrupt JSON ({exc.msg})") from None
    if isinstance(data, dict) and isinstance(data.get(LR2BENCH_TASK), list):
        return data[LR2BENCH_TASK]
    return None


def _load_lr2bench_folder(folder: Path) -> Iterator[Sample]:
    sudoku_dirs = sorted(p for p in folder.glob("*sudoku*") if p.is_dir())
    root = sudoku_dirs[0] if sudoku_dirs else folder
    files = sorted(root.glob("*/data.jsonl"))
    if not files:
        raise HarnessError(f"--data {folder}: no LR2Bench sudoku level folders (*/data.jsonl) found there")
    gold = _gold_by_tag(root)
    for data_file in files:
        level = data_file.parent.name
        for index, row in read_records(str(data_file)):
            row = {**row, "level": row.get("level", level)}
            yield sudoku_sample_from_record(row, index.where, int(index), gold.get((level, str(row.get("tag")))))


def _gold_by_tag(root: Path) -> dict[tuple[str, str], Any]:
    """(level, tag) -> LR2Bench answer JSON text, from answer.json in the folder or its parents."""
    for candidate in (root / "answer.json", root.parent / "answer.json", root.parent.parent / "answer.json"):
        if candidate.is_file():
            entries = _lr2bench_answer_file(candidate) or []
            return {(str(e.get("level")), str(e.get("tag"))): e.get("answer") for e in entries}
    return {}
