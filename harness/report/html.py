"""report.html: one self-contained page per run folder (inline CSS, JS, data and SVG figures; it
opens from file:// with no network).

The header, the metrics tables and the figures are static HTML rendered from
templates/report.html (autoescaped: harness/report/templating.py), so every number on the page is
the number in metrics.json and manifest.json; the sample browser is the only script, and it reads
the compressed blob built by harness/report/sample_data.py. Families contribute through declared
hooks only (``plots``, ``gold``, ``group_keys``, ``trace_markers``, ``behaviour_markers``); this module
knows no family by name. The keyword detector's counts come from the run folder's cache when it
matches (harness/report/behaviour_cache.py; counted, then cached, when not). The "Reasoning traces"
section (keyword detector counts with its measured recall, and any behaviour judge's results) comes
from harness/report/judge_page.py. The functions here prepare plain values for the templates; none
of them writes markup.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.report.outcomes import OUTCOMES, RIGHT_AT
from harness.report.run_summary import run_facts, task_settings
from harness.report.sample_data import build_sample_data, encode_blob, page_limits, select_positions
from harness.report.sample_scan import SampleLines, iter_positions, scan_samples

REPORT_NAME = "report.html"
PAGE_HINT = "the run's own files are intact; `harness view` shows its report without writing it, or copy the folder to writable storage"
ENGINE_COUNTS = (("mean_output_tokens", "out tok"), ("unparseable", "unparsed"), ("truncated", "truncated"), ("errors", "errors"))


def write_report(run_dir: Path | str) -> Path:
    """Write <run_dir>/report.html from the folder's files (atomically) and return its path."""
    run_dir = Path(run_dir)
    path = run_dir / REPORT_NAME
    write_page(path, render_report(run_dir))
    return path


def write_page(path: Path, page: str) -> None:
    """Write a page atomically through a temporary name of its own (concurrent writers never share
    one), so a reader sees the old page or the new one, never half of either."""
    import os
    import tempfile

    from harness.core.errors import storage_error

    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise storage_error(exc, PAGE_HINT, path) or exc from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace") as out:  # a lone surrogate never fails the page
            out.write(page)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise storage_error(exc, PAGE_HINT, path) or exc from None
        raise


def try_write_report(run_dir: Path | str) -> Path | None:
    """write_report for the end of `run`/`score`: a failed page never fails a finished run."""
    try:
        return write_report(run_dir)
    except Exception as exc:  # noqa: BLE001 - the run's own files are written; say so and go on
        print(f"warning: {run_dir}/{REPORT_NAME} not written ({type(exc).__name__}: {exc});"
              f" rebuild it with 'harness report {run_dir} --html'", file=sys.stderr)
        return None


def render_report(run_dir: Path) -> str:
    """The page, reading samples.jsonl as a stream (harness/report/sample_scan.py): one pass tallies
    what every line contributes, then only the embedded lines are read back; memory does not grow
    with the number of lines beyond a few bytes per line (its outcome) and per completion (its
    behaviour counts)."""
    from harness.report.run_folder import read_manifest, read_metric_info, read_metrics
    from harness.report.templating import render

    manifest = read_manifest(run_dir)
    rows = read_metrics(run_dir)
    samples_path = run_dir / "samples.jsonl"
    families = _families_of(manifest, rows)
    primaries = {r["task"]: r["primary_metric"] for r in rows}
    table_primaries: dict[str, str] = {}
    for row in rows:
        table_primaries.setdefault(row["task"], row["primary_metric"])
    from harness.report.behaviour_cache import BehaviourCounts, count_line

    verified = (manifest.get("files") or {}).get("samples.jsonl")  # read_metrics has just checked it against the file
    counts = BehaviourCounts(run_dir, families, verified if isinstance(verified, str) else None)
    scan = scan_samples(samples_path, primaries, table_primaries, counts)
    counts.save()  # the detector's counts, kept for the next report (behaviour_cache.py); a no-op when they came from it
    task_names = list(dict.fromkeys([r["task"] for r in rows] + scan.tasks))
    limit, per_kind = page_limits(len(scan.outcomes), scan.completions)
    positions, selection = select_positions(scan.outcomes, limit, per_kind)
    recorded: dict[int, list[dict[str, int]] | None] = {}  # id(line) -> its counts from the pass, while the line is in use

    def shown() -> Iterator[tuple[int, Mapping[str, Any]]]:
        for position, number, line in iter_positions(samples_path, positions):
            recorded[id(line)] = scan.recorded_behaviours(position, line)
            yield number, line

    def behaviours_of(task: str, line: Mapping[str, Any]) -> list[dict[str, int]] | None:
        found = recorded.pop(id(line), None)
        return found if found is not None else count_line(families.get(task), line)

    data = build_sample_data(
        shown(), task_names, primaries,
        groups_of=lambda task, line: _groups(families.get(task), line),
        gold_of=lambda task, line: _gold(families.get(task), line),
        behaviours_of=behaviours_of,
    )
    from harness.report.judge_page import load_judges, traces_context

    detector = [(task, tally.completions, tally.summary()) for task, tally in scan.behaviours.items() if tally.completions]
    failures = {task: tally.summary() for task, tally in scan.failures.items()}
    return render("report.html", title="report: " + run_dir.name, blob=encode_blob(data), run_name=run_dir.name,
                  **header_context(manifest, rows), tables=metric_tables(rows, read_metric_info(run_dir), failures, families),
                  engine_counts=ENGINE_COUNTS,
                  figures=figures(rows, samples_path, families), outcomes=OUTCOMES, right_at=RIGHT_AT,
                  traces=traces_context(detector, load_judges(run_dir)), selection=selection)


