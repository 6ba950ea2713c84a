"""The leaderboard says what was run and keeps n=0 rows with a reason; `harness view` serves the
index, each run's report and a paired comparison, on 127.0.0.1 only and only inside the results
folder. Outcomes are planned per sample (tests/report_fixtures.py), so flips are known exactly."""

from __future__ import annotations

import csv
import json

import pytest

from harness.cli import main
from harness.report.compare import compare_runs
from harness.report.view import serve_in_thread
from tests.report_fixtures import make_run
from tests.view_helpers import get, serving

ALWAYS_WRONG = lambda task, i, sample: "wrong"  # noqa: E731
EVEN_RIGHT = lambda task, i, sample: "right" if i % 2 == 0 else "wrong"  # noqa: E731
ODD_RIGHT = lambda task, i, sample: "right" if i % 2 else ("error" if i == 4 else "wrong")  # noqa: E731


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    make_run(root / "run-a", ["countdown"], 10, EVEN_RIGHT)
    make_run(root / "run-b", ["countdown"], 10, ODD_RIGHT, model="hf:other")
    make_run(root / "all-errors", ["counterbench"], 4, lambda task, i, sample: "error", model="hf:broken")
    return root


def test_leaderboard_columns_and_n0_rows(results, capsys):
    out = results.parent / "board.csv"
    assert main(["leaderboard", str(results), "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert {"backend_host", "seed", "limit", "max_tokens", "samples_per_prompt", "finished_at", "run_dir", "note"} <= set(rows[0])
    broken = next(r for r in rows if r["model"] == "hf:broken")
    assert broken["n"] == "0" and broken["value"] == "" and "all 4 requests failed" in broken["note"]
    a = next(r for r in rows if r["model"] == "local")
    assert (a["seed"], a["limit"], a["max_tokens"], a["samples_per_prompt"], a["backend_host"]) == ("0", "10", "1024", "1", "this machine")
    page = out.with_suffix(".html").read_text()
    assert "run-a/report.html" in page and "all 4 requests failed" in page
    assert "hf:broken" in capsys.readouterr().out


def test_compare_counts_flips_and_the_paired_difference(results):
    (c,) = compare_runs(results / "run-a", results / "run-b")
    # sample 4 errored in B: left out; of the other 9 pairs A has 0,2,6,8 right, B has 1,3,5,7,9
    assert c.pairs == 9 and c.errored == 1
    assert c.lost == [f"countdown-4/0/{i}" for i in (0, 2, 6, 8)]
    assert c.gained == [f"countdown-4/0/{i}" for i in (1, 3, 5, 7, 9)]
    assert c.difference.value == pytest.approx(5 / 9 - 4 / 9)
    assert c.difference.ci_low < c.difference.value < c.difference.ci_high


def test_view_serves_index_reports_and_compare(results):
    server, thread = serve_in_thread(results)
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        base = f"http://127.0.0.1:{port}"
        status, index = get(base + "/")
        assert status == 200 and all(name in index for name in ("run-a", "run-b", "all-errors", "hf:broken"))
        status, report = get(base + "/runs/run-a/")
        assert status == 200 and 'id="sample-data"' in report
        status, metrics = get(base + "/runs/run-a/metrics.json")
        assert status == 200 and json.loads(metrics)["rows"][0]["task"] == "countdown"
        status, page = get(base + "/compare?a=run-a&b=run-b")
        assert status == 200 and 'data-count="gained">5<' in page and 'data-count="lost">4<' in page
        assert get(base + "/runs/nope/")[0] == 400
        assert get(base + "/runs/run-a/..%2F..%2Fetc%2Fpasswd")[0] == 400
        assert get(base + "/runs/run-a/cache.sqlite")[0] == 400
        assert get(base + "/compare?a=run-a&b=all-errors")[0] == 400  # no shared task: said so
        assert get(base + "/elsewhere")[0] == 404
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_view_rebuilds_a_missing_report(results):
    (results / "run-b" / "report.html").unlink()
    with serving(results) as base:
        status, report = get(f"{base}/runs/run-b/report.html")
    assert status == 200 and (results / "run-b" / "report.html").is_file()


def test_view_lists_and_serves_study_folders(tmp_path):
    study = tmp_path / "search-study-x"
    study.mkdir()
    (study / "report.html").write_text("<!DOCTYPE html><title>study</title>")
    (study / "manifest.json").write_text(json.dumps({"kind": "search-study", "task": "sudoku-4x4", "model": "local"}))
    with serving(tmp_path) as base:
        status, index = get(base + "/")
        assert status == 200 and "/studies/search-study-x/" in index and "search-study sudoku-4x4 local" in index
        assert get(base + "/studies/search-study-x/") == (200, "<!DOCTYPE html><title>study</title>")
        assert get(base + "/studies/nope/")[0] == 400


def test_view_bad_folder_is_one_line_error(tmp_path, capsys):
    assert main(["view", str(tmp_path / "missing"), "--port", "0"]) == 2
    assert "results folder not found" in capsys.readouterr().err
