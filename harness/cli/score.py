"""`harness score`: score predictions made elsewhere with this harness's extraction and metrics."""

from __future__ import annotations

import argparse
import sys

from harness.cli.options import RESULTS_DIR_DEFAULT, add_include_option, parse_settings
from harness.core.errors import counted


def cmd_score(args: argparse.Namespace) -> int:
    from harness.pipeline.rescore import score_predictions
    from harness.report.tables import format_table

    run_dir, rows, missing = score_predictions(args.task, args.data, args.predictions, args.out, parse_settings(args.set),
                                               args.results_dir, seed=args.seed, limit=args.limit)
    if missing:
        print(f"note: {counted(missing, 'sample')} had no prediction and {'was' if missing == 1 else 'were'} left out",
              file=sys.stderr)
    print(format_table(rows))
    print(f"\nrun folder: {run_dir}")
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("score", help="score predictions made elsewhere, no model needed")
    parser.add_argument("task", help="the task the predictions answer (see 'harness list')")
    parser.add_argument("--data", help="the samples: original data, or a file from 'harness generate'"
                                       " (default: the task's generated samples)")
    parser.add_argument("--predictions", required=True,
                        help='JSONL file: {"id": ..., "response": "..."} (or "responses": [...]) per line')
    parser.add_argument("--seed", type=int, default=0,
                        help="without --data: the seed the samples were generated with, as for 'harness generate' (default 0)")
    parser.add_argument("--limit", type=int,
                        help="without --data: how many generated samples to match against (default 100)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="task setting, as for run (default: the family's protocol)")
    add_include_option(parser)
    parser.add_argument("--out", help="run folder (default: <results-dir>/score__...)")
    parser.add_argument("--results-dir", default=RESULTS_DIR_DEFAULT,
                        help="where run folders live (default: $HARNESS_RESULTS_DIR or %(default)s)")
    parser.set_defaults(func=cmd_score)
