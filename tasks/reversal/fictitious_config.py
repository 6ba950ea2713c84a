"""Every knob of the fictitious name<->description probes (Berglund et al. 2023, Experiment 1) and
of the in-context variant that states the facts in the prompt."""

from __future__ import annotations

from dataclasses import dataclass

from tasks.reversal.fact_templates import D2P_TEST, D2P_TRAIN, P2D_TEST, P2D_TRAIN
from tasks.reversal.layout import TEST_STEMS

MEASURES = ("generate", "loglikelihood")
TEST_TEMPLATES = ("held-out", "train")
PROMPT_FORMATS = ("completion", "chat")


@dataclass(frozen=True)
class FictitiousConfig:
    # "generate": greedy decoding, accuracy = case-insensitive startswith of the target.
    # "loglikelihood": log P(target | prompt); reverse probes also score the randomized file's
    #                  completion for the paper's correct-vs-random likelihood test.
    measure: str = "generate"
    # "completion": the prompt is sent as plain text (the paper's fine-tuned base models);
    # "chat": as one user message (models fine-tuned on the exported chat JSONL).
    prompt_format: str = "completion"
    max_tokens: int = 50  # the paper's evaluator: first 50 generated tokens
    cut_names: bool = True  # name targets are their first two words
    splits: tuple[str, ...] = TEST_STEMS  # which test files become probes
    # The generator (used when no --data is given): people per group (p2d, d2p, both) and how many
    # training / held-out test paraphrases each fact gets; the paper used 30 / 30 / 10.
    people_per_group: int = 30
    train_paraphrases: int = 30
    test_paraphrases: int = 10
    name_locale: str = "en_US"  # Faker locale for the fictitious full names
    # Which templates the generated test files use: "held-out" (the paper: paraphrases never trained on)
    # or "train" (the first test_paraphrases training templates: a model trained from scratch cannot
    # generalise across paraphrases, so it is probed on the sentence forms it saw; reverse probes then
    # ask a trained fact in the other direction's familiar template).
    test_templates: str = "held-out"

    def validate(self) -> None:
        if self.measure not in MEASURES:
            raise ValueError(f"measure must be 'generate' or 'loglikelihood', got '{self.measure}'")
        if self.prompt_format not in PROMPT_FORMATS:
            raise ValueError(f"prompt_format must be 'completion' or 'chat', got '{self.prompt_format}'")
        if self.test_templates not in TEST_TEMPLATES:
            raise ValueError(f"test_templates must be 'held-out' or 'train', got '{self.test_templates}'")
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {self.max_tokens}")
        if not self.splits:
            raise ValueError("splits must name at least one test file")
        if not 2 <= self.people_per_group <= 60:
            raise ValueError(f"people_per_group must be between 2 and 60, got {self.people_per_group}")
        most_train = min(len(P2D_TRAIN), len(D2P_TRAIN))
        if not 1 <= self.train_paraphrases <= most_train:
            raise ValueError(f"train_paraphrases must be between 1 and {most_train}, got {self.train_paraphrases}")
        most_test = min(len(P2D_TEST), len(D2P_TEST))
        if self.test_templates == "train":
            most_test = min(most_test, self.train_paraphrases)
        if not 1 <= self.test_paraphrases <= most_test:
            raise ValueError(f"test_paraphrases must be between 1 and {most_test}, got {self.test_paraphrases}")


@dataclass(frozen=True)
class IncontextConfig(FictitiousConfig):
    """The same probes, with the fact (and a few other facts) stated in the prompt."""

    prompt_format: str = "chat"  # any chat model; "completion" renders the same text as one prompt
    distractors: int = 2  # other facts of the same group stated beside the probed one

    def validate(self) -> None:
        super().validate()
        if not 0 <= self.distractors <= 20:
            raise ValueError(f"distractors must be between 0 and 20, got {self.distractors}")
