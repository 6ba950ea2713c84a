"""The family's traces for the backtracking study (harness.core.step_traces): continuing a trace.

A trace is continued as it was written: the few-shot generation prompt (the paper's
generation_prompts/<task>_prompt.txt from the user's copy when the sample is asked with the paper's
prompts, else ours), the question, then the model's own turn starting with the kept steps as
"Thought 1: ...", up to "Thought k:" (an assistant prefill: the model writes Thought k itself).

The question is shown the way the generation prompt shows its own questions: the text its three
few-shot questions share up to the last ": " of that shared start ("Q: Sort the following words
alphabetically: List: " for word sorting, "Q: " for arithmetic, nothing for logical deduction),
then the trace's input.
"""

from __future__ import annotations

import os
from functools import lru_cache

from harness.core.errors import HarnessError
from harness.core.step_traces import StepTraces
from harness.core.types import GenerationSettings, Request, Sample
from tasks.mistake_finding.config import MistakeFindingConfig
from tasks.mistake_finding.our_prompts import QUESTIONS, our_generation_prompt
from tasks.mistake_finding.prompt_files import GENERATION_FOLDER, generation_prompt
from tasks.mistake_finding.traces import answers_match, format_steps, read_thoughts, trace_answer

STEP_MAX_TOKENS = 256  # one Thought
REST_MAX_TOKENS = 2048  # the rest of a trace (Dyck traces run to a hundred short Thoughts)


def generation_setup(sample: Sample) -> tuple[str, str]:
    """(few-shot generation text, the question as it shows questions) for a sample."""
    task = sample["source_task"]
    if sample.get("prompts") != "paper":
        return our_generation_prompt(task), "Q: " + QUESTIONS[task].replace("{input}", sample["input"])
    text = generation_prompt(sample["prompt_root"], task)
    if text is None:
        raise HarnessError(f"{os.path.join(sample['prompt_root'], GENERATION_FOLDER, task + '_prompt.txt')} is missing:"
                           " the paper's generation prompt continues its traces; restore it, or use --set prompts=ours")
    return text, question_prefix(text) + sample["input"]


@lru_cache(maxsize=16)
def question_prefix(generation_text: str) -> str:
    """What the generation prompt writes before each question's input (see the module docstring)."""
    questions = [block.split("\nThought 1:")[0] for block in generation_text.split("\n\n")[1:] if "\nThought 1:" in block]
    if not questions:
        return ""
    shared = os.path.commonprefix(questions)
    cut = shared.rfind(": ")
    return shared[: cut + 2] if cut >= 0 else ""


def _continuation(cfg: MistakeFindingConfig, sample: Sample, steps: list[str], stop: tuple[str, ...], max_tokens: int) -> Request:
    examples, question = generation_setup(sample)
    kept = format_steps(steps)
    prefill = (kept + "\n" if kept else "") + f"Thought {len(steps) + 1}:"
    user = f"{examples}\n\n{question}"
    return Request(kind="generate", prompt=f"{user}\n{prefill}", messages=({"role": "user", "content": user},),
                   assistant_prefill=prefill, settings=GenerationSettings(max_tokens=max_tokens, stop=stop))


def next_step_request(cfg: MistakeFindingConfig, sample: Sample, steps: list[str]) -> Request:
    return _continuation(cfg, sample, steps, ("\n",), STEP_MAX_TOKENS)


def rest_request(cfg: MistakeFindingConfig, sample: Sample, steps: list[str]) -> Request:
    return _continuation(cfg, sample, steps, ("\n\n", "\nQ:"), REST_MAX_TOKENS)


def predicted_location(answer: object) -> int | None:
    return answer - 1 if isinstance(answer, int) and not isinstance(answer, bool) and answer >= 1 else None


STEP_TRACES = StepTraces(
    steps=lambda sample: list(sample["steps"]),
    mistake_index=lambda sample: sample["mistake_index"],
    next_step=next_step_request,
    rest=rest_request,
    read_steps=read_thoughts,
    answer=trace_answer,
    is_right=lambda sample, answer: answers_match(answer, sample["target"]),
    location=predicted_location,
)
