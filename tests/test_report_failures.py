"""report.html says why samples failed (per task, and per sample through the families' why_unparseable
hooks), badges a control probe that behaved as a control should as 'control', not WRONG, and notes
probes meaningful only on a fine-tuned model; `harness view` finds run folders nested in study
folders and preselects a comparable pair."""

from __future__ import annotations

import json
import urllib.request

from harness.report.failures import task_failure_summary
from harness.report.outcomes import sample_outcome
from harness.report.view import comparable_partner, serve_in_thread
from tests.report_fixtures import make_run, page_data


def test_each_task_gets_a_failure_summary_with_the_reasons(tmp_path):
    run_dir = make_run(tmp_path / "run", ["countdown", "sudoku-4x4"], 5)  # right, wrong, unparseable, truncated, error
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert ("2 of 5 without an answer: no &lt;answer&gt;...&lt;/answer&gt; block (1), cut off by the token limit before an answer (1)"
            in page)
    assert "1 sample of 5 failed (not scored): HTTP 500 from the server after 6 retries (1)" in page
    assert ("the response (no &lt;answer&gt; block) holds no 4x4 grid" in page)
    samples = page_data(page)["samples"]
    unparsed = [s for s in samples if s["o"] == "unparseable"]
    assert unparsed and all(s["u"] for s in unparsed)  # the sample browser shows why


def test_a_summary_counts_error_causes_without_their_numbers():
    lines = [{"error": f"prompt of {n} tokens fills the context", "task": "t"} for n in (9000, 9100)]
    lines.append({"responses": ["x"], "answers": [None], "scores": {"accuracy": 0.0}, "unparsed_reasons": ["no block"]})
    assert task_failure_summary(lines, "accuracy") == [
        "1 of 3 without an answer: no block (1)",
        "2 samples of 3 failed (not scored): prompt of 9100 tokens fills the context (2)"]


def test_a_control_probe_that_behaves_as_a_control_is_not_wrong():
    control_ok = {"responses": ["Jane Doe"], "answers": ["Jane Doe"], "scores": {"control_accuracy": 0.0}}
    control_hit = {"responses": ["Ann Lee"], "answers": ["Ann Lee"], "scores": {"control_accuracy": 1.0}}
    assert sample_outcome(control_ok, "accuracy") == "control"
    assert sample_outcome(control_hit, "accuracy") == "wrong"


def test_fictitious_probes_say_they_need_a_fine_tuned_model(tmp_path):
    from harness.core.registry import get_task

    note = get_task("reversal-fictitious").family.report_note
    assert "fine-tuned" in note
    run_dir = make_run(tmp_path / "run", ["reversal-incontext"], 3)
    assert "fine-tuned on them" not in (run_dir / "report.html").read_text(encoding="utf-8")  # a note of that family only


def test_view_serves_runs_nested_in_study_folders_and_pairs_comparable_runs(tmp_path):
    make_run(tmp_path / "reproduce-x" / "scratch" / "runs" / "countdown", ["countdown"], 3)
    make_run(tmp_path / "sudoku-run", ["sudoku-4x4"], 3)
    server, _ = serve_in_thread(tmp_path)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        index = urllib.request.urlopen(base + "/").read().decode()
        assert "reproduce-x/scratch/runs/countdown" in index
        nested = urllib.request.urlopen(base + "/runs/reproduce-x/scratch/runs/countdown/").read().decode()
        assert "<title>report: countdown</title>" in nested or "countdown" in nested
        metrics = json.loads(urllib.request.urlopen(base + "/runs/reproduce-x/scratch/runs/countdown/metrics.json").read())
        assert metrics["rows"][0]["task"] == "countdown"
    finally:
        server.shutdown()
        server.server_close()
    manifests = {"new": {"tasks": {"sudoku-4x4": {}}}, "other": {"tasks": {"countdown": {}}}, "old": {"tasks": {"sudoku-4x4": {}}}}
    assert comparable_partner(["new", "other", "old"], manifests) == "old"
    assert comparable_partner(["new", "other"], manifests) is None
