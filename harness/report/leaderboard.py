"""The leaderboard: one row per model x task x settings from run folders, the newest run of each
winning, so re-runs and resumed runs are never double-counted, and a run with other settings (more
samples, a temperature, another template, scoring, token limit or data file) gets a row of its own
instead of replacing the first: the settings that differ are its columns.

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
           "backend_host", "seed", "limit", "max_tokens", "samples_per_prompt", "temperature", "data", "settings",
           "errors", "note")


def settings_label(settings: dict[str, Any]) -> str:
    """The task settings and generation overrides that differ from the family's protocol, as
    'scoring=strict, --samples=4' ('' for the protocol as published)."""
    shown = ("--max-tokens", "--samples", "--temperature", "max_tokens", "temperature")  # columns of their own
    return ", ".join(f"{k}={v}" for k, v in sorted(settings["non_default"].items()) if k not in shown)
LEADERBOARD_HEAD = ("task", "model", "metric", "value", "95% CI", "n", "settings", "errors", "host", "seed", "limit",
                    "max tokens", "per prompt", "date", "run folder", "note")


MAX_NESTING = 4  # run folders inside study folders: results/reproduce-reversal-curse/<arm>/runs/<task>


def _run_folders_under(path: Path, depth: int) -> list[Path]:
    """``path`` if it is a run folder, else the run folders below it (hidden folders such as
    .cache skipped), at most ``depth`` levels down."""
    if (path / "metrics.json").is_file():
        return [path]
    if depth == 0 or not path.is_dir():
        return []
    found: list[Path] = []
    for child in sorted(path.iterdir()):
        if child.is_dir() and not child.name.startswith("."):
            found.extend(_run_folders_under(child, depth - 1))
    return found


def find_run_dirs(paths: list[str], skipped: list[str] | None = None, verify: bool = True) -> list[Path]:
    """The given run folders, or every run folder under a given parent (like results/), including
    those nested in study folders (a reproduction's probe runs). Folders that are not one complete
    commit are left out, with the reason appended to ``skipped`` (``verify=False``: the caller checks)."""
    found: list[Path] = []
    for path in map(Path, paths):
        found.extend(_run_folders_under(path, depth=MAX_NESTING))
    found = list(dict.fromkeys(found))  # a folder named twice (results and results/run) is checked once
    if not verify:
        return found
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
    """One row per model x task x settings, the newest run of each winning (``verified``: the folders were just checked)."""
    best: dict[tuple[Any, ...], dict[str, Any]] = {}
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
                "temperature": settings["temperature"], "data": manifest.get("data"), "settings": settings_label(settings),
                "errors": row.get("errors", 0), "note": _note(row, metric),
                "overrides": ", ".join(f"{k}={v}" for k, v in sorted(settings["non_default"].items()) if k.startswith("--")),
            }
            key = (model, row["task"], entry["max_tokens"], entry["samples_per_prompt"], entry["temperature"], entry["data"],
                   entry["settings"])
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
            (row["n"], str(row["n"])), (run_settings_text(row), run_settings_text(row)),
            (row["errors"], str(row["errors"])), (row["backend_host"], row["backend_host"]),
            (_sortable(row["seed"]), str(row["seed"])), (_sortable(row["limit"]), "all" if row["limit"] is None else str(row["limit"])),
            (_sortable(row["max_tokens"]), str(row["max_tokens"] or "-")),
            (_sortable(row["samples_per_prompt"]), str(row["samples_per_prompt"] or "-")),
            (row["finished_at"], row["finished_at"][:16].replace("T", " ")), (folder, folder), (row["note"], row["note"]),
        ]
        line = [{"sort": str(key), "text": text, "href": None, "span": None} for key, text in cells]
        line[-2]["href"] = link_of(row)  # the run folder
        line[-1]["span"] = "warn" if row["note"] else None
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
    header = ["task", "model", "metric", "value [95% CI]", "n", "settings", "note"]
    lines = []
    for row in rows:
        ci = f" [{row['ci_low']:.3f}, {row['ci_high']:.3f}]" if row["ci_low"] is not None else ""
        value = "-" if row["value"] is None else f"{row['value']:.3f}{ci}"
        lines.append([row["task"], row["model"], row["primary_metric"], value, str(row["n"]), run_settings_text(row), row["note"]])
    widths = [max(len(h), *(len(l[i]) for l in lines)) if lines else len(h) for i, h in enumerate(header)]
    return "\n".join(["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()] +
                     ["  ".join(c.ljust(w) for c, w in zip(l, widths)).rstrip() for l in lines])


def run_settings_text(row: dict[str, Any]) -> str:
    """A row's generation and task settings in one cell: 'max_tokens=192 samples=4 T=1.0 scoring=strict'."""
    parts = []
    if row.get("max_tokens") is not None:
        parts.append(f"max_tokens={row['max_tokens']}")
    if (row.get("samples_per_prompt") or 1) != 1:
        parts.append(f"samples={row['samples_per_prompt']}")
    if row.get("temperature"):
        parts.append(f"T={row['temperature']}")
    if row.get("data"):
        parts.append(f"data={Path(str(row['data'])).name}")
    if row.get("settings"):
        parts.append(row["settings"])
    return " ".join(parts)


def pivot(rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple[str, dict[str, dict[str, Any]]]]]:
    """The leaderboard as models x tasks: (task columns, [(row label, {task: leaderboard row})]). A
    row is a model with one combination of settings (the protocol's, or e.g. '--samples=4'); a
    task's own protocol values (its max tokens) do not split rows, overrides of them do."""
    tasks = sorted({r["task"] for r in rows})
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: r["finished_at"]):  # the newest wins a cell
        extras = [f"data={Path(str(row['data'])).name}" if row.get("data") else "", row.get("settings") or "",
                  row.get("overrides") or ""]
        label = " · ".join([row["model"], *[e for e in extras if e]])
        table.setdefault(label, {})[row["task"]] = row
    return tasks, sorted(table.items())
