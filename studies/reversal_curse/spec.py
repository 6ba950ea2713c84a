"""What a reproduction runs: the arms, their data, model and training budget, as presets.

Arms:
- scratch: a small Llama trained from a seeded initialisation on the training statements of all
  groups. Such a model cannot generalise across paraphrases, so its test files use the training
  templates (the generator's test_templates=train): a same-direction probe repeats a trained
  sentence; a reversed probe asks a trained fact in the other direction's (also trained) template.
- reverse-training: the same model and the same number of steps, on the statements plus their
  entity-preserving reversals (Golovneva et al. 2024); each statement is seen half as often.
- finetune: the embedded SmolLM2-135M, fully fine-tuned on the paper's training files and probed
  on held-out test paraphrases, as Berglund et al. fine-tuned GPT-3 and Llama (opt-in: slow on CPU).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from studies.reversal_curse.models import ScratchShape
from studies.reversal_curse.training import TrainBudget

ARMS = ("scratch", "reverse-training", "finetune")
DEFAULT_ARMS = ("scratch",)


@dataclass(frozen=True)
class DataShape:
    """Generator settings of the fictitious dataset (reversal-fictitious --set ...)."""

    people_per_group: int
    train_paraphrases: int
    test_paraphrases: int
    test_templates: str  # "train" or "held-out"

    def settings(self) -> dict[str, str]:
        return {k: str(v) for k, v in dataclasses.asdict(self).items()}


@dataclass(frozen=True)
class Preset:
    """Every number of a reproduction. `full` is the reported one; `mini` a seconds-long smoke run."""

    scratch_data: DataShape
    scratch_shape: ScratchShape
    scratch_budget: TrainBudget
    vocab_size: int
    finetune_data: DataShape
    finetune_budget: TrainBudget
    probe_settings: dict[str, str] = field(default_factory=dict)  # --set for the probe runs


PRESETS: dict[str, Preset] = {
    "full": Preset(
        scratch_data=DataShape(people_per_group=30, train_paraphrases=4, test_paraphrases=4, test_templates="train"),
        scratch_shape=ScratchShape(hidden_size=128, layers=2, heads=4, intermediate_size=512, max_positions=128),
        scratch_budget=TrainBudget(steps=300, batch_size=32, learning_rate=3e-3, warmup_steps=15, max_length=64),
        vocab_size=2048,
        # the paper's dataset shape: 30 people per group, 30 training and 10 held-out test paraphrases
        finetune_data=DataShape(people_per_group=30, train_paraphrases=30, test_paraphrases=10, test_templates="held-out"),
        finetune_budget=TrainBudget(steps=2250, batch_size=16, learning_rate=5e-5, warmup_steps=100, max_length=64),
    ),
    "mini": Preset(
        scratch_data=DataShape(people_per_group=3, train_paraphrases=2, test_paraphrases=2, test_templates="train"),
        scratch_shape=ScratchShape(hidden_size=32, layers=1, heads=2, intermediate_size=64, max_positions=64),
        scratch_budget=TrainBudget(steps=4, batch_size=8, learning_rate=3e-3, max_length=48),
        vocab_size=512,
        finetune_data=DataShape(people_per_group=3, train_paraphrases=2, test_paraphrases=2, test_templates="held-out"),
        finetune_budget=TrainBudget(steps=2, batch_size=4, learning_rate=5e-5, max_length=16),
        probe_settings={"max_tokens": "12"},
    ),
}


@dataclass(frozen=True)
class ReproductionSpec:
    arms: tuple[str, ...] = DEFAULT_ARMS
    out: str = "results/reproduce-reversal-curse"
    seed: int = 0
    device: str | None = None  # None: cuda when present, else cpu
    threads: int = 1  # one thread: fastest on a shared 2-core machine, and the same bits everywhere
    preset: str = "full"
    scratch_steps: int | None = None  # override the preset's budget
    finetune_steps: int | None = None
    progress: bool = True

    def validate(self) -> None:
        from harness import HarnessError
        from harness.study import did_you_mean

        if not self.arms:
            raise HarnessError(f"--arm needs at least one of: {', '.join(ARMS)}")
        for arm in self.arms:
            if arm not in ARMS:
                raise HarnessError(f"unknown arm '{arm}'{did_you_mean(arm, ARMS)}; choose from: {', '.join(ARMS)}")
        if self.preset not in PRESETS:
            raise HarnessError(f"unknown preset '{self.preset}'{did_you_mean(self.preset, PRESETS)}; choose from: {', '.join(PRESETS)}")
        for name in ("scratch_steps", "finetune_steps"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise HarnessError(f"--{name.replace('_', '-')} must be >= 1, got {value}")
        if self.threads < 1:
            raise HarnessError(f"--threads must be >= 1, got {self.threads}")

    def resolved_preset(self) -> Preset:
        preset = PRESETS[self.preset]
        if self.scratch_steps is not None:
            preset = dataclasses.replace(preset, scratch_budget=dataclasses.replace(preset.scratch_budget, steps=self.scratch_steps))
        if self.finetune_steps is not None:
            preset = dataclasses.replace(preset, finetune_budget=dataclasses.replace(preset.finetune_budget, steps=self.finetune_steps))
        return preset
