"""One exception type for every mistake a user can fix; the CLI prints it as one line."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class HarnessError(Exception):
    """A user-facing error: the message says what is wrong and how to fix it."""


class MissingCapability(HarnessError):
    """The model cannot do what was asked of it (log-likelihoods from a chat API, a prefill): a study
    that runs several strategies catches it to skip the ones that cannot run and say why."""


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """'1 sample', '2 samples': counts in messages read as English (never '1 samples')."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """' (did you mean X?)' when a close match exists, else ''."""
    matches = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""
