"""`harness view` pages every sample of a run from its samples.jsonl (/runs/<folder>/samples): the
right lines on the first, a middle and the last page, out-of-range pages refused, task and outcome
filters that match the planned outcomes exactly, a 1-line and an empty file, a file that changes
between requests read again, model text escaped, and nothing outside the results folder reachable.
Against a real server (tests/view_helpers.py); outcomes are planned per sample (report_fixtures)."""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest

from harness.cli import main
from harness.core.files import file_sha256, write_json
from harness.report.outcomes import OUTCOMES
from harness.report.templating import render
from harness.report.view import SELECTION_LINK, link_sample_pages
from tests.report_fixtures import expected_outcomes, make_run
from tests.view_helpers import get, serving

TASKS = ["countdown", "counterbench"]
PER_TASK = 30


def _lines(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<div class="sample o-[a-z]+" data-line="(\d+)">', page)]


def _ids(page: str) -> list[str]:
    return re.findall(r'<span class="id">([^<]*)</span>', page)


def _file_ids(run_dir) -> list[str]:
    return [json.loads(line)["id"] for line in (run_dir / "samples.jsonl").read_text().splitlines() if line.strip()]


def _rewrite_samples(run_dir, text: str) -> None:
    """Replace samples.jsonl and record its hash, as a new commit of the folder would."""
    (run_dir / "samples.jsonl").write_text(text, encoding="utf-8")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    manifest["files"]["samples.jsonl"] = file_sha256(run_dir / "samples.jsonl")
    write_json(run_dir / "manifest.json", manifest)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    make_run(root / "many", TASKS, PER_TASK)
    make_run(root / "one", ["countdown"], 1)
    return root


def test_pages_first_middle_last_and_out_of_range(results):
    ids = _file_ids(results / "many")
    assert len(ids) == 60
    with serving(results) as base:
        status, first = get(base + "/runs/many/samples?size=25")
        assert status == 200 and _lines(first) == list(range(1, 26)) and _ids(first) == ids[:25]
        assert "page 1 of 3" in first
        assert 'href="samples?page=2&amp;size=25" rel="next"' in first and 'rel="prev"' not in first
        status, middle = get(base + "/runs/many/samples?page=2&size=25")
        assert status == 200 and _lines(middle) == list(range(26, 51)) and _ids(middle) == ids[25:50]
        status, last = get(base + "/runs/many/samples?page=3&size=25")
        assert status == 200 and _lines(last) == list(range(51, 61)) and 'rel="next"' not in last and 'rel="first"' in last
        status, default = get(base + "/runs/many/samples")  # 50 a page by default
        assert status == 200 and _lines(default) == list(range(1, 51)) and "page 1 of 2" in default
        status, whole = get(base + "/runs/many/samples?size=100000")  # at most 500 a page
        assert status == 200 and _lines(whole) == list(range(1, 61)) and 'value="500"' in whole
        for bad in ("page=4&size=25", "page=0", "page=-1", "page=abc", "size=x", "outcome=bogus"):
            status, page = get(base + "/runs/many/samples?" + bad)
            assert status == 400, bad
        assert "out of range" in get(base + "/runs/many/samples?page=4&size=25")[1]
        status, line = get(base + "/runs/many/samples?line=37")
        assert status == 200 and _lines(line) == [37] and _ids(line) == [ids[36]]
        assert get(base + "/runs/many/samples?line=61")[0] == 400
        assert get(base + "/runs/many/samples?line=37&part=2")[0] == 400  # one completion: one part


def test_filters_match_the_planned_outcomes(results):
    planned = expected_outcomes(TASKS, PER_TASK)
    ids = _file_ids(results / "many")
    with serving(results) as base:
        for outcome in ("right", "wrong", "unparseable", "truncated", "error"):
            status, page = get(f"{base}/runs/many/samples?outcome={outcome}&size=500")
            want = [i for i in ids if any(planned.get((task, i)) == outcome for task in TASKS)]
            assert status == 200 and _ids(page) == want and want, outcome
            assert set(re.findall(r'<span class="badge ([a-z]+)">', page)) == {outcome}
        status, page = get(f"{base}/runs/many/samples?task=counterbench&outcome=error&size=5")
        want = [i for i in ids if planned.get(("counterbench", i)) == "error"]
        assert status == 200 and _ids(page) == want[:5] and set(re.findall(r'<span class="task">([^<]*)</span>', page)) == {"counterbench"}
        assert f"page 1 of {-(-len(want) // 5)}" in page
        status, page = get(f"{base}/runs/many/samples?task=counterbench&size=500")
        assert _ids(page) == [i for i in ids if ("counterbench", i) in planned] and len(_ids(page)) == PER_TASK
        status, page = get(f"{base}/runs/many/samples?outcome=wrong&size=500")
        assert f"wrong ({sum(1 for v in planned.values() if v == 'wrong')})" in page  # counts beside the filter
        status, page = get(f"{base}/runs/many/samples?task=nope")
        assert status == 200 and _lines(page) == [] and "no line matches these filters" in page
        assert get(f"{base}/runs/many/samples?task=nope&page=2")[0] == 400


def test_one_line_and_empty_files(results, tmp_path):
    with serving(results) as base:
        status, page = get(base + "/runs/one/samples")
        assert status == 200 and _lines(page) == [1] and "page 1 of 1" in page and 'rel="next"' not in page
        assert get(base + "/runs/one/samples?page=2")[0] == 400
    root = tmp_path / "results"
    shutil.copytree(results / "one", root / "empty")
    _rewrite_samples(root / "empty", "")
    with serving(root) as base:
        status, page = get(base + "/runs/empty/samples")
        assert status == 200 and _lines(page) == [] and "samples.jsonl holds no samples" in page
        assert get(base + "/runs/empty/samples?outcome=wrong")[0] == 200
        assert get(base + "/runs/empty/samples?page=2")[0] == 400 and get(base + "/runs/empty/samples?line=1")[0] == 400


def test_a_file_that_changes_between_requests_is_read_again(results, tmp_path):
    root = tmp_path / "results"
    shutil.copytree(results / "many", root / "run")
    run_dir = root / "run"
    ids = _file_ids(run_dir)
    lines = (run_dir / "samples.jsonl").read_text().splitlines(keepends=True)
    with serving(root) as base:
        assert _ids(get(base + "/runs/run/samples?size=500")[1]) == ids
        assert get(base + "/runs/run/samples?outcome=wrong&size=500")[0] == 200  # filters built for this version
        _rewrite_samples(run_dir, "".join(reversed(lines)))  # same size, other order
        assert _ids(get(base + "/runs/run/samples?size=500")[1]) == ids[::-1]
        status, page = get(base + "/runs/run/samples?size=500&outcome=right")
        planned = expected_outcomes(TASKS, PER_TASK)
        assert status == 200 and _ids(page) == [i for i in ids[::-1] if "right" in (planned.get((t, i)) for t in TASKS)]
        _rewrite_samples(run_dir, "".join(lines[:7]) + "\n\n" + "".join(lines[7:9]))  # shorter, blank lines inside
        status, page = get(base + "/runs/run/samples")
        assert status == 200 and _lines(page) == [1, 2, 3, 4, 5, 6, 7, 10, 11] and _ids(page) == ids[:9]
        status, page = get(base + "/runs/run/samples?line=10")
        assert status == 200 and _ids(page) == [ids[7]] and get(base + "/runs/run/samples?line=8")[0] == 400


def test_model_text_is_escaped(tmp_path):
    hostile = ['<script>alert("x")</script>\u202eevil', '"><img src=x onerror=alert(1)>', "<answer>1 + 2</answer>"]
    data = tmp_path / "samples.jsonl"
    assert main(["generate", "countdown", "--n", "2", "--out", str(data)]) == 0
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text("".join(json.dumps({"id": json.loads(line)["id"], "responses": hostile}) + "\n"
                                   for line in data.read_text().splitlines()))
    root = tmp_path / "results"
    assert main(["score", "countdown", "--predictions", str(predictions), "--limit", "2", "--out", str(root / "hostile")]) == 0
    with serving(root) as base:
        for path in ("/runs/hostile/samples", "/runs/hostile/samples?line=1", "/runs/hostile/samples?outcome=unparseable"):
            status, page = get(base + path)
            assert status == 200 and "<script>alert" not in page and "<img" not in page and "\u202e" not in page, path
            assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;\\u202eevil" in page and "&#34;&gt;&lt;img src=x" in page
        status, page = get(base + "/runs/hostile/samples?task=%3Cscript%3E")
        assert status == 200 and "no line matches these filters" in page and "<script>alert" not in page


def test_nothing_outside_the_results_folder_is_paged(results, tmp_path):
    root = tmp_path / "results"
    shutil.copytree(results / "one", root / "run")
    outside = tmp_path / "elsewhere"
    shutil.copytree(results / "many", outside / "private")
    (root / "linked").symlink_to(outside / "private")
    os.replace(root / "run" / "samples.jsonl", outside / "samples.jsonl")  # same bytes, so the manifest still matches
    (root / "run" / "samples.jsonl").symlink_to(outside / "samples.jsonl")
    private_id = _file_ids(outside / "private")[0]
    with serving(root) as base:
        for path in ("/runs/linked/samples", "/runs/run/samples", "/runs/run/samples?line=1",
                     "/runs/..%2Felsewhere%2Fprivate/samples", "/runs/../elsewhere/private/samples", "/runs/%2E%2E/samples"):
            status, page = get(base + path)
            assert status in (400, 404) and private_id not in page and 'data-line="' not in page, path
        status, page = get(base + "/runs/run/samples", headers={"Host": "attacker.example"})  # DNS rebinding
        assert status == 421 and 'data-line="' not in page


def test_served_report_links_the_pages_and_the_file_is_unchanged(results):
    on_disk = (results / "one" / "report.html").read_bytes()
    with serving(results) as base:
        status, page = get(base + "/runs/one/")
    assert status == 200 and '<a href="/runs/one/samples" id="sample-pages">' in page
    assert (results / "one" / "report.html").read_bytes() == on_disk and b"sample-pages" not in on_disk
    note = render("browser.html", right_at=0.5, outcomes=OUTCOMES, selection={
        "embedded": 2, "total": 9, "per_kind": 1, "seed": 0, "outcomes": [("right", 1, 5), ("wrong", 1, 4)]}).encode()
    linked = link_sample_pages(note, "/runs/a%20b/samples")
    assert SELECTION_LINK in note and note.count(b"sample-pages") == 0
    assert linked.replace(b' Served by harness view: <a href="/runs/a%20b/samples" id="sample-pages">every sample, a page at a time</a>,'
                          b" filtered by task and outcome.", b"") == note
