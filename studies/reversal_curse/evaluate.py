"""Probe a trained model through the normal run path: the `hf:` backend on the saved model folder,
tasks reversal-fictitious (greedy accuracy) and reversal-fictitious-loglik (log P(target) vs the
randomized control), --data pointing at the exported layout folder. Each probe is a real run: run
folder, response cache, metrics table, manifest."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROBE_TASKS = ("reversal-fictitious", "reversal-fictitious-loglik")


@dataclass(frozen=True)
class ProbeOptions:
    device: str = "cpu"
    threads: int = 1
    batch_size: int = 32
    progress: bool = True


def probe_model(model_dir: Path, data_dir: Path, runs_dir: Path, cache_path: Path, seed: int,
                options: ProbeOptions, settings: dict[str, str] | None = None) -> dict[str, Any]:
    """{task: RunOutcome} for both probe tasks on one trained model."""
    from harness.backends import BackendOptions
    from harness.pipeline.runner import RunSpec, run

    outcomes = {}
    for task in PROBE_TASKS:
        spec = RunSpec(
            tasks=[task], model=f"hf:{Path(model_dir).resolve()}", seed=seed, data=str(Path(data_dir).resolve()),
            settings=dict(settings or {}),
            backend_options=BackendOptions(batch_size=options.batch_size, device=options.device, threads=options.threads),
            out=str(runs_dir / task), results_dir=str(runs_dir), cache_path=str(cache_path), progress=options.progress,
        )
        outcomes[task] = run(spec)
    return outcomes
