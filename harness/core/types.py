"""The records that flow through the engine: requests to a backend and what comes back.

A *sample* is a plain dict with a stable ``id`` plus whatever fields its family needs (gold answer
included); the engine moves samples around and never looks inside them beyond ``id``.
A family turns a sample into one `Request`; a backend turns requests into `Generation` or
`Loglikelihood` results. Nothing here knows any task or any backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

Sample = dict[str, Any]
Message = dict[str, str]  # {"role": "system"|"user"|"assistant", "content": "..."}


@dataclass(frozen=True)
class GenerationSettings:
    """How to sample. Families set their protocol's defaults; the CLI may override them."""

    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    n: int = 1
    seed: int = 0

    def validate(self) -> None:
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {self.max_tokens}")
        if not 0.0 <= self.temperature <= 10.0:
            raise ValueError(f"temperature must be in [0, 10], got {self.temperature}")
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.n < 1:
            raise ValueError(f"n (samples per prompt) must be >= 1, got {self.n}")


_SETTINGS_FIELDS = tuple(f.name for f in fields(GenerationSettings))


@dataclass(frozen=True)
class Request:
    """One question to a model, in both chat and plain-text form.

    kind="generate": the backend answers ``messages`` (chat models) or ``prompt`` (base models,
    or when ``messages`` is None) with ``settings.n`` completions.
    kind="loglikelihood": the backend scores each of ``continuations`` after ``prompt`` (plain
    text). With ``messages`` too, backends that render chat templates themselves (local, hf:, vllm:)
    score after the chat template opened for the assistant's turn (plus any prefill): the
    likelihood of a chat model's own answer; the others (llamacpp:, openai:, lmeval:) use ``prompt``.
    ``assistant_prefill``: text the assistant turn starts with (chat requests only; a protocol such
    as TinyZero's begins the answer for the model). Backends that can continue a partial assistant
    turn send it and return only what follows; the others say so in ``describe()`` and the run's
    manifest. ``prompt`` already ends with it. Empty = no prefill (and no change to the cache key).
    """

    kind: Literal["generate", "loglikelihood"]
    prompt: str = ""
    messages: tuple[Message, ...] | None = None
    continuations: tuple[str, ...] = ()
    settings: GenerationSettings = field(default_factory=GenerationSettings)
    assistant_prefill: str = ""

    def to_json(self) -> dict[str, Any]:
        """The request as JSON values, fields in order: what its cache key hashes. Built field by
        field (what ``dataclasses.asdict`` gave, without its deep copy: that was most of the cost of
        a cache look-up of many requests); tests compare it with asdict's on random requests."""
        settings = {name: getattr(self.settings, name) for name in _SETTINGS_FIELDS}
        settings["stop"] = list(self.settings.stop)
        data: dict[str, Any] = {
            "kind": self.kind,
            "prompt": self.prompt,
            "messages": None if self.messages is None else [dict(m) for m in self.messages],
            "continuations": list(self.continuations),
            "settings": settings,
        }
        if self.assistant_prefill:  # requests without a prefill keep their old cache keys
            data["assistant_prefill"] = self.assistant_prefill
        return data


@dataclass
class Generation:
    """What a backend returns for a generate request: n completions plus token accounting."""

    texts: list[str]
    finish_reasons: list[str]  # "stop" | "length" | "error"
    prompt_tokens: int = 0
    completion_tokens: list[int] = field(default_factory=list)
    reasoning: list[str | None] | None = None  # reasoning_content of reasoning models, kept apart
    error: str | None = None  # set when the backend gave up on this request (the run goes on)
    max_tokens: int | None = None  # the new-token limit applied, when the backend fitted the request's to its context

    @property
    def truncated(self) -> list[bool]:
        return [reason == "length" for reason in self.finish_reasons]


@dataclass
class Loglikelihood:
    """log P(continuation | prompt) summed over the continuation's tokens, and whether greedy
    decoding would have produced exactly that continuation."""

    logprob: float
    is_greedy: bool
    n_tokens: int = 0


@dataclass
class LoglikelihoodResult:
    """A backend's answer to one loglikelihood request: one entry per continuation."""

    results: list[Loglikelihood]
    prompt_tokens: int = 0
    error: str | None = None


@dataclass
class Verdict:
    """A family's judgement of one completion (or one loglikelihood result).

    ``answer`` is what was extracted (JSON-serialisable; None = unparseable) and is what majority
    voting compares; ``scores`` are the per-completion metrics, e.g. {"accuracy": 1.0}.
    """

    answer: Any
    scores: dict[str, float]


@dataclass
class ScoredSample:
    """A sample after scoring: what aggregation hooks and the run folder see."""

    sample: Sample
    verdicts: list[Verdict]
    scores: dict[str, float]  # per-sample metrics (mean over the sample's completions)
    completion_tokens: int = 0  # summed over completions
    prompt_tokens: int = 0
    truncated: int = 0  # completions cut off by the token limit
    error: str | None = None
    unparsed_reasons: list[str] = field(default_factory=list)  # why, per completion with no answer (family hook)

    @property
    def id(self) -> str:
        return str(self.sample["id"])

    @property
    def unparseable(self) -> int:
        return sum(1 for verdict in self.verdicts if verdict.answer is None)


@dataclass(frozen=True)
class JudgeProblem:
    """A problem as a behaviour judge reads it (a family's ``judge_problem`` hook).

    description    the problem in words, for the project's own judge prompts (any family): what the model
                   was asked, with its givens and its goal (the Sudoku grid, the CounterBench rules)
    paper_prompts  where a paper's own judge prompts fit the family: completion -> its four user prompts,
                   in the order verification, backtracking, subgoal setting, backward chaining (Gandhi et
                   al. 2025's Countdown prompts, filled with this problem's numbers and target)
    paper_system   the system message those prompts go with
    paper          the name runs record for them ("gandhi2025")
    """

    description: str
    paper_prompts: Callable[[str], Sequence[str]] | None = None
    paper_system: str = ""
    paper: str = ""
