"""How a reasoning trace is written and read: "Thought N: ..." lines, the answer in its last step.

BIG-Bench Mistake stores a trace as a list of steps without the "Thought N: " prefixes; prompts
number them from 1. The answer of a trace is what follows "the answer is" (either case) in its
step, as the dataset's README says its ``answer`` field was extracted (``(?<=[Tt]he answer is).*$``);
an answer is right when it equals the target after trimming spaces and a final full stop.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

PLACEHOLDER = re.compile(r"\{(input|steps|current_step)\}")
ANSWER = re.compile(r"(?<=[Tt]he answer is).*$")
THOUGHT_LINE = re.compile(r"Thought (\d{1,4}):[ \t]?(.*)")
MAX_ANSWER_CHARS = 2000


def format_steps(steps: Sequence[str], first: int = 1) -> str:
    return "\n".join(f"Thought {number}: {step}" for number, step in enumerate(steps, start=first))


def fill_template(template: str, input_text: str, steps: Sequence[str], current_step: int | None = None) -> str:
    """The template with {input}, {steps} and {current_step} filled in one pass (so braces in the
    input, as in Dyck sequences, are never read as placeholders)."""
    values = {"input": input_text, "steps": format_steps(steps), "current_step": str(current_step or "")}
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def trace_answer(steps: Sequence[str]) -> str | None:
    """The answer a trace states: after "the answer is" in the last step that says it (None if none)."""
    for step in reversed(steps):
        match = ANSWER.search(step[-MAX_ANSWER_CHARS:])
        if match is not None:
            return match.group(0).strip()
    return None


def normalize_answer(answer: str | None) -> str:
    text = " ".join(str(answer or "").split())
    return text[:-1].rstrip() if text.endswith(".") else text


def answers_match(answer: str | None, target: str) -> bool:
    return answer is not None and normalize_answer(answer) == normalize_answer(target)


def read_thoughts(text: str) -> list[str]:
    """The steps a model wrote after a prompt that ends with "Thought k:": the rest of that line is
    Thought k; each following "Thought N: ..." line is one more step; a line that is not a Thought
    (a blank line, the next question) ends the trace."""
    lines = text.split("\n")
    steps = [lines[0].strip()]
    for line in lines[1:]:
        match = THOUGHT_LINE.match(line.strip())
        if match is None:
            break
        steps.append(match.group(2).strip())
    return steps
