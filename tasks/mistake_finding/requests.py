"""The requests of the three prompting modes: the prompts' messages, then the question.

trace     one request per trace: the whole trace, "No" or the number N of the first wrong Thought
step      one request per step k (made by the family's strategy, tasks.mistake_finding.strategy):
          the trace up to and including Thought k, "Is Thought k correct?", Yes or No
cot-step  as step, with the chain-of-thought prompt: a checked reply that ends in Yes or No
Chat models get the messages as they are (the instruction and each few-shot question as user
turns, the few-shot answers as assistant turns); base models get the same turns as one text.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.types import GenerationSettings, Message, Request, Sample
from tasks.mistake_finding.config import MistakeFindingConfig
from tasks.mistake_finding.our_prompts import our_prompts
from tasks.mistake_finding.prompt_files import ModePrompt, paper_prompts
from tasks.mistake_finding.traces import fill_template


def mode_prompt(sample: Sample, mode: str) -> ModePrompt:
    """The prompt a sample is asked with: the paper's from the user's copy, or ours."""
    task = sample["source_task"]
    prompts = paper_prompts(sample["prompt_root"], task) if sample.get("prompts") == "paper" else our_prompts(task)
    return prompts.mode(mode)


def build_mistake_request(cfg: MistakeFindingConfig, sample: Sample) -> Request:
    """The trace-level question; in the step modes, the question about the last step (the strategy
    asks every step with step_request, keeping this request's settings)."""
    if cfg.mode == "trace":
        prompt = mode_prompt(sample, "trace")
        return _request(cfg, prompt, fill_template(prompt.template, sample["input"], sample["steps"]))
    return step_request(cfg, sample, len(sample["steps"]))


def step_request(cfg: MistakeFindingConfig, sample: Sample, step: int) -> Request:
    """Is Thought ``step`` (1-based) correct? Asked on the trace up to and including it."""
    prompt = mode_prompt(sample, cfg.mode)
    question = fill_template(prompt.template, sample["input"], sample["steps"][:step], step)
    return _request(cfg, prompt, question)


def _request(cfg: MistakeFindingConfig, prompt: ModePrompt, question: str) -> Request:
    messages = (*prompt.messages, {"role": "user", "content": question})
    settings = GenerationSettings(max_tokens=cfg.resolved_max_tokens, temperature=cfg.temperature)
    return Request(kind="generate", prompt=turns_as_text(messages), messages=messages, settings=settings)


def turns_as_text(messages: Sequence[Message]) -> str:
    """Chat turns as one plain prompt: turns apart by a blank line, an answer right under its
    question, ending where the model's answer starts."""
    text = ""
    for message in messages:
        if message["role"] == "assistant":
            text += message["content"] + "\n\n"
        else:
            text += ("\n" if text and not text.endswith("\n\n") else "") + message["content"] + "\n"
    return text
