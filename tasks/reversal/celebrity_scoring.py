"""Celebrity scorers (pure) and the forward-vs-reverse aggregate.

chat: `score` is 1 iff the reply starts with the gold name (the released test script's rule); the
      engine averages a query's n completions, which is the paper's per-query "share correct".
      `score_filtered` also requires parse_response to accept the reply (a bare 2-5 word name): a
      stricter reading, beside the paper's, never instead of it.
base: score = exp(log P(" " + gold | prompt)), the paper's per-query probability.
The aggregate pairs each row's forward and reverse query: forward score, reverse score, their paired
difference, and the share of pairs the model "knows" forward but not in reverse (chat: at least one
correct sample; base: the gold name is the greedy continuation).
"""

from __future__ import annotations

import math

from harness.core.metric_spec import find_metric
from harness.core.types import Loglikelihood, Sample, ScoredSample, Verdict
from harness.report.metrics import MetricValue, mean_with_ci, metric_difference, metric_mean
from tasks.reversal.celebrity_config import CelebrityConfig
from tasks.reversal.matching import UNKNOWN_PREFIX, is_celebrity_answer_correct, is_filtered_celebrity_answer_correct
from tasks.reversal.metrics import celebrity_metrics

MAX_ANSWER_CHARS = 200


def score_celebrity_completion(cfg: CelebrityConfig, sample: Sample, text: str) -> Verdict:
    """The reply is the answer (the paper's rule reads it from its first character); a reply that
    names nobody (empty, or the prompt's "I don't know.") is counted as unparseable."""
    gold = sample["gold"]
    scores = {"score": float(is_celebrity_answer_correct(text, gold)),
              "score_filtered": float(is_filtered_celebrity_answer_correct(text, gold))}
    abstains = not text.strip() or text.strip().startswith(UNKNOWN_PREFIX)
    return Verdict(answer=None if abstains else text[:MAX_ANSWER_CHARS], scores=scores)


def why_celebrity_unparseable(cfg: CelebrityConfig, sample: Sample, text: str) -> str:
    """Why a reply counts as unparseable (the report's failure summary): it names nobody."""
    if text.strip().startswith(UNKNOWN_PREFIX):
        return f"the model said it does not know ('{UNKNOWN_PREFIX}...')"
    return "an empty reply"


def score_celebrity_loglikelihood(cfg: CelebrityConfig, sample: Sample, results: list[Loglikelihood]) -> Verdict:
    result = results[0]
    return Verdict(
        answer="greedy" if result.is_greedy else "not greedy",
        scores={"score": math.exp(result.logprob), "logprob": result.logprob, "greedy": float(result.is_greedy)},
    )


def celebrity_group_keys(sample: Sample) -> dict[str, str]:
    return {"direction": sample["direction"]}


def _knows(record: ScoredSample) -> bool:
    if "greedy" in record.scores:  # base protocol
        return record.scores["greedy"] == 1.0
    return record.scores.get("score", 0.0) > 0.0


def aggregate_celebrity(cfg: CelebrityConfig, records: list[ScoredSample]) -> dict[str, dict[str, MetricValue]]:
    """Forward/reverse scores, their paired difference and the forward-not-reverse share."""
    by_row: dict[int, dict[str, ScoredSample]] = {}
    for record in records:
        if record.error is None and "score" in record.scores:
            by_row.setdefault(int(record.sample["row"]), {})[record.sample["direction"]] = record
    forward = [pair["forward"].scores["score"] for pair in by_row.values() if "forward" in pair]
    reverse = [pair["reverse"].scores["score"] for pair in by_row.values() if "reverse" in pair]
    pairs = [pair for pair in by_row.values() if "forward" in pair and "reverse" in pair]
    score = find_metric("score", celebrity_metrics(cfg.resolved_protocol))
    assert score is not None
    counts = [max(1, len(r.verdicts)) for pair in by_row.values() for r in pair.values()]
    metrics: dict[str, MetricValue] = {
        "forward_score": metric_mean(forward, score, counts),
        "reverse_score": metric_mean(reverse, score, counts),
    }
    if pairs:
        metrics["forward_minus_reverse"] = metric_difference(
            [pair["forward"].scores["score"] for pair in pairs], [pair["reverse"].scores["score"] for pair in pairs], score,
            counts,
        )
        metrics["forward_not_reverse"] = mean_with_ci(
            [float(_knows(pair["forward"]) and not _knows(pair["reverse"])) for pair in pairs], "binary"
        )
    return {"": metrics}


def celebrity_canonical_answer(cfg: CelebrityConfig, sample: Sample, answer: str) -> str:
    """What maj@10 votes on: the reply's first characters, as many as the gold name has: the part the
    paper's rule (`reply.startswith(gold)`) reads, so "Ron Donachie" and "Ron Donachie is his father."
    are one answer and every completion in a group scores alike."""
    return answer[: len(sample["gold"])]
