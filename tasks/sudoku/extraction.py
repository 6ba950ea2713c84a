"""Pull a Sudoku grid out of model text. Total: any string gets a grid or None, in linear time.

Where the grid is looked for, in order:
1. the last <answer>...</answer> block (any letter case, so LR2Bench's <Answer> works too); when
   there is none, the whole text;
2. inside it, the last bracketed list of lists ``[[...], ...]`` (JSON or Python-literal style), read
   by a strict little parser that admits only digits, commas, brackets, whitespace and quotes around
   a cell's digits (``[["4","3"], ...]``, ``[['4', '3'], ...]``) (never eval);
3. failing that, the last run of ``side`` text rows that each hold ``side`` numbers, written as
   ``1 2 3 4``, ``1,2,3,4``, ``1 2 | 3 4`` or, for sides up to 9, ``1234``; separator lines such
   as ``---+---`` inside the run are skipped.
A list of lists of the wrong size is still returned (the scorer rejects it); None means nothing
that looks like a grid was found.
"""

from __future__ import annotations

import re

Grid = list[list[int]]

ANSWER_OPEN, ANSWER_CLOSE = "<answer>", "</answer>"
MAX_GRID_CHARS = 20_000  # a 25x25 grid in the loosest JSON formatting is well below this
MAX_ROWS = 64
MAX_NUMBER_DIGITS = 3
GRID_CHARS = re.compile(r"[\[\]0-9,\s\"']*")
QUOTED_CELL = re.compile(r"([\"'])\s*([0-9]+)\s*\1")
ROW_CHARS = re.compile(r"[0-9\s,|.+\-\[\]()]*")
SEPARATOR_ROW = re.compile(r"[\s|+\-=_*]+")
NUMBER = re.compile(r"[0-9]+")


def answer_block(text: str) -> str:
    """The content of the last <answer>...</answer> block (case-insensitive), else the text."""
    lowered = text.lower()
    end = lowered.rfind(ANSWER_CLOSE)
    if end >= 0:
        start = lowered.rfind(ANSWER_OPEN, 0, end)
        if start >= 0:
            return text[start + len(ANSWER_OPEN) : end]
    start = lowered.rfind(ANSWER_OPEN)
    if start >= 0:  # an opened but never closed block (e.g. cut off by the token limit)
        return text[start + len(ANSWER_OPEN) :]
    return text


def extract_sudoku_grid(text: str, side: int) -> Grid | None:
    """The grid the response ends with (see module docstring), or None."""
    if not isinstance(text, str):
        return None
    block = answer_block(text)
    grid = _last_bracketed_grid(block)
    if grid is not None:
        return grid
    return _last_row_run(block, side)


def _last_bracketed_grid(block: str) -> Grid | None:
    """The last ``[[...]]`` list of integer lists in the block, parsed without eval."""
    search_end = len(block)
    for _ in range(8):  # a few candidates from the end; each attempt is linear
        close = block.rfind("]]", 0, search_end)
        if close < 0:
            return None
        open_at = _matching_open(block, close + 1)
        if open_at is not None:
            grid = _parse_list_of_lists(block[open_at : close + 2])
            if grid is not None:
                return grid
        search_end = close + 1
    return None


def _matching_open(block: str, close: int) -> int | None:
    """Index of the '[' that the ']' at ``close`` closes, walking back at most MAX_GRID_CHARS."""
    depth = 0
    stop = max(-1, close - MAX_GRID_CHARS)
    for i in range(close, stop, -1):
        char = block[i]
        if char == "]":
            depth += 1
        elif char == "[":
            depth -= 1
            if depth == 0:
                return i
        elif not (char.isspace() or char in ",\"'" or "0" <= char <= "9"):
            return None
    return None


def _parse_list_of_lists(literal: str) -> Grid | None:
    """Parse exactly ``[[int, ...], [int, ...], ...]``; anything else (deeper nesting, stray
    characters, huge numbers) is None."""
    if len(literal) > MAX_GRID_CHARS or not GRID_CHARS.fullmatch(literal):
        return None
    body = literal.strip()
    if not (body.startswith("[") and body.endswith("]")):
        return None
    inner = body[1:-1].strip()
    rows: Grid = []
    for match in re.finditer(r"\[([^\[\]]*)\]|([^\s,])", inner):
        if match.group(2) is not None:  # a bare number or bracket outside a row
            return None
        items = [_unquoted(item.strip()) for item in match.group(1).split(",")]
        if items == [""]:
            items = []
        if any(not item.isdigit() or len(item) > MAX_NUMBER_DIGITS for item in items):
            return None
        rows.append([int(item) for item in items])
        if len(rows) > MAX_ROWS:
            return None
    return rows or None


def _unquoted(item: str) -> str:
    """A cell written as a string of digits ("4" or '4') is the number; anything else is unchanged."""
    match = QUOTED_CELL.fullmatch(item)
    return match.group(2) if match else item


def _row_numbers(line: str, side: int) -> list[int] | None:
    """The ``side`` numbers written on one text row, or None if the line is not a grid row."""
    if len(line) > 40 * side or not ROW_CHARS.fullmatch(line):
        return None
    tokens = NUMBER.findall(line)
    if len(tokens) == 1 and side <= 9 and len(tokens[0]) == side:
        return [int(ch) for ch in tokens[0]]
    if len(tokens) != side or any(len(token) > MAX_NUMBER_DIGITS for token in tokens):
        return None
    return [int(token) for token in tokens]


def _last_row_run(block: str, side: int) -> Grid | None:
    """The last ``side`` consecutive grid rows (separator lines allowed between them)."""
    if side < 1:
        return None
    best: Grid | None = None
    run: Grid = []
    for line in block.splitlines():
        stripped = line.strip()
        if not stripped or SEPARATOR_ROW.fullmatch(stripped):
            continue
        numbers = _row_numbers(stripped, side)
        if numbers is None:
            run = []
            continue
        run.append(numbers)
        if len(run) >= side:
            best = run[-side:]
    return best
