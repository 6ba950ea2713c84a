"""Requests for the fictitious-facts probes (the paper's evaluator, as requests to a backend).

generate: the test prompt as plain text (fine-tuned base models) or as one user message (models
          fine-tuned on the exported chat files); greedy, at most 50 new tokens.
loglikelihood: log P(target | prompt); a reverse probe also asks for log P(randomized target | prompt),
          the paper's control, so both numbers of a pair come from one request.
"""

from __future__ import annotations

from harness.core.types import GenerationSettings, Request, Sample
from tasks.reversal.fictitious_config import FictitiousConfig


def probe_request(cfg: FictitiousConfig, prompt: str, chat_content: str, sample: Sample) -> Request:
    """The request for one probe, whose plain-text form is `prompt` and chat form `chat_content`."""
    if cfg.measure == "loglikelihood":
        continuations: tuple[str, ...] = (sample["target"],)
        if "randomized_target" in sample:
            continuations += (sample["randomized_target"],)
        return Request(kind="loglikelihood", prompt=prompt, continuations=continuations)
    settings = GenerationSettings(max_tokens=cfg.max_tokens, temperature=0.0, n=1)
    messages = ({"role": "user", "content": chat_content},) if cfg.prompt_format == "chat" else None
    return Request(kind="generate", prompt=prompt, messages=messages, settings=settings)


def build_fictitious_request(cfg: FictitiousConfig, sample: Sample) -> Request:
    return probe_request(cfg, sample["prompt"], sample["prompt"], sample)
