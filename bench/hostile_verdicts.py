"""Time per hostile verdict: answers built to make a scorer slow, scored by every family's scorer.

Each case runs in its own process (a time limit and a 4 GB memory limit, so an old or broken scorer
that would run for hours or eat the machine is stopped and reported as such). The cases: LR2Bench
answers that chain operations each within the per-operation limits (the issue's
``[3**661000 + ...]``), single slow operations, slow parses, crafted hash collisions and values
whose ``str()`` never ends; TinyZero-rewarded Countdown equations with the largest power the
sample's own numbers allow; and a megabyte of text, brackets or tags for every family.

Prints one line per case (seconds, the verdict's primary metric, whether an answer was extracted)
and the slowest verdict; the target is every verdict within a second. Measured on this 2-core
machine (busy): the slowest verdict took 30.6 s before the work budget (the issue's answer; a value
whose str() walks 10^8 items ran past the 120 s limit) and 0.29 s with it.

    python bench/hostile_verdicts.py                 # all cases
    python bench/hostile_verdicts.py --timeout 60 --only lr2bench
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
from itertools import permutations
from typing import Any

from _common import REPO_ROOT

MEGABYTE = 1_000_000
P61 = 2**61 - 1  # CPython hashes n to n mod P61: its multiples collide


def lr2bench_cases() -> dict[str, tuple[str, str]]:
    """name -> (the LR2Bench task whose sample scores it, the response)."""
    grid = lambda expression: ("sudoku", f"<Answer>[[{expression}]]</Answer>")  # noqa: E731 - cells compared with ==
    mapping = lambda expression: ("cryptogram", f"<Mapping>{{'A': {expression}}}</Mapping>")  # noqa: E731 - values str()-ed
    return {
        "300 powers of a million bits (the issue's answer)": grid(" + ".join(["3**661000"] * 300)),
        "one division of 10^6 by 5x10^5 bits": grid("0x" + "f" * 250_000 + " // 0x" + "f" * 125_000),
        "330 000 list items (660 kB to parse)": grid("1," * 330_000),
        "20 000 keys with one hash": grid("{" + ", ".join(str(k * P61) for k in range(1, 20_001)) + "}"),
        "str() walks 10^8 items": mapping("[[[[0] * 100] * 100] * 100] * 100"),
        "str() of 3 000 integers of 4 000 digits": mapping("[10 ** 3999] * 3000"),
        "40 comparisons of 900 000-item lists": grid(" == ".join(["[0] * 900000"] * 40)),
        "1 MB of '{'": ("sudoku", "<Answer>" + "{" * MEGABYTE + "</Answer>"),
        "1 MB of text, no tags": ("sudoku", "x" * MEGABYTE),
        "100 000 answer tags": ("sudoku", "<Answer>{}</Answer>" * 100_000),
    }


def countdown_cases(sample: dict) -> dict[str, str]:
    nums = list(sample["nums"])
    return {
        "TinyZero: the largest power the numbers allow": f"<answer>{largest_power(nums)}</answer>",
        "1 MB of parentheses": "<answer>" + "(" * MEGABYTE + "</answer>",
        "1 MB of text": "x" * MEGABYTE,
    }


def largest_power(nums: list[int]) -> str:
    """The equation using every number once whose integer power is the biggest that TinyZero's
    scorer still computes (under its 2^22-bit limit): what makes its reward slowest."""
    from tasks.countdown.tinyzero import MAX_POWER_BITS

    best, best_bits = "", -1.0
    for order in permutations(nums):
        base, rest = order[0], order[1:]
        if base < 3 or base & (base - 1) == 0:
            continue  # 0, 1 and powers of two are cheap
        for split in range(len(rest) + 1):
            exponent, tail = rest[:split] or (1,), rest[split:]
            bits = math.log2(base) * math.prod(exponent)
            if best_bits < bits <= MAX_POWER_BITS:
                power = f"{base} ** ({' * '.join(map(str, exponent))})"
                best, best_bits = (f"{power} * {' * '.join(map(str, tail))}" if tail else power), bits
    return best or " * ".join(map(str, nums))


def plain_cases() -> dict[str, str]:
    return {"1 MB of text": "x" * MEGABYTE, "1 MB of '['": "[" * MEGABYTE, "100 000 'Answer:' lines": "Answer: yes\n" * 100_000}


FAMILIES: dict[str, Any] = {  # task -> its cases
    "lr2bench-generated": lr2bench_cases,
    "countdown": countdown_cases,
    "sudoku-4x4": plain_cases,
    "counterbench": plain_cases,
    "reversal-incontext": plain_cases,
}


def pick_sample(task_name: str, kind: str | None = None):
    """The task and its first sample (for LR2Bench, the first of the given kind)."""
    from harness.core.registry import get_task
    from harness.pipeline.samples import select_samples

    task = get_task(task_name)
    samples = select_samples(task, seed=0, limit=12)
    return task, next(s for s in samples if kind is None or s["task"] == kind)


def score_one(task_name: str, case: str) -> None:
    """In the child: score one case and print {seconds, scores, answered} as JSON."""
    import time

    kind = None
    if task_name == "lr2bench-generated":
        kind, text = lr2bench_cases()[case]
        task, sample = pick_sample(task_name, kind)
    else:
        task, sample = pick_sample(task_name)
        cases = FAMILIES[task_name]
        text = (cases(sample) if cases is countdown_cases else cases())[case]
    start = time.perf_counter()
    verdict = task.family.score(task.config, sample, text)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "scores": verdict.scores, "answered": verdict.answer is not None}))


def run_case(task_name: str, case: str, timeout_s: float) -> dict:
    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    try:
        done = subprocess.run([sys.executable, __file__, "--child", task_name, case], capture_output=True, text=True,
                              timeout=timeout_s, cwd=REPO_ROOT, preexec_fn=limit_memory)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "note": f"stopped after {timeout_s:g} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"seconds": None, "note": f"crashed (exit {done.returncode}): {last[:80]}"}
    return json.loads(lines[-1])


def case_names(task_name: str) -> list[str]:
    cases = FAMILIES[task_name]
    if cases is countdown_cases:
        return list(countdown_cases({"nums": [2, 3, 4, 5]}))
    return list(cases())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per case before it is stopped")
    parser.add_argument("--only", help="one task (e.g. lr2bench-generated)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        score_one(*args.child)
        return 0
    worst = 0.0
    failures = 0
    print(f"{'task':<20} {'case':<52} {'seconds':>9}  verdict")
    for task_name in FAMILIES:
        if args.only and task_name != args.only:
            continue
        for case in case_names(task_name):
            result = run_case(task_name, case, args.timeout)
            if result.get("seconds") is None:
                failures += 1
                print(f"{task_name:<20} {case:<52} {'-':>9}  {result['note']}")
                continue
            worst = max(worst, result["seconds"])
            primary = next(iter(result["scores"].items()))
            answered = "answer extracted" if result["answered"] else "unparseable"
            print(f"{task_name:<20} {case:<52} {result['seconds']:>9.3f}  {answered}, {primary[0]}={primary[1]:g}")
    print(f"slowest verdict: {worst:.3f} s; cases stopped or crashed: {failures} (target: every verdict within 1 s)")
    return 0 if worst < 1.0 and failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
