"""`harness generate`: write the exact samples a run would use (ids, gold, the sample itself)."""

from __future__ import annotations

import argparse

from harness.cli.options import add_task_options, parse_settings
from harness.core.errors import counted


def cmd_generate(args: argparse.Namespace) -> int:
    from harness.core.registry import get_task
    from harness.pipeline.samples import select_samples, write_generated

    task = get_task(args.task, parse_settings(args.set))
    samples = select_samples(task, seed=args.seed, limit=args.n, data=args.data)
    write_generated(task, samples, args.out)
    print(f"wrote {counted(len(samples), 'sample')} of {args.task} to {args.out}")
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("generate", help="write the exact samples a run would use")
    parser.add_argument("task", help="one task name (see 'harness list')")
    parser.add_argument("--n", type=int, help="number of samples (as run --limit; default: all loaded records)")
    add_task_options(parser)
    parser.add_argument("--out", required=True, help="output .jsonl file (one sample per line)")
    parser.set_defaults(func=cmd_generate)
