"""Log-likelihood throughput of the reversal likelihood protocols on the embedded model.

Scores the same (prompt, continuation) pairs one at a time (batch size 1) and batched, and reports
pairs/s for each plus the largest log-prob difference between them (they must agree within 1e-4).
Workloads: 'fictitious' = reverse probes of a generated dataset (short prompts, each with the
target and the randomized control); 'celebrity' = the base protocol's 6-shot prompts (~150 tokens)
over the project's own fixture pairs. Usage:
    python bench/reversal_loglik.py [--workload fictitious|celebrity] [--requests 32] [--batch-sizes 1,8,16] [--threads 1]
"""

from __future__ import annotations

import argparse
import dataclasses

from _common import REPO_ROOT, figure, timer

from harness.backends import BackendOptions, make_backend
from harness.core.registry import get_task
from harness.core.types import Request

FIXTURE_CSV = REPO_ROOT / "tests/fixtures/reversal/celebrity/parent_child_pairs.csv"


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
    with timer() as elapsed:
        results = dict(backend.loglikelihood(requests))
    return elapsed["s"], results


def max_difference(results: dict, reference: dict) -> float:
    return max(abs(a.logprob - b.logprob) for i in results for a, b in zip(results[i].results, reference[i].results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=("fictitious", "celebrity"), default="fictitious")
    parser.add_argument("--requests", type=int, default=32)
    parser.add_argument("--batch-sizes", default="1,8,16", help="the first is the baseline (one at a time: 1)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, help="torch CPU threads (on a shared, oversubscribed machine 1 is often fastest)")
    args = parser.parse_args()
    requests = (fictitious_requests if args.workload == "fictitious" else celebrity_requests)(args.requests)
    pairs = sum(len(r.continuations) for r in requests)
    backend = make_backend("local", BackendOptions(device=args.device, threads=args.threads))
    timed_scores(backend, requests[:2], 2)  # warm-up
    sizes = [int(s) for s in args.batch_sizes.split(",")]
    import torch

    print(f"workload {args.workload}: {len(requests)} requests, {pairs} (prompt, continuation) pairs,"
          f" device {backend.device}, {torch.get_num_threads()} CPU threads")
    baseline_seconds, reference = timed_scores(backend, requests, sizes[0])
    figure(f"batch {sizes[0]}", pairs / baseline_seconds, "pairs/s")
    for size in sizes[1:]:
        seconds, results = timed_scores(backend, requests, size)
        figure(f"batch {size}", pairs / seconds, "pairs/s", f"x{baseline_seconds / seconds:.2f} vs batch {sizes[0]}")
        drift = max_difference(results, reference)
        figure(f"batch {size}: max |logprob diff| vs batch {sizes[0]}", drift, "nats", f"{drift:.1e} (must be < 1e-4)")


if __name__ == "__main__":
    main()
