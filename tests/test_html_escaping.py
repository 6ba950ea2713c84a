"""Every page the Python side renders (report.html, leaderboard.html, the `harness view` pages, the
search study's report) shows what a run folder holds as text, never as markup: task names, group
values, settings, errors, ids, model names, answers, folder names and metric names all carry
``<script>"'&`` and a right-to-left override here, and none of them survives unescaped (or as a live
bidi control) on any page, while each of them is still shown. Links from the leaderboard stay
relative paths, whatever a folder is called."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

from harness.cli import main
from harness.report.html import render_report
from tests.report_fixtures import make_run, page_data, recommit
from tests.view_helpers import get, serving

TAG = "<script>\"'&"
RLO = "\u202e"


def hostile(field: str) -> str:
    """A value for ``field`` that is markup and reorders text if a page lets it through."""
    return f"{TAG}{field}{RLO}x"


def shown(field: str) -> str:
    """How the page must show it: the same text, the bidi control written as an escape."""
    return hostile(field).replace(RLO, "\\u202e")


FIELDS = ("task", "group", "setting", "error", "id", "model", "answer", "metric", "backend", "command", "skipped", "data")


def poison(run_dir: Path, tag: str = "") -> None:
    """Rewrite a real counterbench run folder so every user-visible value is hostile (and
    re-commit it: the manifest holds the new hashes, as a run's own commit would)."""
    lines = [json.loads(line) for line in (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines()]
    for line in lines:
        line["task"] = hostile("task")
        line["id"] = hostile("id") + line["id"]
        line["sample"]["id"] = line["id"]
        line["sample"]["type"] = hostile("group") + line["sample"]["type"]
        if line["error"]:
            line["error"] = hostile("error") + line["error"]
        else:
            line["answers"] = [hostile("answer")]
    (run_dir / "samples.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    for row in metrics["rows"]:
        row["task"] = hostile("task")
        if row["group"]:
            key, _, value = row["group"].partition("=")
            row["group"] = f"{key}={hostile('group')}{value}"
        row["metrics"][hostile("metric")] = row["metrics"][row["primary_metric"]]
    (run_dir / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    task = manifest["tasks"].pop("counterbench")
    task["config"][hostile("setting")] = hostile("setting")
    task["differs_from_family_defaults"] = {hostile("setting"): hostile("setting")}
    manifest["tasks"][hostile("task")] = task
    manifest.update(model=hostile("model") + tag, data=hostile("data"), command=["harness", "run", hostile("command")],
                    skipped_tasks={hostile("skipped"): hostile("skipped")},
                    backend={"name": hostile("backend"), "detail": hostile("backend")})
    recommit(run_dir, manifest)


class _Text(HTMLParser):
    """Everything a browser would show or keep as a value: text and attribute values, decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        self.parts.extend(value or "" for _, value in attrs)

    def handle_data(self, data):
        self.parts.append(data)


def assert_escaped(page: str, fields, scripts: int) -> None:
    """No hostile value is markup (no extra <script>, no raw tag, no live bidi
    control), and every field named is on the page as text."""
    assert TAG not in page and "<script>\"" not in page
    assert RLO not in page
    parsed = _Text()
    parsed.feed(page)
    assert parsed.scripts == scripts, f"{parsed.scripts} <script> elements, expected {scripts}"
    text = "\n".join(parsed.parts)
    missing = [field for field in fields if shown(field) not in text]
    assert not missing, f"not shown on the page: {missing}"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    for name, tag in ((f"run-a{TAG}", "a"), (f"run-b{TAG}", "b")):
        make_run(root / name, ["counterbench"], 10)
        poison(root / name, tag)
    study = root / f"study{TAG}"
    study.mkdir()
    (study / "report.html").write_text("<!DOCTYPE html><title>study</title>")
    (study / "manifest.json").write_text(json.dumps({"kind": hostile("kind"), "task": hostile("task"), "model": hostile("model")}))
    return root


def test_report_html_escapes_every_value(results):
    page = render_report(results / f"run-a{TAG}")
    assert_escaped(page, ("task", "group", "setting", "model", "metric", "backend", "command", "skipped", "data"), scripts=2)
    # ids, answers and errors travel in the (base64) sample data, which report.js shows as text
    # nodes only (tests/test_report_browser.py opens such a page in a real browser)
    data = json.dumps(page_data(page))
    assert all(json.dumps(hostile(field))[1:-1] in data for field in ("id", "answer", "error", "group"))


def test_leaderboard_html_escapes_every_value_and_links_stay_paths(results, tmp_path):
    trap = make_run(tmp_path / "javascript:alert(1);void(0)", ["countdown"], 2)
    out = tmp_path / "board.csv"  # beside the run folder: its link starts with the folder's name, as in results/
    assert main(["leaderboard", str(results), str(trap), "--out", str(out)]) == 0
    page = out.with_suffix(".html").read_text(encoding="utf-8")
    assert_escaped(page, ("task", "model"), scripts=1)
    hrefs = [value for value in _hrefs(page)]
    assert hrefs and all(href.startswith(("./", "../")) for href in hrefs), hrefs
    assert "./javascript%3Aalert%281%29%3Bvoid%280%29/report.html" in hrefs
    assert not any(":" in href for href in hrefs)  # never a scheme: javascript: is percent-encoded
    assert any("javascript%3Aalert%281%29%3Bvoid%280%29/report.html" in href for href in hrefs)


def _hrefs(page: str) -> list[str]:
    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.hrefs = []

        def handle_starttag(self, tag, attrs):
            self.hrefs.extend(v for k, v in attrs if k == "href" and v != "data:,")

    links = Links()
    links.feed(page)
    return links.hrefs


def test_view_pages_escape_every_value(results):
    a, b = quote(f"run-a{TAG}"), quote(f"run-b{TAG}")
    with serving(results) as base:
        status, index = get(base + "/")
        assert status == 200
        assert_escaped(index, ("task", "model", "kind"), scripts=1)
        assert f"run-a{TAG}".replace("&", "&amp;").replace("<", "&lt;") not in index  # folder names escaped too
        status, report = get(f"{base}/runs/{a}/")
        assert status == 200
        assert_escaped(report, ("task", "group", "setting", "model", "metric"), scripts=2)
        status, compare = get(f"{base}/compare?a={a}&b={b}")
        assert status == 200 and 'data-count="pairs">' in compare
        assert_escaped(compare, ("task",), scripts=1)
        status, message = get(f"{base}/runs/{quote(hostile('nope'))}/")
        assert status == 400
        assert_escaped(message, ("nope",), scripts=1)


def test_search_study_report_escapes_every_value(tmp_path):
    from studies.search.report import study_report_html

    manifest = {"task": hostile("task"), "model": hostile("model"), "skipped_points": [hostile("skipped")],
                "backend": {"name": hostile("backend")}, "budgets": [hostile("budget")]}
    figure = _figure()
    page = study_report_html(tmp_path / f"study{TAG}", manifest, [], [], figure)
    assert_escaped(page, ("task", "model", "skipped", "backend", "budget"), scripts=1)


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(2, 2))
    axes.set_title(hostile("title"))
    return figure


def test_a_figure_label_cannot_become_markup():
    from harness.report.metrics import mean_with_ci
    from harness.report.plots import bar_chart, heatmap_table

    svg = bar_chart({hostile("series"): [mean_with_ci([1, 0], "binary")]}, [hostile("label")])
    table = heatmap_table([[0.5]], [hostile("row")], [hostile("column")], corner=hostile("corner"))
    for markup in (svg, table):
        assert TAG not in markup and "<script" not in markup
    assert_escaped(f"<div>{table}</div>", ("row", "column", "corner"), scripts=0)


def test_the_behaviour_judge_section_escapes_every_value(tmp_path):
    """A judge's summary (FOLDER/behaviours/<id>/summary.json) carries model text: the judge's answers,
    the detector's sentences, the traces. report.html and the judge's own page show them as text."""
    from harness.report.judge_page import write_judge_pages

    run_dir = make_run(tmp_path / "run", ["countdown"], 2)
    metric = {"value": 0.5, "ci_low": 0.1, "ci_high": 0.9, "n": 2, "ci_method": "wilson"}
    out = run_dir / "behaviours" / "judge"
    out.mkdir(parents=True)
    (out / "summary.json").write_text(json.dumps({
        "judge": hostile("judge"), "prompts_requested": "auto", "request_settings": {"max_tokens": 512},
        "source": {"kind": "run"}, "requests": {}, "finished_at": "2025",
        "tasks": [{"task": hostile("task"), "completions": 2, "judged": 2, "prompts": "gandhi2025",
                   "detector": {"verification": metric}, "judge": {"verification": metric},
                   "agreement": {"verification": {"kappa": metric, "spearman": metric, "both": 1}},
                   "paper_columns": {hostile("column"): 1.0},
                   "disagreements": [{"behaviour": "verification", "id": hostile("id"), "completion": "#1", "detector": 1,
                                      "judge": 0, "detector_sentences": [hostile("sentence")], "judge_reply": hostile("reply"),
                                      "trace": hostile("trace")}]}],
    }))
    write_judge_pages(run_dir, "run", out)
    fields = ("judge", "task", "column", "id", "sentence", "reply", "trace")
    assert_escaped((out / "report.html").read_text(encoding="utf-8"), fields, scripts=1)
    assert_escaped((run_dir / "report.html").read_text(encoding="utf-8"), fields, scripts=2)
