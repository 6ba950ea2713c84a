"""The `harness` command line. Every user mistake ends in one clear line on stderr and exit 2.

Exit codes: 0 success; 2 a mistake to fix (HarnessError: bad option, missing key, unreachable
endpoint, a folder another run is writing); 3 the run finished but some samples ended in an error
(one stderr line per cause, with counts; re-running the same command retries exactly those);
130 interrupted (everything answered so far is cached).

Only light modules are imported at start-up; the runner and backends load when a command needs them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from harness.errors import HarnessError

EXIT_USAGE = 2
EXIT_SAMPLE_ERRORS = 3


def _settings(pairs: Sequence[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise HarnessError(f"--set expects key=value, got '{pair}'")
        settings[key.strip()] = value.strip()
    return settings


def _split_tasks(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise HarnessError("no task given; run 'harness list' to see all tasks")
    return names


def cmd_list(args: argparse.Namespace) -> int:
    from harness.backends import BACKENDS
    from harness.registry import families

    print("Task families and variants:")
    for family in families():
        source = "generated" if family.generate else "loaded"
        if family.generate and family.load:
            source = "generated or loaded"
        print(f"  {family.name:<28} {family.description} [{source}; primary: {family.primary_metric}]")
        for variant in family.variants:
            overrides = ", ".join(f"{k}={v}" for k, v in family.variants[variant].items())
            print(f"    {variant:<26} {overrides}")
    print("\nModel backends (--model):")
    for prefix, (_, _, description) in BACKENDS.items():
        print(f"  {prefix:<10} {description}")
    return 0


def _backend_options(args: argparse.Namespace):
    from harness.backends import BackendOptions

    extra: dict[str, object] = dict(_settings(args.backend_option))
    for key in ("rpm", "tpm"):
        if getattr(args, key) is not None:
            extra[key] = getattr(args, key)
    return BackendOptions(batch_size=args.batch_size, device=args.device, dtype=args.dtype, threads=args.threads,
                          concurrency=args.concurrency, base_url=args.base_url, api_key_env=args.api_key_env,
                          timeout_s=args.request_timeout, max_retries=args.max_retries, extra=extra)


def cmd_run(args: argparse.Namespace) -> int:
    from harness.runner import GenerationOverrides, RunSpec, failure_summary, run
    from harness.tables import format_table

    spec = RunSpec(
        tasks=_split_tasks(args.tasks), model=args.model, seed=args.seed, limit=args.limit, data=args.data,
        settings=_settings(args.set),
        overrides=GenerationOverrides(n=args.samples, temperature=args.temperature, top_p=args.top_p, max_tokens=args.max_tokens),
        backend_options=_backend_options(args), out=args.out, results_dir=args.results_dir,
        cache_path=args.cache, skip_unavailable=args.skip_unavailable, progress=not args.no_progress,
    )
    try:
        outcome = run(spec)
    except KeyboardInterrupt:
        print("\ninterrupted: every answer received so far is cached; re-run the same command to resume", file=sys.stderr)
        return 130
    for name, reason in outcome.skipped.items():
        print(f"skipped {name}: {reason}", file=sys.stderr)
    print(format_table(outcome.rows))
    print(f"\nrun folder: {outcome.run_dir}  (requests: {outcome.cache_hits} from cache, {outcome.backend_calls} to the model)")
    failures = failure_summary(outcome.records)
    for line in failures:
        print(f"harness: {line}", file=sys.stderr)
    return EXIT_SAMPLE_ERRORS if failures else 0


def cmd_generate(args: argparse.Namespace) -> int:
    from harness.registry import get_task
    from harness.samples import select_samples, write_generated

    task = get_task(args.task, _settings(args.set))
    samples = select_samples(task, seed=args.seed, limit=args.n, data=args.data)
    write_generated(task, samples, args.out)
    print(f"wrote {len(samples)} samples of {args.task} to {args.out}")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from harness.rescore import score_predictions
    from harness.tables import format_table

    run_dir, rows, missing = score_predictions(args.task, args.data, args.predictions, args.out, _settings(args.set), args.results_dir)
    if missing:
        print(f"note: {missing} samples had no prediction and were left out", file=sys.stderr)
    print(format_table(rows))
    print(f"\nrun folder: {run_dir}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Fine-tuning files for tasks whose protocol trains the model first (reversal-fictitious)."""
    from harness.registry import get_task

    task = get_task(args.task, _settings(args.set))
    if task.family.name != "reversal-fictitious":
        raise HarnessError(f"'harness export' writes fine-tuning files for reversal-fictitious only, not '{args.task}'")
    from tasks.reversal.export import export_fictitious

    written = export_fictitious(task.config, args.out, seed=args.seed, source=args.data)
    print(f"wrote {len(written)} files to {args.out} (fine-tune on all_prompts_train.jsonl or chat/all_prompts_train.jsonl;"
          f" then probe with: harness run {args.task} --data {args.out} --model ...)")
    return 0


