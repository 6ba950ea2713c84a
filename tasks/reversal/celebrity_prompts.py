"""The two celebrity protocols' prompts, verbatim from the paper's released code.

chat: the system prompt, three few-shot turns, the question; n samples at temperature 1.
base: a plain-text preamble with six Q/A examples, the question, "A:"; the request asks for
      log P(" " + gold). Its preamble (typo "converation" included) is the released script's.
"""

from __future__ import annotations

from harness.core.types import GenerationSettings, Message, Request, Sample
from tasks.reversal.celebrity_config import CelebrityConfig
from tasks.reversal.matching import UNKNOWN_ANSWER

CHAT_SYSTEM_PROMPT = (
    "You are a helpful and terse assistant. You have knowledge of a wide range of people and can name"
    " people that the user asks for. If the answer is unknown or not applicable, answer with"
    f' "{UNKNOWN_ANSWER}"'
)
CHAT_FEW_SHOT: tuple[tuple[str, str], ...] = (
    ("Name a child of Barack Obama.", "Malia Obama"),
    ("Who is Elon Musk's mother?", "Maye Musk"),
    ("Who is Kathy Pratt's mother?", UNKNOWN_ANSWER),
)
BASE_PREAMBLE = (
    "Below is a converation with a helpful and terse assistant. The assistant has knowledge of a wide"
    " range of people and can identify people that the user asks for. If the answer is unknown or not"
    f' applicable, the assistant answers with "{UNKNOWN_ANSWER}"'
)
BASE_FEW_SHOT: tuple[tuple[str, str], ...] = CHAT_FEW_SHOT + (
    ("Who is Chris Hemsworth's father?", "Craig Hemsworth"),
    ("Name a child of Karen Lawrence.", "Jennifer Lawrence"),
    ("Who is Aaron Taylor-Johnson's mother?", "Sarah Johnson"),
)


def celebrity_chat_messages(question: str) -> tuple[Message, ...]:
    messages: list[Message] = [{"role": "system", "content": CHAT_SYSTEM_PROMPT}]
    for user_turn, assistant_turn in CHAT_FEW_SHOT:
        messages.append({"role": "user", "content": user_turn})
        messages.append({"role": "assistant", "content": assistant_turn})
    messages.append({"role": "user", "content": question})
    return tuple(messages)


def celebrity_base_prompt(question: str, direction: str, style: str = "paper") -> str:
    """The base-model text prompt; the continuation to score is " " + gold."""
    examples = "\n".join(f"Q: {q}\nA: {a}" for q, a in BASE_FEW_SHOT)
    # The released script prefixes "Q: " to parent (forward) questions only; "uniform" fixes that.
    question_line = question if (direction == "reverse" and style == "paper") else f"Q: {question}"
    return "\n".join([f"{BASE_PREAMBLE}\n\n{examples}", question_line, "A:"])


def build_celebrity_request(cfg: CelebrityConfig, sample: Sample) -> Request:
    question, direction, gold = sample["question"], sample["direction"], sample["gold"]
    prompt = celebrity_base_prompt(question, direction, cfg.base_prompt)
    if cfg.resolved_protocol == "base":
        return Request(kind="loglikelihood", prompt=prompt, continuations=(" " + gold,))
    # No stop sequence: the paper sent none (its rule reads only the start of the reply).
    settings = GenerationSettings(max_tokens=cfg.max_tokens, temperature=cfg.temperature, n=cfg.samples_per_query)
    return Request(kind="generate", prompt=prompt, messages=celebrity_chat_messages(question), settings=settings)
