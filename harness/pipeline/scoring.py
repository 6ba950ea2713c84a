"""Turning a backend result into a ScoredSample with the family's pure scorer.

Shared by `harness run` and `harness score` (predictions made elsewhere), so both score
identically. Any exception from a scorer is a bug in that family, so it is not hidden here.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.registry import Task
from harness.core.types import Generation, LoglikelihoodResult, Sample, ScoredSample, Verdict
from harness.strategies.types import StrategyRecord


def mean_scores(verdicts: Sequence[Verdict]) -> dict[str, float]:
    names: list[str] = []
    for verdict in verdicts:
        names.extend(name for name in verdict.scores if name not in names)
    return {
        name: sum(v.scores.get(name, 0.0) for v in verdicts) / len(verdicts) for name in names
    } if verdicts else {}


def score_generation(task: Task, sample: Sample, generation: Generation) -> ScoredSample:
    if generation.error is not None or task.family.score is None:
        return ScoredSample(sample=sample, verdicts=[], scores={}, prompt_tokens=generation.prompt_tokens,
                            error=generation.error or f"task {task.name} cannot score generations")
    verdicts = [shared(task.family.score(task.config, sample, text)) for text in generation.texts]
    return ScoredSample(
        sample=sample,
        verdicts=verdicts,
        scores=mean_scores(verdicts),
        completion_tokens=sum(generation.completion_tokens),
        prompt_tokens=generation.prompt_tokens,
        truncated=sum(generation.truncated),
        unparsed_reasons=unparsed_reasons(task, sample, generation, verdicts),
    )


MAX_SHARED = 65_536  # distinct score dicts and answers kept for sharing; past it, new ones are kept as they are
_shared_scores: dict[tuple[tuple[str, str], ...], dict[str, float]] = {}
_shared_answers: dict[str, str] = {}


def shared(verdict: Verdict) -> Verdict:
    """The verdict with its scores dict and (text) answer replaced by an equal one already held, when
    there is one: a pass@k study holds a verdict per completion until its metrics are computed, and
    most are alike ({"accuracy": 0.0, ...}, the same wrong expression), so a million completions
    cost pointers instead of a million dicts. Nothing changes a verdict's scores after scoring."""
    if not isinstance(verdict.scores, dict):
        return verdict
    key = tuple((name, repr(value)) for name, value in verdict.scores.items())  # repr: 1 and 1.0, 0.0 and -0.0 stay apart
    scores = _shared_scores.get(key)
    if scores is None and len(_shared_scores) < MAX_SHARED:
        scores = _shared_scores[key] = verdict.scores
    if scores is not None:
        verdict.scores = scores
    answer = verdict.answer
    if type(answer) is str:
        held = _shared_answers.get(answer)
        if held is None and len(_shared_answers) < MAX_SHARED:
            held = _shared_answers[answer] = answer
        if held is not None:
            verdict.answer = held
    return verdict


def unparsed_reasons(task: Task, sample: Sample, generation: Generation, verdicts: Sequence[Verdict]) -> list[str]:
    """Why each completion without an answer has none: cut off by the token limit, else the family's
    why_unparseable hook, else a plain 'no answer found'."""
    reasons = []
    for text, truncated, verdict in zip(generation.texts, generation.truncated, verdicts):
        if verdict.answer is not None:
            continue
        if truncated:
            reasons.append("cut off by the token limit before an answer")
        elif task.family.why_unparseable is not None:
            reasons.append(task.family.why_unparseable(task.config, sample, text))
        else:
            reasons.append("no answer found")
    return reasons


def score_loglikelihood(task: Task, sample: Sample, result: LoglikelihoodResult) -> ScoredSample:
    if result.error is not None or task.family.score_loglikelihood is None:
        return ScoredSample(sample=sample, verdicts=[], scores={}, prompt_tokens=result.prompt_tokens,
                            error=result.error or f"task {task.name} cannot score log-likelihoods")
    verdict = task.family.score_loglikelihood(task.config, sample, result.results)
    return ScoredSample(sample=sample, verdicts=[verdict], scores=dict(verdict.scores), prompt_tokens=result.prompt_tokens)


def score_result(task: Task, sample: Sample, result: Generation | LoglikelihoodResult) -> ScoredSample:
    if isinstance(result, Generation):
        return score_generation(task, sample, result)
    return score_loglikelihood(task, sample, result)


def score_strategy_record(task: Task, sample: Sample, record: StrategyRecord) -> ScoredSample:
    """A sample a strategy answered: its final texts (or log-likelihoods) scored by the family's scorer
    as a single call's would be, plus the strategy's own numbers; tokens are the whole trace's."""
    from harness.strategies.driver import outcome_result

    if record.outcome is None:
        return ScoredSample(sample=sample, verdicts=[], scores={}, prompt_tokens=record.prompt_tokens,
                            completion_tokens=record.completion_tokens, error=record.error or "strategy failed")
    scored = score_result(task, sample, outcome_result(record.outcome))
    if scored.error is None:
        scored.scores.update(record.outcome.scores)
    scored.prompt_tokens = record.prompt_tokens
    scored.completion_tokens = record.completion_tokens
    return scored
