"""What to tell a user whose run folder cannot be reported: what is missing, and how to finish it.

A folder can be left without results by a run stopped before its first write (Ctrl-C while the
model loads, kill -9, a crash) or by an older version that created the folder before checking its
API key. "not a run folder" is true but leaves the user guessing; this names the missing files and
the command that finishes the run: the one recorded in the folder (manifest.json, or the run's lock
file while it has no manifest yet), else "the command that made it". The answers received before
the stop are in the response cache, so re-running asks only for the rest.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from harness.core.run_lock import LOCK_NAME, lock_holder  # the lock file: pid, then the command as JSON

RUN_FILES = ("samples.jsonl", "metrics.json", "metrics.csv", "manifest.json")


def recorded_command(run_dir: Path) -> str | None:
    """The command that made the folder, shell-quoted, from its manifest or its lock file."""
    command = _manifest(run_dir).get("command")
    if not command:
        command = _lock_command(run_dir)
    if not isinstance(command, list) or not all(isinstance(part, str) for part in command) or not command:
        return None
    return shlex.join(command)


def describe_unfinished(run_dir: Path) -> str:
    """One line: why ``run_dir`` has no results to show, and what to run to get them."""
    run_dir = Path(run_dir)
    if not run_dir.exists():
        return f"no run folder at {run_dir}; give a folder that 'harness run' or 'harness score' printed ('run folder: ...')"
    if not run_dir.is_dir():
        return f"{run_dir} is a file, not a run folder; give a folder that 'harness run' or 'harness score' printed"
    holder = lock_holder(run_dir)
    if holder is not None:
        return f"{run_dir} is still being written by pid {holder}; wait for that run to finish, then report it"
    present = [name for name in RUN_FILES if (run_dir / name).is_file()]
    if not present:
        children = sorted(p.name for p in run_dir.iterdir() if p.is_dir() and (p / "metrics.json").is_file())
        if children:
            return (f"{run_dir} holds run folders, not one run's results ({len(children)} of them);"
                    f" give one, e.g. harness report {run_dir / children[0]} (or: harness leaderboard {run_dir})")
    missing = [name for name in RUN_FILES if name not in present]
    command = recorded_command(run_dir)
    finish = (f"finish it with: {command}" if command else "finish it by re-running the command that made it")
    finish += " (answers received before the stop are cached and not asked again)"
    if not present:
        return (f"{run_dir} has no results yet: the run that made it stopped before its first write"
                f" (missing: {', '.join(missing)}); {finish}")
    return f"{run_dir} is incomplete (missing: {', '.join(missing)}): its run was interrupted; {finish}"


def _manifest(run_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _lock_command(run_dir: Path) -> Any:
    try:
        lines = (run_dir / LOCK_NAME).read_text(encoding="utf-8").splitlines()
        return json.loads(lines[1]) if len(lines) > 1 else None
    except (OSError, ValueError):
        return None
