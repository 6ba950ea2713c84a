"""The project's own LR2Bench prompts, for generated puzzles (and original folders without prompt files).

They are written for this project, not taken from LR2Bench (whose prompts are read from the data
folder at run time), and ask for the same answer format, so the same extraction and scorer apply.
Two-shot chats show two generated puzzles of the same level, each answered with its tagged solution
only (no worked reasoning), drawn from a fixed seed so the prompt never changes between runs.
"""

from __future__ import annotations

import json
from functools import lru_cache

from harness.core.errors import HarnessError
from harness.core.types import Message
from tasks.lr2bench.generators.sudoku import format_grid

SLOT = "<example>"
SYSTEM = "You are an expert puzzle solver. You reason carefully, check your work and backtrack when a guess fails."

INSTRUCTIONS = {
    "sudoku": (
        "Solve the sudoku puzzle below. The grid is a list of rows and 0 marks an empty cell. Fill every"
        " empty cell so that each row, each column and each box holds every number from 1 to the grid"
        " size exactly once (4 x 4 grids have 2 x 2 boxes, 9 x 9 grids 3 x 3 boxes). Work step by step;"
        " when no cell is forced, try a value and backtrack if it leads to a contradiction.\n\n{slot}\n\n"
        "Give the completed grid as a list of rows in the same format as the puzzle, between <Answer>"
        " and </Answer>."
    ),
    "logic": (
        "Solve the logic grid puzzle below. Every row of the table takes exactly one value from each"
        " category and no value is used twice. Use the clues and deduction; test an assumption and undo"
        " it when it leads to a contradiction.\n\n{slot}\n\nGive the completed table as a JSON list of"
        " objects, one per row in the order shown, with every category filled in, between <Answer> and"
        " </Answer>."
    ),
    "cryptogram": (
        "Decode the cryptogram below. It is a simple substitution cipher: every letter of the original"
        " text was replaced by a different letter, the same one each time it occurs; spaces and"
        " punctuation are unchanged and the author's name is not encoded.\n\n{slot}\n\nGive the mapping"
        " from each encoded letter of the puzzle to its decoded letter as a Python dictionary, for"
        " example {{'X': 'T', 'Q': 'H'}}, between <Mapping> and </Mapping>; then give the decoded text"
        " between <Answer> and </Answer>."
    ),
    "drop": (
        "Solve the drop quote puzzle below. The grid holds a quotation written row by row: a number is a"
        " letter cell (the number is its column), '#' is a blank between words, punctuation is already"
        " in place, and a word may run from the end of one row into the next. Each column's letters are"
        " listed in alphabetical order under the grid; each belongs in exactly one letter cell of that"
        " column.\n\n{slot}\n\nGive the filled grid as a list of rows in the same format as the puzzle,"
        " letters in upper case and '#' and punctuation unchanged, between <Answer> and </Answer>."
    ),
    "crossword": (
        "Solve the crossword puzzle below. In the grid a number starts an answer, '?' is a letter cell"
        " inside an answer and '#' is a black square; each clue gives its answer's length. Crossing"
        " answers share letters.\n\n{slot}\n\nGive every answer as one JSON object from clue to word in"
        " upper case, for example {{\"1-Across\": \"WORD\", \"1-Down\": \"WORD\"}}, between <Answer> and"
        " </Answer>."
    ),
    "acrostic": (
        "Solve the acrostic puzzle below. The letters of each clue's answer are numbered; each number is"
        " a position in the quotation grid, where '#' separates words. Answers fill the quotation and"
        " the quotation helps with the answers.\n\n{slot}\n\nGive the letter of every numbered position"
        " as a Python dictionary, for example {{'1': 'A', '2': 'B'}}, between <Answer> and </Answer>."
    ),
}


def project_chat(task: str, level: str, shots: int) -> list[Message]:
    """A fresh list of messages whose last user turn holds the "<example>" slot."""
    return [dict(message) for message in _cached_chat(task, level, shots)]


@lru_cache(maxsize=64)
def _cached_chat(task: str, level: str, shots: int) -> tuple[Message, ...]:
    instruction = INSTRUCTIONS[task]
    messages: list[Message] = [{"role": "system", "content": SYSTEM}]
    if shots:
        if task in ("crossword", "acrostic"):
            raise HarnessError(
                f"the data folder has no prompt.json for {task}, and the project has no {task} examples"
                " of its own; use --set shots=0 or a data folder with the original prompt files"
            )
        from tasks.lr2bench.generators import make_item  # the examples are generated puzzles

        for k in range(shots):
            example = make_item(task, level, "prompt-examples", k)
            messages.append({"role": "user", "content": instruction.format(slot=example["record"]["example_text"])})
            messages.append({"role": "assistant", "content": tagged_solution(task, example)})
    messages.append({"role": "user", "content": instruction.format(slot=SLOT)})
    return tuple(messages)


def tagged_solution(task: str, sample: dict) -> str:
    """The gold answer of a sample written the way a model is asked to answer."""
    gold = sample["gold"]
    if task == "cryptogram":
        decoded = "".join(gold.get(char, char) for char in sample["record"]["text"])
        return f"<Mapping>\n{gold}\n</Mapping>\n<Answer>\n{decoded}\n</Answer>"
    if task == "sudoku":
        body = format_grid(gold["answer"])
    elif task == "logic":
        body = json.dumps(gold, indent=4)
    elif task == "drop":
        body = "[" + ",\n ".join(json.dumps(row) for row in gold) + "]"
    else:
        body = json.dumps(gold)
    return f"<Answer>\n{body}\n</Answer>"

