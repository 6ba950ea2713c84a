"""LR2Bench requests: the original chats for original data, the project's own prompts otherwise.

Original data (the paper's protocol): the level's prompt.json chat (two-shot by default) with the
puzzle's example_text put into the "<example>" slot of the last user turn, the trailing assistant
turn dropped, the system turn kept (as the authors ran local models; system_prompt=false drops it,
as they did for OpenAI models). Greedy, top_p 1.0, up to 32768 new tokens.

Generated data (and original folders without prompt files): instructions written for this project
(tasks/lr2bench/instructions.py) asking for the same answer format; two-shot adds two generated
puzzles of the same level with their answers as earlier turns.
"""

from __future__ import annotations

from harness.core.errors import HarnessError
from harness.core.types import GenerationSettings, Message, Request, Sample
from tasks.lr2bench.config import LR2BenchConfig
from tasks.lr2bench.instructions import project_chat
from tasks.lr2bench.loader import EXAMPLE_SLOT


def build_lr2bench_request(cfg: LR2BenchConfig, sample: Sample) -> Request:
    messages = lr2bench_messages(cfg, sample)
    settings = GenerationSettings(max_tokens=cfg.max_tokens, temperature=cfg.temperature, top_p=cfg.top_p)
    return Request(kind="generate", prompt=render_as_text(messages), messages=messages, settings=settings)


def lr2bench_messages(cfg: LR2BenchConfig, sample: Sample) -> tuple[Message, ...]:
    """The chat for one puzzle (system turn first when kept)."""
    template = sample.get("prompt")
    if template is None:
        messages = project_chat(sample["task"], sample["level"], cfg.shots)
    else:
        expected = "two_shot" if cfg.shots == 2 else "zero_shot"
        if not str(template.get("setting", "")).endswith(expected):
            raise HarnessError(
                f"sample {sample['id']} carries the '{template.get('setting')}' prompt but shots={cfg.shots};"
                " load the data with the same settings you run with"
            )
        messages = [dict(message) for message in template["messages"]]
    last = messages[-1]
    messages[-1] = {"role": last["role"], "content": last["content"].replace(EXAMPLE_SLOT, sample["record"]["example_text"])}
    if not cfg.system_prompt:
        messages = [message for message in messages if message["role"] != "system"]
    return tuple(messages)


def render_as_text(messages: tuple[Message, ...]) -> str:
    """A plain-text form of the chat for base models: role-labelled turns, ending with the
    assistant's label."""
    parts = [f"{message['role'].capitalize()}: {message['content']}" for message in messages]
    return "\n\n".join(parts) + "\n\nAssistant:"
