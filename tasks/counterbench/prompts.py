"""CounterBench requests: the rules (given_info) as context, the question, the chosen strategy."""

from __future__ import annotations

from harness.core.types import GenerationSettings, JudgeProblem, Request, Sample
from tasks.counterbench.config import CounterBenchConfig
from tasks.counterbench.strategies import apply_strategy, strategy_max_tokens, strategy_text_prompt


def build_counterbench_request(cfg: CounterBenchConfig, sample: Sample) -> Request:
    context, question = sample["given_info"], sample["question"]
    settings = GenerationSettings(
        max_tokens=cfg.max_tokens or strategy_max_tokens(cfg.strategy), temperature=cfg.temperature
    )
    return Request(
        kind="generate",
        prompt=strategy_text_prompt(cfg.strategy, question, context),
        messages=apply_strategy(cfg.strategy, question, context),
        settings=settings,
    )


def counterbench_judge_problem(cfg: CounterBenchConfig, sample: Sample) -> JudgeProblem:
    """The item for a behaviour judge: the causal rules and the question, as the model saw them."""
    return JudgeProblem(description=(
        "A counterfactual question over causal rules, to be answered yes or no.\n"
        f"Rules: {sample['given_info']}\nQuestion: {sample['question']}"))
