"""PrOntoQA (Saparov & He 2023) and PrOntoQA-OOD: deductive questions over an ontology whose
chains of thought are graded step by step, and LAMBADA-style backward chaining (Kazemi et al. 2023).

Fresh seeded questions from our own generator (generator.py), or the upstream generator's JSON
with --data. `prontoqa` is the paper's few-shot chain of thought; `prontoqa-lambada` answers the
same questions by backward chaining, a strategy of four prompted modules (lambada.py).
"""

from harness.core.registry import Family, register
from tasks.prontoqa import lambada  # noqa: F401 - registers the "lambada" strategy
from tasks.prontoqa.config import PrOntoQAConfig
from tasks.prontoqa.generator import generate_prontoqa
from tasks.prontoqa.loader import load_prontoqa
from tasks.prontoqa.plots import prontoqa_plots
from tasks.prontoqa.prompts import build_prontoqa_request
from tasks.prontoqa.scoring import (
    prontoqa_chance_level,
    prontoqa_gold,
    prontoqa_group_keys,
    prontoqa_metrics,
    prontoqa_primary_metric,
    score_prontoqa_response,
)


def prontoqa_default_strategy(cfg: PrOntoQAConfig) -> str | None:
    """method=lambada answers with the backward-chaining strategy; chain of thought is one request."""
    return lambada.STRATEGY_NAME if cfg.method == "lambada" else None


FAMILY = register(
    Family(
        name="prontoqa",
        description="PrOntoQA deduction over an ontology, chain of thought graded step by step (generated or upstream JSON)",
        config=PrOntoQAConfig,
        build_request=build_prontoqa_request,
        primary_metric="label_accuracy",
        primary_metric_for=prontoqa_primary_metric,
        metrics=prontoqa_metrics(PrOntoQAConfig()),
        metrics_for=prontoqa_metrics,
        score=score_prontoqa_response,
        generate=generate_prontoqa,
        load=load_prontoqa,
        gold=prontoqa_gold,
        plots=prontoqa_plots,
        group_keys=prontoqa_group_keys,
        chance_level=prontoqa_chance_level,
        default_strategy=prontoqa_default_strategy,
        variants={
            **{f"prontoqa-{hops}hop": {"hops": (hops,)} for hops in range(1, 6)},
            "prontoqa-true": {"ontology": "true", "distractors": "none"},
            "prontoqa-false": {"ontology": "false"},
            "prontoqa-andintro": {"deduction_rule": "AndIntro", "hops": (1, 2, 3)},
            "prontoqa-andelim": {"deduction_rule": "AndElim", "hops": (1, 2, 3)},
            "prontoqa-orintro": {"deduction_rule": "OrIntro", "hops": (1, 2, 3)},
            "prontoqa-orelim": {"deduction_rule": "OrElim", "hops": (1,)},
            "prontoqa-contradiction": {"deduction_rule": "ProofByContra", "hops": (1,)},
            "prontoqa-lambada": {"method": "lambada"},
        },
    )
)
