"""The leaderboard: one row per (model, task) from run folders, the newest run winning, so
re-runs and resumed runs of the same model and task are never double-counted.

Each row says what was run (backend host, seed, limit and n, max tokens, samples per prompt, date,
run folder), and a row whose task scored nothing (n=0) is kept with a note saying why, never
dropped. Written as CSV and as a sortable, self-contained leaderboard.html beside it.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from harness.core.errors import HarnessError, storage_error
from harness.report.run_folder import check_run_folder, read_manifest, read_metrics
from harness.report.run_summary import backend_host, task_settings

COLUMNS = ("model", "task", "primary_metric", "value", "ci_low", "ci_high", "n", "run_dir", "finished_at",
           "backend_host", "seed", "limit", "max_tokens", "samples_per_prompt", "errors", "note")
LEADERBOARD_HEAD = ("task", "model", "metric", "value", "95% CI", "n", "errors", "host", "seed", "limit", "max tokens",
                    "per prompt", "date", "run folder", "note")


def find_run_dirs(paths: list[str], skipped: list[str] | None = None) -> list[Path]:
    """The given run folders, or every run folder directly under a given parent (like results/).
    Folders that are not one complete commit are left out, with the reason appended to ``skipped``."""
    found: list[Path] = []
    for path in map(Path, paths):
        if (path / "metrics.json").is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if (p / "metrics.json").is_file()))
    complete = []
    for run_dir in found:
        try:
            check_run_folder(run_dir)
        except HarnessError as exc:
            if skipped is not None:
                skipped.append(str(exc))
            continue
        complete.append(run_dir)
    return complete


def _note(row: dict[str, Any], metric: Any) -> str:
    errors = row.get("errors") or 0
    if metric is None or metric.n == 0 or row.get("n") == 0:
        if errors:
            return f"n=0: all {errors} requests failed (see samples.jsonl 'error'); re-run to retry them"
        return "n=0: no sample was scored"
    if errors:
        return f"{errors} errors, not scored"
    return ""


def leaderboard_rows(run_dirs: list[Path], verified: bool = False) -> list[dict[str, Any]]:
    """One row per (model, task), the newest run winning (``verified``: the folders were just checked)."""
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for run_dir in run_dirs:
        manifest = read_manifest(run_dir)
        model = manifest.get("model", "unknown")
        finished = manifest.get("finished_at", "")
        host = backend_host(manifest)
        for row in read_metrics(run_dir, verified):
            if row["group"]:
                continue
            metric = row["metrics"].get(row["primary_metric"])
            settings = task_settings(manifest, row["task"])
            value = None if metric is None or math.isnan(metric.value) else metric.value
            entry = {
                "model": model, "task": row["task"], "primary_metric": row["primary_metric"],
                "value": value, "ci_low": metric.ci_low if metric else None, "ci_high": metric.ci_high if metric else None,
                "n": row.get("n", metric.n if metric else 0), "run_dir": str(run_dir), "finished_at": finished,
                "backend_host": host, "seed": manifest.get("seed"), "limit": manifest.get("limit"),
                "max_tokens": settings["max_tokens"], "samples_per_prompt": settings["samples_per_prompt"],
                "errors": row.get("errors", 0), "note": _note(row, metric),
            }
            key = (model, row["task"])
            if key not in best or finished >= best[key]["finished_at"]:
                best[key] = entry
    return sorted(best.values(), key=lambda e: (e["task"], -(e["value"] if e["value"] is not None else -1), e["model"]))


def write_leaderboard(rows: list[dict[str, Any]], out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: ("" if row[k] is None else row[k]) for k in COLUMNS})
    except OSError as exc:
        raise storage_error(exc, "give --out on writable storage", out) or exc from None


def leaderboard_cells(rows: list[dict[str, Any]], link_of: Callable[[dict[str, Any]], str | None]) -> list[list[dict[str, Any]]]:
    """The cells of the sortable table (templates/macros.html ``sortable_table``), one list per row:
    {sort: the key the column sorts by, text: what is shown, href: the run folder's link (already
    percent-encoded by ``link_of``), span: a css class for the note}."""
    from harness.report.html import format_value

    table = []
    for row in rows:
        ci = "" if row["ci_low"] is None else f"[{format_value(row['ci_low'])}, {format_value(row['ci_high'])}]"
        value, folder = row["value"], Path(row["run_dir"]).name
        cells = [
            (row["task"], row["task"]), (row["model"], row["model"]), (row["primary_metric"], row["primary_metric"]),
            ("" if value is None else value, format_value(value)), (row["ci_low"] or "", ci),
            (row["n"], str(row["n"])), (row["errors"], str(row["errors"])), (row["backend_host"], row["backend_host"]),
            (_sortable(row["seed"]), str(row["seed"])), (_sortable(row["limit"]), "all" if row["limit"] is None else str(row["limit"])),
            (_sortable(row["max_tokens"]), str(row["max_tokens"] or "-")),
            (_sortable(row["samples_per_prompt"]), str(row["samples_per_prompt"] or "-")),
            (row["finished_at"], row["finished_at"][:16].replace("T", " ")), (folder, folder), (row["note"], row["note"]),
        ]
        line = [{"sort": str(key), "text": text, "href": None, "span": None} for key, text in cells]
        line[13]["href"] = link_of(row)
        line[14]["span"] = "warn" if row["note"] else None
        table.append(line)
    return table


def _sortable(value: Any) -> Any:
    return "" if value is None else value


def href_path(path: str) -> str:
    """A relative path as an href: every character percent-encoded except '/', and never read as a
    URL scheme (a folder named 'javascript:alert(1)' stays a folder)."""
    encoded = quote(path, safe="/")
    return encoded if encoded.startswith(("./", "../", "/")) else "./" + encoded


def write_leaderboard_html(rows: list[dict[str, Any]], out: Path, run_dirs: int) -> Path:
    """leaderboard.html beside the CSV: the same rows, sortable, each linking its run's report.html."""
    from harness.report.html import write_page
    from harness.report.templating import render

    def link(row: dict[str, Any]) -> str | None:
        report = Path(row["run_dir"]) / "report.html"
        return href_path(os.path.relpath(report, out.parent).replace(os.sep, "/")) if report.is_file() else None

    path = out.with_suffix(".html")
    write_page(path, render("leaderboard.html", title="leaderboard", head=LEADERBOARD_HEAD, board=leaderboard_cells(rows, link),
                            rows=len(rows), run_dirs=run_dirs))
    return path


def format_leaderboard(rows: list[dict[str, Any]]) -> str:
    header = ["task", "model", "metric", "value [95% CI]", "n", "note"]
    lines = []
    for row in rows:
        ci = f" [{row['ci_low']:.3f}, {row['ci_high']:.3f}]" if row["ci_low"] is not None else ""
        value = "-" if row["value"] is None else f"{row['value']:.3f}{ci}"
        lines.append([row["task"], row["model"], row["primary_metric"], value, str(row["n"]), row["note"]])
    widths = [max(len(h), *(len(l[i]) for l in lines)) if lines else len(h) for i, h in enumerate(header)]
    return "\n".join(["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()] +
                     ["  ".join(c.ljust(w) for c, w in zip(l, widths)).rstrip() for l in lines])
