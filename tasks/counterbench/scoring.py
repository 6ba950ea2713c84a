"""CounterBench scoring: the extracted yes/no against the gold label (as given, even where the
original's label disagrees with the rules). Also the tables' extra numbers: how often the model
said "yes" (a model stuck on one answer sits at 50% on balanced data) and the chance level."""

from __future__ import annotations

from harness.core.metric_spec import binary
from harness.core.types import Sample, ScoredSample, Verdict
from harness.report.metrics import MetricValue, metric_mean
from tasks.counterbench.config import CounterBenchConfig
from tasks.counterbench.strategies import extract_yes_no

CHANCE_LEVEL = 0.5  # yes/no questions, gold balanced 50/50 per type in the original and generated sets

COUNTERBENCH_METRICS = (
    binary("accuracy", "the extracted yes/no equals the gold label (as given in the data)"),
    binary("yes_rate", "share of parseable answers that are 'yes' (a model stuck on one answer sits at 50%)",
           higher_is_better=None),
)


def score_counterbench_response(cfg: CounterBenchConfig, sample: Sample, text: str) -> Verdict:
    answer = extract_yes_no(text)
    return Verdict(answer=answer, scores={"accuracy": float(answer == sample["answer"])})


def why_counterbench_unparseable(cfg: CounterBenchConfig, sample: Sample, text: str) -> str:
    """Why extract_yes_no found no answer (the report's failure summary)."""
    if not text.strip():
        return "an empty response"
    return "no final yes or no (no 'Answer: yes/no', no reply or last line starting or ending with yes/no)"


def counterbench_group_keys(sample: Sample) -> dict[str, str]:
    """Extra table rows per question type and per number of variables (the paper's breakdowns)."""
    return {"type": str(sample["type"]), "variables": str(sample["num_variables"])}


def counterbench_aggregate(cfg: CounterBenchConfig, records: list[ScoredSample]) -> dict[str, dict[str, MetricValue]]:
    """yes_rate: share of parseable answers that are "yes" (per sample, then averaged)."""
    per_sample, counts = [], []
    for record in records:
        answers = [v.answer for v in record.verdicts if v.answer is not None]
        if answers:
            per_sample.append(sum(a == "yes" for a in answers) / len(answers))
            counts.append(len(answers))
    return {"": {"yes_rate": metric_mean(per_sample, COUNTERBENCH_METRICS[1], counts)}}


def counterbench_chance_level(cfg: CounterBenchConfig) -> float:
    return CHANCE_LEVEL


def counterbench_canonical_answer(cfg: CounterBenchConfig, sample: Sample, answer: str) -> str:
    """What maj@k votes on: "yes" or "no", however the reply phrased it (the extractor's output)."""
    return str(answer).strip().lower()
