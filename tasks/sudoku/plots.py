"""Sudoku's figure in report.html: solved share and cell accuracy by difficulty (grid size and
number of given clues: fewer clues = harder)."""

from __future__ import annotations

from typing import Any

from harness.core.metric_spec import metric_named
from harness.report.plots import Plot, bar_chart, means_by
from tasks.sudoku.scoring import SUDOKU_METRICS


def _difficulty(line: dict[str, Any]) -> tuple[int, int] | None:
    sample = line.get("sample")
    if not isinstance(sample, dict) or not isinstance(sample.get("puzzle"), list):
        return None
    grid = sample["puzzle"]
    clues = sum(1 for row in grid for cell in row if cell)
    return (len(grid), -clues)


def sudoku_plots(rows: list[dict[str, Any]], lines: list[dict[str, Any]]) -> list[Plot]:
    solved, cells = means_by(lines, _difficulty, metric_named(SUDOKU_METRICS, "solved")), means_by(
        lines, _difficulty, metric_named(SUDOKU_METRICS, "cell_accuracy"))
    levels = sorted(solved)  # by size, then most clues (easiest) first
    if not levels:
        return []
    svg = bar_chart({"solved": [solved.get(k) for k in levels], "cell_accuracy": [cells.get(k) for k in levels]},
                    [f"{side}x{side}, {-neg} clues" for side, neg in levels], ylabel="mean over puzzles",
                    xlabel="difficulty (grid size, given clues)")
    return [Plot("Sudoku: accuracy by difficulty", svg,
                 "solved = complete valid grid keeping the clues; cell_accuracy = share of empty cells filled correctly.")]
