"""Keeping credentials out of everything a run writes or prints: the one scrubber.

A server, a proxy or a gateway can echo the request back, headers included (``Authorization:
Bearer <key>``) inside an error object, an HTML error page's title, a finish reason or even the
completion text. Whatever a backend hands the engine passes through ``scrub_result`` first
(harness/backends/base.py applies it to every backend's results, errors and description), so the
key can reach no file, no cache entry, no page and no line on stderr.

Error and reason texts lose the backend's own secrets, anything shaped like an API key
(``sk-...``), bearer and basic credentials, ``Authorization`` / ``api-key`` header values, and
credentials in URLs (``//user:password@``, ``//KEY@``). Model text (completions, reasoning) loses only the backend's own secrets, written
exactly: a model may legitimately write ``key-value`` or a URL, and its answer must stay as it was.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any, TypeVar
from urllib.parse import quote

MASK = "***"
_KEY_LIKE = re.compile(r"\b(sk|rk|pk|key)-[A-Za-z0-9_\-*]{6,}")
_URL_CREDENTIALS = re.compile(r"//[^/@\s]+@")  # user:password@ or KEY@ before a host
# a credential after "Bearer"/"Basic": 8+ token characters with a digit, an inner capital or "=" (not a word)
_SCHEME_CREDENTIALS = re.compile(r"\b([Bb]earer|BEARER|[Bb]asic|BASIC)(\s+)(?=\S*\d|\S+[A-Z]|\S*=)[A-Za-z0-9._~+/=\-]{8,}")
_HEADER_VALUE = re.compile(r"(?i)\b((?:proxy-)?authorization|x-api-key|api-key|api_key|x-goog-api-key)([\"']?\s*[:=]\s*[\"']?)"
                           r"(?:(?:bearer|basic)\s+)?[^\s\"',;}&]+")
_MIN_SECRET = 4  # shorter "secrets" (or the placeholder key "EMPTY") would mask ordinary words

Result = TypeVar("Result")


def _spellings(secrets: Iterable[str]) -> list[str]:
    """Each secret as written, and as a URL or JSON would escape it; longest first."""
    found = set()
    for secret in secrets:
        if secret and secret != "EMPTY" and len(secret) >= _MIN_SECRET:
            found.update({secret, quote(secret, safe=""), secret.replace("/", "\\/")})
    return sorted(found, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """An error or reason text without the given secrets or anything credential-shaped."""
    text = redact_exact(text, secrets)
    text = _HEADER_VALUE.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    text = _SCHEME_CREDENTIALS.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    text = _KEY_LIKE.sub(lambda m: m.group(1) + "-" + MASK, text)
    return _URL_CREDENTIALS.sub("//" + MASK + "@", text)


def redact_exact(text: str, secrets: Iterable[str] = ()) -> str:
    """Model text without the given secrets (exact spellings only: nothing else is touched)."""
    for spelling in _spellings(secrets):
        if spelling in text:
            text = text.replace(spelling, MASK)
    return text


def scrub_result(result: Result, secrets: Iterable[str] = ()) -> Result:
    """A backend's result (Generation, LoglikelihoodResult) with its error and finish reasons
    redacted and its texts free of the secrets; a clean result comes back as the same object."""
    secrets = list(secrets)
    changes: dict[str, Any] = {}
    error = getattr(result, "error", None)
    if isinstance(error, str) and redact(error, secrets) != error:
        changes["error"] = redact(error, secrets)
    reasons = getattr(result, "finish_reasons", None)
    if reasons and any(isinstance(r, str) and redact(r, secrets) != r for r in reasons):
        changes["finish_reasons"] = [redact(r, secrets) if isinstance(r, str) else r for r in reasons]
    if secrets:
        for name in ("texts", "reasoning"):
            texts = getattr(result, name, None)
            if texts and any(isinstance(t, str) and redact_exact(t, secrets) != t for t in texts):
                changes[name] = [redact_exact(t, secrets) if isinstance(t, str) else t for t in texts]
    return dataclasses.replace(result, **changes) if changes else result  # type: ignore[type-var]


def scrub_value(value: Any, secrets: Iterable[str] = ()) -> Any:
    """Every string inside a JSON-like value (a backend's description for the manifest) redacted."""
    secrets = list(secrets)
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {scrub_value(k, secrets): scrub_value(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub_value(v, secrets) for v in value)
    return value


def scrub_exception(exc: BaseException, secrets: Iterable[str] = ()) -> BaseException:
    """The same exception with every text argument redacted (its message is what gets printed)."""
    secrets = list(secrets)
    exc.args = tuple(redact(arg, secrets) if isinstance(arg, str) else arg for arg in exc.args)
    return exc
