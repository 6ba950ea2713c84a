"""Celebrity scorers (pure) and the forward-vs-reverse aggregate.

chat: a completion scores 1 iff parse_response accepts it and it starts with the gold name; the
      engine averages a query's n completions, which is the paper's per-query "share correct".
base: score = exp(log P(" " + gold | prompt)), the paper's per-query probability.
The aggregate pairs each row's forward and reverse query: forward score, reverse score, their paired
difference, and the share of pairs the model "knows" forward but not in reverse (chat: at least one
correct sample; base: the gold name is the greedy continuation).
"""

from __future__ import annotations

import math

from harness.core.metric_spec import find_metric
from harness.core.types import Loglikelihood, Sample, ScoredSample, Verdict
from harness.report.metrics import MetricValue, difference_with_ci, item_kind, mean_with_ci
from tasks.reversal.celebrity_config import CelebrityConfig
from tasks.reversal.matching import (
    MAX_NAME_WORDS,
    MAX_REPLY_CHARS,
    MIN_NAME_WORDS,
    UNKNOWN_PREFIX,
    is_celebrity_answer_correct,
    parse_celebrity_response,
)
from tasks.reversal.metrics import celebrity_metrics

MAX_ANSWER_CHARS = 200


def score_celebrity_completion(cfg: CelebrityConfig, sample: Sample, text: str) -> Verdict:
    parsed = parse_celebrity_response(text)
    correct = is_celebrity_answer_correct(text, sample["gold"])
    return Verdict(answer=None if parsed is None else parsed[:MAX_ANSWER_CHARS], scores={"score": float(correct)})


def why_celebrity_unparseable(cfg: CelebrityConfig, sample: Sample, text: str) -> str:
    """Why the paper's parse_response rejected a reply (the report's failure summary)."""
    reply = text.strip()
    words = reply.split()
    if reply.startswith(UNKNOWN_PREFIX):
        return f"the model said it does not know ('{UNKNOWN_PREFIX}...')"
    if not MIN_NAME_WORDS <= len(words) <= MAX_NAME_WORDS or len(reply) > MAX_REPLY_CHARS:
        return f"not a name: {len(words)} words, a name has {MIN_NAME_WORDS}-{MAX_NAME_WORDS}"
    return "not a name: not every word is capitalised"


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
    kind = item_kind(score, (max(1, len(r.verdicts)) for pair in by_row.values() for r in pair.values()))
    metrics: dict[str, MetricValue] = {
        "forward_score": mean_with_ci(forward, kind),
        "reverse_score": mean_with_ci(reverse, kind),
    }
    if pairs:
        metrics["forward_minus_reverse"] = difference_with_ci(
            [pair["forward"].scores["score"] for pair in pairs], [pair["reverse"].scores["score"] for pair in pairs], kind
        )
        metrics["forward_not_reverse"] = mean_with_ci(
            [float(_knows(pair["forward"]) and not _knows(pair["reverse"])) for pair in pairs], "binary"
        )
    return {"": metrics}
