"""What was run, read back from a run folder's manifest.json: the facts the report header, the
leaderboard and `harness view` show (model, backend host, seed, limit, per-task generation
settings, tokens, cache use, wall time, versions). Credentials never appear: a URL is reduced to
its host and port before it is shown anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

LOCAL_HOST = "this machine"


def safe_host(url: str | None) -> str:
    """'host:port' of a URL, without user, password, path or query (empty for no URL)."""
    if not url:
        return ""
    try:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        host = parts.hostname or ""
        return f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return "(unreadable URL)"


def backend_host(manifest: Mapping[str, Any]) -> str:
    """Where the model ran: a server's host for API backends, 'this machine' otherwise."""
    backend = manifest.get("backend") or {}
    if backend.get("name") == "predictions":
        return "scored from a predictions file"
    for key in ("base_url", "host", "server"):
        if backend.get(key):
            return safe_host(str(backend[key]))
    return LOCAL_HOST


def wall_seconds(manifest: Mapping[str, Any]) -> float | None:
    try:
        start = datetime.fromisoformat(manifest["started_at"])
        end = datetime.fromisoformat(manifest["finished_at"])
    except (KeyError, TypeError, ValueError):
        return None
    return (end - start).total_seconds()


def task_settings(manifest: Mapping[str, Any], task: str) -> dict[str, Any]:
    """Per task: n samples, max tokens, completions per prompt, temperature, non-default settings."""
    info = (manifest.get("tasks") or {}).get(task) or {}
    request = info.get("request_settings") or {}
    return {
        "family": info.get("family", ""),
        "n_samples": info.get("n_samples"),
        "max_tokens": request.get("max_tokens"),
        "samples_per_prompt": request.get("n"),
        "temperature": request.get("temperature"),
        "non_default": {**(info.get("differs_from_family_defaults") or {}),
                        **{_option_name(k): v for k, v in (info.get("generation_overrides") or {}).items()}},
    }


def _option_name(override: str) -> str:
    """The `harness run` option of a generation override ('n' is --samples)."""
    return "--samples" if override == "n" else f"--{override.replace('_', '-')}"


def run_facts(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The run-level header facts, as plain JSON-able values."""
    tokens = manifest.get("tokens") or {}
    requests = manifest.get("requests") or {}
    versions = manifest.get("versions") or {}
    backend = {k: v for k, v in (manifest.get("backend") or {}).items() if k not in ("base_url", "api_key", "headers")}
    return {
        "model": manifest.get("model", "unknown"),
        "backend": backend.get("name", ""),
        "backend_details": backend,
        "host": backend_host(manifest),
        "seed": manifest.get("seed"),
        "limit": manifest.get("limit"),
        "data": manifest.get("data"),
        "prompt_tokens": tokens.get("prompt"),
        "completion_tokens": tokens.get("completion"),
        "from_cache": requests.get("from_cache"),
        "model_calls": requests.get("sent_to_backend"),
        "wall_seconds": wall_seconds(manifest),
        "started_at": manifest.get("started_at", ""),
        "finished_at": manifest.get("finished_at", ""),
        "version": versions.get("reasoning-harness", ""),
        "git_commit": manifest.get("git_commit") or "",
        "command": " ".join(manifest.get("command") or []),
        "skipped_tasks": manifest.get("skipped_tasks") or {},
    }
