"""Run folders whose bytes are pinned (tests/test_streaming_outputs.py): `harness score` of
deterministic predictions and `harness run` through the planned fake backend, with the manifest's
per-run facts (times, paths, versions, git commit) replaced by constants so report.html is
reproducible. The digests in that test were computed with the code before scoring and reports
streamed their samples, so they prove the streaming path writes the same bytes.

    .venv/bin/python tests/stream_cases.py    # prints {case: {file: sha256}} for the current code
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from report_fixtures import RIGHT, WRONG, make_run  # noqa: E402

FILES = ("samples.jsonl", "metrics.json", "metrics.csv", "report.html")
FIXED = {"started_at": "2026-01-01T00:00:00+00:00", "finished_at": "2026-01-01T00:01:00+00:00", "command": "harness (pinned)",
         "versions": {"harness": "pinned"}, "git_commit": "0" * 40}


def countdown_reply(sample: dict, j: int) -> str:
    """Right, wrong, unparseable, a reused number, cycled (as bench/scale.py writes them)."""
    nums = sample["nums"]
    kinds = (f"<answer>{sample['solution']}</answer>", "<answer>" + " + ".join(map(str, nums)) + "</answer>",
             "I could not find an expression that reaches the target.", f"<answer>{nums[0]} + {nums[0]}</answer>")
    return f"<think>Let me try {nums[0]} first, then verify.</think>\n" + kinds[j % len(kinds)]


def cycled(family: str) -> Callable[[dict, int], str]:
    """Right, wrong, unparseable in turn, from report_fixtures' per-family answers."""
    return lambda sample, j: (RIGHT[family](sample), WRONG[family](sample), "I am not sure.")[j % 3]


SCORE_CASES: dict[str, tuple[str, int, int, Callable[[dict, int], str]]] = {
    # name: (task, samples, responses per sample, reply(sample, j))
    "score-countdown-4x300": ("countdown", 300, 4, countdown_reply),
    "score-countdown-1x2600": ("countdown", 2600, 1, countdown_reply),  # more lines than the page embeds
    "score-counterbench-1x40": ("counterbench", 40, 1, cycled("counterbench")),
    "score-sudoku-3x12": ("sudoku-4x4", 12, 3, cycled("sudoku")),
}


def pin_manifest(run_dir: Path, work: Path) -> None:
    """The manifest with its per-run facts fixed and the temporary folder's name blanked."""
    text = (run_dir / "manifest.json").read_text(encoding="utf-8").replace(str(work), "/TMP")
    (run_dir / "manifest.json").write_text(json.dumps({**json.loads(text), **FIXED}), encoding="utf-8")


def score_case(name: str, work: Path) -> Path:
    from harness.core.registry import get_task
    from harness.pipeline.rescore import score_predictions
    from harness.pipeline.samples import select_samples

    task_name, n, per, reply = SCORE_CASES[name]
    samples = select_samples(get_task(task_name), seed=0, limit=n, data=None)
    predictions = work / f"{name}.jsonl"
    with predictions.open("w", encoding="utf-8") as out:
        for index, sample in enumerate(samples):
            if index % 17 == 5:
                continue  # a sample without a prediction
            texts = [reply(sample, index + j) for j in range(per)]
            out.write(json.dumps({"id": sample["id"], "responses": texts} if per > 1 else {"id": sample["id"], "response": texts[0]}) + "\n")
    run_dir = work / name
    score_predictions(task_name, None, predictions, str(run_dir), limit=n)
    return run_dir


def run_case(work: Path) -> Path:
    """`harness run` of three families through the planned fake backend (every outcome, errors too)."""
    return make_run(work / "run-three-families", ["countdown", "counterbench", "sudoku-4x4"], 15)


def digests(run_dir: Path, work: Path) -> dict[str, str]:
    from harness.report.html import write_report

    pin_manifest(run_dir, work)
    write_report(run_dir)
    return {name: hashlib.sha256((run_dir / name).read_bytes()).hexdigest() for name in FILES}


def all_digests(work: Path) -> dict[str, dict[str, str]]:
    out = {name: digests(score_case(name, work), work) for name in SCORE_CASES}
    out["run-three-families"] = digests(run_case(work), work)
    return out


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(all_digests(Path(tmp)), indent=1))
