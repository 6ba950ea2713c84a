"""Log-likelihood throughput of the reversal likelihood protocols on the embedded model.

Scores the same (prompt, continuation) pairs one at a time (batch size 1) and batched, and reports
pairs/s for each plus the largest log-prob difference between them (they must agree within 1e-4).
Workloads: 'fictitious' = reverse probes of a generated dataset (short prompts, each with the
target and the randomized control); 'celebrity' = the base protocol's 6-shot prompts (~150 tokens)
over the project's own fixture pairs. Usage:
    python bench/reversal_loglik.py [--workload fictitious|celebrity] [--requests 32] [--batch-sizes 1,8,16]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.backends import BackendOptions, make_backend  # noqa: E402
from harness.registry import get_task  # noqa: E402
from harness.types import Request  # noqa: E402

FIXTURE_CSV = Path(__file__).resolve().parents[1] / "tests/fixtures/reversal/celebrity/parent_child_pairs.csv"


def fictitious_requests(count: int) -> list[Request]:
    task = get_task("reversal-fictitious-loglik", {"splits": "p2d_reverse_prompts_test,d2p_reverse_prompts_test"})
    return [task.family.build_request(task.config, task.family.generate(task.config, 0, i)) for i in range(count)]


def celebrity_requests(count: int) -> list[Request]:
    from tasks.reversal.celebrity_data import load_celebrity_pairs

    task = get_task("reversal-celebrity-base")
    samples = list(load_celebrity_pairs(str(FIXTURE_CSV), task.config))
    # the fixture is small: repeat it with the "uniform" prompt style to get distinct prompts
    uniform = dataclasses.replace(task.config, base_prompt="uniform")
    requests = [task.family.build_request(cfg, s) for cfg in (task.config, uniform) for s in samples]
    return (requests * (count // len(requests) + 1))[:count]


def timed_scores(backend, requests: list[Request], batch_size: int) -> tuple[float, dict]:
    backend.options.batch_size = batch_size
    start = time.perf_counter()
    results = dict(backend.loglikelihood(requests))
    return time.perf_counter() - start, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=("fictitious", "celebrity"), default="fictitious")
    parser.add_argument("--requests", type=int, default=32)
    parser.add_argument("--batch-sizes", default="1,8,16")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    requests = (fictitious_requests if args.workload == "fictitious" else celebrity_requests)(args.requests)
    pairs = sum(len(r.continuations) for r in requests)
    backend = make_backend("local", BackendOptions(device=args.device))
    timed_scores(backend, requests[:2], 2)  # warm-up
    sizes = [int(s) for s in args.batch_sizes.split(",")]
    print(f"workload {args.workload}: {len(requests)} requests, {pairs} pairs, device {backend.device}")
    reference = None
    baseline_rate = None
    for size in sizes:
        seconds, results = timed_scores(backend, requests, size)
        rate = pairs / seconds
        baseline_rate = baseline_rate or rate
        if reference is None:
            reference, drift = results, 0.0
        else:
            drift = max(abs(a.logprob - b.logprob) for i in results for a, b in zip(results[i].results, reference[i].results))
        print(f"batch {size:>3}: {rate:7.2f} pairs/s  ({seconds:6.2f} s, x{rate / baseline_rate:4.2f} vs batch {sizes[0]},"
              f" max |logprob diff| vs batch {sizes[0]} = {drift:.2e})")


if __name__ == "__main__":
    main()
