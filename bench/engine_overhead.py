"""Engine overhead: scoring + bookkeeping per sample, and re-running a finished 1 000-sample run
from the cache (targets: well under 1 ms per sample; under 2 s and zero model calls)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from _common import figure, timer

from harness.core.registry import get_task
from harness.pipeline.runner import RunSpec, run
from harness.pipeline.samples import select_samples
from harness.pipeline.scoring import score_result
from tests.fake_backend import FakeCountdownBackend

N = 1000


def main() -> None:
    task = get_task("countdown")
    samples = select_samples(task, seed=0, limit=N)
    backend = FakeCountdownBackend()
    results = dict(backend.generate([task.family.build_request(task.config, s) for s in samples]))
    with timer() as t:
        for i, sample in enumerate(samples):
            score_result(task, sample, results[i])
    figure("scoring per sample (countdown verifier)", t["s"] / N * 1000, "ms", "target < 1 ms")

    with tempfile.TemporaryDirectory() as tmp:
        spec = lambda: RunSpec(tasks=["countdown"], limit=N, results_dir=tmp, out=str(Path(tmp) / "run"), progress=False)
        with timer() as first:
            run(spec(), backend_factory=lambda m, o: FakeCountdownBackend())
        with timer() as gen:
            select_samples(task, seed=0, limit=N)
        figure(f"first run, {N} samples, instant fake model", first["s"], "s")
        figure("  of which: generating the 1000 countdown instances", gen["s"], "s")
        figure("  engine bookkeeping per sample (cache write, score, files)", (first["s"] - gen["s"]) / N * 1000, "ms", "target < 1 ms")
        calls = FakeCountdownBackend()
        with timer() as again:
            outcome = run(spec(), backend_factory=lambda m, o: calls)
        figure(f"re-run of the finished {N}-sample run from cache", again["s"], "s", "target < 2 s")
        figure("  model calls during the re-run", outcome.backend_calls, "calls", "target 0")


if __name__ == "__main__":
    main()
