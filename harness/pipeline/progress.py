"""The per-task progress bar: moves per finished request, and redraws every few seconds even when
none finishes, so elapsed time and rate stay visible while a slow model works (a silent bar on a
busy machine looks like a hang)."""

from __future__ import annotations

import threading
from typing import Any

TICK_S = 5.0


class ProgressBar:
    """A tqdm bar on stderr (nothing when disabled) plus a daemon thread that refreshes it."""

    def __init__(self, total: int, desc: str, enabled: bool, unit: str = "req") -> None:
        from tqdm import tqdm

        self._bar: Any = tqdm(total=total, desc=desc, unit=unit, disable=not enabled, leave=False,
                              dynamic_ncols=True, mininterval=0.2)
        self._stopped = threading.Event()
        self._ticker: threading.Thread | None = None
        if enabled:
            self._ticker = threading.Thread(target=self._tick, name="progress-tick", daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        while not self._stopped.wait(TICK_S):
            self._bar.refresh()

    def update(self, n: int = 1) -> None:
        self._bar.update(n)

    def close(self) -> None:
        self._stopped.set()
        if self._ticker is not None:
            self._ticker.join(timeout=1)
        self._bar.close()
