"""`harness list` start-up time, as a user sees it (a fresh interpreter each time; target < 0.5 s)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from _common import REPO_ROOT, figure


def main(repeats: int = 5) -> None:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "harness", "list"], cwd=REPO_ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    figure("harness list, median wall time", statistics.median(times), "s", "target < 0.5 s")
    figure("harness list, max wall time", max(times), "s")


if __name__ == "__main__":
    main()
