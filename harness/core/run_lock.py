"""One writer per run folder: an exclusive lock on ``<run folder>/.lock`` for the whole run.

Two runs of the same command would otherwise write the same files; the second one now stops at
once with "results/<id> is being written by pid N" (the lock file holds the pid, then the command as
JSON, which `harness report` quotes for a folder that has no results yet), before it asks the
model anything. The lock is an OS file lock (flock), so a run killed with kill -9
releases it by dying: there is never a stale lock to delete by hand. A run folder that this run
created and never committed (a fatal error after the start) is removed again, so failed starts
leave nothing behind. On systems without fcntl (Windows) runs are not locked.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from harness.core.errors import HarnessError, storage_error
from harness.core.files import command_line

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".lock"


def lock_holder(run_dir: Path) -> str | None:
    """The pid of a live run holding ``run_dir``'s lock, else None (no lock file, or its run died)."""
    path = Path(run_dir) / LOCK_NAME
    if fcntl is None or not path.is_file():
        return None
    handle = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        first_line = os.read(handle, 64).split(b"\n", 1)[0]
        return first_line.decode("ascii", "replace").strip() or "another process"
    finally:
        os.close(handle)  # also drops the shared lock taken just now
    return None


class RunFolderLock:
    """``acquire()`` creates the folder if needed and locks it; ``release()`` unlocks it."""

    def __init__(self, run_dir: Path, commit_file: str = "manifest.json") -> None:
        self.run_dir = Path(run_dir)
        self.commit_file = commit_file
        self._handle: int | None = None
        self._created = False

    def check_free(self) -> None:
        """Stop now, before a model loads, when another live run holds the folder (acquire() then
        takes the lock for real: a run that starts in between is still refused there)."""
        holder = lock_holder(self.run_dir)
        if holder is not None:
            raise self._busy(holder)

    def _busy(self, holder: str) -> HarnessError:
        return HarnessError(f"{self.run_dir} is being written by pid {holder}; wait for that run to finish"
                            " (its answers are cached for this one), or give this run another --out")

    def acquire(self) -> None:
        self._created = not self.run_dir.exists()
        path = self.run_dir / LOCK_NAME
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            self._created = False
            raise storage_error(exc, "give --out (or --results-dir) on writable storage, or free space there") or exc from None
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                first_line = os.read(handle, 64).split(b"\n", 1)[0]
                holder = first_line.decode("ascii", "replace").strip() or "another process"
                os.close(handle)
                self._created = False
                raise self._busy(holder) from None
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()}\n{json.dumps(command_line())}\n".encode())
        self._handle = handle

    def release(self) -> None:
        if self._handle is None:
            return
        if self._created and not (self.run_dir / self.commit_file).exists():
            try:
                leftovers = [p for p in self.run_dir.iterdir() if p.name != LOCK_NAME and ".tmp" not in p.name]
            except OSError:  # the folder is gone already (deleted during the run)
                leftovers = [self.run_dir]
            if not leftovers:  # nothing was ever committed here: leave no empty folder behind
                shutil.rmtree(self.run_dir, ignore_errors=True)
        os.close(self._handle)  # closing drops the flock
        self._handle = None
