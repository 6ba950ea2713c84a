"""The fixed facts of LR2Bench (Chen et al. 2025, github ZNLP/LR2Bench): its six tasks, their levels,
where each task's answer sits in a response, and which tasks can be generated afresh.

Everything else in the family reads these tables instead of repeating task names.
"""

from __future__ import annotations

from dataclasses import dataclass

HUB_ID = "UltraRonin/LR2Bench"


@dataclass(frozen=True)
class TaskSpec:
    """One LR2Bench task.

    folder       its directory under data/ in the original layout ("0-crossword", ...)
    levels       its difficulty levels, each a folder data/<folder>/<level>/ with 50 items
    answer_tag   the tag around the final answer in a response (the last such block is used)
    bracket      the pair the answer literal is cut out with inside that block: the last
                 non-overlapping shortest match from the opener to the closer
    answer_kind  "dict" (subtasks are entries), "rows" (logic table), "grid" (sudoku / drop cells)
    generable    fresh instances can be made without copyrighted clues
    """

    name: str
    folder: str
    levels: tuple[str, ...]
    answer_tag: str
    bracket: tuple[str, str]
    answer_kind: str
    generable: bool


TASK_SPECS: dict[str, TaskSpec] = {
    spec.name: spec
    for spec in (
        TaskSpec("crossword", "0-crossword", ("5_5", "10_10", "15_15"), "Answer", ("{", "}"), "dict", False),
        TaskSpec("acrostic", "1-acrostic", ("easy", "hard"), "Answer", ("{", "}"), "dict", False),
        TaskSpec("logic", "2-logic", ("4_4", "4_5", "4_6", "4_7"), "Answer", ("[", "]"), "rows", True),
        TaskSpec("cryptogram", "3-cryptogram", ("easy", "hard"), "Mapping", ("{", "}"), "dict", True),
        TaskSpec("sudoku", "4-sudoku", ("4_4_easy", "4_4_hard", "9_9_easy", "9_9_hard"), "Answer", ("[[", "]]"), "grid", True),
        TaskSpec("drop", "5-drop", ("easy", "hard"), "Answer", ("[[", "]]"), "grid", True),
    )
}
TASKS: tuple[str, ...] = tuple(TASK_SPECS)
GENERABLE_TASKS: tuple[str, ...] = tuple(name for name, spec in TASK_SPECS.items() if spec.generable)
ITEMS_PER_LEVEL = 50
TOTAL_ITEMS = 850


def level_order(task: str, level: str) -> tuple[int, int]:
    """Sort key: the paper's task order, then its level order (unknown levels last)."""
    task_index = TASKS.index(task) if task in TASK_SPECS else len(TASKS)
    levels = TASK_SPECS[task].levels if task in TASK_SPECS else ()
    return (task_index, levels.index(level) if level in levels else len(levels))
