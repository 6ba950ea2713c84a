"""Made-up LR2Bench samples in the loaded schema, for describing a task without its data (the
lm-eval export reads request settings and metric names off them). Generable tasks use a generated
item; crossword and acrostic, which cannot be generated, use a tiny puzzle written here."""

from __future__ import annotations

from typing import Any

from harness.core.types import Sample
from tasks.lr2bench.config import LR2BenchConfig
from tasks.lr2bench.generators import make_item
from tasks.lr2bench.loader import EXAMPLE_SLOT
from tasks.lr2bench.spec import GENERABLE_TASKS

_HANDMADE: dict[str, tuple[dict[str, Any], Any]] = {
    "crossword": (
        {"grid": [["1", "2"], ["3", "?"]],
         "clue": "ACROSS\n1\nIn the place of\n3\nNegative reply\nDOWN\n1\nOne, informally\n2\nIn the direction of",
         "example_text": "GRID:\n1 2\n3 ?\n\nCLUE:\nACROSS:\n1: In the place of (2)\n3: Negative reply (2)\n"
                         "DOWN:\n1: One, informally (2)\n2: In the direction of (2)"},
        {"1-ACROSS": "AT", "3-ACROSS": "NO", "1-DOWN": "AN", "2-DOWN": "TO"},
    ),
    "acrostic": (
        {"puzzle": "1 2 # 3 4 5 .", "clue": "A\n3 4 5\nAt this moment (1 word, 3 letters)\nB\n1 2\nDepart (1 word, 2 letters)",
         "hint": "Depart - GO",
         "example_text": "PUZZLE:\n1 2 # 3 4 5 .\n\nCLUES:\nA\n3 4 5\nAt this moment (1 word, 3 letters)\nB\n1 2\nDepart (1 word, 2 letters)"},
        {"1": "G", "2": "O", "3": "N", "4": "O", "5": "W"},
    ),
}


def lr2bench_examples(cfg: LR2BenchConfig) -> list[Sample]:
    """One made-up sample per selected level."""
    samples = []
    for task, levels in cfg.selected_levels().items():
        for level in levels:
            samples.append(make_item(task, level, "example", 0) if task in GENERABLE_TASKS else _handmade(cfg, task, level))
    return samples


def _handmade(cfg: LR2BenchConfig, task: str, level: str) -> Sample:
    record, gold = _HANDMADE[task]
    setting = "prompt.json/two_shot" if cfg.shots == 2 else "prompt.json/zero_shot"
    prompt = {"setting": setting, "messages": [
        {"role": "system", "content": "Solve the puzzle."},
        {"role": "user", "content": f"Puzzle:\n{EXAMPLE_SLOT}"},
    ]}
    tag = "EXAMPLE"
    return {"id": f"{task}/{level}/{tag}", "task": task, "level": level, "tag": tag, "source": "original",
            "record": {"tag": tag, **record}, "gold": gold, "prompt": prompt}
