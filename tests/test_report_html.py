"""report.html as written by real runs: self-contained, every number equal to metrics.json, the
embedded samples carrying exactly the outcomes the run produced, one figure per family from its
declared hook, no credentials, and byte-identical when rebuilt. (The page in a real browser:
tests/test_report_browser.py.)"""

from __future__ import annotations

import html as html_lib
import json
import re
import subprocess
import sys

import pytest

from harness.cli import main
from harness.core.registry import families
from harness.report.html import format_value, render_report, write_report
from harness.report.outcomes import sample_outcome
from harness.report.run_folder import read_metrics
from harness.report.run_summary import backend_host, safe_host
from tests.conftest import REPO_ROOT
from tests.report_fixtures import expected_outcomes, make_run, page_data, recommit

TASKS = ["countdown", "counterbench"]
LIMIT = 15


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return make_run(tmp_path_factory.mktemp("runs") / "mixed", TASKS, LIMIT)


def test_run_writes_a_self_contained_report(run_dir):
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    # nothing is fetched: no external scripts, styles, images or fonts
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', text)
    assert "@import" not in text and "url(http" not in text
    assert "<svg" in text  # figures are inline SVG


def test_every_metric_on_the_page_equals_metrics_json(run_dir):
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    text = page[page.index('<section id="metrics">'):page.index("</section>", page.index('<section id="metrics">'))]
    cells = re.findall(r'<td class="m" data-row="([^"]*)" data-metric="([^"]*)" data-value="([^"]*)"[^>]*><span class="val">([^<]*)</span>', text)
    shown = {(html_lib.unescape(r), html_lib.unescape(m)): (float(v), t) for r, m, v, t in cells}
    rows = read_metrics(run_dir)
    expected = 0
    for row in rows:
        label = f"{row['task']}[{row['group']}]" if row["group"] else row["task"]
        for name, metric in row["metrics"].items():
            value, text_value = shown[(label, name)]
            assert value == metric.value or (value != value and metric.value != metric.value)
            assert text_value == format_value(metric.value)
            expected += 1
    assert len(shown) == expected
    for row in rows:  # the engine's counts are shown too
        label = f"{row['task']}[{row['group']}]" if row["group"] else row["task"]
        for key in ("unparseable", "truncated", "errors"):
            if key in row:
                assert f'data-row="{html_lib.escape(label)}" data-count="{key}">{row[key]}<' in text


def test_embedded_samples_have_the_planned_outcomes(run_dir):
    data = page_data((run_dir / "report.html").read_text(encoding="utf-8"))
    got = {(data["tasks"][s["t"]], s["i"]): s["o"] for s in data["samples"]}
    assert got == expected_outcomes(TASKS, LIMIT)
    by_id = {s["i"]: s for s in data["samples"]}
    right = by_id["counterbench/0/0"]
    assert [turn[0] for turn in right["p"]][-1] == "user"  # chat turns kept as turns
    assert data["strings"][right["r"][0]].startswith("Step 1")
    assert right["y"] == json.loads((run_dir / "samples.jsonl").read_text().splitlines()[LIMIT])["sample"]["answer"]
    assert right["a"] == [right["y"]]
    assert "type=basic" in right["g"] and right["s"]["accuracy"] == 1.0
    assert by_id["counterbench/0/4"]["e"].startswith("HTTP 500")
    # search families (those declaring trace markers) get the reasoning behaviours of each response
    behaviours = by_id["countdown-4/0/0"]["b"][0]
    assert behaviours["backtracking"] >= 1 and behaviours["verification"] >= 1
    assert "b" not in right


def test_outcome_rule(run_dir):
    line = {"scores": {"accuracy": 0.0}, "responses": ["x"], "answers": [None], "truncated": [True]}
    assert sample_outcome(line, "accuracy") == "truncated"
    assert sample_outcome({**line, "truncated": [False]}, "accuracy") == "unparseable"
    assert sample_outcome({**line, "answers": ["3"], "truncated": [False]}, "accuracy") == "wrong"
    assert sample_outcome({**line, "scores": {"accuracy": 0.7}}, "accuracy") == "right"
    assert sample_outcome({**line, "error": "timeout"}, "accuracy") == "error"


def test_every_family_declares_its_figures_and_the_report_draws_them(run_dir):
    assert all(family.plots is not None and family.gold is not None for family in families())
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    assert 'data-family="countdown"' in text and 'data-family="counterbench"' in text
    assert '<figure class="plot-error"' not in text
    assert "chance 50%" in text  # CounterBench's chance line


