"""The `harness search-study` subcommand: argument parsing only. The study itself (and anything
heavy) is imported when the command runs, so `harness --help` and `harness list` stay fast."""

from __future__ import annotations

import argparse
import os
import sys

from harness.errors import HarnessError


def _int_list(text: str, option: str) -> tuple[int, ...]:
    try:
        values = tuple(int(item) for item in text.split(",") if item.strip())
    except ValueError:
        raise HarnessError(f"{option} expects comma-separated integers like 512,1024, got '{text}'") from None
    if not values:
        raise HarnessError(f"{option} needs at least one value")
    return values


def cmd_search_study(args: argparse.Namespace) -> int:
    from harness.backends import BackendOptions
    from harness.cli import _settings
    from harness.search_study import StudySpec, run_search_study

    spec = StudySpec(
        task=args.task, model=args.model, budgets=_int_list(args.budgets, "--budgets"),
        parallel_n=_int_list(args.parallel_n, "--parallel-n"), min_cap=args.min_cap, temperature=args.temperature,
        top_p=args.top_p, seed=args.seed, limit=args.limit, data=args.data, settings=_settings(args.set),
        backend_options=BackendOptions(batch_size=args.batch_size, device=args.device, dtype=args.dtype),
        out=args.out, results_dir=args.results_dir, cache_path=args.cache, progress=not args.no_progress,
    )
    try:
        outcome = run_search_study(spec)
    except KeyboardInterrupt:
        print("\ninterrupted: every completion received so far is cached; re-run the same command to resume", file=sys.stderr)
        return 130
    print(outcome.table)
    for note in outcome.skipped_points:
        print(f"skipped {note}", file=sys.stderr)
    print(f"\nstudy folder: {outcome.study_dir}  (plot: search_study.png; completions: {outcome.cache_hits} from cache,"
          f" {outcome.backend_calls} to the model)")
    return 0


def add_search_study_command(sub: argparse._SubParsersAction) -> None:
    study = sub.add_parser(
        "search-study",
        help="sequential backtracking vs parallel best-of-n at equal token budgets (Qin et al. 2025)",
        description="For each total budget B: one completion of B tokens with the backtracking prompt, versus n"
        " completions of B/n tokens (solved if any verifies). Plots accuracy vs generated tokens.",
    )
    study.add_argument("task", help="a task with prompt_style=backtrack, e.g. countdown, sudoku-4x4")
    study.add_argument("--model", default="local", help="model spec: local (default), hf:<path-or-id>, ...")
    study.add_argument("--budgets", default="512,1024,2048,4096", help="total tokens per problem, comma-separated")
    study.add_argument("--parallel-n", default="2,4,8", help="samples per budget for the parallel strategy")
    study.add_argument("--min-cap", type=int, default=32, help="skip parallel points with fewer tokens per sample")
    study.add_argument("--limit", type=int, default=20, help="number of problems (default 20)")
    study.add_argument("--seed", type=int, default=0)
    study.add_argument("--temperature", type=float, default=0.7, help="sampling temperature of both strategies")
    study.add_argument("--top-p", type=float, default=1.0)
    study.add_argument("--data", help="original data file/folder instead of generated problems")
    study.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="task setting, repeatable")
    study.add_argument("--out", help="study folder (default results/search-study__...)")
    study.add_argument("--results-dir", default=os.environ.get("HARNESS_RESULTS_DIR", "results"))
    study.add_argument("--cache", help="response cache file (default <results-dir>/.cache/responses.sqlite)")
    study.add_argument("--batch-size", type=int, default=8)
    study.add_argument("--device")
    study.add_argument("--dtype")
    study.add_argument("--no-progress", action="store_true")
    study.set_defaults(func=cmd_search_study)
