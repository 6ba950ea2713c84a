"""Every knob an LR2Bench variant can set. The defaults are the paper's protocol: original data, the
two-shot chats of prompt.json with their system turn (as the authors ran local models), greedy
decoding with top_p 1.0 and up to 32768 new tokens, the answer taken from the tagged block only, and
the authors' own scoring rules (`scoring=upstream`; `scoring=strict` is the project's stricter reading)."""

from __future__ import annotations

from dataclasses import dataclass

from tasks.lr2bench.spec import GENERABLE_TASKS, TASK_SPECS, TASKS

SOURCES = ("original", "generated")
PROMPT_STYLES = ("chat", "api")
SCORINGS = ("upstream", "strict")


@dataclass(frozen=True)
class LR2BenchConfig:
    task: str = "all"  # one of crossword, acrostic, logic, cryptogram, sudoku, drop; or "all"
    level: str = ""  # "" = every level; else comma-separated names: "4_4_easy", "easy" or "sudoku/4_4_easy"
    source: str = "original"  # "original" (--data DIR or the hub) or "generated" (fresh seeded instances)
    shots: int = 2  # 2 = the paper's two-shot chats; 0 = zero-shot
    prompt_style: str = "chat"  # "chat" = prompt.json (multi-turn); "api" = prompt_api.json (one user turn)
    system_prompt: bool = True  # False drops the system turn, as the original did for OpenAI models
    require_answer_tag: bool = True  # False: with no <Answer>/<Mapping> block, search the whole response
    scoring: str = "upstream"  # "upstream" = the authors' 1-extract_answer.py + 2-merge_answer.py; "strict"
    max_tokens: int = 32768
    temperature: float = 0.0
    top_p: float = 1.0

    def tasks(self) -> tuple[str, ...]:
        """The tasks this configuration runs, in the paper's order."""
        if self.task != "all":
            return (self.task,)
        return GENERABLE_TASKS if self.source == "generated" else TASKS

    def selected_levels(self) -> dict[str, tuple[str, ...]]:
        """{task: levels to run}, every level of every selected task unless `level` narrows it."""
        wanted = [name.strip() for name in self.level.split(",") if name.strip()]
        chosen: dict[str, tuple[str, ...]] = {}
        for task in self.tasks():
            levels = TASK_SPECS[task].levels
            if wanted:
                levels = tuple(
                    level for level in levels if level in wanted or f"{task}/{level}" in wanted
                )
            if levels:
                chosen[task] = levels
        return chosen

    def validate(self) -> None:
        if self.task != "all" and self.task not in TASK_SPECS:
            raise ValueError(f"task must be 'all' or one of {', '.join(TASKS)}; got '{self.task}'")
        if self.source not in SOURCES:
            raise ValueError(f"source must be 'original' or 'generated', got '{self.source}'")
        if self.source == "generated" and self.task != "all" and self.task not in GENERABLE_TASKS:
            raise ValueError(
                f"{self.task} has no generator (its clues come from newspapers); use source=original"
                f" with --data, or one of {', '.join(GENERABLE_TASKS)}"
            )
        if self.shots not in (0, 2):
            raise ValueError(f"shots must be 0 or 2 (the prompts LR2Bench ships), got {self.shots}")
        if self.prompt_style not in PROMPT_STYLES:
            raise ValueError(f"prompt_style must be 'chat' or 'api', got '{self.prompt_style}'")
        if self.scoring not in SCORINGS:
            raise ValueError(
                f"scoring must be 'upstream' (the authors' scripts, the default) or 'strict', got '{self.scoring}'"
            )
        self._validate_levels()
        if self.max_tokens < 1:
            raise ValueError("max_tokens must be >= 1")
        if not 0.0 <= self.temperature <= 10.0:
            raise ValueError("temperature must be in [0, 10]")
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError("top_p must be in (0, 1]")

    def _validate_levels(self) -> None:
        known = {level for task in self.tasks() for level in TASK_SPECS[task].levels}
        known |= {f"{task}/{level}" for task in self.tasks() for level in TASK_SPECS[task].levels}
        for name in (part.strip() for part in self.level.split(",")):
            if name and name not in known:
                raise ValueError(
                    f"unknown level '{name}' for task '{self.task}'; levels: "
                    + ", ".join(f"{task}/{level}" for task, levels in _all_levels(self.tasks()) for level in levels)
                )


def _all_levels(tasks: tuple[str, ...]) -> list[tuple[str, tuple[str, ...]]]:
    return [(task, TASK_SPECS[task].levels) for task in tasks]
