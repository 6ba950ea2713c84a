"""The `harness` command line: one module per command, shared option groups in options.py.

Exit codes: 0 success; 2 a mistake to fix (HarnessError, one line on stderr: a bad option, a
missing or refused API key, an unreachable endpoint, a folder another run is writing); 3 a run that
finished but where some samples ended in an error (`harness run` prints one stderr line per cause,
with counts; re-running the same command retries exactly those); 130 interrupted.

Every user mistake ends in one clear line on stderr and exit 2. Only light modules are imported at
start-up; the pipeline and backends load when a command needs them. Commands from outside the
engine (studies) join through the `reasoning_harness.commands` entry-point group.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from harness.core.errors import HarnessError

EXIT_USAGE = 2
EXIT_SAMPLE_ERRORS = 3

# the engine's own commands, in the order `harness --help` lists them
COMMAND_MODULES = ("list_tasks", "run", "generate", "score", "behaviours", "export", "export_lmeval", "report", "leaderboard", "view")


def build_parser() -> argparse.ArgumentParser:
    from harness.core.plugins import command_adders

    parser = argparse.ArgumentParser(prog="harness", description="Evaluate language models on backward and search-heavy reasoning.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"harness.cli.{name}").add_command(sub)
    for _, add_command in command_adders():
        add_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        for path in getattr(args, "include", None) or []:
            from harness.core.plugins import include_plugins

            include_plugins(path)
        return args.func(args)
    except HarnessError as exc:
        print(f"harness: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
