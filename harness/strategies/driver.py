"""Drives strategy programs over a model session: every sample's program runs side by side, and each
round the pending requests of all samples go to the session in one call (cached, deduplicated,
batched or kept in flight by the backend), then each program gets its results back.

Why rounds over all samples instead of one sample at a time: a local model batches and an API keeps
hundreds of requests in flight only when it is handed many requests at once. Each request is cached
on its own key, so an interrupted strategy run resumes by replaying the programs against the cache.
Results never depend on which samples share a round (backends are batch-invariant, and each
request is keyed alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from harness.core.errors import HarnessError
from harness.core.registry import Task
from harness.core.types import Generation, LoglikelihoodResult, Request, Sample
from harness.strategies.types import (
    Ask,
    Result,
    Strategy,
    StrategyContext,
    StrategyOutcome,
    StrategyRecord,
    TraceStep,
)

PROMPT_TAIL_CHARS = 1000  # how much of each request's prompt the trace keeps (the question end of it)


class Session(Protocol):
    def ask(self, requests: Sequence[Request], label: str) -> list[Any]: ...


def prompt_tail(request: Request) -> str:
    """The end of what the model was shown (the last message, or the plain prompt; plus its
    continuations for a log-likelihood request): enough to read a trace without the few-shot part."""
    if request.messages:
        text = request.messages[-1]["content"]
        if request.assistant_prefill:
            text += "\n[assistant] " + request.assistant_prefill
    else:
        text = request.prompt
    if request.kind == "loglikelihood":
        text += "".join(f"\n[continuation] {c}" for c in request.continuations)
    return text[-PROMPT_TAIL_CHARS:]


def trace_step(label: str, request: Request, result: Result) -> TraceStep:
    """One request as the trace logs it. A log-likelihood request generates nothing but reads its
    continuations as well as its context: both count as its prompt tokens."""
    prompt = result.prompt_tokens
    if isinstance(result, Generation):
        logged: dict[str, Any] = {"texts": list(result.texts), "finish_reasons": list(result.finish_reasons)}
        completion = sum(result.completion_tokens)
    else:
        logged = {"loglikelihoods": [{"logprob": r.logprob, "is_greedy": r.is_greedy, "n_tokens": r.n_tokens}
                                     for r in result.results]}
        completion = 0
        prompt += sum(r.n_tokens for r in result.results)
    if result.error is not None:
        logged["error"] = result.error
    return TraceStep(label, request.kind, prompt_tail(request), logged, prompt, completion)


def _as_ask(step: Any, strategy: Strategy) -> Ask:
    if isinstance(step, Ask):
        ask = step
    elif isinstance(step, Request):
        ask = Ask(step)
    elif isinstance(step, (list, tuple)) and all(isinstance(r, Request) for r in step):
        ask = Ask(list(step))
    else:
        raise TypeError(f"strategy '{strategy.name}' yielded {type(step).__name__}; yield an Ask, a Request or a list of them")
    if not ask.requests:
        raise TypeError(f"strategy '{strategy.name}' yielded no request; return the outcome instead")
    return ask


class _Running:
    """One sample's program, its pending Ask and its trace so far."""

    def __init__(self, program: Any, strategy: Strategy) -> None:
        self.program, self.strategy = program, strategy
        self.trace: list[TraceStep] = []
        self.steps = 0
        self.pending: Ask | None = None
        self.record: StrategyRecord | None = None

    def advance(self, results: list[Result] | None) -> None:
        """Send the results of the pending Ask (None to start); keep the next Ask or the outcome."""
        try:
            step = self.program.send(results) if results is not None else next(self.program)
        except StopIteration as stop:
            outcome = stop.value
            if not isinstance(outcome, StrategyOutcome):
                raise TypeError(f"strategy '{self.strategy.name}' returned {type(outcome).__name__}, not a StrategyOutcome") from None
            self.finish(StrategyRecord(outcome, self.trace))
            return
        self.steps += 1
        if self.steps > self.strategy.max_steps:
            self.program.close()
            self.finish(StrategyRecord(None, self.trace, f"strategy '{self.strategy.name}' took more than"
                                                         f" {self.strategy.max_steps} rounds on this sample"))
            return
        self.pending = _as_ask(step, self.strategy)

    def finish(self, record: StrategyRecord) -> None:
        self.pending, self.record = None, record


def run_strategy(session: Session, task: Task, samples: Sequence[Sample], requests: Sequence[Request],
                 strategy: Strategy, options: Any, seed: int) -> list[StrategyRecord]:
    """A StrategyRecord per sample: the program's outcome and trace, or the error that ended it (a
    request that failed for good ends its sample, as in a single-call run: re-running retries it)."""
    if strategy.applies_to is not None:
        reason = strategy.applies_to(task)
        if reason:
            raise HarnessError(f"strategy '{strategy.name}' cannot run on task '{task.name}': {reason}")
    running = []
    model = str(getattr(getattr(session, "spec", None), "model", "") or "")
    for sample, request in zip(samples, requests):
        ctx = StrategyContext(task=task, sample=sample, request=request, options=options, seed=seed, model=model)
        item = _Running(strategy.run(ctx, sample), strategy)
        item.advance(None)
        running.append(item)
    round_number = 0
    while True:
        active = [item for item in running if item.pending is not None]
        if not active:
            break
        round_number += 1
        batch = [request for item in active for request in item.pending.requests]  # type: ignore[union-attr]
        results = session.ask(batch, f"{task.name} [{strategy.name} round {round_number}]")
        position = 0
        for item in active:
            ask = item.pending
            assert ask is not None
            answered = results[position : position + len(ask.requests)]
            position += len(ask.requests)
            item.trace.extend(trace_step(ask.label, r, res) for r, res in zip(ask.requests, answered))
            failed = next((res.error for res in answered if res.error is not None), None)
            if failed is not None:
                item.program.close()
                item.finish(StrategyRecord(None, item.trace, failed))
            else:
                item.advance(list(answered))
    return [item.record for item in running]  # type: ignore[misc]  # every program finished above


def outcome_result(outcome: StrategyOutcome) -> Generation | LoglikelihoodResult:
    """The outcome as the backend result a single call would have given, for the family's scorer."""
    from harness.core.types import LoglikelihoodResult

    if outcome.loglikelihoods is not None:
        return LoglikelihoodResult(results=list(outcome.loglikelihoods))
    reasons = outcome.finish_reasons or ["stop"] * len(outcome.texts)
    return Generation(texts=list(outcome.texts), finish_reasons=list(reasons))
