"""Two selectors that rank the N sampled completions by the model's own likelihoods (one
log-likelihood request per distinct completion; identical ones are asked once):

- ``forward-lp``: the mean token log P(completion | the family's prompt), "self log-perplexity",
  the best-of-N baseline of Varun et al. 2024. A chat request is scored after the chat template,
  as the model saw it when it generated (local, hf:, vllm:; see harness.core.types.Request).
- ``trlm``: time-reversed scoring, TRLM-Fo of Varun et al. 2024 ("Time-Reversal Provides
  Unsupervised Feedback to LLMs"): log P(question | completion) under a reverse prompt, computed
  with the same forward model. The question is the family's ``question_text`` (without its
  instructions or few-shot examples). The reverse prompt is ours (REVERSE_PROMPT); a file holding
  another one, with ``{response}`` where the completion goes, can be given as ``reverse_prompt=PATH``.

Ties go to the completion drawn first. A completion the backend reports no tokens for (empty text)
has no mean and is never preferred.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

from harness.core.data import read_text_file
from harness.core.types import Loglikelihood, LoglikelihoodResult, Request, Sample
from harness.strategies.registry import register_strategy
from harness.strategies.selection import (
    SELECTION_METRICS,
    DrawOptions,
    chosen,
    draw_forward,
    first_best,
    needs_generated_text,
)
from harness.strategies.types import Ask, Strategy, StrategyContext, StrategyProgram

OURS = "ours"
# Ours (the paper's exact TRLM-Fo wording is not reproduced): the completion, then a cue after which
# the question is the natural continuation. The trailing newline belongs to the scored continuation.
REVERSE_PROMPT = "Here is an answer someone gave:\n\n{response}\n\nThe question this answers was:\n"


def likelihood_request(context: Request, continuation: str) -> Request:
    """log P(continuation | context): the context's plain prompt, and its messages and prefill so a
    chat model is scored after its chat template."""
    return Request(kind="loglikelihood", prompt=context.prompt, messages=context.messages,
                   assistant_prefill=context.assistant_prefill, continuations=(continuation,))


def mean_token_logprob(scored: Loglikelihood) -> float:
    if scored.n_tokens <= 0 or math.isnan(scored.logprob):
        return -math.inf
    return scored.logprob / scored.n_tokens


def _first(result: object) -> Loglikelihood:
    assert isinstance(result, LoglikelihoodResult)
    return result.results[0]


def forward_lp(ctx: StrategyContext, sample: Sample) -> StrategyProgram:
    draws = yield from draw_forward(ctx, ctx.options)
    texts = list(dict.fromkeys(draw.text for draw in draws))  # identical completions are scored (and paid) once
    results = yield Ask([likelihood_request(ctx.request, text) for text in texts], label="forward-lp")
    mean_of = {text: mean_token_logprob(_first(result)) for text, result in zip(texts, results)}
    means = [mean_of[draw.text] for draw in draws]
    return chosen(draws, first_best(means), mean_logprobs=[_json_number(m) for m in means])


# ---- trlm -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReverseOptions(DrawOptions):
    """DrawOptions plus the reverse prompt: "ours" or the path of a file with {response} in it."""

    reverse_prompt: str = OURS

    def validate(self) -> None:
        super().validate()
        if self.reverse_prompt != OURS:
            if not Path(self.reverse_prompt).expanduser().is_file():
                raise ValueError(f"reverse_prompt must be 'ours' or a file; {self.reverse_prompt!r} is not a file")
            if "{response}" not in reverse_template(self.reverse_prompt):
                raise ValueError(f"reverse_prompt file {self.reverse_prompt} has no {{response}} where the completion goes")


@functools.lru_cache(maxsize=8)
def reverse_template(setting: str) -> str:
    return REVERSE_PROMPT if setting == OURS else read_text_file(Path(setting).expanduser())


def reverse_request(template: str, response: str, question: str) -> Request:
    """log P(question | the completion in the reverse prompt), as a user turn for chat models and
    as plain text for base models."""
    text = template.replace("{response}", response)
    return Request(kind="loglikelihood", prompt=text, messages=({"role": "user", "content": text.rstrip()},),
                   continuations=(question,))


def trlm(ctx: StrategyContext, sample: Sample) -> StrategyProgram:
    draws = yield from draw_forward(ctx, ctx.options)
    template = reverse_template(ctx.options.reverse_prompt)
    question = ctx.task.question_text(sample)
    texts = list(dict.fromkeys(draw.text for draw in draws))
    results = yield Ask([reverse_request(template, text, question) for text in texts], label="trlm")
    score_of = {text: _first(result).logprob for text, result in zip(texts, results)}
    scores = [score_of[draw.text] for draw in draws]
    return chosen(draws, first_best(scores), reverse_logprobs=[_json_number(s) for s in scores])


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else value


NEEDS_LIKELIHOODS = frozenset({"generate", "loglikelihood"})

FORWARD_LP = register_strategy(Strategy(
    name="forward-lp",
    description="N sampled completions, the one with the highest mean token log P(completion | prompt) (self log-perplexity)",
    run=forward_lp, options=DrawOptions, needs=NEEDS_LIKELIHOODS, applies_to=needs_generated_text, metrics=SELECTION_METRICS,
))

TRLM = register_strategy(Strategy(
    name="trlm",
    description="N sampled completions, the one under which the question is likeliest, log P(question | completion)"
                " under a reverse prompt (TRLM-Fo, Varun et al. 2024)",
    run=trlm, options=ReverseOptions, needs=NEEDS_LIKELIHOODS, applies_to=needs_generated_text, metrics=SELECTION_METRICS,
))

