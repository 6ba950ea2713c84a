"""PrOntoQA requests: the paper's few-shot chain-of-thought prompt.

Plain text (the protocol, as the authors prompted GPT-3): every in-context example as
"Q: <context> <query>" on one line and "A: <proof> <label>" on the next, a blank line between
examples (two newlines where a proof holds blank lines, as the OOD proofs do), then the test
question and "A:"; generation stops at the next "Q:".

Chat (ours, for chat models): the same examples as earlier user/assistant turns without the
"Q:"/"A:" markers, after a one-line system instruction of our own saying what an answer looks like.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.core.types import GenerationSettings, Message, Request, Sample
from tasks.prontoqa.config import PrOntoQAConfig

CHAT_SYSTEM = ("Answer like the examples: prove or disprove the statement one short sentence at a time, using only the"
               " facts and rules given, then end with True or False.")
CHAT_SYSTEM_PROOF = ("Answer like the examples: prove the statement one short sentence at a time, using only the facts"
                     " and rules given.")
STOP = ("Q:",)


def _answer_text(example: Mapping[str, Any]) -> str:
    proof = " ".join(example["chain_of_thought"])
    return f"{proof} {example['answer']}" if example.get("answer") is not None else proof


def _newline(examples: Sequence[Mapping[str, Any]], sample: Sample) -> str:
    """Two newlines after each line when the question's proof holds blank lines (the OOD proofs by
    cases and by contradiction), else one. As the protocol's prompt does, the examples' proofs
    are not looked at."""
    texts = [*(text for example in examples for text in (example["question"], example["query"])),
             sample["question"], sample["query"], *sample["chain_of_thought"]]
    return "\n\n" if any("\n\n" in text for text in texts) else "\n"


def prontoqa_text_prompt(examples: Sequence[Mapping[str, Any]], sample: Sample) -> str:
    newline = _newline(examples, sample)
    shots = "".join(f"Q: {ex['question']} {ex['query']}{newline}A: {_answer_text(ex)}{newline}\n" for ex in examples)
    return f"{shots}Q: {sample['question']} {sample['query']}{newline}A:"


def prontoqa_messages(cfg: PrOntoQAConfig, examples: Sequence[Mapping[str, Any]], sample: Sample) -> tuple[Message, ...]:
    messages: list[Message] = [{"role": "system", "content": CHAT_SYSTEM if sample.get("answer") is not None else CHAT_SYSTEM_PROOF}]
    for example in examples:
        messages.append({"role": "user", "content": f"{example['question']} {example['query']}"})
        messages.append({"role": "assistant", "content": _answer_text(example)})
    messages.append({"role": "user", "content": f"{sample['question']} {sample['query']}"})
    return tuple(messages)


def build_prontoqa_request(cfg: PrOntoQAConfig, sample: Sample) -> Request:
    examples = list(sample.get("examples") or [])[: cfg.few_shot]
    settings = GenerationSettings(max_tokens=cfg.token_budget(), temperature=cfg.temperature, stop=STOP)
    return Request(kind="generate", prompt=prontoqa_text_prompt(examples, sample),
                   messages=prontoqa_messages(cfg, examples, sample), settings=settings)
