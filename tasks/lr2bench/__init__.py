"""LR2Bench (Chen et al. 2025): six constraint-satisfaction tasks scored by CR, S-Acc, EM and PM-0.5
per level, averaged over levels per task and over tasks overall; plus fresh seeded instances of the
four tasks that need no copyrighted clues (sudoku, logic, cryptogram, drop quote)."""

from harness.core.registry import Family, register
from tasks.lr2bench.aggregate import aggregate_lr2bench
from tasks.lr2bench.config import LR2BenchConfig
from tasks.lr2bench.examples import lr2bench_examples
from tasks.lr2bench.generators import generate_lr2bench
from tasks.lr2bench.loader import default_lr2bench_source, load_lr2bench
from tasks.lr2bench.plots import lr2bench_plots
from tasks.lr2bench.prompts import build_lr2bench_request
from tasks.lr2bench.scoring import (
    LR2BENCH_METRICS,
    PRIMARY_METRIC,
    lr2bench_canonical_answer,
    score_lr2bench_response,
    why_lr2bench_unparseable,
)
from tasks.lr2bench.spec import TASKS

FAMILY = register(
    Family(
        name="lr2bench",
        description="LR2Bench: crossword, acrostic, logic, cryptogram, sudoku, drop quote (CR, S-Acc, EM, PM-0.5)",
        config=LR2BenchConfig,
        build_request=build_lr2bench_request,
        primary_metric=PRIMARY_METRIC,
        metrics=LR2BENCH_METRICS,
        score=score_lr2bench_response,
        canonical_answer=lr2bench_canonical_answer,  # maj@k votes on the answer as the scorer compares it
        why_unparseable=why_lr2bench_unparseable,
        generate=generate_lr2bench,
        load=load_lr2bench,
        gold=lambda sample: sample["gold"],
        plots=lr2bench_plots,
        default_source=default_lr2bench_source,
        aggregate=aggregate_lr2bench,
        examples=lr2bench_examples,
        variants={
            **{f"lr2bench-{task}": {"task": task} for task in TASKS},
            "lr2bench-generated": {"source": "generated"},
        },
    )
)
