"""Reading OpenAI-style response bodies into plain values: pure functions over decoded JSON.

Servers differ (OpenAI, vLLM, SGLang, llama.cpp, Ollama, proxies) and some misbehave, so every
reader here is total over any decoded JSON: a body it cannot use raises ``MalformedResponse``
(which the client retries), never KeyError or TypeError. That includes a body that is not JSON
(an HTML page from a proxy, a truncated body), an error object inside a 200, an empty choices
list, and a message whose content is null with no reasoning text (an answer that never came, not
an empty answer: caching it as "" would score it as wrong forever). ``decode_body`` keeps bytes
that are not UTF-8 as ``surrogateescape`` text, so such an answer is stored and scored, and its
bytes are recoverable (``harness.core.jsontext.original_bytes``). Reasoning text is kept apart from the
answer when the server delivers it apart (``reasoning_content`` or ``reasoning``); splitting
``<think>...</think>`` out of the text itself is opt-in, because every backend must hand a
family's scorer the same text for the same model output.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from harness.core.types import Generation, Loglikelihood, LoglikelihoodResult

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
# Finish reasons other servers use for "ran out of tokens".
_LENGTH_REASONS = frozenset({"length", "max_tokens", "max_output_tokens", "model_length"})


class MalformedResponse(ValueError):
    """The server answered 200 but the body is not a usable completion."""


@dataclass(frozen=True)
class Choice:
    text: str
    finish_reason: str  # "stop" | "length" | whatever else the server said
    reasoning: str | None = None


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int | None
    completion_tokens: int | None

    @property
    def total(self) -> int | None:
        if self.prompt_tokens is None and self.completion_tokens is None:
            return None
        return (self.prompt_tokens or 0) + (self.completion_tokens or 0)


def normalise_finish_reason(reason: Any) -> str:
    if not isinstance(reason, str) or not reason:
        return "stop"
    return "length" if reason in _LENGTH_REASONS else reason


def split_think_tags(content: str) -> tuple[str, str | None]:
    """Separate '<think>...</think>answer' (or '...</think>answer' when the chat template opened
    the tag) into (answer, reasoning). An unclosed '<think>' is all reasoning, no answer."""
    stripped = content.lstrip()
    if stripped.startswith(THINK_OPEN):
        inner = stripped[len(THINK_OPEN):]
        reasoning, closed, answer = inner.partition(THINK_CLOSE)
        return (answer.lstrip() if closed else ""), reasoning.strip()
    if THINK_CLOSE in content and THINK_OPEN not in content:
        reasoning, _, answer = content.partition(THINK_CLOSE)
        return answer.lstrip(), reasoning.strip()
    return content, None


_HTML_TITLE = re.compile(r"<title>([^<]{0,80})", re.I)


def decode_body(raw: bytes | str) -> Any:
    """The JSON value of a response body. Bytes that are not UTF-8 are kept as surrogateescape
    characters (never a crash, never lost); a body that is not JSON raises MalformedResponse."""
    text = raw if isinstance(raw, str) else raw.decode("utf-8", "surrogateescape")
    try:
        return json.loads(text)
    except RecursionError:
        raise MalformedResponse("response body is JSON nested too deeply") from None
    except ValueError as exc:
        start = text.lstrip()[:200]
        if start[:1] == "<":
            title = _HTML_TITLE.search(text)
            detail = f" ({title.group(1).strip()})" if title else ""
            raise MalformedResponse(f"an HTML page instead of JSON{detail}: a proxy or gateway answered") from None
        if not start:
            raise MalformedResponse("empty response body") from None
        raise MalformedResponse(f"response body is not JSON ({exc.__class__.__name__}: {str(exc)[:60]})") from None


def _choices(data: Any) -> list[dict]:
    if not isinstance(data, dict):
        raise MalformedResponse(f"response body is {type(data).__name__}, not a JSON object")
    if data.get("error") and not data.get("choices"):
        error = data["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise MalformedResponse(f"error inside a 200 reply: {' '.join(str(message).split())[:200]}")
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices:
        raise MalformedResponse("response has no choices")
    if not all(isinstance(choice, dict) for choice in choices):
        raise MalformedResponse("response choices are not objects")
    return sorted(choices, key=lambda c: c.get("index", 0) if isinstance(c.get("index"), int) else 0)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # content parts: [{"type": "text", "text": "..."}]
        return "".join(part.get("text", "") for part in value if isinstance(part, dict)
                       and isinstance(part.get("text", ""), str))
    raise MalformedResponse(f"completion text is {type(value).__name__}, not a string")


def parse_chat_choices(data: Any, think_tags: bool = False) -> list[Choice]:
    """Choices of a /chat/completions body."""
    parsed = []
    for choice in _choices(data):
        message = choice.get("message")
        if not isinstance(message, dict):
            raise MalformedResponse("chat choice has no message object")
        raw_content = message.get("content")
        content = _text(raw_content)
        reasoning = message.get("reasoning_content")
        if reasoning is None:
            reasoning = message.get("reasoning")
        reasoning = _text(reasoning) if isinstance(reasoning, (str, list)) else None
        if raw_content is None and not reasoning:
            raise MalformedResponse("message content is null and there is no reasoning text")
        if reasoning is None and think_tags:
            content, reasoning = split_think_tags(content)
        parsed.append(Choice(content, normalise_finish_reason(choice.get("finish_reason")), reasoning or None))
    return parsed


def parse_completion_choices(data: Any, think_tags: bool = False) -> list[Choice]:
    """Choices of a /completions body."""
    parsed = []
    for choice in _choices(data):
        if not isinstance(choice.get("text"), str):
            raise MalformedResponse("completion choice has no text")
        text = choice["text"]
        reasoning = None
        if think_tags:
            text, reasoning = split_think_tags(text)
        parsed.append(Choice(text, normalise_finish_reason(choice.get("finish_reason")), reasoning))
    return parsed


def parse_usage(data: Any) -> Usage:
    usage = data.get("usage") if isinstance(data, dict) else None
    if not isinstance(usage, dict):
        return Usage(None, None)

    def count(key: str) -> int | None:
        value = usage.get(key)
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 else None

    return Usage(count("prompt_tokens"), count("completion_tokens"))


def split_token_count(total: int | None, choices: list[Choice]) -> list[int]:
    """Per-choice completion tokens when a server reports only the total for n choices: exact for
    one choice, otherwise shared in proportion to each choice's characters (sums to the total)."""
    if total is None:
        return [0] * len(choices)
    if len(choices) == 1:
        return [total]
    weights = [len(c.text) + len(c.reasoning or "") for c in choices]
    if sum(weights) == 0:
        weights = [1] * len(choices)
    shares = [total * w / sum(weights) for w in weights]
    counts = [math.floor(s) for s in shares]
    # hand the rounding remainder to the largest fractional parts, first come first served
    for i in sorted(range(len(counts)), key=lambda i: counts[i] - shares[i])[: total - sum(counts)]:
        counts[i] += 1
    return counts


