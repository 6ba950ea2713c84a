"""`harness verify-study` in miniature on the scripted backend (tests/verify_backend.py): the
selectors' numbers per task x N, the skipped selectors and why, token accounting, the folder's
files, resuming from the cache, a chat-only model; and once on the embedded model."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import harness
from harness.cli import main
from harness.core.errors import HarnessError
from studies.verify.study import StudySpec, run_verify_study
from tests.test_html_escaping import TAG, assert_escaped, hostile
from tests.test_verify_selectors import problems
from tests.verify_backend import ChatOnlyMath, ScriptedMath

FIXTURES = Path(__file__).parent / "fixtures" / "mathword"


@pytest.fixture(scope="module")
def script():
    task = harness.get_task("arith-word")
    return task, problems(harness.load_samples(task, seed=0, limit=3))


def mini(tmp_path, **changes) -> StudySpec:
    values = dict(tasks=["arith-word", "countdown-3"], n=4, limit=3, chains=2, results_dir=str(tmp_path),
                  out=str(tmp_path / "study"), progress=False)
    return StudySpec(**{**values, **changes})


def row(outcome, task, selector, n):
    return next(r for r in outcome.rows if (r["task"], r["selector"], r["n"]) == (task, selector, n))


def test_the_miniature_study_pins_every_selector(script, tmp_path):
    task, scripted = script
    outcome = run_verify_study(mini(tmp_path), backend_factory=lambda m, o: ScriptedMath(task, scripted))
    accuracy = {(r["task"], r["selector"], r["n"]): r["metrics"]["accuracy"].value for r in outcome.rows}
    # at N=4: A (tie 34/35) is right for trlm, fobar and oracle; B (all 500) for everyone; C for no one
    assert [accuracy[("arith-word", s, 4)] for s in ("majority", "forward-lp", "trlm", "fobar", "oracle")] == pytest.approx(
        [1 / 3, 1 / 3, 2 / 3, 2 / 3, 2 / 3])
    assert all(accuracy[("arith-word", s, 1)] == pytest.approx(1 / 3) for s in ("majority", "fobar", "oracle"))  # one draw
    # tokens per problem: 4 draws of 15; likelihoods 5 per distinct draw; FOBAR's chains 15 each (12 on A, 0 on B, 18 on C)
    tokens = {s: row(outcome, "arith-word", s, 4)["metrics"]["tokens"].value for s in ("majority", "forward-lp", "fobar")}
    assert tokens == {"majority": 60, "forward-lp": 80, "fobar": pytest.approx((240 + 60 + 330) / 3)}
    interval = row(outcome, "arith-word", "trlm", 4)["metrics"]["accuracy"]
    assert interval.ci_method == "wilson" and 0 <= interval.ci_low < 2 / 3 < interval.ci_high <= 1
    assert {(s.selector, tuple(s.tasks)) for s in outcome.skipped} == {("fobar", ("countdown-3",))}
    assert len(outcome.rows) == 5 * 3 + 4 * 3

    folder = outcome.study_dir
    for name in ("verify_study.csv", "verify_study.md", "choices.jsonl", "study.json", "manifest.json", "verify_study.png",
                 "report.html"):
        assert (folder / name).is_file(), name
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["curve"] == [1, 2, 4] and "declares no masking" in manifest["skipped_selectors"][0]["reason"]
    # the forward draws counted once per task: 2 tasks x 12 draws (10+5); 48 likelihoods (5+0); 30 chains (10+5)
    assert manifest["tokens"] == {"prompt": 24 * 10 + 48 * 5 + 30 * 10, "completion": 24 * 5 + 30 * 5}
    lines = [json.loads(line) for line in (folder / "choices.jsonl").read_text().splitlines()]
    assert len(lines) == 6 and lines[0]["gold"] == "35" and [d["answer"] for d in lines[0]["draws"]] == ["34", "35", "34", "35"]
    assert lines[0]["selectors"]["fobar"]["4"]["draw"] == 1 and lines[0]["selectors"]["majority"]["4"]["draw"] == 0
    assert "fobar" not in lines[3]["selectors"]  # countdown
    with (folder / "verify_study.csv").open() as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == 27 and table[0]["selector"] == "majority" and float(table[0]["accuracy_ci_low"]) >= 0
    assert "fobar skipped on countdown-3" in (folder / "verify_study.md").read_text()
    page = (folder / "report.html").read_text()
    assert "<svg" in page and "declares no masking" in page and "arith-word/0/2" in page

    before = {name: (folder / name).read_bytes() for name in ("choices.jsonl", "verify_study.csv", "study.json")}
    again = run_verify_study(mini(tmp_path), backend_factory=lambda m, o: ScriptedMath(task, scripted))
    assert again.backend_calls == 0  # resumed entirely from the cache
    assert {name: (folder / name).read_bytes() for name in before} == before


def test_a_chat_only_model_gets_the_selectors_it_can_and_the_manifest_says_why(script, tmp_path):
    task, scripted = script
    outcome = run_verify_study(mini(tmp_path, tasks=["arith-word"]), backend_factory=lambda m, o: ChatOnlyMath(task, scripted))
    assert {r["selector"] for r in outcome.rows} == {"majority", "fobar", "oracle"}
    reasons = {s.selector: s.reason for s in outcome.skipped}
    assert set(reasons) == {"forward-lp", "trlm"} and all("needs log-likelihoods" in r for r in reasons.values())
    manifest = json.loads((outcome.study_dir / "manifest.json").read_text())
    assert {s["selector"] for s in manifest["skipped_selectors"]} == {"forward-lp", "trlm"}


def test_bad_study_options_are_one_line(tmp_path, capsys):
    with pytest.raises(HarnessError, match="--data applies to one task at a time"):
        run_verify_study(mini(tmp_path, data="x.jsonl"))
    assert main(["verify-study", "arith-word", "--selectors", "majority,best", "--results-dir", str(tmp_path)]) == 2
    assert "--selectors takes a comma-separated list of majority, forward-lp, trlm, fobar, oracle" in capsys.readouterr().err
    assert main(["verify-study", "reversal-fictitious-loglik", "--results-dir", str(tmp_path)]) == 2
    assert "scored by log-likelihood" in capsys.readouterr().err


def test_the_report_escapes_every_value(tmp_path):
    from studies.verify.report import study_report_html

    manifest = {"tasks": [hostile("task")], "model": hostile("model"), "backend": {"name": hostile("backend")},
                "selectors": ["majority"], "curve": [1],
                "skipped_selectors": [{"selector": "fobar", "tasks": [hostile("task")], "reason": hostile("skipped")}]}
    lines = [{"task": hostile("task"), "id": hostile("id"), "gold": hostile("gold"), "draws": [{"answer": hostile("answer"), "score": 1.0}],
              "selectors": {"majority": {"1": {"draw": 0, "answer": hostile("answer"), "score": 0.0, "error": None}}}}]
    page = study_report_html(tmp_path / f"study{TAG}", manifest, [], lines, None)
    assert_escaped(page, ("task", "model", "backend", "skipped", "id", "gold", "answer"), scripts=1)


@pytest.mark.model
def test_the_study_runs_end_to_end_on_the_embedded_model(tmp_path, capsys):
    """Mechanics only (a 135M model answers these problems at chance): one problem, two draws, one
    backward chain, short completions, one-shot prompts (prefilling the shipped few-shot ones is most
    of the cost on a CPU); every selector runs and the folder is complete."""
    code = main(["verify-study", "arith-word", "--limit", "1", "--n", "2", "--chains", "1", "--max-tokens", "32",
                 "--set", f"forward_prompt={FIXTURES / 'forward_one_shot.txt'}",
                 "--set", f"backward_prompt={FIXTURES / 'backward_one_shot.txt'}",
                 "--results-dir", str(tmp_path), "--out", str(tmp_path / "study"), "--no-progress"])
    assert code == 0
    manifest = json.loads((tmp_path / "study" / "manifest.json").read_text())
    assert manifest["skipped_selectors"] == [] and manifest["requests"]["sent_to_backend"] > 0
    rows = json.loads((tmp_path / "study" / "study.json").read_text())["rows"]
    assert {(r["selector"], r["n"]) for r in rows} == {(s, n) for s in ("majority", "forward-lp", "trlm", "fobar", "oracle")
                                                       for n in (1, 2)}
    assert all(0.0 <= r["metrics"]["accuracy"]["value"] <= 1.0 and r["metrics"]["tokens"]["value"] > 0 for r in rows)
    assert "study folder:" in capsys.readouterr().out
