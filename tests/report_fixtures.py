"""Real run folders with known outcomes, for the report, viewer and browser tests and for
bench/report_scale.py: the real runner (`harness.runner.run`) with an in-process backend that
answers each sample right, wrong, unparseably, cut off by the token limit, or fails it, following
a plan chosen per sample. Every sample's expected outcome is therefore known by construction.

What counts as a right or wrong answer is test knowledge per family (RIGHT/WRONG below), written
from the families' documented answer formats, not from their code.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from harness.backends.base import Backend
from harness.core.registry import get_task
from harness.core.types import Generation, Sample
from harness.pipeline.plan import RunSpec, plan_task
from harness.pipeline.runner import run

OUTCOME_CYCLE = ("right", "wrong", "unparseable", "truncated", "error")

RIGHT: dict[str, Callable[[Sample], str]] = {
    "countdown": lambda s: f"<think>Let me try {s['nums'][0]} first. That doesn't work, let me try another. "
                           f"Let me verify: it equals {s['target']}.</think><answer>{s['solution']}</answer>",
    "counterbench": lambda s: f"Step 1: list the variables. Step 2: propagate.\nAnswer: {s['answer']}",
    "sudoku": lambda s: "Let me check each row.\n<answer>" + json.dumps(s["solution"]) + "</answer>",
    "reversal-incontext": lambda s: s["target"].strip() + ".",
    "reversal-celebrity": lambda s: s["gold"],
    "lr2bench": lambda s: "<Answer>" + json.dumps(s["gold"]) + "</Answer>",
}
WRONG: dict[str, Callable[[Sample], str]] = {
    "countdown": lambda s: f"<think>Adding them all.</think><answer>{' + '.join(map(str, s['nums']))}</answer>",
    "counterbench": lambda s: "Answer: " + ("no" if s["answer"] == "yes" else "yes"),
    "sudoku": lambda s: "<answer>" + json.dumps([[1] * len(row) for row in s["solution"]]) + "</answer>",
    "reversal-incontext": lambda s: "Mary Johnson Smith.",
    "reversal-celebrity": lambda s: "I don't know.",
    "lr2bench": lambda s: "<Answer>" + json.dumps(_spoil(s["gold"])) + "</Answer>",
}


def _spoil(gold):
    """A well-formed answer with every value wrong (same shape as the gold)."""
    if isinstance(gold, dict):
        return {k: "zzz" for k in gold}
    if isinstance(gold, list):
        return [_spoil(v) for v in gold]
    return "zzz" if isinstance(gold, str) else 0


def _key(request) -> str:
    return json.dumps(request.messages if request.messages is not None else request.prompt, sort_keys=True)


class PlannedBackend(Backend):
    """Answers each request from a plan {request key: Generation}; counts what it is asked."""

    def __init__(self, plan: dict[str, Generation]):
        self.name, self.plan, self.asked = "planned-fake", plan, 0

    def generate(self, requests: Sequence):
        for index, request in enumerate(requests):
            self.asked += 1
            yield index, self.plan[_key(request)]


def reasoning_trace(sample: Sample, chars: int) -> str:
    """Filler reasoning of about `chars` characters that differs per sample (so it does not compress
    away), for sizing pages like real long-chain answers."""
    if chars <= 0:
        return ""
    seed = sum(map(ord, str(sample["id"])))
    steps, i = [], 0
    while sum(map(len, steps)) < chars:
        steps.append(f"Step {i + 1}: try {(seed * (i + 3)) % 97} and {(seed + 7 * i) % 89}; that gives {(seed * i) % 1000}, "
                     f"{'which does not work, so go back' if i % 3 else 'let me verify it'}. ")
        i += 1
    return "".join(steps)[:chars] + "\n"


def generation(family: str, sample: Sample, outcome: str, n: int = 1, trace_chars: int = 0) -> Generation:
    if outcome == "error":
        return Generation(texts=[], finish_reasons=["error"], error="HTTP 500 from the server after 6 retries")
    text = {"right": lambda: RIGHT[family](sample), "wrong": lambda: WRONG[family](sample),
            "unparseable": lambda: "I am not sure how to solve this one.",
            "truncated": lambda: "Let me think step by step. First, let's list what we know " * 3}[outcome]()
    text = reasoning_trace(sample, trace_chars) + text
    reason = "length" if outcome == "truncated" else "stop"
    return Generation(texts=[text] * n, finish_reasons=[reason] * n, prompt_tokens=40 + len(str(sample["id"])),
                      completion_tokens=[max(1, len(text) // 4)] * n)


def make_run(out: Path, tasks: Sequence[str], limit: int, outcome_of: Callable[[str, int, Sample], str] | None = None,
             seed: int = 0, settings: dict[str, str] | None = None, model: str = "local", trace_chars: int = 0,
             data: str | None = None) -> Path:
    """A finished run folder (report.html included) whose sample i of each task has outcome_of(task, i, sample)."""
    outcome_of = outcome_of or (lambda task, i, sample: OUTCOME_CYCLE[i % len(OUTCOME_CYCLE)])
    spec = RunSpec(tasks=list(tasks), model=model, seed=seed, limit=limit, data=data, settings=dict(settings or {}), out=str(out),
                   results_dir=str(out.parent), cache_path=str(out.parent / f".cache-{out.name}.sqlite"), progress=False)
    plan: dict[str, Generation] = {}
    for name in tasks:
        task = get_task(name, spec.settings if len(tasks) == 1 else {})
        planned = plan_task(task, spec)
        for index, (sample, request) in enumerate(zip(planned.samples, planned.requests)):
            plan[_key(request)] = generation(task.family.name, sample, outcome_of(name, index, sample), request.settings.n, trace_chars)
    run(spec, backend_factory=lambda model, options: PlannedBackend(plan))
    return out


def expected_outcomes(tasks: Sequence[str], limit: int, outcome_of=None, seed: int = 0) -> dict[tuple[str, str], str]:
    """{(task, sample id): outcome} as make_run planned them."""
    outcome_of = outcome_of or (lambda task, i, sample: OUTCOME_CYCLE[i % len(OUTCOME_CYCLE)])
    spec = RunSpec(tasks=list(tasks), seed=seed, limit=limit)
    out = {}
    for name in tasks:
        for index, sample in enumerate(plan_task(get_task(name), spec).samples):
            out[(name, str(sample["id"]))] = outcome_of(name, index, sample)
    return out


def page_data(text: str) -> dict:
    """The sample data a report page embeds (gzip + base64 JSON), decoded."""
    blob = re.search(r'<script type="application/octet-stream" id="sample-data">([^<]*)</script>', text).group(1)
    return json.loads(gzip.decompress(base64.b64decode(blob)))


def recommit(run_dir: Path, manifest: dict | None = None) -> None:
    """Record edited files in the manifest (given, or the folder's own), as a run's commit would."""
    from harness.core.files import file_sha256
    from harness.report.run_folder import COMMITTED_FILES

    manifest = manifest if manifest is not None else json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = {name: file_sha256(run_dir / name) for name in COMMITTED_FILES}
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
