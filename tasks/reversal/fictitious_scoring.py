"""Scorers (pure) and the likelihood-control aggregate for the fictitious and in-context probes.

accuracy: completion.strip().lower().startswith(target.strip().lower()) (the paper's evaluator);
logprob: log P(target | prompt); for reverse probes also logprob_randomized and their gap.
The engine reports every per-sample metric per split (group_keys); the aggregate adds, for each
reverse split and pooled over both, the mean correct-minus-randomized gap with its CI and the
paired tests' p-values. The reversal curse shows as a gap indistinguishable from zero.
"""

from __future__ import annotations

from harness.metrics import MetricValue, difference_with_ci
from harness.types import Loglikelihood, Sample, ScoredSample, Verdict
from tasks.reversal.fictitious_config import FictitiousConfig
from tasks.reversal.matching import contains_match, is_startswith_match
from tasks.reversal.stats import paired_p_values

MAX_ANSWER_CHARS = 200


def score_fictitious_completion(cfg: FictitiousConfig, sample: Sample, text: str) -> Verdict:
    correct = is_startswith_match(text, sample["target"])
    return Verdict(answer=text.strip()[:MAX_ANSWER_CHARS], scores={"accuracy": float(correct)})


def score_incontext_completion(cfg: FictitiousConfig, sample: Sample, text: str) -> Verdict:
    """As above, plus `contains` (the target anywhere in the reply), for chat models that restate
    the question before answering."""
    verdict = score_fictitious_completion(cfg, sample, text)
    verdict.scores["contains"] = float(contains_match(text, sample["target"]))
    return verdict


def score_fictitious_loglikelihood(cfg: FictitiousConfig, sample: Sample, results: list[Loglikelihood]) -> Verdict:
    target = results[0]
    scores = {"logprob": target.logprob, "greedy": float(target.is_greedy)}
    if len(results) > 1:
        control = results[1]
        scores["logprob_randomized"] = control.logprob
        scores["logprob_gap"] = target.logprob - control.logprob
    return Verdict(answer="greedy" if target.is_greedy else "not greedy", scores=scores)


def fictitious_group_keys(sample: Sample) -> dict[str, str]:
    return {"split": sample["split"]}


def likelihood_gap_metrics(records: list[ScoredSample]) -> dict[str, MetricValue]:
    """Mean correct-minus-randomized log-prob gap (CI) and paired p-values over the records."""
    paired = [r for r in records if r.error is None and "logprob_gap" in r.scores]
    if not paired:
        return {}
    correct = [r.scores["logprob"] for r in paired]
    randomized = [r.scores["logprob_randomized"] for r in paired]
    return {"logprob_gap": difference_with_ci(correct, randomized), **paired_p_values(correct, randomized)}


def aggregate_fictitious(cfg: FictitiousConfig, records: list[ScoredSample]) -> dict[str, dict[str, MetricValue]]:
    rows: dict[str, dict[str, MetricValue]] = {}
    reverse_records = [r for r in records if r.sample.get("direction") == "reverse"]
    pooled = likelihood_gap_metrics(reverse_records)
    if pooled:
        rows[""] = {f"reverse_{name}": value for name, value in pooled.items()}
    for split in dict.fromkeys(r.sample["split"] for r in reverse_records):
        metrics = likelihood_gap_metrics([r for r in reverse_records if r.sample["split"] == split])
        if metrics:
            rows[f"split={split}"] = metrics
    return rows
