"""Every knob a Countdown variant can set."""

from __future__ import annotations

from dataclasses import dataclass

TEMPLATES = ("chat", "qwen-instruct", "base")


@dataclass(frozen=True)
class CountdownConfig:
    n_numbers: int = 4  # Stream of Search / Gandhi et al.: 4 numbers
    min_number: int = 1
    max_number: int = 99
    target_min: int = 10
    target_max: int = 100
    # "chat" (TinyZero's wording as chat messages, no prefill), "qwen-instruct" (TinyZero's
    # make_prefix byte for byte, assistant turn prefilled) or "base" (TinyZero's base prefix)
    template: str = "chat"
    prompt_style: str = "tinyzero"  # "tinyzero" (the paper's prompt) or "backtrack" (adds an invitation to search and backtrack)
    max_tokens: int = 1024
    temperature: float = 0.0

    def validate(self) -> None:
        if not 2 <= self.n_numbers <= 6:
            raise ValueError(f"n_numbers must be between 2 and 6, got {self.n_numbers}")
        if not 1 <= self.min_number <= self.max_number:
            raise ValueError("need 1 <= min_number <= max_number")
        if not 1 <= self.target_min <= self.target_max:
            raise ValueError("need 1 <= target_min <= target_max")
        if self.template not in TEMPLATES:
            raise ValueError(f"template must be one of {', '.join(TEMPLATES)}, got '{self.template}'")
        if self.prompt_style not in ("tinyzero", "backtrack"):
            raise ValueError(f"prompt_style must be 'tinyzero' or 'backtrack', got '{self.prompt_style}'")
        if self.max_tokens < 1:
            raise ValueError("max_tokens must be >= 1")
