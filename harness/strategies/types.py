"""The records a strategy works with: what it asks, what it gets back, what it returns.

A *strategy* is a small program over the model session that answers one sample with several
requests (generations and log-likelihoods), each cached like any request, and returns the final
completion text(s) that the family's scorer grades, plus its own numbers and a trace. It is written
as a Python generator: ``results = yield Ask([...])`` hands requests to the engine, which batches the
pending requests of every sample into one backend call per round (so a local model batches and an
API keeps many requests in flight) and sends the results back. Same seed, same cache -> same trace.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

from harness.core.metric_spec import Metric
from harness.core.registry import Task
from harness.core.types import Generation, Loglikelihood, LoglikelihoodResult, Request, Sample, Verdict

Result = Union[Generation, LoglikelihoodResult]


@dataclass(frozen=True)
class Ask:
    """Requests a strategy wants answered now (answered together, results in the same order);
    ``label`` names the step in the trace ("forward", "rule_selection", ...)."""

    requests: tuple[Request, ...]
    label: str = ""

    def __init__(self, requests: Request | Sequence[Request], label: str = "") -> None:
        object.__setattr__(self, "requests", (requests,) if isinstance(requests, Request) else tuple(requests))
        object.__setattr__(self, "label", label)


@dataclass
class StrategyOutcome:
    """What a strategy returns for one sample.

    texts          the final completion(s): scored by the family's scorer exactly as the texts of one
                   generation would be (several texts = several completions, for pass@k / maj@k)
    scores         the strategy's own per-sample numbers (declared in ``Strategy.metrics``)
    info           anything worth keeping per sample (the choice of each selector, a search tree):
                   written to samples.jsonl as ``strategy_info``
    finish_reasons one per text ("stop" | "length"); default all "stop"
    loglikelihoods instead of texts, for a task whose family scores log-likelihoods: the results the
                   family's ``score_loglikelihood`` grades
    """

    texts: list[str]
    scores: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    finish_reasons: list[str] | None = None
    loglikelihoods: list[Loglikelihood] | None = None


# A strategy program: yields Ask (or a Request, or a list of Requests), receives the results
# (a list, in the order asked), returns a StrategyOutcome.
StrategyProgram = Generator[Union[Ask, Request, Sequence[Request]], list[Result], StrategyOutcome]


@dataclass(frozen=True)
class StrategyContext:
    """Everything a strategy may use for one sample. ``request`` is the family's request for the
    sample with the run's generation overrides applied: what single-call prompting would send."""

    task: Task
    sample: Sample
    request: Request
    options: Any
    seed: int
    model: str = ""  # the model spec the session answers with (a model-specific setting may depend on it)

    def score(self, text: str) -> Verdict:
        """The family's verdict on a completion (its extracted answer and scores)."""
        if self.task.family.score is None:
            raise TypeError(f"task {self.task.name} cannot score generations")
        return self.task.family.score(self.task.config, self.sample, text)

    def derive_seed(self, *parts: object) -> int:
        """A seed for one draw of this sample (e.g. the k-th redraw of a step), stable across runs,
        machines and batch sizes: sha256 of the run seed, the sample id and ``parts``."""
        text = repr((self.seed, str(self.sample.get("id")), *parts))
        return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")


NEEDS = ("generate", "loglikelihood", "prefill")


@dataclass(frozen=True)
class Strategy:
    """A registered strategy.

    run          (ctx, sample) -> StrategyProgram
    needs        what it asks of a backend: "generate", "loglikelihood", "prefill" (continuing a
                 partial assistant turn); a run on a backend that cannot is refused in one line
    options      a dataclass of the strategy's settings (with validate()); ``--strategy-option k=v``
    metrics      declarations of the numbers it puts in StrategyOutcome.scores
    applies_to   (task) -> None when the strategy can run on the task, else the reason it cannot
    max_steps    a bound on the rounds one sample may take (a runaway program ends in an error)
    """

    name: str
    description: str
    run: Callable[[StrategyContext, Sample], StrategyProgram]
    needs: frozenset[str] = frozenset({"generate"})
    options: type | None = None
    metrics: tuple[Metric, ...] = ()
    applies_to: Callable[[Task], str | None] | None = None
    max_steps: int = 10_000

    def __post_init__(self) -> None:
        unknown = set(self.needs) - set(NEEDS)
        if unknown:
            raise ValueError(f"strategy '{self.name}': unknown needs {sorted(unknown)}; use {', '.join(NEEDS)}")


@dataclass
class TraceStep:
    """One request of a strategy, as samples.jsonl logs it."""

    label: str
    kind: str
    prompt_tail: str
    result: dict[str, Any]
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "kind": self.kind, "prompt_tail": self.prompt_tail, **self.result,
                "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens}


@dataclass
class StrategyRecord:
    """A sample after its strategy ran: the outcome (None on error), the trace and the token totals."""

    outcome: StrategyOutcome | None
    trace: list[TraceStep]
    error: str | None = None

    @property
    def prompt_tokens(self) -> int:
        return sum(step.prompt_tokens for step in self.trace)

    @property
    def completion_tokens(self) -> int:
        return sum(step.completion_tokens for step in self.trace)
