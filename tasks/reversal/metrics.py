"""What every number of the reversal families means (harness.core.metric_spec): kind, range, direction.

The controls are declared lower-is-better: a model that knows the facts gives the randomized
continuation (another fact's completion) a low probability and answers randomized prompts wrongly,
so a high control score is a warning sign, never a good result. Gaps of the reversal curse itself
(forward minus reverse) have no better side: they measure the effect.
"""

from __future__ import annotations

from harness.core.metric_spec import Metric, binary, bounded, fraction, statistic, unbounded

_LOGPROB = "log P(target | prompt), summed over the target's tokens"

_FACT_METRICS = (
    binary("accuracy", "the greedy completion starts with the target (the paper's evaluator)"),
    binary("contains", "the target appears anywhere in the reply (for chat models that restate the question)"),
    bounded("logprob", _LOGPROB, None, 0.0),
    binary("greedy", "greedy decoding would produce exactly the target"),
    bounded("logprob_randomized", "log P(another fact's completion | the same prompt): the likelihood control",
            None, 0.0, higher_is_better=False),
    unbounded("logprob_gap", "log P(correct) minus log P(randomized): a knowing model's gap is positive"),
    binary("control_accuracy", "randomized-control probes answered with another fact's completion (should stay low)",
           higher_is_better=False),
    binary("control_contains", "randomized-control probes whose reply contains the control target", higher_is_better=False),
    bounded("control_logprob", "log P(control target | prompt) on randomized-control probes", None, 0.0,
            higher_is_better=False),
    binary("control_greedy", "greedy decoding produces the control target", higher_is_better=False),
    statistic("*_p_value", "two-sided p-value of a paired test that the correct-minus-randomized gap is zero",
              higher_is_better=False, low=0.0, high=1.0),
)

FICTITIOUS_METRICS: tuple[Metric, ...] = _FACT_METRICS


def celebrity_metrics(protocol: str) -> tuple[Metric, ...]:
    """The chat protocol scores 0/1 per sampled answer; the base protocol scores a probability."""
    if protocol == "base":
        score = fraction("score", "P(gold | few-shot prompt) = exp(log-likelihood of ' ' + gold) (the paper's base protocol)",
                         continuous=True)
        side = "mean probability of the gold name"
    else:
        score = binary("score", "the sampled answer starts with the gold name (the released test_parent_child_pairs.py rule)")
        side = "share of sampled answers that start with the gold name"
    filtered = (binary("score_filtered", "stricter than the paper: the answer is also a bare 2-5 word name "
                       "(parse_response, the filter that built the dataset) before it starts with the gold name"),)
    return (
        score,
        *(filtered if protocol != "base" else ()),
        bounded("logprob", _LOGPROB, None, 0.0),
        binary("greedy", "greedy decoding would produce exactly the gold name"),
        fraction("forward_score", f"forward questions (child -> parent): {side}", continuous=protocol == "base"),
        fraction("reverse_score", f"reverse questions (parent -> child): {side}", continuous=protocol == "base"),
        bounded("forward_minus_reverse", "paired forward minus reverse score per pair: the reversal curse's size",
                -1.0, 1.0, higher_is_better=None),
        binary("forward_not_reverse", "pairs the model knows forward but not in reverse", higher_is_better=None),
    )
