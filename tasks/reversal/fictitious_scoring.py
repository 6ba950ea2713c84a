"""Scorers (pure) and the likelihood-control aggregate for the fictitious and in-context probes.

accuracy: completion.strip().lower().startswith(target.strip().lower()) (the paper's evaluator);
logprob: log P(target | prompt); for reverse probes also logprob_randomized and their gap.
Randomized-control probes (direction "randomized": a true prompt with another fact's completion as
target) are no facts: their scores are named control_* (control_accuracy, control_logprob, ...),
so the headline accuracy / logprob and the same / reverse rows count true facts only, and the
controls show in their own rows and columns.
The engine reports every per-sample metric (mean and CI) per direction and per test file
(group_keys), so `logprob_gap` there is the mean correct-minus-randomized gap with its CI; the
aggregate adds the paired tests' p-values. The reversal curse shows as a gap indistinguishable from zero.
"""

from __future__ import annotations

from harness.core.types import Loglikelihood, Sample, ScoredSample, Verdict
from harness.report.metrics import MetricValue
from tasks.reversal.fictitious_config import FictitiousConfig
from tasks.reversal.matching import contains_match, is_startswith_match
from tasks.reversal.stats import paired_p_values

MAX_ANSWER_CHARS = 200


CONTROL_PREFIX = "control_"


def is_control(sample: Sample) -> bool:
    return sample.get("direction") == "randomized"


def _named(sample: Sample, scores: dict[str, float]) -> dict[str, float]:
    return {CONTROL_PREFIX + k: v for k, v in scores.items()} if is_control(sample) else scores


def fictitious_primary_metric(cfg: FictitiousConfig) -> str:
    """accuracy for the generation probes, logprob (mean log P(target)) for the likelihood variant."""
    return "logprob" if cfg.measure == "loglikelihood" else "accuracy"


def score_fictitious_completion(cfg: FictitiousConfig, sample: Sample, text: str) -> Verdict:
    correct = is_startswith_match(text, sample["target"])
    return Verdict(answer=text.strip()[:MAX_ANSWER_CHARS], scores=_named(sample, {"accuracy": float(correct)}))


def score_incontext_completion(cfg: FictitiousConfig, sample: Sample, text: str) -> Verdict:
    """As above, plus `contains` (the target anywhere in the reply), for chat models that restate
    the question before answering."""
    verdict = score_fictitious_completion(cfg, sample, text)
    verdict.scores.update(_named(sample, {"contains": float(contains_match(text, sample["target"]))}))
    return verdict


def score_fictitious_loglikelihood(cfg: FictitiousConfig, sample: Sample, results: list[Loglikelihood]) -> Verdict:
    target = results[0]
    scores = {"logprob": target.logprob, "greedy": float(target.is_greedy)}
    if len(results) > 1:
        control = results[1]
        scores["logprob_randomized"] = control.logprob
        scores["logprob_gap"] = target.logprob - control.logprob
    return Verdict(answer="greedy" if target.is_greedy else "not greedy", scores=_named(sample, scores))


def fictitious_group_keys(sample: Sample) -> dict[str, str]:
    """Rows per direction (same / reverse / randomized, pooled over groups) and per test file."""
    return {"direction": sample["direction"], "split": sample["split"]}


def likelihood_p_values(records: list[ScoredSample]) -> dict[str, MetricValue]:
    """Paired p-values of correct vs randomized log-probs over the records that have both."""
    paired = [r for r in records if r.error is None and "logprob_gap" in r.scores]
    return paired_p_values([r.scores["logprob"] for r in paired], [r.scores["logprob_randomized"] for r in paired])


def aggregate_fictitious(cfg: FictitiousConfig, records: list[ScoredSample]) -> dict[str, dict[str, MetricValue]]:
    """The likelihood test's p-values, pooled and per reverse file, on the task's own row.

    The gap itself (mean with CI) is already in every row as the per-sample metric `logprob_gap`;
    rows per split come from group_keys, so the p-values go on the main row under split prefixes
    (e.g. p2d_reverse_gap_t_p_value) rather than in a second row with the same label.
    """
    reverse = [r for r in records if r.sample.get("direction") == "reverse"]
    metrics = {f"reverse_{name}": value for name, value in likelihood_p_values(reverse).items()}
    for split in dict.fromkeys(r.sample["split"] for r in reverse):
        prefix = split.removesuffix("_prompts_test")
        per_split = likelihood_p_values([r for r in reverse if r.sample["split"] == split])
        metrics.update({f"{prefix}_{name}": value for name, value in per_split.items()})
    return {"": metrics} if metrics else {}


def fictitious_canonical_answer(cfg: FictitiousConfig, sample: Sample, answer: str) -> str:
    """What maj@k votes on: the reply's start, lower-cased, as long as the target: the part the
    paper's evaluator (case-insensitive startswith) reads."""
    expected = sample["target"].strip()
    return answer[: len(expected) + 64].lower()[: len(expected.lower())]
