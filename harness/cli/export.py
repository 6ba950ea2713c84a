"""`harness export`: the files a protocol needs before probing (fine-tuning data), through the
family's `export` hook."""

from __future__ import annotations

import argparse

from harness.cli.options import add_task_options, parse_settings
from harness.core.errors import HarnessError, counted


def cmd_export(args: argparse.Namespace) -> int:
    from harness.core.registry import families, get_task

    task = get_task(args.task, parse_settings(args.set))
    if task.family.export is None:
        offering = ", ".join(f.name for f in families() if f.export is not None) or "none"
        raise HarnessError(f"task '{args.task}' has nothing to export (its family declares no export hook);"
                           f" families with fine-tuning files: {offering}")
    written = task.family.export(task.config, args.out, seed=args.seed, source=args.data)
    print(f"wrote {counted(len(written), 'file')} to {args.out} (fine-tune on them, then probe with:"
          f" harness run {args.task} --data {args.out} --model ...)")
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("export", help="write a protocol's fine-tuning files (e.g. reversal-fictitious:"
                                           " train on 'A is B', probe 'B is A')")
    parser.add_argument("task", help="a task whose family exports files, e.g. reversal-fictitious")
    parser.add_argument("--out", required=True, help="output folder")
    add_task_options(parser, seed_help="seed of the generated dataset when --data is not given")
    parser.set_defaults(func=cmd_export)
