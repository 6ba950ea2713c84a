"""`harness view`: a local web server over a results folder (127.0.0.1 only, stdlib http.server).

Pages: / (a sortable leaderboard and the list of runs, with a form to compare two of them),
/runs/<folder>/ (that run's report.html, rebuilt when missing or older than the run's files; the
run's own json/csv/jsonl files beside it), /compare?a=<folder>&b=<folder> (paired difference with
a CI per shared task and the samples that flipped either way). Only folders found under the
results folder are served, by name, so no path outside it can be reached.
"""

from __future__ import annotations

import html
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from harness.core.errors import HarnessError

RUN_FILES = {"metrics.json": "application/json", "metrics.csv": "text/csv", "manifest.json": "application/json",
             "samples.jsonl": "application/x-ndjson", "report.html": "text/html"}
MAX_FLIPS_SHOWN = 500


class ResultsSite:
    """What the server shows, as functions from a path to (status, content type, body)."""

    def __init__(self, results_dir: Path):
        self.results_dir = Path(results_dir)
        if not self.results_dir.is_dir():
            raise HarnessError(f"results folder not found: {results_dir} (give the folder holding run folders, e.g. results/)")

    def runs(self) -> dict[str, Path]:
        from harness.report.leaderboard import find_run_dirs

        return {path.name: path for path in find_run_dirs([str(self.results_dir)])}

    def studies(self) -> dict[str, Path]:
        """Folders with a report.html but no metrics.json (a search study's folder)."""
        return {p.name: p for p in sorted(self.results_dir.iterdir())
                if p.is_dir() and (p / "report.html").is_file() and not (p / "metrics.json").is_file()}

    def handle(self, raw_path: str) -> tuple[int, str, bytes]:
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        try:
            if path in ("/", "/index.html"):
                return self._html(self.index())
            if path == "/compare":
                query = parse_qs(parts.query)
                return self._html(self.compare(query.get("a", [""])[0], query.get("b", [""])[0]))
            if path.startswith("/studies/"):
                name = path[len("/studies/"):].partition("/")[0]
                studies = self.studies()
                if name not in studies:
                    raise HarnessError(f"no study folder '{name}' under {self.results_dir}")
                return self._html((studies[name] / "report.html").read_text(encoding="utf-8"))
            if path.startswith("/runs/"):
                name, _, file = path[len("/runs/"):].partition("/")
                return self.run_file(name, file or "report.html")
        except HarnessError as exc:
            return self._html(self.message("cannot show this", str(exc)), HTTPStatus.BAD_REQUEST)
        return self._html(self.message("not found", f"no page at {path}"), HTTPStatus.NOT_FOUND)

    @staticmethod
    def _html(text: str, status: int = HTTPStatus.OK) -> tuple[int, str, bytes]:
        return status, "text/html; charset=utf-8", text.encode("utf-8")

    def message(self, title: str, text: str) -> str:
        from harness.report.html import page

        return page(title, f'<header><nav class="top"><a href="/">&larr; all runs</a></nav><h1>{html.escape(title)}</h1>'
                           f'<p>{html.escape(text)}</p></header>')

    def run_file(self, name: str, file: str) -> tuple[int, str, bytes]:
        runs = self.runs()
        if name not in runs:
            raise HarnessError(f"no run folder '{name}' under {self.results_dir}")
        if file not in RUN_FILES:
            raise HarnessError(f"'{file}' is not a run file; run folders serve {', '.join(RUN_FILES)}")
        run_dir = runs[name]
        if file == "report.html":
            self._fresh_report(run_dir)
        target = run_dir / file
        if not target.is_file():
            raise HarnessError(f"{name} has no {file}")
        kind = RUN_FILES[file] + "; charset=utf-8"
        return HTTPStatus.OK, kind, target.read_bytes()

    @staticmethod
    def _fresh_report(run_dir: Path) -> None:
        from harness.report.html import REPORT_NAME, write_report

        report = run_dir / REPORT_NAME
        sources = [run_dir / n for n in ("metrics.json", "samples.jsonl", "manifest.json") if (run_dir / n).is_file()]
        if not report.is_file() or any(s.stat().st_mtime > report.stat().st_mtime for s in sources):
            write_report(run_dir)

    # -- pages ---------------------------------------------------------------------------------

    def index(self) -> str:
        from harness.report.html import page
        from harness.report.leaderboard import leaderboard_rows, leaderboard_table
        from harness.report.run_folder import read_manifest
        from harness.report.run_summary import run_facts

        runs = self.runs()
        board = leaderboard_table(leaderboard_rows(list(runs.values())), lambda row: f"/runs/{quote(Path(row['run_dir']).name)}/")
        lines, options = [], []
        for name, run_dir in sorted(runs.items(), key=lambda item: read_manifest(item[1]).get("finished_at", ""), reverse=True):
            facts = run_facts(read_manifest(run_dir))
            manifest = read_manifest(run_dir)
            tasks = ", ".join(manifest.get("tasks") or {})
            wall = facts["wall_seconds"]
            cells = [(name, f'<a href="/runs/{quote(name)}/">{html.escape(name)}</a>'), (facts["model"], html.escape(facts["model"])),
                     (tasks, f'<span class="tasks">{html.escape(tasks)}</span>'), (facts["host"], html.escape(facts["host"])),
                     (facts["seed"] if facts["seed"] is not None else "", html.escape(str(facts["seed"]))),
                     (facts["limit"] if facts["limit"] is not None else "", html.escape("all" if facts["limit"] is None else str(facts["limit"]))),
                     (facts["completion_tokens"] or 0, f"{facts['completion_tokens'] or 0:,}"),
                     (wall or 0, "" if wall is None else f"{wall:.1f} s"),
                     (facts["finished_at"], html.escape(facts["finished_at"][:16].replace("T", " ")))]
            lines.append("<tr>" + "".join(f'<td data-sort="{html.escape(str(k))}"{" class=wrap" if i == 2 else ""}>{v}</td>'
                                          for i, (k, v) in enumerate(cells)) + "</tr>")
            options.append(name)
        head = "".join(f"<th>{h}</th>" for h in ("run folder", "model", "tasks", "host", "seed", "limit", "completion tokens", "wall time", "finished"))
        select_a = "".join(f'<option value="{html.escape(n)}">{html.escape(n)}</option>' for n in options)
        select_b = "".join(f'<option value="{html.escape(n)}"{" selected" if i == 1 else ""}>{html.escape(n)}</option>'
                           for i, n in enumerate(options))
        body = (f'<header><h1>Runs in {html.escape(str(self.results_dir))}</h1>'
                f'<p class="status">{len(runs)} run folders. Click a column to sort; open a run for its report.</p></header>'
                f'<section id="leaderboard"><h2>Leaderboard <small>model x task, the newest run wins</small></h2>{board}</section>'
                f'<section id="compare"><h2>Compare two runs <small>paired, on the samples both ran</small></h2>'
                f'<form action="/compare" method="get" class="filters"><label>A <select name="a">{select_a}</select></label>'
                f'<label>B <select name="b">{select_b}</select></label><button type="submit">compare</button></form></section>'
                f'{self._studies_section()}'
                f'<section id="runs"><h2>Runs</h2><div class="table-wrap"><table class="sortable board"><thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(lines)}</tbody></table></div></section>')
        return page("harness view: " + str(self.results_dir), body)

    def _studies_section(self) -> str:
        from harness.report.run_folder import read_manifest

        items = []
        for name, folder in self.studies().items():
            manifest = read_manifest(folder)
            what = " ".join(str(manifest.get(k, "")) for k in ("kind", "task", "model") if manifest.get(k))
            items.append(f'<li><a href="/studies/{quote(name)}/">{html.escape(name)}</a> {html.escape(what)}</li>')
        return f'<section id="studies"><h2>Studies</h2><ul>{"".join(items)}</ul></section>' if items else ""

    def compare(self, name_a: str, name_b: str) -> str:
        from harness.report.compare import compare_runs
        from harness.report.html import metric_cell, page

        runs = self.runs()
        for name in (name_a, name_b):
            if name not in runs:
                raise HarnessError(f"no run folder '{name}' under {self.results_dir}; pick two runs on the index page")
        results = compare_runs(runs[name_a], runs[name_b])
        rows, flips = [], []
        for c in results:
            label = c.task
            notes = []
            if c.errored:
                notes.append(f"{c.errored} left out (errors)")
            if c.only_a or c.only_b:
                notes.append(f"{c.only_a} only in A, {c.only_b} only in B")
            rows.append(f'<tr><th class="label">{html.escape(c.task)}</th><td>{html.escape(c.primary_metric)}</td>'
                        f'<td class="n" data-count="pairs">{c.pairs}</td>{metric_cell(label, "A", c.a)}{metric_cell(label, "B", c.b)}'
                        f'{metric_cell(label, "B-A", c.difference)}<td class="c" data-count="gained">{len(c.gained)}</td>'
                        f'<td class="c" data-count="lost">{len(c.lost)}</td><td>{html.escape("; ".join(notes))}</td></tr>')
            for title, ids, cls in (("right in B only (gained)", c.gained, "gained"), ("right in A only (lost)", c.lost, "lost")):
                items = "".join(
                    f'<li data-id="{html.escape(i)}">{html.escape(i)} <a href="/runs/{quote(name_a)}/report.html#id={quote(i)}">in A</a> '
                    f'<a href="/runs/{quote(name_b)}/report.html#id={quote(i)}">in B</a></li>' for i in ids[:MAX_FLIPS_SHOWN])
                more = f"<p>... and {len(ids) - MAX_FLIPS_SHOWN} more</p>" if len(ids) > MAX_FLIPS_SHOWN else ""
                listing = f'<ul class="flips {cls}" data-task="{html.escape(c.task)}">{items}</ul>' if ids else ""
                flips.append(f'<h3>{html.escape(c.task)}: {title}: {len(ids)}</h3>{listing}{more}')
        body = (f'<header><nav class="top"><a href="/">&larr; all runs</a></nav><h1>Compare</h1>'
                f'<div class="facts"><div class="fact"><span class="k">A</span><span class="v"><a href="/runs/{quote(name_a)}/">{html.escape(name_a)}</a></span></div>'
                f'<div class="fact"><span class="k">B</span><span class="v"><a href="/runs/{quote(name_b)}/">{html.escape(name_b)}</a></span></div></div></header>'
                f'<section><h2>Paired difference <small>per-sample primary metric, B - A, mean with a 95% bootstrap interval over the pairs; '
                f'a flip = right in one run, not right in the other</small></h2><div class="table-wrap"><table class="metrics compare">'
                f'<thead><tr><th>task</th><th>metric</th><th>pairs</th><th>A</th><th>B</th><th>B - A</th><th>gained</th><th>lost</th>'
                f'<th>note</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div></section>'
                f'<section id="flips"><h2>Samples that flipped</h2>{"".join(flips)}</section>')
        return page(f"compare {name_a} vs {name_b}", body)


class _Handler(BaseHTTPRequestHandler):
    site: ResultsSite

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        status, kind, body = self.site.handle(self.path)
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: one line per request is noise here
        return


def make_server(results_dir: Path, port: int = 0) -> ThreadingHTTPServer:
    """A server on 127.0.0.1 (port 0 = a free port, see server.server_address)."""
    site = ResultsSite(results_dir)
    handler = type("ResultsHandler", (_Handler,), {"site": site})
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise HarnessError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); choose another --port or 0 for any free port") from None
    server.daemon_threads = True
    return server


def serve_in_thread(results_dir: Path, port: int = 0) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """For tests and scripts: the server running in a daemon thread; call server.shutdown()."""
    server = make_server(results_dir, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    return server, thread
