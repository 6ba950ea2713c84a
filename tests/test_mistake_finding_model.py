"""The embedded model (SmolLM2-135M on llama.cpp) runs the three mistake-finding modes end to end,
offline, on generated traces: mechanics only (a 135M model finds mistakes about at random)."""

from __future__ import annotations

import json

import pytest

from harness.pipeline.plan import GenerationOverrides
from harness.pipeline.runner import RunSpec, run

pytestmark = pytest.mark.model

SMALL = {"source_tasks": "word_sorting", "min_words": "2", "max_words": "2"}  # 3-step traces


def test_the_embedded_model_runs_every_mode_on_generated_traces(tmp_path):
    tasks = ["mistake-finding-generated", "mistake-finding-generated-step", "mistake-finding-generated-cot"]
    outcome = run(RunSpec(tasks=tasks, model="local", limit=1, settings=SMALL, results_dir=str(tmp_path),
                          out=str(tmp_path / "run"), progress=False, overrides=GenerationOverrides(max_tokens=6)))
    lines = {line["task"]: line for line in map(json.loads, (outcome.run_dir / "samples.jsonl").read_text().splitlines())}
    assert set(lines) == set(tasks) and all(line["error"] is None for line in lines.values())
    steps = len(lines["mistake-finding-generated"]["sample"]["steps"])
    assert steps == 3 and "trace" not in lines["mistake-finding-generated"]
    for task in tasks[1:]:
        assert lines[task]["strategy"] == "first-no" and len(lines[task]["trace"]) == steps
        assert lines[task]["completion_tokens"] > 0
    for row in outcome.rows:
        assert 0.0 <= row["metrics"]["accuracy"].value <= 1.0
