"""CounterBench (arXiv 2502.11008): counterfactual questions over formal causal rules.

Fresh seeded items by default (random binary causal models over nonsense names, exact gold);
the original 1,000 with `counterbench-original` (hub id) or `--data PATH`. Prompt strategies
(direct, chain of thought, CoIn) come from tasks.counterbench.strategies.
"""

from harness.core.registry import Family, register
from tasks.counterbench.config import CounterBenchConfig
from tasks.counterbench.generator import generate_counterbench
from tasks.counterbench.loader import load_counterbench
from tasks.counterbench.plots import counterbench_plots
from tasks.counterbench.prompts import build_counterbench_request, counterbench_judge_problem
from tasks.counterbench.scoring import (
    COUNTERBENCH_METRICS,
    counterbench_aggregate,
    counterbench_canonical_answer,
    counterbench_chance_level,
    counterbench_group_keys,
    score_counterbench_response,
    why_counterbench_unparseable,
)


def counterbench_default_source(cfg: CounterBenchConfig) -> str | None:
    """The hub id when source=hub; None means fresh generated items."""
    return cfg.hub_id if cfg.source == "hub" else None


FAMILY = register(
    Family(
        name="counterbench",
        description="CounterBench counterfactuals over causal rules (yes/no; generated or original)",
        config=CounterBenchConfig,
        build_request=build_counterbench_request,
        primary_metric="accuracy",
        metrics=COUNTERBENCH_METRICS,
        score=score_counterbench_response,
        canonical_answer=counterbench_canonical_answer,  # maj@k votes on yes / no
        why_unparseable=why_counterbench_unparseable,
        generate=generate_counterbench,
        load=load_counterbench,
        gold=lambda sample: sample["answer"],
        plots=counterbench_plots,
        default_source=counterbench_default_source,
        aggregate=counterbench_aggregate,
        group_keys=counterbench_group_keys,
        chance_level=counterbench_chance_level,
        judge_problem=counterbench_judge_problem,  # the rules and the question, for `harness behaviours --judge`
        variants={
            "counterbench-cot": {"strategy": "cot"},
            "counterbench-coin": {"strategy": "coin"},
            "counterbench-original": {"source": "hub"},
            "counterbench-original-cot": {"source": "hub", "strategy": "cot"},
            "counterbench-original-coin": {"source": "hub", "strategy": "coin"},
        },
    )
)