def cmd_export_lmeval(args: argparse.Namespace) -> int:
    """lm-eval task YAMLs for every registered task, written from the registry (or checked)."""
    from pathlib import Path

    from harness.lmeval_export import export_all, stale_files

    root = Path(args.out)
    if args.check:
        stale = stale_files(root)
        if stale:
            print(f"harness: error: lm-eval YAMLs under {root} are not current: {', '.join(stale)};"
                  f" run 'harness export-lmeval --out {root}'", file=sys.stderr)
            return 1
        print(f"lm-eval YAMLs under {root} are current")
        return 0
    written = export_all(root)
    print(f"wrote {len(written)} lm-eval task files under {root} (*/lmeval/*.yaml);"
          f" run: lm_eval --include_path {root} --tasks countdown --model hf --model_args pretrained=MODEL --apply_chat_template")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from harness.run_folder import read_metrics
    from harness.tables import format_table

    print(format_table(read_metrics(args.run_dir)))
    return 0


def cmd_leaderboard(args: argparse.Namespace) -> int:
    from pathlib import Path

    from harness.leaderboard import find_run_dirs, format_leaderboard, leaderboard_rows, write_leaderboard

    skipped: list[str] = []
    run_dirs = find_run_dirs(args.run_dirs, skipped)
    for reason in skipped:
        print(f"harness: skipped {reason}", file=sys.stderr)
    if not run_dirs:
        raise HarnessError(f"no run folders (with metrics.json) in: {' '.join(args.run_dirs)}")
    rows = leaderboard_rows(run_dirs)
    write_leaderboard(rows, Path(args.out))
    print(format_leaderboard(rows))
    print(f"\nleaderboard: {args.out} ({len(rows)} rows from {len(run_dirs)} runs)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harness", description="Evaluate language models on backward and search-heavy reasoning.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("list", help="list task families, variants and model backends").set_defaults(func=cmd_list)

    run = sub.add_parser("run", help="run tasks on a model")
    run.add_argument("tasks", metavar="TASK[,TASK...]", help="task names, comma-separated, or 'all'")
    run.add_argument("--model", default="local",
                     help="model spec: local (default), hf:<path-or-id>, openai:<model>, lmeval:<model>,<args>,"
                          " llamacpp:<gguf> (see 'harness list')")
    run.add_argument("--limit", type=int, help="number of samples per task (generated: first N; loaded: seeded subset)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--samples", type=int, help="completions per prompt (overrides the protocol's n)")
    run.add_argument("--temperature", type=float)
    run.add_argument("--top-p", type=float)
    run.add_argument("--max-tokens", type=int)
    run.add_argument("--data", help="original data file/folder or dataset hub id (one task)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="task setting, repeatable")
    run.add_argument("--out", help="run folder (default results/<run-id>)")
    run.add_argument("--results-dir", default=os.environ.get("HARNESS_RESULTS_DIR", "results"))
    run.add_argument("--cache", help="response cache file (default <results-dir>/.cache/responses.sqlite)")
    run.add_argument("--batch-size", type=int, default=8)
    run.add_argument("--device", help="cpu, cuda, cuda:1, ... (default: cuda when present)")
    run.add_argument("--dtype", help="float32 (default), bfloat16, float16")
    run.add_argument("--threads", type=int, help="CPU threads for local models (default: torch's choice)")
    api = run.add_argument_group("API backends (openai:<model>)")
    api.add_argument("--base-url", default=os.environ.get("OPENAI_BASE_URL"),
                     help="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1 (default $OPENAI_BASE_URL)")
    api.add_argument("--api-key-env", default="OPENAI_API_KEY", metavar="VAR",
                     help="environment variable holding the API key (the key itself is never written anywhere)")
    api.add_argument("--concurrency", type=int, default=32, help="requests kept in flight (default 32)")
    api.add_argument("--rpm", type=float, help="requests-per-minute limit")
    api.add_argument("--tpm", type=float, help="tokens-per-minute limit")
    api.add_argument("--request-timeout", type=float, default=120.0, metavar="SECONDS", help="per-request timeout")
    api.add_argument("--max-retries", type=int, default=6, help="retries on 429/5xx/timeouts before a sample is an error")
    run.add_argument("--backend-option", action="append", default=[], metavar="KEY=VALUE",
                     help="backend-specific option, repeatable (e.g. endpoint=completions, n_ctx=8192)")
    run.add_argument("--skip-unavailable", action="store_true", help="skip tasks whose data cannot be loaded")
    run.add_argument("--no-progress", action="store_true")
    run.set_defaults(func=cmd_run)

    gen = sub.add_parser("generate", help="write the exact samples a run would use")
    gen.add_argument("task")
    gen.add_argument("--data")
    gen.add_argument("--n", type=int, help="number of samples")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    gen.add_argument("--out", required=True, help="output .jsonl file")
    gen.set_defaults(func=cmd_generate)

    score = sub.add_parser("score", help="score predictions made elsewhere, no model needed")
    score.add_argument("task")
    score.add_argument("--data", help="the samples (original data, or a file from 'harness generate')")
    score.add_argument("--predictions", required=True, help='JSONL: {"id": ..., "response": "..."} per line')
    score.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    score.add_argument("--out")
    score.add_argument("--results-dir", default=os.environ.get("HARNESS_RESULTS_DIR", "results"))
    score.set_defaults(func=cmd_score)

    export = sub.add_parser("export", help="write fine-tuning files (reversal-fictitious: train on 'A is B', probe 'B is A')")
    export.add_argument("task")
    export.add_argument("--out", required=True, help="output folder")
    export.add_argument("--data", help="an original layout folder to convert (default: generate one from --seed)")
    export.add_argument("--seed", type=int, default=0)
    export.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    export.set_defaults(func=cmd_export)

    lmeval = sub.add_parser("export-lmeval", help="write lm-eval task YAMLs for every task (lm_eval --include_path tasks)")
    lmeval.add_argument("--out", default="tasks", help="the tasks/ folder (default: tasks)")
    lmeval.add_argument("--check", action="store_true", help="only check that the files are current (exit 1 if not)")
    lmeval.set_defaults(func=cmd_export_lmeval)

    report = sub.add_parser("report", help="print a run's metrics table")
    report.add_argument("run_dir")
    report.set_defaults(func=cmd_report)

    board = sub.add_parser("leaderboard", help="one row per model x task from run folders")
    board.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
    board.add_argument("--out", default="leaderboard.csv")
    board.set_defaults(func=cmd_leaderboard)

    from harness.search_study_cli import add_search_study_command

    add_search_study_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except HarnessError as exc:
        print(f"harness: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
