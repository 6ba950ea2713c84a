"""The `harness search-study` subcommand (registered through the reasoning_harness.commands entry
point): argument parsing only. The study itself (and anything heavy) is imported when the command
runs, so `harness --help` and `harness list` stay fast. Model, task and output options are the
engine's shared option groups, the same as `harness run`'s."""

from __future__ import annotations

import argparse
import sys

from harness import HarnessError
from harness.study import (
    add_generation_options,
    add_model_options,
    add_output_options,
    add_task_options,
    backend_options_from_args,
    parse_settings,
    stopped,
)


def _int_list(text: str, option: str) -> tuple[int, ...]:
    try:
        values = tuple(int(item) for item in text.split(",") if item.strip())
    except ValueError:
        raise HarnessError(f"{option} expects comma-separated integers like 512,1024, got '{text}'") from None
    if not values:
        raise HarnessError(f"{option} needs at least one value")
    return values


def cmd_search_study(args: argparse.Namespace) -> int:
    from studies.search.study import StudySpec, run_search_study

    spec = StudySpec(
        task=args.task, model=args.model, budgets=_int_list(args.budgets, "--budgets"),
        parallel_n=_int_list(args.parallel_n, "--parallel-n"), min_cap=args.min_cap, temperature=args.temperature,
        strategies=tuple(arm.strip() for arm in args.strategies.split(",") if arm.strip()),
        strategy_options=parse_settings(args.strategy_option, "--strategy-option"),
        top_p=args.top_p, seed=args.seed, limit=args.limit, data=args.data, settings=parse_settings(args.set),
        backend_options=backend_options_from_args(args),
        out=args.out, results_dir=args.results_dir, cache_path=args.cache, progress=not args.no_progress,
    )
    try:
        outcome = run_search_study(spec)
    except KeyboardInterrupt as exc:
        return stopped(exc, "every completion received so far is cached; re-run the same command to resume")
    print(outcome.table)
    for note in outcome.skipped_points:
        print(f"skipped {note}", file=sys.stderr)
    print(f"\nstudy folder: {outcome.study_dir}  (plot: search_study.png; completions: {outcome.cache_hits} from cache,"
          f" {outcome.backend_calls} to the model)")
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:
    study = sub.add_parser(
        "search-study",
        help="sequential backtracking vs parallel best-of-n at equal token budgets (Qin et al. 2025), with budget forcing",
        description="For each total budget B: one completion of B tokens with the backtracking prompt, versus n"
        " completions of B/n tokens (solved if any verifies), and optionally the chain under budget forcing (s1: forced,"
        " extend). Plots accuracy vs generated tokens.",
    )
    study.add_argument("task", help="a task whose family declares a backtracking prompt, e.g. countdown, sudoku-4x4")
    add_model_options(study)
    study.add_argument("--budgets", default="512,1024,2048,4096", help="total tokens per problem, comma-separated (default: %(default)s)")
    study.add_argument("--parallel-n", default="2,4,8", help="samples per budget for the parallel strategy (default: %(default)s)")
    study.add_argument("--strategies", default="sequential,parallel",
                       help="arms, comma-separated: sequential, parallel, forced (budget forcing: the end of thinking forced"
                            " at B), extend ('Wait' when the chain stops early) (default: %(default)s)")
    study.add_argument("--strategy-option", action="append", default=[], metavar="KEY=VALUE",
                       help="option of the forced/extend arms: answer_tokens, delimiter (default: by the model, '</think>'),"
                            " answer_cue, max_waits, wait; repeatable (default: the strategies' own)")
    study.add_argument("--min-cap", type=int, default=32, help="skip parallel points with fewer tokens per sample (default: %(default)s)")
    study.add_argument("--limit", type=int, default=20, help="number of problems (default: %(default)s)")
    add_task_options(study)
    add_generation_options(study, temperature=0.7, top_p=1.0)
    add_output_options(study, folder="study folder")
    study.set_defaults(func=cmd_search_study)
