"""Every knob of the two math word-problem families (gsm8k, arith-word)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

OURS = "ours"  # the project's own few-shot exemplars (prompts/*_ours.txt)


@dataclass(frozen=True)
class MathPromptConfig:
    """The prompts, shared by both families. ``forward_prompt`` / ``backward_prompt``: "ours" (the
    project's exemplars) or the path of a file of few-shot exemplars in FOBAR's format, e.g. the
    authors' configs/cot_gsm8k.txt and configs/backward_cot_gsm8k.txt (loaded from the user's copy,
    never shipped)."""

    forward_prompt: str = OURS
    backward_prompt: str = OURS
    max_tokens: int = 256
    temperature: float = 0.0

    def validate(self) -> None:
        for name in ("forward_prompt", "backward_prompt"):
            value = getattr(self, name)
            if value != OURS and not Path(value).expanduser().is_file():
                raise ValueError(f"{name} must be 'ours' or the path of a few-shot exemplar file; {value!r} is not a file")
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {self.max_tokens}")


@dataclass(frozen=True)
class GSM8KConfig(MathPromptConfig):
    split: str = "test"  # the hub split when no --data is given

    def validate(self) -> None:
        super().validate()
        if self.split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {self.split!r}")


@dataclass(frozen=True)
class ArithWordConfig(MathPromptConfig):
    min_number: int = 2
    max_number: int = 20

    def validate(self) -> None:
        super().validate()
        if not 2 <= self.min_number:
            raise ValueError(f"min_number must be >= 2 (masking a 0 or 1 leaves x undetermined), got {self.min_number}")
        if self.max_number < self.min_number + 8:
            raise ValueError(f"max_number must be at least min_number + 8 (room for distinct numbers), got {self.max_number}")
        if self.max_number > 10_000:
            raise ValueError(f"max_number must be <= 10000, got {self.max_number}")
