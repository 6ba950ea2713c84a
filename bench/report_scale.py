"""How report.html scales: a 10 000-sample run (the real runner, an in-process backend answering
with ~1.5 kB reasoning traces, every outcome represented), its report's size and build time, and
in headless chromium the time to open it and to filter (outcome, task, free text).

Needs Debian's chromium and playwright (make test-browser installs both). Prints figures; the
target is open + filter under 2 s each.

    .venv/bin/python bench/report_scale.py [--samples 10000] [--trace-chars 1500]
    .venv/bin/python bench/report_scale.py --page DIR/n50000/run/report.html   # a page bench/scale.py --keep left
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from _common import REPO_ROOT, figure, timer

sys.path.insert(0, str(REPO_ROOT))

from harness.report.html import write_report  # noqa: E402
from tests.report_fixtures import OUTCOME_CYCLE, make_run  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
MIX = ("right", "wrong", "wrong", "unparseable", "truncated", "right", "wrong", "error", "right", "wrong")

TIME_UNTIL_STATUS_CHANGES = """async ([selector, action]) => {
  const status = document.getElementById('status'); const before = status.textContent;
  const changed = new Promise(resolve => new MutationObserver((_, obs) => { obs.disconnect(); resolve(); })
    .observe(status, {childList: true, characterData: true, subtree: true}));
  const t0 = performance.now();
  const el = document.querySelector(selector);
  if (action === 'click') { el.click(); } else { el.value = action; el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input')); }
  await changed;
  await new Promise(requestAnimationFrame);
  return [performance.now() - t0, status.textContent];
}"""


def open_and_filter(report: Path, steps: list[tuple[str, str, str]]) -> None:
    """Open ``report`` in headless chromium (cold, then warm) and time each filter step."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 1300, "height": 900})
        errors: list[str] = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        for attempt in ("cold", "warm"):
            with timer() as t_open:
                tab.goto(report.as_uri())
                tab.wait_for_selector("body[data-ready='1']", timeout=60_000)
            ready = tab.evaluate("performance.now()")
            figure(f"open to first page of samples ({attempt}, wall)", t_open["s"], "s", "target < 2 s")
            figure(f"open to first page of samples ({attempt}, in page)", ready / 1000, "s")
        for name, selector, action in steps:
            ms, status = tab.evaluate(TIME_UNTIL_STATUS_CHANGES, [selector, action])
            figure(name, ms / 1000, "s", f"target < 2 s  [{status}]")
        print("page errors:", errors or "none")
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--trace-chars", type=int, default=1500)
    parser.add_argument("--page", help="open this existing report.html instead of building one (e.g. a run folder"
                                       " bench/scale.py --keep left); times the opening and the outcome filters")
    args = parser.parse_args()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        print("playwright is not installed: run 'make test-browser' first (it installs chromium and playwright)")
        return 1
    outcome_steps = [("outcome: untick 'right'", "input[name=outcome][value=right]", "click"),
                     ("outcome: untick 'wrong'", "input[name=outcome][value=wrong]", "click")]
    if args.page:
        page = Path(args.page)
        figure("report.html size", page.stat().st_size / 1e6, "MB")
        open_and_filter(page.resolve(), outcome_steps)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "scale"
        with timer() as t_run:
            make_run(out, ["countdown"], args.samples, lambda task, i, sample: MIX[i % len(MIX)], trace_chars=args.trace_chars)
        with timer() as t_build:
            report = write_report(out)
        jsonl, page_bytes = (out / "samples.jsonl").stat().st_size, report.stat().st_size
        print(f"{args.samples} samples, ~{args.trace_chars}-character responses; outcomes cycle {sorted(set(MIX))}")
        figure("run (generate + fake model + score + write)", t_run["s"], "s")
        figure("report.html build (python)", t_build["s"], "s")
        figure("samples.jsonl size", jsonl / 1e6, "MB")
        figure("report.html size", page_bytes / 1e6, "MB", f"({page_bytes / jsonl:.0%} of samples.jsonl)")
        open_and_filter(report, [
            *outcome_steps,
            ("task select", "#f-task", "countdown"),
            ("free text, first search (builds the index)", "#f-text", "countdown-4/0/77"),
            ("free text, second search", "#f-text", "go back"),
        ])
        print("(free-text times include the search box's 120 ms debounce)")
    return 0


if __name__ == "__main__":
    assert set(MIX) == set(OUTCOME_CYCLE)
    sys.exit(main())
