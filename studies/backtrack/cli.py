"""The `harness backtrack-study` subcommand (registered through the reasoning_harness.commands entry
point): argument parsing only; the study is imported when the command runs, so `harness list` stays fast."""

from __future__ import annotations

import argparse
import sys

from harness.study import (
    add_model_options,
    add_output_options,
    add_task_options,
    backend_options_from_args,
    parse_settings,
)


def cmd_backtrack_study(args: argparse.Namespace) -> int:
    from studies.backtrack.locations import parse_sources
    from studies.backtrack.strategy import BacktrackOptions
    from studies.backtrack.study import StudySpec, run_backtrack_study

    spec = StudySpec(
        task=args.task, model=args.model, sources=parse_sources(args.locations), from_run=args.from_run,
        options=BacktrackOptions(max_draws=args.max_draws, temperature=args.temperature, top_p=args.top_p,
                                 max_tokens=args.max_tokens),
        seed=args.seed, limit=args.limit, data=args.data, settings=parse_settings(args.set),
        backend_options=backend_options_from_args(args), out=args.out, results_dir=args.results_dir,
        cache_path=args.cache, progress=not args.no_progress,
    )
    try:
        outcome = run_backtrack_study(spec)
    except KeyboardInterrupt:
        print("\ninterrupted: every completion received so far is cached; re-run the same command to resume", file=sys.stderr)
        return 130
    print(outcome.table)
    print(f"\nstudy folder: {outcome.study_dir}  (requests: {outcome.cache_hits} from cache, {outcome.backend_calls} to the model)")
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:
    study = sub.add_parser(
        "backtrack-study",
        help="regenerate each trace from its mistake, then compare answers (Tyen et al. 2024, backtracking)",
        description="For each trace and location (the gold first mistake, a random step, or a model's own from a"
        " mistake-finding run): draw that step again at temperature 1 until it differs (at most --max-draws), continue"
        " greedily, and report accuracy before and after on the traces that were right and those that were wrong."
        " Continuing a partial trace needs a backend that can prefill the model's turn.",
    )
    study.add_argument("task", help="a task whose traces can be backtracked: mistake-finding (with --data) or mistake-finding-generated")
    add_model_options(study)
    study.add_argument("--locations", default="gold,random",
                       help="location sources, comma-separated: gold, random, model (default: %(default)s)")
    study.add_argument("--from-run", metavar="RUN_FOLDER",
                       help="a mistake-finding run over the same traces: its answers are the 'model' locations")
    study.add_argument("--limit", type=int, default=20, help="number of traces (default: %(default)s)")
    study.add_argument("--max-draws", type=int, default=8, help="draws of the step until one differs (default: %(default)s)")
    group = study.add_argument_group("generation")
    group.add_argument("--temperature", type=float, default=1.0, help="temperature of the step's draws (default: %(default)s)")
    group.add_argument("--top-p", type=float, default=1.0, help="nucleus mass of the step's draws (default: %(default)s)")
    group.add_argument("--max-tokens", type=int, default=0, help="cap on the greedy continuation (default: the family's)")
    add_task_options(study)
    add_output_options(study, folder="study folder")
    study.set_defaults(func=cmd_backtrack_study)
