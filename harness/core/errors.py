"""One exception type for every mistake a user can fix; the CLI prints it as one line."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class HarnessError(Exception):
    """A user-facing error: the message says what is wrong and how to fix it."""


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
