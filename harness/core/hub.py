"""Can a Hugging Face hub id be used right now? One look at the local cache, one quick probe of the hub.

Why this exists: with no network and no HF_HUB_OFFLINE, transformers and datasets retry an unreachable
hub with exponential backoff (about a minute, 20+ lines of retry noise) before one clear error. A
newcomer should get that error in seconds, as one line that says how to get the files. So before a
hub load, the hub is probed once per process (a single HEAD request, short timeout); when it cannot be
reached, a model already in the local cache is loaded from there and anything else fails at once.

Imports only the standard library; huggingface_hub (for the cache lookup) loads when it is asked.
"""

from __future__ import annotations

import functools
import os
import urllib.error
import urllib.request

from harness.core.errors import HarnessError

PROBE_TIMEOUT_S = 4.0
DEFAULT_ENDPOINT = "https://huggingface.co"
TRUE_VALUES = {"1", "on", "yes", "true"}


OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def offline_variable() -> str | None:
    """The variable that switches the hub off (HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE), if one does."""
    return next((v for v in OFFLINE_VARIABLES if os.environ.get(v, "").strip().lower() in TRUE_VALUES), None)


def offline_mode() -> bool:
    """HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) is set: the hub is never contacted."""
    return offline_variable() is not None


def hub_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", DEFAULT_ENDPOINT).rstrip("/") or DEFAULT_ENDPOINT


@functools.lru_cache(maxsize=8)
def unreachable_reason(endpoint: str, timeout_s: float = PROBE_TIMEOUT_S) -> str | None:
    """None when the endpoint answers at all (any HTTP status counts), else a short reason.

    Cached per endpoint, so a suite of many hub tasks probes once. Honours HTTPS_PROXY like the
    hub clients do (urllib reads the same variables)."""
    request = urllib.request.Request(endpoint + "/api/models?limit=1", method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s):
            return None
    except urllib.error.HTTPError:
        return None  # it answered: reachable (auth and rate limits are the loader's business)
    except urllib.error.URLError as exc:
        return _short(exc.reason)
    except (OSError, ValueError) as exc:  # timeouts, resets, a malformed HF_ENDPOINT
        return _short(exc)


def _short(reason: object) -> str:
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return f"no answer within {PROBE_TIMEOUT_S:g} s"
    text = getattr(reason, "strerror", None) or str(reason)
    return text.splitlines()[0] if text else type(reason).__name__


def is_local_path(name: str) -> bool:
    return name.startswith(("/", ".", "~")) or os.path.exists(os.path.expanduser(name))


def model_in_cache(repo_id: str, cache_dir: str | None = None) -> bool:
    """The model's config.json is in the local hub cache (HF_HUB_CACHE / HF_HOME)."""
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(repo_id, "config.json", cache_dir=cache_dir), str)
    except ValueError:  # not a valid repo id: let the loader name the problem
        return False


def hub_unreachable() -> str | None:
    """None when the hub may be used (it answers, or offline mode keeps the loaders off the network),
    else a phrase for an error message: "the hub <endpoint> cannot be reached (<reason>)"."""
    if offline_mode():
        return None
    endpoint = hub_endpoint()
    reason = unreachable_reason(endpoint)
    return None if reason is None else f"the hub {endpoint} cannot be reached ({reason})"


def must_load_from_cache(repo_id: str, cache_dir: str | None = None, local_hint: str = "--model hf:/path/to/model") -> bool:
    """Decide how a hub model is loaded: False = as usual (hub reachable, or offline mode already set
    and the model cached), True = from the local cache only (hub unreachable, model cached). Raises a
    one-line HarnessError when the model is not cached and cannot be downloaded."""
    if is_local_path(repo_id):
        return False
    variable = offline_variable()
    if variable is not None:  # downloads are off: say so, rather than "could not connect"
        if model_in_cache(repo_id, cache_dir):
            return False
        raise HarnessError(
            f"model '{repo_id}' is not in the local Hugging Face cache and downloads are off ({variable}=1, which"
            f" make sets); to download it, run with {variable}=0 where the hub is reachable"
            f" (e.g. {variable}=0 .venv/bin/harness run ...), or give a local folder: {local_hint}"
        )
    unreachable = hub_unreachable()
    if unreachable is None:
        return False
    if model_in_cache(repo_id, cache_dir):
        return True
    raise HarnessError(
        f"model '{repo_id}' is not in the local Hugging Face cache and {unreachable};"
        f" to download it, run where the hub is reachable (set HTTPS_PROXY for a proxy, HF_ENDPOINT for a mirror),"
        f" or give a local folder: {local_hint}"
    )
