"""Fresh drop quotes in LR2Bench's record and answer format, over project-written quotations.

The quotation is written row by row into a grid `width` cells wide: a letter fills a cell, a blank
between words is "#", punctuation stays visible, and the blank after a punctuation mark is left
out (as in the original grids, "WHOLE.AN"); the last row is padded with "#". The puzzle shows each
letter cell as its 1-based column number; each column's letters are given in alphabetical order.
Record: {"tag", "grid", "candidate" (per column, sorted letters as one string), "answer" (the
quotation), "author", "example_text"}; gold = the filled grid (letters upper case), as answer.json.
Levels as in the original: easy 15 columns, hard 20 columns.
"""

from __future__ import annotations

import random

from tasks.lr2bench.generators.text import make_author, make_quotation

LEVEL_SHAPES = {"easy": (15, 40, 100), "hard": (20, 80, 120)}  # width, min and max characters
BLANK = "#"


def quotation_cells(quotation: str) -> list[str]:
    """The quotation as a run of cells: letters upper-cased, blanks as "#" except after punctuation."""
    cells: list[str] = []
    for char in quotation:
        if char == " ":
            if cells and cells[-1] != BLANK and cells[-1].isalpha():
                cells.append(BLANK)
        else:
            cells.append(char.upper())
    return cells


def make_drop_quote(rng: random.Random, level: str, tag: str) -> tuple[dict, list[list[str]]]:
    """(record, gold grid) for one fresh drop quote."""
    width, low, high = LEVEL_SHAPES[level]
    quotation = make_quotation(rng, low, high)
    cells = quotation_cells(quotation)
    cells += [BLANK] * (-len(cells) % width)
    gold = [cells[start : start + width] for start in range(0, len(cells), width)]
    grid = [[str(col + 1) if cell.isalpha() else cell for col, cell in enumerate(row)] for row in gold]
    candidate = ["".join(sorted(row[col] for row in gold if row[col].isalpha())) for col in range(width)]
    rows_text = ",\n ".join(str(row) for row in grid)
    columns = "\n".join(f"Column {col + 1}: {' '.join(letters)}" for col, letters in enumerate(candidate))
    record = {
        "tag": tag,
        "grid": grid,
        "candidate": candidate,
        "answer": quotation,
        "author": make_author(rng),
        "example_text": f"Drop quote grid (numbers are letter cells):\n[{rows_text}]\n\nLetters per column:\n{columns}",
    }
    return record, gold
