"""Generation cost per instance: every LR2Bench (task, level) the generator makes, the Sudoku
family's sizes and the Countdown variants, in CPU ms per instance (process time: what a busy box disturbs least) and wall ms,
with the mean over LR2Bench's levels (the round-robin a default `harness run lr2bench-generated`
draws from). ``--check`` also regenerates every sample of tests/fixtures/generated_samples_reference.json
(hashes of samples the generators made before they were sped up) and counts differences;
``--compare-with DIR`` runs the same timing on another checkout (e.g. a worktree of an older commit)
in a fresh process, interleaved, so both are measured under the same load.

    .venv/bin/python bench/generators.py [--count 20] [--check] [--compare-with /path/to/old/checkout]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

from _common import REPO_ROOT

PAIRS = [("logic", level) for level in ("4_4", "4_5", "4_6", "4_7")] + [("cryptogram", "easy"), ("cryptogram", "hard")] + \
        [("sudoku", level) for level in ("4_4_easy", "4_4_hard", "9_9_easy", "9_9_hard")] + [("drop", "easy"), ("drop", "hard")]
SUDOKU = [(2, 2, 6), (2, 3, 14), (3, 3, 34), (3, 3, 28)]


def measure(count: int) -> dict[str, tuple[float, float]]:
    """{name: (CPU ms, wall ms) per instance} for the code on sys.path."""
    from harness.core.registry import get_task
    from tasks.lr2bench.generators import make_item
    from tasks.sudoku.config import SudokuConfig
    from tasks.sudoku.generator import generate_sudoku

    out: dict[str, tuple[float, float]] = {}
    for task, level in PAIRS:
        cpu, wall = time.process_time(), time.perf_counter()
        for k in range(count):
            make_item(task, level, "bench", k)
        out[f"lr2bench {task}/{level}"] = ((time.process_time() - cpu) / count * 1e3, (time.perf_counter() - wall) / count * 1e3)
    for box_rows, box_cols, clues in SUDOKU:
        config = SudokuConfig(box_rows=box_rows, box_cols=box_cols, n_clues=clues)
        cpu, wall = time.process_time(), time.perf_counter()
        for index in range(count):
            generate_sudoku(config, 0, index)
        side = box_rows * box_cols
        out[f"sudoku {side}x{side}, {clues} clues"] = ((time.process_time() - cpu) / count * 1e3,
                                                       (time.perf_counter() - wall) / count * 1e3)
    for name in ("countdown-3", "countdown", "countdown-5"):
        task = get_task(name)
        cpu, wall = time.process_time(), time.perf_counter()
        for index in range(count * 10):
            task.family.generate(task.config, 0, index)
        out[f"{name} (numbers: {task.config.n_numbers})"] = ((time.process_time() - cpu) / count / 10 * 1e3,
                                                              (time.perf_counter() - wall) / count / 10 * 1e3)
    return out


def check_reference() -> tuple[int, int]:
    """(samples regenerated, samples that differ from the reference hashes)."""
    from harness.core.registry import get_task
    from tasks.lr2bench.generators import make_item
    from tasks.sudoku.config import SudokuConfig
    from tasks.sudoku.generator import generate_sudoku

    reference = json.loads((REPO_ROOT / "tests" / "fixtures" / "generated_samples_reference.json").read_text())
    total = differ = 0
    for key, hashes in reference.items():
        parts = key.split("/")
        for k, expected in enumerate(hashes):
            if parts[0] == "lr2bench":
                sample = make_item(parts[1], parts[2], int(parts[3]), k)
            elif parts[0] == "countdown":
                task = get_task(parts[1])
                sample = task.family.generate(task.config, int(parts[2]), k)
            else:
                box_rows, box_cols = map(int, parts[1].split("x"))
                sample = generate_sudoku(SudokuConfig(box_rows=box_rows, box_cols=box_cols, n_clues=int(parts[2])), int(parts[3]), k)
            total += 1
            differ += hashlib.sha256(json.dumps(sample, sort_keys=True).encode()).hexdigest()[:16] != expected
    return total, differ


def run_in(checkout: str, count: int) -> dict[str, tuple[float, float]]:
    """measure() in a fresh process that imports the code of another checkout."""
    # this script's folder first (for measure), then the checkout ahead of the installed package
    code = (f"import sys, json; sys.path.insert(0, {str(REPO_ROOT / 'bench')!r}); from generators import measure;"
            f" sys.path.insert(0, {checkout!r}); import tasks; assert tasks.__file__.startswith({checkout!r}), tasks.__file__;"
            f" print(json.dumps(measure({count})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=checkout, check=True)
    return {k: tuple(v) for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}  # type: ignore[misc]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20, help="instances per (task, level) (default 20)")
    parser.add_argument("--check", action="store_true", help="regenerate the reference samples and count differences")
    parser.add_argument("--compare-with", metavar="DIR", help="another checkout to time the same way")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    runs = {"this checkout": run_in(str(REPO_ROOT), args.count)}
    if args.compare_with:
        runs["compared"] = run_in(args.compare_with, args.count)
        runs["this checkout (again)"] = run_in(str(REPO_ROOT), args.count)
    print(f"load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at end; {args.count} instances each; CPU ms / wall ms per instance")
    names = list(next(iter(runs.values())))
    print(f"{'generator':<34}" + "".join(f"{label:>26}" for label in runs))
    for name in names:
        print(f"{name:<34}" + "".join(f"{run[name][0]:>14.2f} /{run[name][1]:>9.2f}" for run in runs.values()))
    for label, run in runs.items():
        lr2 = [run[name] for name in names if name.startswith("lr2bench")]
        print(f"LR2Bench mean over its {len(lr2)} levels, {label}: {sum(c for c, _ in lr2) / len(lr2):.2f} ms CPU,"
              f" {sum(w for _, w in lr2) / len(lr2):.2f} ms wall (target <= 5 ms)")
    if args.check:
        total, differ = check_reference()
        print(f"reference samples regenerated: {total}, differing: {differ}")
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
