"""Option groups shared by every command that resolves tasks or runs a model, so `run`,
`search-study` and any later command accept the same flags with the same help and defaults.

Each help text says what the option does and its default (argparse fills in %(default)s).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from harness.core.errors import HarnessError

RESULTS_DIR_DEFAULT = os.environ.get("HARNESS_RESULTS_DIR", "results")


def parse_settings(pairs: Sequence[str], option: str = "--set") -> dict[str, str]:
    """KEY=VALUE pairs (from --set or --backend-option) as a dict; a malformed pair is a clear error."""
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise HarnessError(f"{option} expects key=value, got '{pair}'")
        settings[key.strip()] = value.strip()
    return settings


def split_tasks(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise HarnessError("no task given; run 'harness list' to see all tasks")
    return names


def add_include_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--include", action="append", default=[], metavar="PATH",
                        help="load plugins (task families, backends, strategies) from a folder outside the package:"
                             " a plugin package, or a folder of them; repeatable (default: installed plugins only)")


def add_task_options(parser: argparse.ArgumentParser, seed_help: str = "seed of generated samples and of --limit subsets") -> None:
    """--data, --set, --seed, --include: which samples a task gets."""
    parser.add_argument("--data", help="original data file/folder or dataset hub id, for one task (default: generated"
                                       " samples, or the family's hub id when it has no generator)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="task setting by name, type-checked, repeatable (default: the family's protocol)")
    parser.add_argument("--seed", type=int, default=0, help=f"{seed_help} (default: %(default)s)")
    add_include_option(parser)


def add_generation_options(parser: argparse.ArgumentParser, temperature: float | None = None,
                           top_p: float | None = None) -> None:
    """Sampling settings; None defaults keep each task's protocol values."""
    group = parser.add_argument_group("generation")
    keep = "the task protocol's value"
    group.add_argument("--temperature", type=float, default=temperature,
                       help=f"sampling temperature, 0 = greedy (default: {temperature if temperature is not None else keep})")
    group.add_argument("--top-p", type=float, default=top_p,
                       help=f"nucleus sampling mass (default: {top_p if top_p is not None else keep})")


MODEL_SPECS = "local, hf:<path-or-id>, openai:<model>, lmeval:<model>,<args>, llamacpp:<gguf>, vllm:<model>"


def add_model_options(parser: argparse.ArgumentParser, flag: str = "--model", default: str | None = "local",
                      help: str | None = None) -> None:
    """``flag`` (--model; a command whose model has another role names it, e.g. --judge) and every
    backend setting (local, API, backend-specific)."""
    parser.add_argument(flag, default=default,
                        help=help or f"model spec: {MODEL_SPECS} (see 'harness list'; default: %(default)s, the embedded SmolLM2-135M)")
    local = parser.add_argument_group("local models (local, hf:, llamacpp:, lmeval:, vllm:)")
    local.add_argument("--batch-size", type=int, default=8, help="prompts per forward pass (default: %(default)s)")
    local.add_argument("--device", help="cpu, cuda, cuda:1, ... (default: cuda when present, else cpu)")
    local.add_argument("--dtype", help="hf:, vllm:, lmeval: weights as float32, bfloat16 or float16 (default: float32 on CPU,"
                                       " the model's own on CUDA); local ignores it: its weights are --backend-option"
                                       " weights=bf16|f32|f16|q4_1 (default: bf16 on a CPU with bf16 dot products, else f16)")
    local.add_argument("--threads", type=int, help="CPU threads for local models (default: for local and llamacpp:, all"
                                                   " cores unless the box is clearly saturated, then half; hf:, torch's choice)")
    api = parser.add_argument_group("API backends (openai:<model>)")
    api.add_argument("--base-url", action="append", metavar="URL",
                     help="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1 (default: $OPENAI_BASE_URL, else OpenAI);"
                          " repeat it for replicas of one model: each request goes to the least busy healthy one")
    api.add_argument("--api-key-env", default="OPENAI_API_KEY", metavar="VAR",
                     help="environment variable holding the API key; the key itself is never written anywhere"
                          " (default: %(default)s)")
    api.add_argument("--concurrency", type=int, default=32, help="requests kept in flight (default: %(default)s)")
    api.add_argument("--rpm", type=float, help="requests-per-minute limit (default: none)")
    api.add_argument("--tpm", type=float, help="tokens-per-minute limit (default: none)")
    api.add_argument("--request-timeout", type=float, default=120.0, metavar="SECONDS",
                     help="per-request timeout in seconds (default: %(default)s)")
    api.add_argument("--max-retries", type=int, default=6,
                     help="retries on 429/5xx/timeouts before a sample is recorded as an error (default: %(default)s)")
    parser.add_argument("--backend-option", action="append", default=[], metavar="KEY=VALUE",
                        help="backend-specific option, repeatable, e.g. endpoint=completions, n_ctx=8192 (default: none)")


def add_output_options(parser: argparse.ArgumentParser, folder: str = "run folder") -> None:
    parser.add_argument("--out", help=f"{folder} (default: <results-dir>/<id derived from the command>)")
    parser.add_argument("--results-dir", default=RESULTS_DIR_DEFAULT,
                        help="where run folders and the response cache live (default: $HARNESS_RESULTS_DIR or %(default)s)")
    parser.add_argument("--cache", help="response cache file (default: <results-dir>/.cache/responses.sqlite)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (default: shown)")


def base_url(args: argparse.Namespace) -> str | None:
    """One --base-url, or several joined by commas (replicas: harness/backends/openai/endpoints.py)."""
    return ",".join(args.base_url) if args.base_url else os.environ.get("OPENAI_BASE_URL")


def backend_options(args: argparse.Namespace):
    """The BackendOptions of a command that used add_model_options."""
    from harness.backends import BackendOptions

    extra: dict[str, object] = dict(parse_settings(args.backend_option, "--backend-option"))
    for key in ("rpm", "tpm"):
        if getattr(args, key) is not None:
            extra[key] = getattr(args, key)
    return BackendOptions(batch_size=args.batch_size, device=args.device, dtype=args.dtype, threads=args.threads,
                          concurrency=args.concurrency, base_url=base_url(args), api_key_env=args.api_key_env,
                          timeout_s=args.request_timeout, max_retries=args.max_retries, extra=extra)
