"""Request building for the openai backend: the JSON body of each HTTP call, and how a harness
Request is split into calls (one per completion when the server lacks native n, one per continuation
for log-likelihoods)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.core.types import Request


@dataclass(frozen=True)
class Call:
    """One HTTP request's worth of work: completions of one request, or one continuation."""

    index: int  # the request's position in the batch
    part: int  # which completion (separate-request n) or which continuation
    n: int
    request: Request


def uses_chat(endpoint: str, request: Request) -> bool:
    """chat/completions for chat messages, completions for plain prompts, unless forced."""
    if endpoint == "chat":
        return True
    if endpoint == "completions":
        return False
    return request.messages is not None


def generate_body(model: str, max_tokens_param: str, request: Request, n: int, seed: int, chat: bool) -> dict[str, Any]:
    s = request.settings
    body: dict[str, Any] = {"model": model, max_tokens_param: s.max_tokens, "temperature": s.temperature, "seed": seed}
    if chat:
        messages = request.messages if request.messages is not None else ({"role": "user", "content": request.prompt},)
        body["messages"] = [dict(message) for message in messages]
    else:
        body["prompt"] = request.prompt
    if n > 1:
        body["n"] = n
    if s.top_p != 1.0:
        body["top_p"] = s.top_p
    if s.stop:
        body["stop"] = list(s.stop)
    return body


def loglikelihood_body(model: str, prompt: str, continuation: str, seed: int) -> dict[str, Any]:
    # max_tokens=1, not 0: some servers read 0 as "no limit"; the extra token is ignored.
    return {"model": model, "prompt": prompt + continuation, "max_tokens": 1,
            "temperature": 0.0, "echo": True, "logprobs": 1, "seed": seed}


def prompt_chars(request: Request) -> int:
    if request.messages is not None:
        return sum(len(str(message.get("content", ""))) for message in request.messages)
    return len(request.prompt)
