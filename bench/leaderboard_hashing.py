"""`harness leaderboard` over many big run folders: what checking their commits costs.

Builds one run folder of N Countdown samples with `harness score` (one response each, the
completions bench/scale.py writes), copies it R times (mtimes kept, as `cp -p` and `rsync -a` keep
them), then times `harness leaderboard` over the R folders, each in its own process:

- as committed: every file's (size, mtime_ns) matches manifest.json's "file_stats", nothing is hashed;
- every samples.jsonl touched (new mtime, same bytes): each is hashed once and accepted;
- manifests without "file_stats" (folders written before it): every file is hashed once.

``--repo PATH`` also times another checkout's `harness leaderboard` on the stat-less copies (e.g.
the code before this change: `git worktree add /tmp/old <commit>`), which is how the "before"
figure in bench/README.md was taken.

    .venv/bin/python bench/leaderboard_hashing.py [--runs 200] [--samples 10000] [--repo /tmp/old]

Prints wall and CPU seconds per phase (median of --repeats). Writes under a temporary folder it removes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO_ROOT
from scale import completions


def harness(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of `python -m harness ...` run from ``cwd`` (whose harness package it imports)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "harness", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(cwd)}, timeout=3600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"harness {' '.join(args[:2])} failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def build(work: Path, samples: int, runs: int) -> list[Path]:
    samples_file, predictions = work / "samples.jsonl", work / "predictions.jsonl"
    harness(["generate", "countdown", "--n", str(samples), "--out", str(samples_file)], REPO_ROOT)
    with samples_file.open(encoding="utf-8") as source, predictions.open("w", encoding="utf-8") as out:
        for index, line in enumerate(source):
            sample = json.loads(line)
            out.write(json.dumps({"id": sample["id"], "responses": completions(sample, 1, index)}) + "\n")
    first = work / "results" / "run-000"
    harness(["score", "countdown", "--predictions", str(predictions), "--limit", str(samples), "--out", str(first)],
            REPO_ROOT)
    folders = [first]
    for i in range(1, runs):
        folders.append(Path(shutil.copytree(first, work / "results" / f"run-{i:03d}")))  # copy2: mtimes kept
    return folders


def timed(label: str, args: list[str], cwd: Path, repeats: int) -> None:
    walls, cpus = zip(*(harness(args, cwd) for _ in range(repeats)))
    print(f"  {label:<58} {statistics.median(walls):>7.2f} s wall {statistics.median(cpus):>7.2f} s CPU", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--repo", help="also time this checkout's harness on the folders without file_stats")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="leaderboard-hashing-") as scratch:
        work = Path(scratch)
        folders = build(work, args.samples, args.runs)
        size = sum(f.stat().st_size for f in folders[0].iterdir() if f.is_file())
        print(f"{args.runs} run folders of {args.samples} samples ({size / 1e6:.1f} MB each, {args.runs * size / 1e9:.2f} GB);"
              f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; median of {args.repeats}")
        board = ["leaderboard", str(work / "results"), "--out", str(work / "board.csv")]
        timed("as committed (sizes and mtimes match: nothing hashed)", board, REPO_ROOT, args.repeats)
        for folder in folders:
            path = folder / "samples.jsonl"
            stat = path.stat()
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        timed("every samples.jsonl touched (each hashed once)", board, REPO_ROOT, 1)
        for folder in folders:
            manifest = folder / "manifest.json"
            data = json.loads(manifest.read_text(encoding="utf-8"))
            data.pop("file_stats", None)
            manifest.write_text(json.dumps(data), encoding="utf-8")
        timed("manifests without file_stats (every file hashed once)", board, REPO_ROOT, args.repeats)
        if args.repo:
            timed(f"the same with {args.repo}", board, Path(args.repo), args.repeats)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
