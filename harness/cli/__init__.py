"""The `harness` command line: one module per command, shared option groups in options.py.

Exit codes: 0 success; 2 a mistake to fix (HarnessError, one line on stderr: a bad option, a
missing or refused API key, an unreachable endpoint, a folder another run is writing); 3 a run that
finished but where some samples ended in an error (`harness run` prints one stderr line per cause,
with counts; re-running the same command retries exactly those); 4 storage (StorageError or an
OSError about a file: read-only or full disk, the results folder deleted during the run; one line
names the file and what to do); 130 interrupted (Ctrl-C); 143 terminated (SIGTERM, handled like
Ctrl-C: the same message, nothing half-written left behind).

Every user mistake ends in one clear line on stderr and exit 2. Only light modules are imported at
start-up; the pipeline and backends load when a command needs them. Commands from outside the
engine (studies) join through the `reasoning_harness.commands` entry-point group.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Sequence

from harness.core.errors import HarnessError, StorageError, Terminated, did_you_mean, storage_error

EXIT_USAGE = 2
EXIT_SAMPLE_ERRORS = 3
EXIT_STORAGE = 4
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, what a shell reports for a process SIGTERM ended

# the engine's own commands, in the order `harness --help` lists them
COMMAND_MODULES = ("list_tasks", "run", "generate", "score", "behaviours", "export", "export_lmeval", "report", "leaderboard", "view")


class HarnessArgumentParser(argparse.ArgumentParser):
    """argparse, plus "did you mean" for an unknown option (`--max_tokens` -> `--max-tokens`)."""

    def error(self, message: str):  # type: ignore[override]
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            unknown = next((word for word in message[len(prefix):].split() if word.startswith("-")), None)
            if unknown:
                message += did_you_mean(unknown.split("=", 1)[0].replace("_", "-"), self._all_option_strings()) or \
                    did_you_mean(unknown.split("=", 1)[0], self._all_option_strings())
        super().error(message)

    def _all_option_strings(self) -> list[str]:
        options = list(self._option_string_actions)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    options.extend(sub._option_string_actions)
        return [o for o in dict.fromkeys(options) if o.startswith("--")]


def build_parser() -> argparse.ArgumentParser:
    from harness.core.plugins import command_adders

    parser = HarnessArgumentParser(prog="harness", description="Evaluate language models on backward and search-heavy reasoning.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"harness.cli.{name}").add_command(sub)
    for _, add_command in command_adders():
        add_command(sub)
    return parser


def stopped(exc: KeyboardInterrupt, what_is_kept: str) -> int:
    """The line and exit code for a command stopped by Ctrl-C (130) or SIGTERM (143)."""
    terminated = isinstance(exc, Terminated)
    print(f"\n{'terminated (SIGTERM)' if terminated else 'interrupted'}: {what_is_kept}", file=sys.stderr)
    return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    previous = None
    if threading.current_thread() is threading.main_thread():  # SIGTERM unwinds like Ctrl-C: finally blocks run
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        for path in getattr(args, "include", None) or []:
            from harness.core.plugins import include_plugins

            include_plugins(path)
        return args.func(args)
    except StorageError as exc:
        print(f"harness: error: {exc}", file=sys.stderr)
        return EXIT_STORAGE
    except HarnessError as exc:
        print(f"harness: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        problem = storage_error(exc)
        if problem is None:
            raise
        print(f"harness: error: {problem}", file=sys.stderr)
        return EXIT_STORAGE
    except KeyboardInterrupt as exc:  # a command that did not say what it kept
        return stopped(exc, "stopped before finishing; re-run the same command")
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
