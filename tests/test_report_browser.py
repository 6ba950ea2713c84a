"""report.html and the `harness view` pages in a real browser (Debian's chromium, driven headless by
Playwright): no console errors, every number shown equals metrics.json, the outcome, task, group
and text filters show exactly the planned samples, and screenshots are saved to
results/browser-artifacts/ for a person to look at. `make test-browser` installs what this
needs; without chromium or playwright these tests skip."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from harness.report.html import format_value
from harness.report.run_folder import read_metrics
from tests.conftest import REPO_ROOT
from tests.report_fixtures import OUTCOME_CYCLE, expected_outcomes, make_run, recommit

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("HARNESS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO_ROOT / "results" / "browser-artifacts"
TASKS = ["countdown", "counterbench"]
LIMIT = 20


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (make test-browser installs it)")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"chromium not found at {CHROMIUM} (make test-browser installs Debian's chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    tab = context.new_page()
    tab.errors = []
    tab.on("console", lambda message: tab.errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    yield tab
    context.close()


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    make_run(root / "mixed", TASKS, LIMIT)
    make_run(root / "better", TASKS, LIMIT, lambda task, i, sample: "right" if i % 5 != 1 else "wrong", model="hf:better")
    return root


def open_report(page, url: str):
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)


def shown_ids(page) -> set[str]:
    return set(page.eval_on_selector_all("#list article.sample", "els => els.map(e => e.dataset.task + '|' + e.dataset.id)"))


def set_outcomes(page, wanted: set[str]) -> None:
    for outcome in OUTCOME_CYCLE:
        box = page.locator(f"input[name=outcome][value={outcome}]")
        if box.is_checked() != (outcome in wanted):
            box.click()


def test_report_shows_metrics_json_and_filters_exactly(page, results):
    run_dir = results / "mixed"
    open_report(page, (run_dir / "report.html").as_uri())
    page.screenshot(path=str(ARTIFACTS / "report-top.png"))
    # every metric cell shows the value metrics.json holds
    cells = page.eval_on_selector_all("#metrics td.m[data-metric]", "els => els.map(e => [e.dataset.row, e.dataset.metric, e.querySelector('.val').textContent])")
    shown = {(row, metric): text for row, metric, text in cells}
    for row in read_metrics(run_dir):
        label = f"{row['task']}[{row['group']}]" if row["group"] else row["task"]
        for name, metric in row["metrics"].items():
            assert shown.pop((label, name)) == format_value(metric.value)
    assert not shown
    # the outcome filter shows exactly the planned samples of each outcome (40 samples < one page)
    expected = expected_outcomes(TASKS, LIMIT)
    assert len(shown_ids(page)) == len(expected)
    for outcome in OUTCOME_CYCLE:
        set_outcomes(page, {outcome})
        want = {f"{task}|{sid}" for (task, sid), o in expected.items() if o == outcome}
        assert shown_ids(page) == want, outcome
        assert page.locator(f"[data-outcome-count={outcome}]").text_content() == f"({len(want)})"
    set_outcomes(page, {"wrong", "error"})
    page.select_option("#f-task", "counterbench")
    want = {f"counterbench|{sid}" for (task, sid), o in expected.items() if task == "counterbench" and o in ("wrong", "error")}
    assert shown_ids(page) == want
    page.select_option("#f-group", "type=basic")
    lines = [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines()]
    basic = {f"counterbench|{l['id']}" for l in lines if l["task"] == "counterbench" and l["sample"]["type"] == "basic"}
    assert shown_ids(page) == want & basic
    page.screenshot(path=str(ARTIFACTS / "report-filtered.png"), full_page=True)
    assert page.evaluate("location.hash").startswith("#task=counterbench&group=type%3Dbasic&outcome=wrong,error")
    assert page.errors == []


def test_free_text_search_and_sample_details(page, results):
    run_dir = results / "mixed"
    open_report(page, (run_dir / "report.html").as_uri())
    page.fill("#f-text", "countdown-4/0/13")
    page.wait_for_function("document.getElementById('status').dataset.matches === '1'")
    card = page.locator("#list article.sample").first
    assert card.get_attribute("data-outcome") == "truncated"
    card.locator(".sum").click()
    details = card.locator(".det")
    assert details.locator(".turn.system").count() == 1 and details.locator(".turn.user").count() == 1
    assert "finish: length (truncated)" in details.text_content()
    assert "gold" in details.text_content()
    page.fill("#f-text", "countdown-4/0/0")  # a right answer: its response, answer and scores
    page.wait_for_selector("#list article.sample[data-id='countdown-4/0/0']")
    assert page.locator("#list article.sample").count() == 1
    page.locator("#list article.sample .sum").first.click()
    text = page.locator("#list article.sample .det").first.text_content()
    assert "<answer>" in text and "accuracy" in text and "behaviours (keyword detector, sentences" in text
    page.screenshot(path=str(ARTIFACTS / "report-sample-open.png"), full_page=True)
    page.locator("#plots").screenshot(path=str(ARTIFACTS / "report-figures.png"))
    assert page.errors == []


def test_malformed_hashes_and_bidi_text_leave_the_browser_working(page, tmp_path):
    """A hash that is not valid percent-encoding (a hand-edited or truncated link) is read as
    text, and a right-to-left override in an id or an answer is shown as an escape."""
    from harness.report.html import write_report

    run_dir = make_run(tmp_path / "bidi", ["countdown"], 3, lambda task, i, sample: "right")
    lines = [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines()]
    lines[0]["id"], lines[0]["answers"] = "evil\u202edi.txt", ["\u202e1 + 2"]
    (run_dir / "samples.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    recommit(run_dir)
    url = write_report(run_dir).as_uri()
    for bad in ("#id=%E0%A4%A", "#q=%&task=%zz", "#%", "#outcome=%E0&group=%", "#__proto__=x&constructor=%"):
        open_report(page, url + bad)
        assert page.evaluate("document.getElementById('status').dataset.matches") in ("0", "1", "3"), bad
        assert page.errors == [], bad
    open_report(page, url + "#q=%")  # the literal text '%' is searched for: nothing matches
    assert page.evaluate("document.getElementById('status').dataset.matches") == "0"
    open_report(page, url)
    card = page.locator("#list article.sample").first
    assert card.locator(".id").text_content() == "evil\\u202edi.txt"
    assert "\\u202e1 + 2" in card.locator(".ans").first.text_content()
    assert "\u202e" not in page.locator("#list").text_content()
    assert page.errors == []


def test_view_pages(page, results):
    from harness.report.view import serve_in_thread

    server, thread = serve_in_thread(results)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        open_report(page, base + "/")
        assert page.locator("#leaderboard tbody tr").count() == 4  # 2 models x 2 tasks
        page.locator("#leaderboard thead th", has_text="value").click()  # sort ascending by value
        values = page.eval_on_selector_all("#leaderboard tbody tr", "rows => rows.map(r => Number(r.cells[3].dataset.sort))")
        assert values == sorted(values)
        page.screenshot(path=str(ARTIFACTS / "view-index.png"), full_page=True)
        page.select_option("select[name=a]", "mixed")
        page.select_option("select[name=b]", "better")
        page.click("#compare button")
        page.wait_for_selector("table.compare")
        # planned: A right at i%5==0; B right unless i%5==1 -> gained i%5 in (2,3) (4 errored in A: left out), lost none
        gained = page.eval_on_selector_all("ul.flips.gained[data-task=countdown] li", "els => els.map(e => e.dataset.id)")
        assert gained == [f"countdown-4/0/{i}" for i in range(LIMIT) if i % 5 in (2, 3)]
        assert page.locator("ul.flips.lost[data-task=countdown] li").count() == 0
        page.screenshot(path=str(ARTIFACTS / "view-compare.png"), full_page=True)
        page.locator("ul.flips.gained[data-task=countdown] li a", has_text="in B").first.click()
        page.wait_for_selector("body[data-ready='1']")
        assert shown_ids(page) == {"countdown|countdown-4/0/2"}
        assert page.locator("#list article.sample .det").count() == 1  # opened on arrival
        page.screenshot(path=str(ARTIFACTS / "view-linked-sample.png"))
        assert page.errors == []
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_view_pages_every_sample(page, results):
    """From the served report to the pages of every sample, then the filter form: exactly the planned lines."""
    from harness.report.view import serve_in_thread

    server, thread = serve_in_thread(results)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    planned = expected_outcomes(TASKS, LIMIT)
    try:
        open_report(page, base + "/runs/mixed/")
        page.click("#sample-pages")
        page.wait_for_selector("#samples .sample")
        assert page.locator("#samples .sample").count() == 2 * LIMIT and "page 1 of 1" in page.inner_text("#page")
        page.select_option("select[name=task]", "counterbench")
        page.select_option("select[name=outcome]", "wrong")
        page.fill("input[name=size]", "3")
        page.click("form.filters button")
        page.wait_for_url("**/samples?task=counterbench&outcome=wrong&size=3")
        wanted = [i for (task, i), outcome in planned.items() if task == "counterbench" and outcome == "wrong"]
        shown = page.eval_on_selector_all("#samples .sample .id", "els => els.map(e => e.textContent)")
        assert shown == wanted[:3] and page.locator(".badge.wrong").count() == len(shown)
        page.screenshot(path=str(ARTIFACTS / "view-sample-pages.png"), full_page=True)
        assert page.errors == []
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
