"""Shared bits for benchmark scripts: repo root on sys.path, a timer, and a figure printer."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


@contextmanager
def timer():
    box = {}
    start = time.perf_counter()
    yield box
    box["s"] = time.perf_counter() - start


def figure(name: str, value: float, unit: str, target: str = "") -> None:
    print(f"{name:<52} {value:>10.3f} {unit:<10} {target}")
