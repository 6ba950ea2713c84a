"""Behaviour markers of the Stream-of-Search trace format (Gandhi et al. 2024, "Stream of Search"):
the lines the authors' DFS and BFS solvers write, which models trained on those traces reproduce.

    Current State: 24:[8, 2, 3, 2, 1], Operations: []
    Exploring Operation: 8+2=10, Resulting Numbers: [3, 2, 1, 10]
    Generated Node #0,0: 24:[3, 2, 1, 10] Operation: 8+2=10
    Moving to Node #0,0                      <- forward: the node just generated
    ...
    28,24 unequal: No Solution               <- verification (a result checked against the target)
    Exploring Operation: 7*4=28, ...         <- backtracking (a new combination after a dead end)
    Moving to Node #0                        <- backtracking (any move that is not to the node just generated)
    24,24 equal: Goal Reached                <- verification

The keyword detector (harness.parsing.traces) finds none of these: they carry no words like "check" or
"backtrack". This hook (Family.behaviour_markers) reads them line by line, in linear time.
Also here: how a behaviour judge is shown a Countdown problem (Family.judge_problem).
"""

from __future__ import annotations

import re
from functools import partial

from harness.core.types import JudgeProblem, Sample
from tasks.countdown.judge_prompts import PAPER, SYSTEM, gandhi2025_prompts

_CHECKED = re.compile(r"\s*-?[\d.]+\s*,\s*-?[\d.]+\s+(?:unequal: No Solution|equal: Goal Reached)")
_DEAD_END = re.compile(r"\s*-?[\d.]+\s*,\s*-?[\d.]+\s+unequal: No Solution")
_MOVE = re.compile(r"\s*Moving to Node #([\d,]+)")
_GENERATED = re.compile(r"\s*Generated Node #([\d,]+)\s*:")
_EXPLORE = re.compile(r"\s*Exploring Operation:")


def stream_of_search_markers(text: str) -> dict[str, list[int]]:
    """{"verification": [...], "backtracking": [...]}: character offsets of the lines that mark them."""
    marks: dict[str, list[int]] = {"verification": [], "backtracking": []}
    previous = ""  # the last non-empty line
    offset = 0
    for line in text.splitlines(keepends=True):
        if _CHECKED.match(line):
            marks["verification"].append(offset)
        move = _MOVE.match(line)
        if move is not None:
            generated = _GENERATED.match(previous)
            if generated is None or generated.group(1) != move.group(1):
                marks["backtracking"].append(offset)
        elif _EXPLORE.match(line) and _DEAD_END.match(previous):
            marks["backtracking"].append(offset)
        if line.strip():
            previous = line
        offset += len(line)
    return marks


def countdown_judge_problem(cfg: object, sample: Sample) -> JudgeProblem:
    """The problem for a behaviour judge: in words for any prompt, and Gandhi et al.'s own Countdown
    prompts filled with its numbers (the Python list they print) and target."""
    numbers = list(sample["nums"])
    target = int(sample["target"])
    description = (f"Countdown: using the numbers {numbers}, each exactly once, and the operations +, -, *, /,"
                   f" write an expression equal to {target}.")
    return JudgeProblem(description=description, paper_prompts=partial(gandhi2025_prompts, numbers, target),
                        paper_system=SYSTEM, paper=PAPER)
