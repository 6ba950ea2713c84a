"""Every knob a Sudoku variant can set: the box shape, the difficulty (clue count), the prompt."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SudokuConfig:
    box_rows: int = 3  # boxes are box_rows tall and box_cols wide; side = box_rows * box_cols
    box_cols: int = 3
    n_clues: int = 34  # givens left in a generated puzzle: fewer = harder (LR2Bench 9x9: 28-36)
    prompt_style: str = "direct"  # "direct" (answer only) or "backtrack" (invites a search with backtracking)
    max_tokens: int = 2048
    temperature: float = 0.0

    @property
    def side(self) -> int:
        return self.box_rows * self.box_cols

    def validate(self) -> None:
        if self.box_rows < 1 or self.box_cols < 1 or self.side < 2:
            raise ValueError(f"box_rows and box_cols must be >= 1 with a side >= 2, got {self.box_rows}x{self.box_cols}")
        if self.side > 25:
            raise ValueError(f"sides above 25 are not supported, got {self.side}")
        if not 0 <= self.n_clues <= self.side * self.side:
            raise ValueError(f"n_clues must be between 0 and {self.side * self.side}, got {self.n_clues}")
        if self.prompt_style not in ("direct", "backtrack"):
            raise ValueError(f"prompt_style must be 'direct' or 'backtrack', got '{self.prompt_style}'")
        if self.max_tokens < 1:
            raise ValueError("max_tokens must be >= 1")
        if not 0.0 <= self.temperature <= 10.0:
            raise ValueError("temperature must be in [0, 10]")
