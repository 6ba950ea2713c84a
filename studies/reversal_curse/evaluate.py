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
    """{task: harness.Results} for both probe tasks on one trained model."""
    import harness

    outcomes = {}
    for task in PROBE_TASKS:
        outcomes[task] = harness.evaluate(
            task, model=f"hf:{Path(model_dir).resolve()}", seed=seed, data=str(Path(data_dir).resolve()),
            settings=dict(settings or {}),
            backend_options={"batch_size": options.batch_size, "device": options.device, "threads": options.threads},
            out=runs_dir / task, results_dir=runs_dir, cache=cache_path, progress=options.progress,
        )
    return outcomes
