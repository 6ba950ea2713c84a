"""`harness report`: print a finished run's metrics table again (and rebuild its report.html)."""

from __future__ import annotations

import argparse


def cmd_report(args: argparse.Namespace) -> int:
    from harness.report.run_folder import read_metrics
    from harness.report.tables import format_table

    print(format_table(read_metrics(args.run_dir)))
    if args.html:
        from harness.report.html import write_report

        print(f"\nreport: {write_report(args.run_dir)}")
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("report", help="print a run's metrics table")
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a run folder (results/<run-id>) written by run or score")
    parser.add_argument("--html", action="store_true", help="also (re)build the run folder's report.html (default: only print the table)")
    parser.set_defaults(func=cmd_report)
