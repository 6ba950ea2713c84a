"""`harness run`: tasks on a model -> metrics table, per-sample log, run folder."""

from __future__ import annotations

import argparse
import sys

from harness.cli.options import (
    add_generation_options,
    add_model_options,
    add_output_options,
    add_task_options,
    backend_options,
    parse_settings,
    split_tasks,
)


def cmd_run(args: argparse.Namespace) -> int:
    from harness.cli import EXIT_SAMPLE_ERRORS, stopped
    from harness.pipeline.runner import GenerationOverrides, RunSpec, failure_summary, run
    from harness.report.tables import format_table

    spec = RunSpec(
        tasks=split_tasks(args.tasks), model=args.model, seed=args.seed, limit=args.limit, data=args.data,
        settings=parse_settings(args.set),
        overrides=GenerationOverrides(n=args.samples, temperature=args.temperature, top_p=args.top_p, max_tokens=args.max_tokens),
        backend_options=backend_options(args), out=args.out, results_dir=args.results_dir,
        cache_path=args.cache, skip_unavailable=args.skip_unavailable, progress=not args.no_progress,
        strategy=args.strategy, strategy_options=parse_settings(args.strategy_option, "--strategy-option"),
    )
    try:
        outcome = run(spec, notify=lambda line: print(line, file=sys.stderr))
    except KeyboardInterrupt as exc:
        return stopped(exc, "every answer received so far is cached; re-run the same command to resume")
    for name, reason in outcome.skipped.items():
        print(f"skipped {name}: {reason}", file=sys.stderr)
    print(format_table(outcome.rows, info=outcome.metric_info))
    print(f"\nrun folder: {outcome.run_dir}  (requests: {outcome.cache_hits} from cache, {outcome.backend_calls} to the model)")
    failures = failure_summary(outcome.records)
    for line in failures:
        print(f"harness: {line}", file=sys.stderr)
    return EXIT_SAMPLE_ERRORS if failures else 0


def add_command(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("run", help="run tasks on a model")
    parser.add_argument("tasks", metavar="TASK[,TASK...]", help="task names, comma-separated, or 'all' (see 'harness list')")
    add_model_options(parser)
    parser.add_argument("--limit", type=int,
                        help="samples per task: generated tasks the first N of the seed, loaded data a seeded subset"
                             " of N in file order (default: all loaded records; generated tasks need it)")
    add_task_options(parser)
    parser.add_argument("--samples", type=int, help="completions per prompt, for pass@k / maj@k (default: the protocol's n)")
    parser.add_argument("--max-tokens", type=int, help="new-token limit per completion (default: the protocol's)")
    add_generation_options(parser)
    add_output_options(parser)
    parser.add_argument("--strategy", metavar="NAME",
                        help="answer each sample with a strategy of several requests (see 'harness list --strategies';"
                             " default: the task's own, else one request per sample)")
    parser.add_argument("--strategy-option", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting of the strategy, repeatable (default: the strategy's); with several tasks and no --strategy,"
                             " it reaches the tasks whose own strategy takes it")
    parser.add_argument("--skip-unavailable", action="store_true",
                        help="with several tasks, skip those whose data cannot be loaded (default: stop)")
    parser.set_defaults(func=cmd_run)
