"""`harness view`: a local web server over a results folder (127.0.0.1 only).

Pages: / (a sortable leaderboard and the list of runs, with a form to compare two of them),
/runs/<folder>/ (that run's report.html, rebuilt when missing or older than the run's files; the
run's own json/csv/jsonl files beside it), /runs/<folder>/samples?page=K (every sample of the run,
a page at a time, read from its samples.jsonl on demand: harness/report/sample_pages.py; the served
report links it), /compare?a=<folder>&b=<folder> (paired difference with
a CI per shared task and the samples that flipped either way). Only run and study folders found
directly under the results folder are served, by name, and only files that resolve inside it: a
symlink pointing elsewhere is refused, so no path outside the folder can be reached.

A run folder is checked (its files against its manifest's hashes) once, and again only when the
size or modification time of one of its files changes, so a request costs a few stat calls, not a
hash of every run. A report is stale when it is missing, older than the run's files, or the files
changed (size or mtime) since it was built or last found fresh; it is rebuilt under a lock per run
folder (the first request builds it, the others wait for it) through a temporary file of its own;
on read-only storage it is built in memory instead. The HTTP side (timeouts, worker pool, allowed hosts) is harness/report/view_server.py.
"""

from __future__ import annotations

import threading
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from harness.core.errors import HarnessError, StorageError
from harness.report.sample_pages import SamplePages
from harness.report.view_server import ViewServer

RUN_FILES = {"metrics.json": "application/json", "metrics.csv": "text/csv", "manifest.json": "application/json",
             "samples.jsonl": "application/x-ndjson", "report.html": "text/html"}
REPORT_SOURCES = ("metrics.json", "samples.jsonl", "manifest.json")
MAX_FLIPS_SHOWN = 500
SAMPLES_PAGE = "samples"  # /runs/<folder>/samples: every sample, a page at a time
SAMPLES_SECTION = b'<section id="samples"><h2>'
SELECTION_LINK = b'Every sample: <a href="samples.jsonl">samples.jsonl</a>.'
RUNS_HEAD = ("run folder", "model", "tasks", "host", "seed", "limit", "completion tokens", "wall time", "finished")
Signature = tuple[tuple[str, int, int], ...]


def file_signature(folder: Path, names: tuple[str, ...]) -> Signature:
    """(name, size, mtime in ns) of each file that exists: what tells that a file changed."""
    out = []
    for name in names:
        try:
            stat = (folder / name).stat()
        except OSError:
            continue
        out.append((name, stat.st_size, stat.st_mtime_ns))
    return tuple(out)


