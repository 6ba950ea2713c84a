"""Where to backtrack each trace from: the gold location, a random one, or a model's own.

gold    the trace's annotated first mistake (traces without one are left as they are)
random  a step drawn uniformly from the trace, seeded per trace, for the traces the gold location
        backtracks (the same traces, so the two compare like with like): the paper's baseline that
        tells the value of knowing where the mistake is from the value of simply regenerating
model   the first mistake a model named in a mistake-finding run (``--from-run``: a run folder of a
        mistake-finding task over the same traces); "No" leaves a trace as it is
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import HarnessError, Sample, StepTraces, load_run

SOURCES = ("gold", "random", "model")


def parse_sources(text: str) -> tuple[str, ...]:
    sources = tuple(dict.fromkeys(s.strip() for s in text.split(",") if s.strip()))
    unknown = [s for s in sources if s not in SOURCES]
    if not sources or unknown:
        raise HarnessError(f"--locations takes a comma-separated list of {', '.join(SOURCES)}, got '{text}'")
    return sources


def locations(source: str, samples: Sequence[Sample], hooks: StepTraces, seed: int,
              model_answers: dict[str, Any] | None = None) -> list[int | None]:
    """The step to backtrack from, per sample (None: leave the trace as it is)."""
    if source == "gold":
        return [hooks.mistake_index(s) for s in samples]
    if source == "random":
        return [None if hooks.mistake_index(s) is None
                else random.Random(f"backtrack-random/{seed}/{s['id']}").randrange(len(hooks.steps(s))) for s in samples]
    assert model_answers is not None
    out = []
    for sample in samples:
        where = hooks.location(model_answers[str(sample["id"])])
        out.append(where if where is not None and where < len(hooks.steps(sample)) else None)
    return out


def model_answers(run_folder: str | Path, samples: Sequence[Sample]) -> dict[str, Any]:
    """Each trace's answer in a mistake-finding run folder (by sample id); every trace of the study
    must be there, from one task."""
    run = load_run(run_folder)
    answers: dict[str, Any] = {}
    tasks = set()
    for line in run.iter_samples():
        tasks.add(line.get("task"))
        if line.get("error") is None and line.get("answers"):
            answers[str(line["id"])] = line["answers"][0]
    if len(tasks) > 1:
        raise HarnessError(f"--from-run {run_folder} holds several tasks ({', '.join(sorted(map(str, tasks)))});"
                           " give the run folder of one mistake-finding task")
    missing = [str(s["id"]) for s in samples if str(s["id"]) not in answers]
    if missing:
        raise HarnessError(f"--from-run {run_folder} has no answer for {len(missing)} of the study's {len(samples)} traces"
                           f" (e.g. {missing[0]}); run the mistake-finding task on the same traces (same --data, --seed,"
                           " --limit, --set) and give that folder")
    return answers
