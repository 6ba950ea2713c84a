"""Every knob a mistake-finding variant can set (all settable with --set key=value)."""

from __future__ import annotations

from dataclasses import dataclass

# The five BIG-Bench tasks of BIG-Bench Mistake, in the paper's order; file names are <task>.jsonl.
SOURCE_TASKS = ("word_sorting", "tracking_shuffled_objects", "logical_deduction", "multistep_arithmetic", "dyck_languages")
# The tasks whose steps a program can compute, so fresh traces get exact gold (mistake-finding-generated).
GENERATED_TASKS = ("multistep_arithmetic", "word_sorting", "dyck_languages")
SOURCES = ("original", "generated")
# trace: the whole trace, "No" or the number of the first wrong Thought (direct, trace-level);
# step: one Yes/No question per step (direct, step-level); cot-step: a checked Yes/No per step (CoT, step-level)
MODES = ("trace", "step", "cot-step")
MODE_MAX_TOKENS = {"trace": 16, "step": 8, "cot-step": 1024}
MAX_WORDS = 40
MAX_BRACKETS = 120


@dataclass(frozen=True)
class MistakeFindingConfig:
    source: str = "original"  # "original": BIG-Bench Mistake files (--data); "generated": fresh traces with exact gold
    mode: str = "trace"
    source_tasks: tuple[str, ...] = ()  # which BIG-Bench tasks (empty = all the source has)
    # the paper's prompt files: "" = the repository's mistake_finding_prompts/ beside --data when it has one,
    # else ours; "ours" = ours always; a folder = the clone (or its mistake_finding_prompts/) to read them from
    prompts: str = ""
    max_tokens: int = 0  # 0 = the mode's default (MODE_MAX_TOKENS)
    temperature: float = 0.0
    # generated traces
    mistake_share: float = 0.78  # share of generated traces with a mistake (BIG-Bench Mistake: 1,708 of 2,186)
    arithmetic_depth: int = 1  # 1: "(G1 op G2)"; 2: "((G1 op G2) op (G3 op G4))" (the original mixes both)
    min_terms: int = 2  # numbers per innermost group
    max_terms: int = 4
    min_words: int = 4  # words to sort
    max_words: int = 12
    min_brackets: int = 6  # symbols in a Dyck prefix
    max_brackets: int = 20

    @property
    def resolved_max_tokens(self) -> int:
        return self.max_tokens or MODE_MAX_TOKENS[self.mode]

    @property
    def tasks(self) -> tuple[str, ...]:
        """The source tasks this configuration covers, in the paper's order."""
        allowed = GENERATED_TASKS if self.source == "generated" else SOURCE_TASKS
        return tuple(t for t in SOURCE_TASKS if t in allowed and (not self.source_tasks or t in self.source_tasks))

    def validate(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, got '{self.source}'")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got '{self.mode}'")
        unknown = [t for t in self.source_tasks if t not in SOURCE_TASKS]
        if unknown:
            raise ValueError(f"source_tasks must be among {', '.join(SOURCE_TASKS)}, got {', '.join(unknown)}")
        if self.source == "generated" and not self.tasks:
            raise ValueError(f"generated traces exist for {', '.join(GENERATED_TASKS)} only, got {', '.join(self.source_tasks)}")
        if self.max_tokens < 0:
            raise ValueError("max_tokens must be >= 0 (0 = the mode's default)")
        if not 0.0 <= self.temperature <= 10.0:
            raise ValueError("temperature must be in [0, 10]")
        if not 0.0 <= self.mistake_share <= 1.0:
            raise ValueError(f"mistake_share must be in [0, 1], got {self.mistake_share}")
        if self.arithmetic_depth not in (1, 2):
            raise ValueError(f"arithmetic_depth must be 1 or 2, got {self.arithmetic_depth}")
        if not 2 <= self.min_terms <= self.max_terms <= 6:
            raise ValueError(f"need 2 <= min_terms <= max_terms <= 6, got {self.min_terms}..{self.max_terms}")
        if not 2 <= self.min_words <= self.max_words <= MAX_WORDS:
            raise ValueError(f"need 2 <= min_words <= max_words <= {MAX_WORDS}, got {self.min_words}..{self.max_words}")
        if not 1 <= self.min_brackets <= self.max_brackets <= MAX_BRACKETS:
            raise ValueError(f"need 1 <= min_brackets <= max_brackets <= {MAX_BRACKETS}, got {self.min_brackets}..{self.max_brackets}")
