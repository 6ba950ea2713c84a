"""Sudoku (n^2 x n^2 and general box shapes): seeded unique puzzles, exact solver, grid verifier.

Variants: sudoku-4x4 / sudoku-9x9 (LR2Bench "easy" clue counts) and their -hard versions (fewer
clues); any size via --set box_rows=..,box_cols=..,n_clues=..; LR2Bench files via --data.
"""

from harness.core.registry import Family, register
from harness.core.types import Sample
from tasks.sudoku.config import SudokuConfig
from tasks.sudoku.generator import generate_sudoku
from tasks.sudoku.loader import load_sudoku
from tasks.sudoku.plots import sudoku_plots
from tasks.sudoku.prompts import build_sudoku_request
from tasks.sudoku.scoring import (
    SUDOKU_METRICS,
    sample_shape,
    score_sudoku_response,
    sudoku_canonical_answer,
    sudoku_judge_problem,
    why_sudoku_unparseable,
)


def sudoku_groups(sample: Sample) -> dict[str, str]:
    """Extra table rows per grid size, and per LR2Bench level when the data has one."""
    side = sample_shape(sample).side
    groups = {"size": f"{side}x{side}"}
    if sample.get("level"):
        groups["level"] = str(sample["level"])
    return groups


FAMILY = register(
    Family(
        name="sudoku",
        description="Sudoku of any n^2 x n^2 size (unique generated puzzles or LR2Bench files); solve rate and cell accuracy",
        config=SudokuConfig,
        build_request=build_sudoku_request,
        primary_metric="solved",
        metrics=SUDOKU_METRICS,
        score=score_sudoku_response,
        canonical_answer=sudoku_canonical_answer,  # maj@k votes on the grid
        generate=generate_sudoku,
        load=load_sudoku,
        gold=lambda sample: sample["solution"],
        why_unparseable=why_sudoku_unparseable,
        plots=sudoku_plots,
        group_keys=sudoku_groups,
        search_prompt_settings={"prompt_style": "backtrack"},  # the search study's sequential prompt
        trace_markers=("]]",),  # where an answer can be complete inside a longer completion
        answer_cue="<answer>",  # what budget forcing appends to begin the answer
        judge_problem=sudoku_judge_problem,  # the grid and its rules, for `harness behaviours --judge`
        variants={
            "sudoku-4x4": {"box_rows": 2, "box_cols": 2, "n_clues": 6, "max_tokens": 1024},
            "sudoku-4x4-hard": {"box_rows": 2, "box_cols": 2, "n_clues": 5, "max_tokens": 1024},
            "sudoku-9x9": {"box_rows": 3, "box_cols": 3, "n_clues": 34},
            "sudoku-9x9-hard": {"box_rows": 3, "box_cols": 3, "n_clues": 28},
        },
    )
)
