"""`harness leaderboard`: one row per model x task x settings from any number of run folders (CSV + HTML)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.core.errors import HarnessError, counted


def cmd_leaderboard(args: argparse.Namespace) -> int:
    from harness.report.leaderboard import find_run_dirs, format_leaderboard, leaderboard_rows, write_leaderboard, write_leaderboard_html

    skipped: list[str] = []
    run_dirs = find_run_dirs(args.run_dirs, skipped)
    for reason in skipped:
        print(f"harness: skipped {reason}", file=sys.stderr)
    if not run_dirs:
        raise HarnessError(f"no run folders (with metrics.json) in: {' '.join(args.run_dirs)}")
    rows = leaderboard_rows(run_dirs, verified=True)  # find_run_dirs has just hashed each folder's files: once is enough
    write_leaderboard(rows, Path(args.out))
    page = write_leaderboard_html(rows, Path(args.out), len(run_dirs))
    print(format_leaderboard(rows))
    print(f"\nleaderboard: {args.out} and {page} ({counted(len(rows), 'row')} from {counted(len(run_dirs), 'run')})")
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("leaderboard", help="one row per model x task x settings from run folders")
    parser.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", help="run folders, or folders holding them (e.g. results)")
    parser.add_argument("--out", default="leaderboard.csv", help="CSV file to write (default: %(default)s)")
    parser.set_defaults(func=cmd_leaderboard)
