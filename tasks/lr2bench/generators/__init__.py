"""Fresh LR2Bench instances for the tasks that can be made without copyrighted clues.

`generate_lr2bench(cfg, seed, index)` spreads indices round-robin over the selected (task, level)
pairs; item k of a pair is drawn from random.Random(f"lr2bench/{task}/{level}/{seed}/{k}"), so an
item does not depend on which other tasks are selected. Samples have the same shape as loaded ones.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from harness.core.errors import HarnessError
from harness.core.types import Sample
from tasks.lr2bench.config import LR2BenchConfig
from tasks.lr2bench.generators.cryptogram import make_cryptogram
from tasks.lr2bench.generators.dropquote import make_drop_quote
from tasks.lr2bench.generators.logic import make_logic_puzzle
from tasks.lr2bench.generators.sudoku import make_sudoku


def _logic(rng: random.Random, level: str, tag: str) -> tuple[dict, object, dict]:
    record, gold, clues = make_logic_puzzle(rng, level, tag)
    return record, gold, {"clue_logic": clues}


def _plain(maker: Callable[[random.Random, str, str], tuple[dict, object]]):
    def make(rng: random.Random, level: str, tag: str) -> tuple[dict, object, dict]:
        record, gold = maker(rng, level, tag)
        return record, gold, {}

    return make


MAKERS = {
    "logic": _logic,
    "cryptogram": _plain(make_cryptogram),
    "sudoku": _plain(make_sudoku),
    "drop": _plain(make_drop_quote),
}


def make_item(task: str, level: str, seed: int | str, k: int) -> Sample:
    """Item k of one (task, level) for a seed."""
    rng = random.Random(f"lr2bench/{task}/{level}/{seed}/{k}")
    tag = f"s{seed}-{k}"
    record, gold, extra = MAKERS[task](rng, level, tag)
    return {
        "id": f"{task}/{level}/{tag}",
        "task": task,
        "level": level,
        "tag": tag,
        "source": "generated",
        "record": record,
        "gold": gold,
        "prompt": None,
        **extra,
    }


def generate_lr2bench(cfg: LR2BenchConfig, seed: int, index: int) -> Sample:
    """Sample `index` of the generated benchmark for this configuration and seed."""
    if cfg.source != "generated":
        raise HarnessError(
            "LR2Bench generates fresh instances only with --set source=generated (sudoku, logic,"
            " cryptogram, drop); the original benchmark loads from --data DIR or the hub"
        )
    pairs = [(task, level) for task, levels in cfg.selected_levels().items() for level in levels]
    task, level = pairs[index % len(pairs)]
    return make_item(task, level, seed, index // len(pairs))
