"""`harness view`: a local web server over a results folder (127.0.0.1 only, stdlib http.server).

Pages: / (a sortable leaderboard and the list of runs, with a form to compare two of them),
/runs/<folder>/ (that run's report.html, rebuilt when missing or older than the run's files; the
run's own json/csv/jsonl files beside it), /compare?a=<folder>&b=<folder> (paired difference with
a CI per shared task and the samples that flipped either way). Only folders found under the
results folder are served, by name, so no path outside it can be reached.
"""

from __future__ import annotations

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
RUNS_HEAD = ("run folder", "model", "tasks", "host", "seed", "limit", "completion tokens", "wall time", "finished")


class ResultsSite:
    """What the server shows, as functions from a path to (status, content type, body)."""

    def __init__(self, results_dir: Path):
        self.results_dir = Path(results_dir)
        if not self.results_dir.is_dir():
            raise HarnessError(f"results folder not found: {results_dir} (give the folder holding run folders, e.g. results/)")

    def runs(self) -> dict[str, Path]:
        from harness.report.leaderboard import find_run_dirs

        return {path.relative_to(self.results_dir).as_posix(): path for path in find_run_dirs([str(self.results_dir)])}

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
                name, _, file = path[len("/runs/"):].rstrip("/").rpartition("/")  # names may hold '/' (nested runs)
                if file not in RUN_FILES:
                    name, file = f"{name}/{file}".strip("/"), "report.html"
                return self.run_file(name, file)
        except HarnessError as exc:
            return self._html(self.message("cannot show this", str(exc)), HTTPStatus.BAD_REQUEST)
        return self._html(self.message("not found", f"no page at {path}"), HTTPStatus.NOT_FOUND)

    @staticmethod
    def _html(text: str, status: int = HTTPStatus.OK) -> tuple[int, str, bytes]:
        return status, "text/html; charset=utf-8", text.encode("utf-8")

    def message(self, title: str, text: str) -> str:
        from harness.report.templating import render

        return render("message.html", title=title, text=text)

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
        from harness.report.leaderboard import LEADERBOARD_HEAD, leaderboard_cells, leaderboard_rows, pivot
        from harness.report.run_folder import read_manifest
        from harness.report.run_summary import run_facts
        from harness.report.templating import render

        runs = self.runs()
        names_of = {str(path): name for name, path in runs.items()}
        board_rows = leaderboard_rows(list(runs.values()))
        board = leaderboard_cells(board_rows, lambda row: run_href(names_of[row["run_dir"]]))
        pivot_tasks, pivot_rows = pivot(board_rows)
        grid = [(label, [(cells.get(task), run_href(names_of[cells[task]["run_dir"]]) if task in cells else None)
                         for task in pivot_tasks]) for label, cells in pivot_rows]
        manifests = {name: read_manifest(run_dir) for name, run_dir in runs.items()}
        names = sorted(runs, key=lambda name: manifests[name].get("finished_at", ""), reverse=True)
        default_b = comparable_partner(names, manifests)
        table = []
        for name in names:
            facts = run_facts(manifests[name])
            tasks = ", ".join(manifests[name].get("tasks") or {})
            wall = facts["wall_seconds"]
            cells = [(name, name, run_href(name), None), (facts["model"], facts["model"], None, None), (tasks, tasks, None, "tasks"),
                     (facts["host"], facts["host"], None, None),
                     (facts["seed"] if facts["seed"] is not None else "", str(facts["seed"]), None, None),
                     (facts["limit"] if facts["limit"] is not None else "", "all" if facts["limit"] is None else str(facts["limit"]), None, None),
                     (facts["completion_tokens"] or 0, f"{facts['completion_tokens'] or 0:,}", None, None),
                     (wall or 0, "" if wall is None else f"{wall:.1f} s", None, None),
                     (facts["finished_at"], facts["finished_at"][:16].replace("T", " "), None, None)]
            table.append([{"sort": str(key), "text": text, "href": href, "span": span} for key, text, href, span in cells])
        studies = []
        for name, folder in self.studies().items():
            manifest = read_manifest(folder)
            what = " ".join(str(manifest.get(k, "")) for k in ("kind", "task", "model") if manifest.get(k))
            studies.append((name, f"/studies/{quote(name)}/", what))
        return render("view_index.html", title="harness view: " + str(self.results_dir), results_dir=str(self.results_dir),
                      board_head=LEADERBOARD_HEAD, board=board, pivot_tasks=pivot_tasks, grid=grid, names=names, default_b=default_b, studies=studies, runs=table,
                      runs_head=RUNS_HEAD)

    def compare(self, name_a: str, name_b: str) -> str:
        from harness.report.compare import compare_runs
        from harness.report.templating import render

        runs = self.runs()
        for name in (name_a, name_b):
            if name not in runs:
                raise HarnessError(f"no run folder '{name}' under {self.results_dir}; pick two runs on the index page")
        results = compare_runs(runs[name_a], runs[name_b])
        notes, flips = [], []
        for c in results:
            note = []
            if c.errored:
                note.append(f"{c.errored} left out (errors)")
            if c.only_a or c.only_b:
                note.append(f"{c.only_a} only in A, {c.only_b} only in B")
            notes.append("; ".join(note))
            for title, ids, css in (("right in B only (gained)", c.gained, "gained"), ("right in A only (lost)", c.lost, "lost")):
                shown = [(i, sample_href(name_a, i), sample_href(name_b, i)) for i in ids[:MAX_FLIPS_SHOWN]]
                flips.append({"task": c.task, "title": title, "ids": ids, "css": css, "shown": shown})
        return render("view_compare.html", title=f"compare {name_a} vs {name_b}", name_a=name_a, name_b=name_b,
                      href_a=run_href(name_a), href_b=run_href(name_b), comparisons=results, notes=notes, flips=flips)


def comparable_partner(names: list[str], manifests: dict[str, dict[str, Any]]) -> str | None:
    """What the compare form preselects as B beside the newest run (A): the newest other run of a task
    in common (a pair the compare page can pair up), else nothing."""
    if not names:
        return None
    tasks_a = set(manifests[names[0]].get("tasks") or {})
    return next((n for n in names[1:] if tasks_a & set(manifests[n].get("tasks") or {})), None)


def run_href(name: str) -> str:
    """The link to a run folder's page, its name percent-encoded."""
    return f"/runs/{quote(name)}/"  # '/' in a nested run's name stays a path separator


def sample_href(run: str, sample_id: str) -> str:
    """The link to one sample in a run's report (report.js reads the id back from the hash)."""
    return f"/runs/{quote(run)}/report.html#id={quote(sample_id)}"


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
