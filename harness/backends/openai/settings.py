"""Validated settings of the openai backend (none of them secret) and where the one secret, the API
key, comes from (harness/core/redaction.py keeps it out of every text)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from harness.backends.base import BackendOptions
from harness.backends.openai.retry import RetryPolicy
from harness.core.errors import HarnessError
from harness.core.redaction import redact

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "0.0.0.0")


# ---- settings ------------------------------------------------------------------------------------
def _flag(value: Any, name: str) -> bool | None:
    """True/False/None('auto') from a bool or a CLI string."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("auto", ""):
        return None
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise HarnessError(f"backend option {name} expects true, false or auto, got '{value}'")


def _number(value: Any, name: str, kind: type = float) -> Any:
    if value is None or value == "":
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise HarnessError(f"backend option {name} expects a number, got '{value}'") from None
    if number <= 0:
        raise HarnessError(f"backend option {name} must be > 0, got {value}")
    return number


def _choice(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    text = str(value or allowed[0]).strip().lower()
    if text not in allowed:
        raise HarnessError(f"backend option {name} must be one of {', '.join(allowed)}; got '{value}'")
    return text


@dataclass(frozen=True)
class ApiSettings:
    """The validated knobs of one openai backend (none of them secret)."""

    model: str
    base_url: str | None
    api_key_env: str
    concurrency: int
    timeout_s: float
    retry: RetryPolicy
    rpm: float | None = None
    tpm: float | None = None
    endpoint: str = "auto"  # auto: messages -> chat, plain prompt -> completions
    native_n: bool | None = None  # None: try native n, fall back to separate requests
    max_tokens_param: str = "auto"
    think_tags: bool = False  # also split '<think>...</think>' out of the text (off: every backend
    # must hand the scorer the same text; servers with a reasoning parser already separate it)

    @classmethod
    def from_options(cls, model: str, options: BackendOptions) -> "ApiSettings":
        extra = dict(options.extra or {})
        if options.concurrency < 1:
            raise HarnessError(f"--concurrency must be >= 1, got {options.concurrency}")
        if options.max_retries < 0:
            raise HarnessError(f"max_retries must be >= 0, got {options.max_retries}")
        base_url, _ = split_url_credentials(options.base_url or os.environ.get("OPENAI_BASE_URL") or None)
        retry = RetryPolicy(
            max_retries=int(options.max_retries),
            base_delay_s=_number(extra.get("retry_base_delay_s"), "retry_base_delay_s") or 0.5,
            max_delay_s=_number(extra.get("retry_max_delay_s"), "retry_max_delay_s") or 30.0,
        )
        return cls(
            model=model,
            base_url=base_url.rstrip("/") if base_url else None,
            api_key_env=options.api_key_env or "OPENAI_API_KEY",
            concurrency=int(options.concurrency),
            timeout_s=_number(options.timeout_s, "timeout_s") or 120.0,
            retry=retry,
            rpm=_number(extra.get("rpm"), "rpm"),
            tpm=_number(extra.get("tpm"), "tpm"),
            endpoint=_choice(extra.get("endpoint"), "endpoint", ("auto", "chat", "completions")),
            native_n=_flag(extra.get("native_n"), "native_n"),
            max_tokens_param=_choice(extra.get("max_tokens_param"), "max_tokens_param",
                                     ("auto", "max_tokens", "max_completion_tokens")),
            think_tags=_flag(extra.get("think_tags"), "think_tags") is True,
        )

    @property
    def is_local_server(self) -> bool:
        url = self.base_url or ""
        return bool(url) and any(f"//{host}" in url for host in LOCAL_HOSTS)


def split_url_credentials(url: str | None) -> tuple[str | None, str | None]:
    """('http://host/v1', 'KEY') from 'http://user:KEY@host/v1' (or 'http://KEY@host/v1'): HTTP
    clients refuse credentials in the URL next to a bearer key (aiohttp raises a ValueError that
    used to be misfiled as a malformed response), so they are taken out and used as the key."""
    if not url:
        return url, None
    match = re.match(r"^([a-z][a-z0-9+.-]*://)([^/@\s]*)@(.*)$", url.strip(), re.I)
    if match is None:
        return url, None
    user, _, password = match.group(2).partition(":")
    return match.group(1) + match.group(3), unquote(password or user) or None


def resolve_api_key(settings: ApiSettings, url_key: str | None = None) -> str:
    """The key given in the --base-url (user:KEY@host), else the named environment variable.
    Servers on this machine need none."""
    if url_key:
        return url_key
    key = os.environ.get(settings.api_key_env, "").strip()
    if key:
        return key
    if settings.base_url:
        return "EMPTY"  # vLLM, llama.cpp and Ollama accept any key unless started with one
    raise HarnessError(
        f"no API key: set {settings.api_key_env} (or name another variable with --api-key-env),"
        " or point --base-url at an OpenAI-compatible server"
    )


def safe_url(url: str | None) -> str | None:
    if url is None:
        return None
    return redact(re.sub(r"([?&][^=&]*(key|token|secret)[^=&]*=)[^&]*", r"\1***", url, flags=re.I))
