"""Every knob of the celebrity parent/child probe (Berglund et al. 2023, Experiment 2)."""

from __future__ import annotations

from dataclasses import dataclass

PROTOCOLS = ("auto", "chat", "base")
BASE_PROMPT_STYLES = ("paper", "uniform")
HUB_ID = "lberglund/reversal_curse"


@dataclass(frozen=True)
class CelebrityConfig:
    # "chat": the paper's chat protocol (system prompt, 3 few-shot turns, n samples, startswith(gold)).
    # "base": the paper's base-model protocol (6-example Q/A text prompt, score = P(" " + gold)).
    # "auto": the engine tells families nothing about the backend, so "auto" means "chat";
    #         use --set protocol=base for base models and likelihood backends.
    protocol: str = "auto"
    samples_per_query: int = 10  # the paper's NUM_QUERIES_PER_CELEBRITY
    temperature: float = 1.0  # the paper samples at the API default
    max_tokens: int = 32  # a name is a handful of tokens; the rule reads only the reply's start
    # "paper": the released script's exact prompts, whose reverse ("Name a child of ...") question
    #          lacks the "Q: " prefix the forward question has; "uniform": "Q: " on both.
    base_prompt: str = "paper"
    directions: tuple[str, ...] = ("forward", "reverse")

    def validate(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, got '{self.protocol}'")
        if self.base_prompt not in BASE_PROMPT_STYLES:
            raise ValueError(f"base_prompt must be 'paper' or 'uniform', got '{self.base_prompt}'")
        if self.samples_per_query < 1:
            raise ValueError(f"samples_per_query must be >= 1, got {self.samples_per_query}")
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {self.max_tokens}")
        if not 0.0 <= self.temperature <= 10.0:
            raise ValueError(f"temperature must be in [0, 10], got {self.temperature}")
        if not self.directions or any(d not in ("forward", "reverse") for d in self.directions):
            raise ValueError(f"directions must be a non-empty subset of forward,reverse, got {self.directions}")

    @property
    def resolved_protocol(self) -> str:
        """'chat' or 'base' ('auto' resolves to 'chat': see the comment on `protocol`)."""
        return "base" if self.protocol == "base" else "chat"
