"""One exception type for every mistake a user can fix; the CLI prints it as one line.

``StorageError`` is the kind of it that storage causes (read-only or full disk, a damaged cache, a
results folder deleted during a run): the CLI exits with its own code (4), so scripts can tell a
disk problem from a wrong option. ``Terminated`` is SIGTERM turned into an interruption, so that
`timeout`, Slurm, docker and systemd stop a run the way Ctrl-C does.
"""

from __future__ import annotations

import difflib
import errno
from collections.abc import Iterable
from pathlib import Path


class HarnessError(Exception):
    """A user-facing error: the message says what is wrong and how to fix it."""


class MissingCapability(HarnessError):
    """The model cannot do what was asked of it (log-likelihoods from a chat API, a prefill): a study
    that runs several strategies catches it to skip the ones that cannot run and say why."""


class StorageError(HarnessError):
    """A file the harness must write or read cannot be; the message names it and what to do."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C's KeyboardInterrupt would be (harness/cli/__init__.py)."""


_STORAGE_ERRNOS = {errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EIO, errno.ENOENT,
                   errno.ENOTDIR, errno.EISDIR, errno.EFBIG}
STORAGE_HINT = ("free space or make it writable (or point --out / --results-dir / --cache elsewhere), then re-run"
                " the same command: every answer received so far is cached")


def storage_error(exc: OSError, hint: str = STORAGE_HINT, path: str | Path | None = None) -> StorageError | None:
    """A one-line StorageError for an OSError about a file (``path``, else the one the error names),
    or None for an OSError that is no storage problem (a network error, say)."""
    where = path if path is not None else exc.filename
    if where is None or exc.errno not in _STORAGE_ERRNOS:
        return None
    return StorageError(f"cannot write {where} ({exc.strerror or type(exc).__name__}); {hint}")


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """'1 sample', '2 samples': counts in messages read as English (never '1 samples')."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """' (did you mean X?)' when a close match exists, else ''."""
    matches = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


NOT_RETRIED = "(not retried: "  # ends the error of a request that fails the same way every time


def permanent_error(message: str, why: str) -> str:
    """The error text of a request that a re-run cannot fix (a prompt longer than the model's context,
    a request the server refuses): the run's failure summary then gives no re-run advice."""
    return f"{message} {NOT_RETRIED}{why})"


def is_permanent_error(error: str) -> bool:
    return NOT_RETRIED in error