def parse_echo_loglikelihood(data: Any, prompt: str, continuation: str) -> tuple[Loglikelihood, int]:
    """log P(continuation | prompt) from a /completions call made with echo=True, logprobs>=1 on
    prompt + continuation. Tokens are placed by their text offsets: a token belongs to the
    continuation if it ends after the prompt ends and starts before the continuation ends (a token
    straddling the boundary counts for the continuation). Returns (result, prompt tokens)."""
    choice = _choices(data)[0]
    logprobs = choice.get("logprobs")
    if not isinstance(logprobs, dict):
        raise MalformedResponse("no logprobs in the echoed completion (does the server support echo?)")
    tokens = logprobs.get("tokens")
    values = logprobs.get("token_logprobs")
    offsets = logprobs.get("text_offset")
    tops = logprobs.get("top_logprobs") or []
    if not (isinstance(tokens, list) and isinstance(values, list) and isinstance(offsets, list)):
        raise MalformedResponse("echoed logprobs lack tokens, token_logprobs or text_offset")
    if not (len(tokens) == len(values) == len(offsets)):
        raise MalformedResponse("echoed logprobs have mismatched lengths")
    prompt_end, text_end = len(prompt), len(prompt) + len(continuation)
    total, n_tokens, greedy, prompt_tokens = 0.0, 0, True, 0
    for position, (token, value, offset) in enumerate(zip(tokens, values, offsets)):
        if not isinstance(offset, int) or not isinstance(token, str):
            raise MalformedResponse("echoed logprobs have a non-integer offset or non-string token")
        end = offset + len(token)
        if end <= prompt_end:
            prompt_tokens += 1
            continue
        if offset >= text_end:
            break  # the token(s) generated after the echo
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise MalformedResponse("a continuation token has no log-probability")
        total += float(value)
        n_tokens += 1
        top = tops[position] if position < len(tops) else None
        if isinstance(top, dict) and top:
            best = max(v for v in top.values() if isinstance(v, (int, float))) if any(
                isinstance(v, (int, float)) for v in top.values()) else value
            greedy = greedy and float(value) >= float(best) - 1e-6
        else:
            greedy = False
    if n_tokens == 0:
        raise MalformedResponse("the echoed tokens do not cover the continuation")
    return Loglikelihood(logprob=total, is_greedy=greedy, n_tokens=n_tokens), prompt_tokens


# ---- outcomes of calls, merged back into one result per harness request -----------------------------
@dataclass
class Outcome:
    choices: list[Choice] = field(default_factory=list)
    completion_tokens: list[int] = field(default_factory=list)
    prompt_tokens: int = 0
    loglikelihood: Loglikelihood | None = None
    error: str | None = None


def outcome_of(parsed: Any, usage: Usage) -> Outcome:
    if isinstance(parsed, tuple):  # (Loglikelihood, prompt tokens)
        loglikelihood, prompt_tokens = parsed
        return Outcome(loglikelihood=loglikelihood, prompt_tokens=prompt_tokens)
    return Outcome(choices=list(parsed), completion_tokens=split_token_count(usage.completion_tokens, parsed),
                    prompt_tokens=usage.prompt_tokens or 0)


def merge_generation(parts: list[Outcome]) -> Generation:
    errors = [part.error for part in parts if part.error is not None]
    if errors:
        return Generation(texts=[""], finish_reasons=["error"], error=errors[0])
    choices = [choice for part in parts for choice in part.choices]
    reasoning = [choice.reasoning for choice in choices]
    return Generation(
        texts=[choice.text for choice in choices],
        finish_reasons=[choice.finish_reason for choice in choices],
        prompt_tokens=parts[0].prompt_tokens,  # the prompt once, however many requests carried it
        completion_tokens=[count for part in parts for count in part.completion_tokens],
        reasoning=reasoning if any(text is not None for text in reasoning) else None,
    )


def merge_loglikelihood(parts: list[Outcome]) -> LoglikelihoodResult:
    errors = [part.error for part in parts if part.error is not None]
    if errors:
        return LoglikelihoodResult(results=[], prompt_tokens=0, error=errors[0])
    prompt_tokens = max((part.prompt_tokens for part in parts), default=0)
    results = [part.loglikelihood for part in parts if part.loglikelihood is not None]
    return LoglikelihoodResult(results=results, prompt_tokens=prompt_tokens)