# -- families and their hooks ------------------------------------------------------------------

def _families_of(manifest: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """{task name: Family} for the tasks of the run that this installation knows (others: absent)."""
    from harness.core.errors import HarnessError
    from harness.core.registry import families, get_task

    by_name = {family.name: family for family in families()}
    out: dict[str, Any] = {}
    for task in dict.fromkeys(r["task"] for r in rows):
        family_name = ((manifest.get("tasks") or {}).get(task) or {}).get("family")
        if family_name in by_name:
            out[task] = by_name[family_name]
            continue
        try:
            out[task] = get_task(task).family
        except HarnessError:
            continue
    return out


def _groups(family: Any, line: Mapping[str, Any]) -> list[str]:
    if family is None or family.group_keys is None or not isinstance(line.get("sample"), dict):
        return []
    try:
        return [f"{k}={v}" for k, v in family.group_keys(line["sample"]).items()]
    except Exception:  # noqa: BLE001 - a sample from an older run may lack a field; it just has no group
        return []


def _gold(family: Any, line: Mapping[str, Any]) -> Any:
    hook = family.gold if family is not None else None
    if hook is None or not isinstance(line.get("sample"), dict):
        return None
    try:
        return hook(line["sample"])
    except Exception:  # noqa: BLE001 - shown as absent rather than breaking the page
        return None


# -- header ------------------------------------------------------------------------------------

def header_context(manifest: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """What the page header shows: the run's facts, backend details, command, per-task settings."""
    facts = run_facts(manifest)
    wall = facts["wall_seconds"]
    cells = [
        ("model", facts["model"]), ("backend", facts["backend"]), ("host", facts["host"]),
        ("seed", facts["seed"]), ("limit", "none (all)" if facts["limit"] is None else facts["limit"]),
        ("data", facts["data"] or "generated"),
        ("tokens", f"{format_count(facts['prompt_tokens'])} prompt / {format_count(facts['completion_tokens'])} completion"),
        ("requests", f"{format_count(facts['from_cache'])} from cache / {format_count(facts['model_calls'])} to the model"),
        ("wall time", "" if wall is None else f"{wall:.1f} s"),
        ("finished", facts["finished_at"][:19].replace("T", " ")),
        ("version", facts["version"]), ("git commit", facts["git_commit"][:12] + (" (dirty)" if facts["git_commit"].endswith("-dirty") else "")),
    ]
    settings = []
    for task in dict.fromkeys(r["task"] for r in rows):
        s = task_settings(manifest, task)
        settings.append({**s, "task": task, "temperature": _plain(s["temperature"]),
                         "changed": ", ".join(f"{k}={v}" for k, v in s["non_default"].items()) or "family defaults"})
    return {
        "fact_cells": [(k, str(v)) for k, v in cells],
        "backend_details": ", ".join(f"{k}={v}" for k, v in facts["backend_details"].items() if k != "name"),
        "command": facts["command"], "settings": settings,
        "command_settings": ", ".join(f"{k}={_plain(v)}" for k, v in (manifest.get("settings") or {}).items()),
        "skipped": [(t, str(r)) for t, r in facts["skipped_tasks"].items()],
    }


def format_count(value: Any) -> str:
    """An integer as the header and settings print it: thousands separated, "-" for none."""
    return "-" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


def _plain(value: Any) -> str:
    return "-" if value is None else str(value)


# -- metrics tables ----------------------------------------------------------------------------

def format_value(value: float | None) -> str:
    """How a metric value is printed on the page (the browser tests compare against this)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) < 1e-9:  # rounding noise of an interval end at zero, e.g. 5.6e-17
        return "0.000"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if value != 0 and abs(value) < 0.001:
        return f"{value:.2e}"
    return f"{value:.3f}"


def _ordered_metrics(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    names: list[str] = []
    for row in rows:
        for name in [row["primary_metric"], *row["metrics"]]:
            if name not in names:
                names.append(name)
    engine = [n for n in names if n.startswith(("pass@", "best_of_", "maj@"))]
    return [n for n in names if n not in engine and n != "chance"] + engine + [n for n in names if n == "chance"]


def ci_bar(metric: Any) -> dict[str, Any] | None:
    """Where a metric's CI bar sits on its 0..1 (or -1..1) scale, in percent; None for no bar."""
    low, high, value = metric.ci_low, metric.ci_high, metric.value
    if low is None or high is None or value is None or math.isnan(value):
        return None
    if all(0.0 <= v <= 1.0 for v in (low, high, value)):
        lo, hi = 0.0, 1.0
    elif all(-1.0 <= v <= 1.0 for v in (low, high, value)):
        lo, hi = -1.0, 1.0
    else:
        return None
    left, width, dot = ((low - lo) / (hi - lo) * 100, (high - low) / (hi - lo) * 100, (value - lo) / (hi - lo) * 100)
    return {"low": format_value(low), "high": format_value(high), "scale": f"{lo:g}..{hi:g}", "zero": lo < 0,
            "left": f"{left:.1f}", "width": f"{max(width, 0.8):.1f}", "dot": f"{dot:.1f}"}


def metric_about(declared: Any) -> dict[str, str]:
    """A metric heading's arrow for its better side and its declaration as a tooltip."""
    better = {True: "higher is better", False: "lower is better"}.get(declared.higher_is_better, "no better side")
    return {"arrow": {True: "\u2191", False: "\u2193"}.get(declared.higher_is_better, ""),
            "title": f"{declared.description} ({declared.kind}; {better})"}


def metric_tables(rows: Sequence[Mapping[str, Any]], info: Mapping[str, Mapping[str, Any]] | None = None,
                  failures: Mapping[str, list[str]] | None = None, families: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """One table per task: its metric names (primary first), what each means (``info``: {task: {metric:
    Metric}}, from metrics.json), its rows with the engine's counts, why its failed samples failed
    (``failures``: {task: FailureTally summary lines}), and the family's note on reading it (report_note hook)."""
    from harness.report.tables import row_label

    tables = []
    for task in dict.fromkeys(r["task"] for r in rows):
        task_rows = [r for r in rows if r["task"] == task]
        body = []
        for row in task_rows:
            counts = [(key, _count(row.get(key)), key != "mean_output_tokens" and bool(row.get(key))) for key, _ in ENGINE_COUNTS]
            body.append({"label": row_label(dict(row)), "title": row["group"] or task, "css": "group" if row["group"] else "taskrow",
                         "n": row.get("n", ""), "errors": row.get("errors"), "metrics": row["metrics"], "counts": counts})
        about = {name: metric_about(declared) for name, declared in (info or {}).get(task, {}).items()}
        primary = task_rows[0]["primary_metric"]
        family = (families or {}).get(task)
        note = family.report_note if family is not None else None
        tables.append({"task": task, "primary": primary, "names": _ordered_metrics(task_rows), "rows": body, "about": about,
                       "failures": (failures or {}).get(task, []),
                       "note": note, "notes": [n for r in task_rows for n in r.get("notes", ())]})
    return tables


def _count(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return f"{value:.0f}"
    return str(value)


# -- figures -----------------------------------------------------------------------------------

def figures(rows: Sequence[Mapping[str, Any]], samples_path: Path, families: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each family's declared figures, for the rows and samples of its tasks in this run (a figure
    that fails is shown as its error, not a failed report). The samples are read from the file as
    the figure iterates them (SampleLines), never held here."""
    from harness.report.templating import markup, visible_bidi

    by_family: dict[str, tuple[Any, list[str]]] = {}
    for task, family in families.items():
        by_family.setdefault(family.name, (family, []))[1].append(task)
    out: list[dict[str, Any]] = []
    for family, tasks in by_family.values():
        hook = family.plots
        if hook is None:
            continue
        family_rows = [r for r in rows if r["task"] in tasks]
        try:
            plots = hook(family_rows, SampleLines(samples_path, tasks))
        except Exception as exc:  # noqa: BLE001 - shown in the page, not a failed report
            out.append({"family": family.name, "error": f"{type(exc).__name__}: {exc}"})
            continue
        out.extend({"family": family.name, "error": None, "title": plot.title, "note": plot.note, "svg": markup(visible_bidi(plot.svg))}
                   for plot in plots)
    return out


def plain_number(value: Any) -> str:
    """A plain (non-metric) column of a study table."""
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.3g}"
    return "" if value is None else str(value)
