"""What caching an answer costs the thread that consumes them, alone and beside a busy thread.

In `harness run` with an API backend, answers reach the runner's thread from the backend's event-loop
thread, and the runner caches each one (harness/pipeline/cache.py ResponseCache.put). Every call
that releases the GIL there (an SQLite commit, a stat of the cache file) hands the GIL to the other
thread, and getting it back can wait for the interpreter's switch interval (5 ms) while that thread
runs Python code. This bench puts N answers (Generation objects like the fake server's) into a fresh
cache, once alone and once while a second thread runs Python code (the event loop parsing replies,
reduced to a loop), each in a fresh process, and prints the wall time per answer and the process's
CPU time. ``--before PATH`` also times another checkout's cache (e.g. the code before a change) in
the same run, interleaved; the order rotates between repeats. CPU is the putting thread's own.

    .venv/bin/python bench/cache_commits.py [--answers 2000] [--repeats 3] [--before /tmp/old]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(repo: str, answers: int, busy: bool) -> dict:
    sys.path.insert(0, repo)
    import threading

    from harness.core.types import Generation
    from harness.pipeline.cache import ResponseCache

    stop = threading.Event()

    def spin() -> None:  # the event-loop thread: Python work that wants the GIL
        while not stop.is_set():
            sum(range(200))

    with tempfile.TemporaryDirectory(prefix="cache-commits-") as scratch:
        cache = ResponseCache(Path(scratch) / "c.sqlite")
        results = [Generation(texts=[f"answer {i} " * 8], finish_reasons=["stop"], prompt_tokens=12, completion_tokens=[16])
                   for i in range(answers)]
        spinner = threading.Thread(target=spin, daemon=True)
        if busy:
            spinner.start()
        cpu, wall = time.thread_time(), time.perf_counter()
        for i, result in enumerate(results):
            cache.put(f"key-{i}", result)
        cache.close()  # commits what a window still holds
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        stop.set()
    return {"wall_s": wall, "cpu_s": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", help="another checkout whose cache to time in the same run")
    parser.add_argument("--child", nargs=2, metavar=("REPO", "BUSY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.answers, args.child[1] == "busy")))
        return
    repos = {"this checkout": str(ROOT)} | ({f"--before {args.before}": args.before} if args.before else {})
    rows: dict[tuple[str, str], list[dict]] = {}
    print(f"{args.answers} answers per run, {args.repeats} repeats; load average {os.getloadavg()[0]:.1f} on"
          f" {os.cpu_count()} cores", flush=True)
    for repeat in range(args.repeats):
        names = list(repos)
        names = names[repeat % len(names):] + names[: repeat % len(names)]
        for name in names:
            for mode in ("alone", "busy"):
                done = subprocess.run([sys.executable, __file__, "--child", repos[name], mode, "--answers", str(args.answers)],
                                      capture_output=True, text=True, timeout=600, cwd=ROOT)
                if done.returncode:
                    raise SystemExit(f"{name} {mode} failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
                rows.setdefault((name, mode), []).append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"load average {os.getloadavg()[0]:.1f} at the end; median (min-max)\n")
    print("| cache | beside | wall ms per answer | its thread's CPU ms per answer |")
    print("|---|---|---|---|")
    for (name, mode), runs in rows.items():
        walls = [1000 * r["wall_s"] / args.answers for r in runs]
        cpus = [1000 * r["cpu_s"] / args.answers for r in runs]
        beside = "a thread running Python" if mode == "busy" else "nothing"
        print(f"| {name} | {beside} | {statistics.median(walls):.3f} ({min(walls):.3f}-{max(walls):.3f}) |"
              f" {statistics.median(cpus):.3f} ({min(cpus):.3f}-{max(cpus):.3f}) |")


if __name__ == "__main__":
    main()