def test_rebuilding_is_byte_identical_and_cli_rebuilds(run_dir, capsys):
    first = (run_dir / "report.html").read_bytes()
    (run_dir / "report.html").unlink()
    assert main(["report", str(run_dir), "--html"]) == 0
    assert "report.html" in capsys.readouterr().out
    assert (run_dir / "report.html").read_bytes() == first


def test_score_writes_a_report_too(tmp_path, capsys):
    samples = tmp_path / "samples.jsonl"
    assert main(["generate", "sudoku-4x4", "--n", "3", "--out", str(samples)]) == 0
    rows = [json.loads(line) for line in samples.read_text().splitlines()]
    preds = tmp_path / "preds.jsonl"
    preds.write_text("".join(json.dumps({"id": r["id"], "response": f"<answer>{json.dumps(r['solution'])}</answer>"}) + "\n" for r in rows))
    out = tmp_path / "scored"
    assert main(["score", "sudoku-4x4", "--data", str(samples), "--predictions", str(preds), "--out", str(out)]) == 0
    text = (out / "report.html").read_text(encoding="utf-8")
    assert 'data-family="sudoku"' in text and "scored from a predictions file" in text
    assert {s["o"] for s in page_data(text)["samples"]} == {"right"}


def test_long_texts_are_capped_and_say_where_the_rest_is(tmp_path):
    run_dir = make_run(tmp_path / "long", ["countdown"], 2)
    lines = (run_dir / "samples.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    first["responses"] = ["x" * 50_000]
    (run_dir / "samples.jsonl").write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    recommit(run_dir)
    data = page_data(render_report(run_dir))
    text = data["strings"][data["samples"][0]["r"][0]]
    assert len(text) < 21_000 and "30,000 more characters not embedded; full text in samples.jsonl line 1" in text


def test_no_credentials_on_the_page(tmp_path):
    run_dir = make_run(tmp_path / "api", ["countdown"], 2)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    manifest["backend"] = {"name": "openai", "base_url": "http://user:s3cret@10.1.2.3:8000/v1?key=abc", "api_key_env": "MY_KEY"}
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    text = write_report(run_dir).read_text(encoding="utf-8")
    assert "s3cret" not in text and "key=abc" not in text and "10.1.2.3:8000" in text
    assert backend_host(manifest) == "10.1.2.3:8000" and safe_host("https://a:b@host.example/v1") == "host.example"


def test_each_family_figure_is_drawn_from_a_real_run(tmp_path, fixtures_dir):
    """Every family's plots hook on a real run of it (generated data; the log-likelihood variant
    through an in-process backend), with no figure failing."""
    from harness.pipeline.plan import RunSpec
    from harness.pipeline.runner import run
    from tests.fake_backend import FakeCountdownBackend

    runs = {
        "sudoku": make_run(tmp_path / "sudoku", ["sudoku-4x4", "sudoku-4x4-hard"], 6),
        "lr2bench": make_run(tmp_path / "lr2", ["lr2bench-generated"], 8),
        "reversal-incontext": make_run(tmp_path / "incontext", ["reversal-incontext"], 12),
        "reversal-celebrity": make_run(tmp_path / "celebrity", ["reversal-celebrity"], 8, data=str(fixtures_dir / "reversal" / "celebrity" / "parent_child_pairs.csv"),
                                       outcome_of=lambda task, i, sample: "right" if sample["direction"] == "forward" else "wrong"),
    }
    spec = RunSpec(tasks=["reversal-fictitious-loglik"], limit=30, out=str(tmp_path / "loglik"), results_dir=str(tmp_path),
                   cache_path=str(tmp_path / "loglik.sqlite"), progress=False)
    run(spec, backend_factory=lambda model, options: FakeCountdownBackend())
    runs["reversal-fictitious"] = tmp_path / "loglik"
    titles = {
        "sudoku": ["Sudoku: accuracy by difficulty"],
        "lr2bench": ["lr2bench-generated: metrics per level", "lr2bench-generated: metrics per task"],
        "reversal-incontext": ["Reversal curse: accuracy by direction (reversal-incontext)"],
        "reversal-fictitious": ["Likelihood test on the reverse prompts (reversal-fictitious-loglik)"],
        "reversal-celebrity": ["Reversal curse (celebrities): forward vs reverse"],
    }
    for family, run_dir in runs.items():
        text = (run_dir / "report.html").read_text(encoding="utf-8")
        assert '<figure class="plot-error"' not in text, family
        drawn = re.findall(rf'<figure data-family="{family}"><figcaption><b>([^<]*)</b>', text)
        assert drawn == titles[family], family
    assert "t-test p=" in (runs["reversal-fictitious"] / "report.html").read_text(encoding="utf-8")


def test_score_draws_its_figures_without_heavy_libraries(tmp_path):
    """`harness score` writes report.html with its figures (pygal SVG) yet imports none of the
    heavy libraries: matplotlib + numpy cost 0.5-0.9 s of every score before (issue 16)."""
    samples, preds, out = tmp_path / "samples.jsonl", tmp_path / "preds.jsonl", tmp_path / "scored"
    assert main(["generate", "countdown", "--n", "6", "--out", str(samples)]) == 0
    rows = [json.loads(line) for line in samples.read_text().splitlines()]
    preds.write_text("".join(json.dumps({"id": r["id"], "response": "<answer>1 + 2</answer>"}) + "\n" for r in rows))
    code = ("import sys\nfrom harness.cli import main\n"
            f"code = main(['score', 'countdown', '--data', {str(samples)!r}, '--predictions', {str(preds)!r}, '--out', {str(out)!r}])\n"
            "heavy = [m for m in ('matplotlib', 'numpy', 'scipy', 'torch', 'transformers', 'pandas', 'datasets', 'lm_eval') if m in sys.modules]\n"
            "print('EXIT', code, 'HEAVY', heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert "EXIT 0 HEAVY []" in done.stdout, done.stdout + done.stderr
    text = (out / "report.html").read_text(encoding="utf-8")
    figure = re.search(r'<figure data-family="countdown">.*?</figure>', text, re.S)
    assert figure and "<svg" in figure.group(0) and "class=\"ci\"" in figure.group(0)  # bars with CI whiskers
    assert "<script" not in figure.group(0)  # static SVG: no pygal JavaScript fetched from the web


def test_figures_are_deterministic_and_distinct():
    from harness.report.metrics import mean_with_ci
    from harness.report.plots import bar_chart, heatmap_table, line_chart

    a = bar_chart({"accuracy": [mean_with_ci([1, 0, 1], "binary"), None]}, ["3 numbers", "4 numbers"])
    assert a == bar_chart({"accuracy": [mean_with_ci([1, 0, 1], "binary"), None]}, ["3 numbers", "4 numbers"])
    b = bar_chart({"accuracy": [mean_with_ci([1, 1, 1], "binary"), None]}, ["3 numbers", "4 numbers"])
    ids = lambda svg: set(re.findall(r'id="chart-(fig-[0-9a-f]+)"', svg))
    assert ids(a) and ids(a) != ids(b)  # each figure's CSS is scoped under its own id
    line = line_chart({"basic": [(2, mean_with_ci([1, 0], "binary")), (3, mean_with_ci([0, 0], "binary"))]}, chance=0.5)
    assert "chance 50%" in line and line == line_chart({"basic": [(2, mean_with_ci([1, 0], "binary")), (3, mean_with_ci([0, 0], "binary"))]}, chance=0.5)
    table = heatmap_table([[1.0, None], [0.0, 0.5]], ["4_4", "4_5"], ["CR", "EM"])
    assert table.count("<td") == 4 and "#fde725" in table and "#440154" in table and "0.50" in table


def test_figures_do_not_depend_on_the_day_they_are_drawn(monkeypatch):
    """pygal writes "Generated with pygal ... on <today>" into every SVG: left in, the same run's
    report.html changed bytes each day (the pinned digests of tests/test_streaming_outputs.py broke
    at midnight)."""
    import datetime

    import pygal.svg

    from harness.report.metrics import mean_with_ci
    from harness.report.plots import bar_chart, line_chart

    def drawn_on(day):
        class Day(datetime.date):
            @classmethod
            def today(cls):
                return day

        monkeypatch.setattr(pygal.svg, "date", Day)
        return (bar_chart({"accuracy": [mean_with_ci([1, 0, 1], "binary")]}, ["3 numbers"]),
                line_chart({"basic": [(2, mean_with_ci([1, 0], "binary"))]}))

    early, late = drawn_on(datetime.date(2026, 1, 1)), drawn_on(datetime.date(2031, 12, 31))
    assert early == late
    assert "Generated with pygal" in early[0] and "2026-01-01" not in early[0] and "2031-12-31" not in late[1]


def test_unbounded_bars_keep_every_whisker_inside_the_axis():
    from harness.report.plots import _value_axis

    axis = _value_axis([{"value": -14.0, "ci": {"low": -16.0, "high": -12.0}}, {"value": -86.0, "ci": {"low": -98.0, "high": -73.0}}], None)
    low, high = axis["range"]
    assert low < -98.0 and high >= 0.0
