"""The Sudoku prompt: the puzzle as a JSON grid (0 = empty), the rules for its box shape, and the
answer format (<answer> tags around the completed grid). Two styles:

- direct: explain briefly, then give the grid;
- backtrack: invites one long search that fills cells, checks them, and backtracks on a
  contradiction: the "sequential" strategy of Qin et al. 2025 (used by `harness search-study`).
The wording is this project's own (LR2Bench's prompt is loaded by the lr2bench family).
"""

from __future__ import annotations

from harness.core.types import GenerationSettings, Request, Sample
from tasks.sudoku.config import SudokuConfig
from tasks.sudoku.scoring import format_grid, sample_shape

SYSTEM = "You are a careful puzzle solver."
RULES = (
    "Solve this {side}x{side} Sudoku puzzle. Empty cells are 0. Fill every empty cell with a number from"
    " 1 to {side} so that each row, each column and each {box_rows}x{box_cols} box (boxes are {box_rows}"
    " rows tall and {box_cols} columns wide) contains every number from 1 to {side} exactly once. Keep"
    " the given numbers.\n\n{grid}\n\n"
)
DIRECT = (
    "Reason briefly, then give the completed grid as {side} rows in the same list format as the puzzle,"
    " inside <answer> </answer> tags."
)
BACKTRACK = (
    "Think step by step inside <think> </think> tags. Pick an empty cell, list the numbers it can take,"
    " try one, and check the rows, columns and boxes it touches. If you reach a contradiction, say so,"
    " backtrack to your last choice and try another number. Verify the finished grid, then give it as"
    " {side} rows in the same list format as the puzzle, inside <answer> </answer> tags."
)
BASE_TEMPLATE = "{system}\nUser: {question}\nAssistant:"


def build_sudoku_question(cfg: SudokuConfig, sample: Sample) -> str:
    shape = sample_shape(sample)
    side = shape.side
    rules = RULES.format(side=side, box_rows=shape.box_rows, box_cols=shape.box_cols, grid=format_grid(sample["puzzle"]))
    instructions = BACKTRACK if cfg.prompt_style == "backtrack" else DIRECT
    return rules + instructions.format(side=side)


def build_sudoku_request(cfg: SudokuConfig, sample: Sample) -> Request:
    question = build_sudoku_question(cfg, sample)
    settings = GenerationSettings(max_tokens=cfg.max_tokens, temperature=cfg.temperature)
    prompt = BASE_TEMPLATE.format(system=SYSTEM, question=question)
    if cfg.prompt_style == "backtrack":
        prompt += " <think>"
    messages = ({"role": "system", "content": SYSTEM}, {"role": "user", "content": question})
    return Request(kind="generate", prompt=prompt, messages=messages, settings=settings)