class ResultsSite:
    """What the server shows, as functions from a path to (status, content type, body)."""

    def __init__(self, results_dir: Path):
        self.results_dir = Path(results_dir)
        if not self.results_dir.is_dir():
            raise HarnessError(f"results folder not found: {results_dir} (give the folder holding run folders, e.g. results/)")
        self.root = self.results_dir.resolve()
        self._verified: dict[Path, Signature] = {}  # run folder -> signature when its check passed
        self._in_memory: dict[Path, tuple[Signature, bytes]] = {}  # reports built on read-only storage
        self._built: dict[Path, tuple[Signature, Signature]] = {}  # run folder -> (its sources, its page) when fresh
        self._locks: dict[Path, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._samples = SamplePages()

    def inside(self, path: Path) -> bool:
        """Whether ``path`` resolves (symlinks followed) to a place inside the results folder."""
        try:
            return path.resolve().is_relative_to(self.root)
        except OSError:
            return False

    def runs(self) -> dict[str, Path]:
        """Complete run folders directly under the results folder (or the folder itself), by name."""
        from harness.report.leaderboard import find_run_dirs
        from harness.report.run_folder import COMMITTED_FILES, check_run_folder

        candidates = [p for p in find_run_dirs([str(self.results_dir)], verify=False) if self.inside(p)]  # nested ones too
        out = {}
        for run_dir in candidates:
            signature = file_signature(run_dir, ("manifest.json", *COMMITTED_FILES))
            if self._verified.get(run_dir) != signature:
                try:
                    check_run_folder(run_dir)
                except HarnessError:
                    continue
                self._verified[run_dir] = signature
            out[run_dir.relative_to(self.results_dir).as_posix() if run_dir != self.results_dir else run_dir.name] = run_dir
        return out

    def studies(self) -> dict[str, Path]:
        """Folders with a report.html but no metrics.json (a search study's folder)."""
        return {p.name: p for p in sorted(self.results_dir.iterdir())
                if p.is_dir() and self.inside(p) and (p / "report.html").is_file() and not (p / "metrics.json").is_file()}

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
                return self._html(self._read_inside(studies[name] / "report.html").decode("utf-8", "replace"))
            if path.startswith("/runs/"):
                name, _, file = path[len("/runs/"):].rstrip("/").rpartition("/")  # names may hold '/' (nested runs)
                if file == SAMPLES_PAGE:
                    runs = self.runs()
                    if name in runs:
                        return self._html(self.sample_pages(name, runs[name], parse_qs(parts.query)))
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

    def _read_inside(self, target: Path) -> bytes:
        if not self.inside(target):
            raise HarnessError(f"{target.name} in {target.parent.name} points outside {self.results_dir}; it is not served")
        if not target.is_file():
            raise HarnessError(f"{target.parent.name} has no {target.name}")
        return target.read_bytes()

    def run_file(self, name: str, file: str) -> tuple[int, str, bytes]:
        runs = self.runs()
        if name not in runs:
            raise HarnessError(f"no run folder '{name}' under {self.results_dir}")
        if file not in RUN_FILES:
            raise HarnessError(f"'{file}' is not a run file; run folders serve {', '.join(RUN_FILES)}")
        run_dir = runs[name]
        kind = RUN_FILES[file] + "; charset=utf-8"
        if file == "report.html":
            return HTTPStatus.OK, kind, link_sample_pages(self._report(run_dir), run_href(name) + SAMPLES_PAGE)
        return HTTPStatus.OK, kind, self._read_inside(run_dir / file)

    def sample_pages(self, name: str, run_dir: Path, query: dict[str, list[str]]) -> str:
        """A page of every sample of the run (harness/report/sample_pages.py), from its samples.jsonl."""
        samples = run_dir / "samples.jsonl"
        if not self.inside(samples):
            raise HarnessError(f"samples.jsonl in {name} points outside {self.results_dir}; it is not served")
        return self._samples.page(name, run_dir, query)

    def _report(self, run_dir: Path) -> bytes:
        """The run's report.html, rebuilt first when stale: once, by the first request, under the
        folder's lock (the others wait, then read the new page)."""
        from harness.report.html import REPORT_NAME, render_report, write_page

        report = run_dir / REPORT_NAME
        with self._lock(run_dir):
            sources = file_signature(run_dir, REPORT_SOURCES)
            kept = self._in_memory.get(run_dir)
            if kept is not None and kept[0] == sources:
                return kept[1]
            state = (sources, file_signature(run_dir, (REPORT_NAME,)))
            built = self._built.get(run_dir)
            if built != state and (built is not None or _stale(run_dir, report)):
                page = render_report(run_dir)
                try:
                    write_page(report, page)
                except StorageError:  # read-only storage: serve it from memory
                    self._in_memory[run_dir] = (sources, page.encode("utf-8", "backslashreplace"))
                    return self._in_memory[run_dir][1]
                state = (sources, file_signature(run_dir, (REPORT_NAME,)))
            self._built[run_dir] = state  # fresh while neither the sources nor the page change
            return self._read_inside(report)

    def _lock(self, run_dir: Path) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(run_dir, threading.Lock())

    # -- pages ---------------------------------------------------------------------------------

    def index(self) -> str:
        from harness.report.leaderboard import LEADERBOARD_HEAD, leaderboard_cells, leaderboard_rows, pivot
        from harness.report.run_folder import read_manifest
        from harness.report.run_summary import run_facts
        from harness.report.templating import render

        runs = self.runs()
        names_of = {str(path): name for name, path in runs.items()}
        board_rows = leaderboard_rows(list(runs.values()), verified=True)
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


def link_sample_pages(page: bytes, href: str) -> bytes:
    """report.html as `harness view` serves it: its samples section also links the pages of every
    sample (the selection note, or a line under the heading when every sample is embedded). Only
    the served bytes change; the file in the run folder is left as `harness report` wrote it."""
    from markupsafe import escape

    start = page.find(SAMPLES_SECTION)
    if start < 0:
        return page
    link = f'<a href="{escape(href)}" id="sample-pages">every sample, a page at a time</a>'.encode()
    note = page.find(SELECTION_LINK, start)
    if note >= 0:
        end = note + len(SELECTION_LINK)
        return page[:end] + b" Served by harness view: " + link + b", filtered by task and outcome." + page[end:]
    heading = page.find(b"</h2>", start)
    if heading < 0:
        return page
    end = heading + len(b"</h2>")
    return page[:end] + b'<p class="sample-pages">Served by harness view: ' + link + b" (read from samples.jsonl, filtered by task and outcome).</p>" + page[end:]


def _stale(run_dir: Path, report: Path) -> bool:
    """A report is stale when it is missing or older than one of the files it is built from."""
    try:
        built = report.stat().st_mtime_ns
    except OSError:
        return True
    return any(modified > built for _, _, modified in file_signature(run_dir, REPORT_SOURCES))


def make_server(results_dir: Path, port: int = 0) -> ViewServer:
    """A server on 127.0.0.1 (port 0 = a free port, see server.server_address)."""
    site = ResultsSite(results_dir)
    try:
        return ViewServer(site.handle, port)
    except OSError as exc:
        raise HarnessError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); choose another --port or 0 for any free port") from None


def serve_in_thread(results_dir: Path, port: int = 0) -> tuple[ViewServer, threading.Thread]:
    """For tests and scripts: the server running in a daemon thread; call server.shutdown()."""
    server = make_server(results_dir, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    return server, thread
