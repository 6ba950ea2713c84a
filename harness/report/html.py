"""report.html: one self-contained page per run folder (inline CSS, JS, data and SVG figures; it
opens from file:// with no network).

The header, the metrics tables and the figures are static HTML written here, so every number on the
page is the number in metrics.json and manifest.json; the sample browser is the only script, and it
reads the compressed blob built by harness/report/sample_data.py. Families contribute through
declared hooks only (``plots``, ``gold``, ``group_keys``, ``trace_markers``); this module knows no
family by name.
"""

from __future__ import annotations

import html
import math
import sys
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from harness.core.data import iter_jsonl
from harness.report.outcomes import OUTCOMES, RIGHT_AT
from harness.report.run_summary import run_facts, task_settings
from harness.report.sample_data import build_sample_data, encode_blob

REPORT_NAME = "report.html"
ENGINE_COUNTS = (("mean_output_tokens", "out tok"), ("unparseable", "unparsed"), ("truncated", "truncated"), ("errors", "errors"))


def write_report(run_dir: Path | str) -> Path:
    """Write <run_dir>/report.html from the folder's files (atomically) and return its path."""
    import os

    run_dir = Path(run_dir)
    page = render_report(run_dir)
    path = run_dir / REPORT_NAME
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8", errors="backslashreplace")  # a lone surrogate never fails the page
    os.replace(tmp, path)
    return path


def try_write_report(run_dir: Path | str) -> Path | None:
    """write_report for the end of `run`/`score`: a failed page never fails a finished run."""
    try:
        return write_report(run_dir)
    except Exception as exc:  # noqa: BLE001 - the run's own files are written; say so and go on
        print(f"warning: {run_dir}/{REPORT_NAME} not written ({type(exc).__name__}: {exc});"
              f" rebuild it with 'harness report {run_dir} --html'", file=sys.stderr)
        return None


def render_report(run_dir: Path) -> str:
    from harness.report.run_folder import read_manifest, read_metric_info, read_metrics

    manifest = read_manifest(run_dir)
    rows = read_metrics(run_dir)
    info = read_metric_info(run_dir)
    samples_path = run_dir / "samples.jsonl"
    lines = list(iter_jsonl(samples_path)) if samples_path.is_file() else []
    families = _families_of(manifest, rows)
    task_names = list(dict.fromkeys([r["task"] for r in rows] + [str(line.get("task", "")) for _, line in lines]))
    primaries = {r["task"]: r["primary_metric"] for r in rows}
    data = build_sample_data(
        lines, task_names, primaries,
        groups_of=lambda task, line: _groups(families.get(task), line),
        gold_of=lambda task, line: _gold(families.get(task), line),
        behaviours_of=lambda task, line: _behaviours(families.get(task), line),
    )
    body = "\n".join([
        header_html(run_dir, manifest, rows),
        metrics_html(rows, manifest, info),
        plots_html(rows, lines, families),
        browser_html(),
    ])
    return page("report: " + run_dir.name, body, data)


def page(title: str, body: str, data: Mapping[str, Any] | None = None, script: bool = True) -> str:
    """The whole document: the shared template with CSS, body, optional data blob and script."""
    import re

    blob = f'<script type="application/octet-stream" id="sample-data">{encode_blob(data)}</script>' if data is not None else ""
    parts = {"TITLE": html.escape(title), "CSS": _asset("report.css"), "BODY": body, "DATA": blob,
             "JS": _asset("report.js") if script else ""}
    # one pass, so a {{...}} inside the body (a setting's value, say) is never substituted again
    return re.sub(r"\{\{(TITLE|CSS|BODY|DATA|JS)\}\}", lambda m: parts[m.group(1)], _asset("report.html"))


def _asset(name: str) -> str:
    return resources.files("harness.report").joinpath("assets", name).read_text(encoding="utf-8")


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


def _behaviours(family: Any, line: Mapping[str, Any]) -> list[dict[str, int]] | None:
    """Reasoning behaviours per response, for search families (those declaring trace markers)."""
    if family is None or not family.trace_markers or "responses" not in line:
        return None
    from harness.parsing.traces import count_behaviours

    return [count_behaviours(text or "") for text in line.get("responses") or []]


# -- header ------------------------------------------------------------------------------------

def header_html(run_dir: Path, manifest: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> str:
    facts = run_facts(manifest)
    wall = facts["wall_seconds"]
    cells = [
        ("model", facts["model"]), ("backend", facts["backend"]), ("host", facts["host"]),
        ("seed", facts["seed"]), ("limit", "none (all)" if facts["limit"] is None else facts["limit"]),
        ("data", facts["data"] or "generated"),
        ("tokens", f"{_int(facts['prompt_tokens'])} prompt / {_int(facts['completion_tokens'])} completion"),
        ("requests", f"{_int(facts['from_cache'])} from cache / {_int(facts['model_calls'])} to the model"),
        ("wall time", "" if wall is None else f"{wall:.1f} s"),
        ("finished", facts["finished_at"][:19].replace("T", " ")),
        ("version", facts["version"]), ("git commit", facts["git_commit"][:12] + (" (dirty)" if facts["git_commit"].endswith("-dirty") else "")),
    ]
    facts_html = "".join(f'<div class="fact" data-fact="{html.escape(k)}"><span class="k">{html.escape(k)}</span>'
                         f'<span class="v">{html.escape(str(v))}</span></div>' for k, v in cells)
    settings_rows = []
    for task in dict.fromkeys(r["task"] for r in rows):
        s = task_settings(manifest, task)
        changed = ", ".join(f"{k}={v}" for k, v in s["non_default"].items()) or "family defaults"
        settings_rows.append(
            f"<tr><td>{html.escape(task)}</td><td>{html.escape(s['family'])}</td><td>{_int(s['n_samples'])}</td>"
            f"<td>{_int(s['max_tokens'])}</td><td>{_int(s['samples_per_prompt'])}</td><td>{html.escape(_plain(s['temperature']))}</td>"
            f'<td class="settings">{html.escape(changed)}</td></tr>')
    skipped = "".join(f'<p class="warn">skipped {html.escape(t)}: {html.escape(str(r))}</p>' for t, r in facts["skipped_tasks"].items())
    details = html.escape(", ".join(f"{k}={v}" for k, v in facts["backend_details"].items() if k != "name"))
    return (f'<header><h1>{html.escape(run_dir.name)}</h1><div class="facts">{facts_html}</div>'
            f'<details class="more"><summary>backend details and command</summary><p><b>backend</b> {details or "-"}</p>'
            f'<p><b>command</b> <code>{html.escape(facts["command"])}</code></p></details>'
            f'<table class="settings-table"><thead><tr><th>task</th><th>family</th><th>samples</th><th>max tokens</th>'
            f'<th>per prompt</th><th>temperature</th><th>settings that differ from the defaults</th></tr></thead>'
            f'<tbody>{"".join(settings_rows)}</tbody></table>{skipped}</header>')


def _int(value: Any) -> str:
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


def _ci_bar(metric: Any) -> str:
    low, high, value = metric.ci_low, metric.ci_high, metric.value
    if low is None or high is None or value is None or math.isnan(value):
        return ""
    if all(0.0 <= v <= 1.0 for v in (low, high, value)):
        lo, hi = 0.0, 1.0
    elif all(-1.0 <= v <= 1.0 for v in (low, high, value)):
        lo, hi = -1.0, 1.0
    else:
        return ""
    left, width, dot = ((low - lo) / (hi - lo) * 100, (high - low) / (hi - lo) * 100, (value - lo) / (hi - lo) * 100)
    zero = '<i class="zero"></i>' if lo < 0 else ""
    return (f'<span class="ci" title="95% CI [{format_value(low)}, {format_value(high)}] on a {lo:g}..{hi:g} scale">{zero}'
            f'<i class="rng" style="left:{left:.1f}%;width:{max(width, 0.8):.1f}%"></i><i class="dot" style="left:{dot:.1f}%"></i></span>')


def metric_cell(row_label: str, name: str, metric: Any) -> str:
    if metric is None:
        return '<td class="m empty">·</td>'
    ci = ""
    if metric.ci_low is not None and metric.ci_high is not None:
        ci = f'<span class="cit">[{format_value(metric.ci_low)}, {format_value(metric.ci_high)}]</span>'
    method = getattr(metric, "ci_method", None)
    title = f' title="95% CI by {html.escape(method)}"' if method else ""
    return (f'<td class="m" data-row="{html.escape(row_label)}" data-metric="{html.escape(name)}" data-value="{metric.value!r}"{title}>'
            f'<span class="val">{format_value(metric.value)}</span>{ci}{_ci_bar(metric)}</td>')


def metric_heading(name: str, primary: str, declared: Any) -> str:
    """A metric's column heading: its name, an arrow for its better side, its declaration as a tooltip."""
    arrow, title = "", ""
    if declared is not None:
        arrow = {True: " \u2191", False: " \u2193"}.get(declared.higher_is_better, "")
        better = {True: "higher is better", False: "lower is better"}.get(declared.higher_is_better, "no better side")
        title = f' title="{html.escape(f"{declared.description} ({declared.kind}; {better})")}"'
    return f'<th class="{"primary" if name == primary else ""}"{title}>{html.escape(name)}{arrow}</th>'


def metrics_html(rows: Sequence[Mapping[str, Any]], manifest: Mapping[str, Any],
                 info: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """The metrics tables; ``info`` ({task: {metric: Metric}}) gives each heading its direction and meaning."""
    from harness.report.tables import row_label

    parts = ['<section id="metrics"><h2>Metrics <small>95% confidence intervals drawn as bars; '
             'unparsed / truncated / errors are counted, never hidden</small></h2>']
    for task in dict.fromkeys(r["task"] for r in rows):
        task_rows = [r for r in rows if r["task"] == task]
        names = _ordered_metrics(task_rows)
        primary = task_rows[0]["primary_metric"]
        declared = (info or {}).get(task, {})
        head = "".join(metric_heading(n, primary, declared.get(n)) for n in names)
        head += "".join(f"<th>{label}</th>" for _, label in ENGINE_COUNTS)
        body = []
        for row in task_rows:
            label = row_label(dict(row))
            n = row.get("n", "")
            why = ""
            if n == 0:
                why = ' <span class="warn" title="no sample in this row was scored">n=0: ' + (
                    "every request failed (see errors)" if row.get("errors") else "no samples") + "</span>"
            cells = "".join(metric_cell(label, name, row["metrics"].get(name)) for name in names)
            counts = "".join(
                f'<td class="c{" bad" if key != "mean_output_tokens" and row.get(key) else ""}" data-row="{html.escape(label)}"'
                f' data-count="{key}">{_count(row.get(key))}</td>' for key, _ in ENGINE_COUNTS)
            css = "group" if row["group"] else "taskrow"
            body.append(f'<tr class="{css}"><th class="label">{html.escape(row["group"] or task)}{why}</th>'
                        f'<td class="n" data-row="{html.escape(label)}" data-count="n">{n}</td>{cells}{counts}</tr>')
        parts.append(f'<div class="table-wrap"><table class="metrics" data-task="{html.escape(task)}"><caption>{html.escape(task)}'
                     f' <small>primary: {html.escape(primary)}</small></caption><thead><tr><th>row</th><th>n</th>{head}</tr></thead>'
                     f'<tbody>{"".join(body)}</tbody></table></div>')
    parts.append("</section>")
    return "".join(parts)


def _count(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return f"{value:.0f}"
    return str(value)


# -- figures -----------------------------------------------------------------------------------

def plots_html(rows: Sequence[Mapping[str, Any]], lines: Sequence[tuple[int, Mapping[str, Any]]], families: Mapping[str, Any]) -> str:
    """Each family's declared figures, for the rows and samples of its tasks in this run."""
    by_family: dict[str, tuple[Any, list[str]]] = {}
    for task, family in families.items():
        by_family.setdefault(family.name, (family, []))[1].append(task)
    figures = []
    for family, tasks in by_family.values():
        hook = family.plots
        if hook is None:
            continue
        family_rows = [r for r in rows if r["task"] in tasks]
        family_lines = [line for _, line in lines if line.get("task") in tasks]
        try:
            plots = hook(family_rows, family_lines)
        except Exception as exc:  # noqa: BLE001 - shown in the page, not a failed report
            figures.append(f'<figure class="plot-error"><figcaption>{html.escape(family.name)}: figure failed '
                           f'({html.escape(type(exc).__name__)}: {html.escape(str(exc))})</figcaption></figure>')
            continue
        for plot in plots:
            figures.append(f'<figure data-family="{html.escape(family.name)}"><figcaption><b>{html.escape(plot.title)}</b>'
                           f' {html.escape(plot.note)}</figcaption>{plot.svg}</figure>')
    if not figures:
        return ""
    return f'<section id="plots"><h2>Figures</h2><div class="plots">{"".join(figures)}</div></section>'


def browser_html() -> str:
    options = "".join(f'<label class="oc {o}"><input type="checkbox" name="outcome" value="{o}" checked> {o} '
                      f'<span class="cnt" data-outcome-count="{o}"></span></label>' for o in OUTCOMES)
    return (f'<section id="samples"><h2>Samples <small>right = primary metric &ge; {RIGHT_AT}; truncated and unparseable '
            f'are failures with that reason; errors were never scored</small></h2>'
            f'<div class="filters"><label>task <select id="f-task"><option value="">all</option></select></label>'
            f'<label>group <select id="f-group"><option value="">all</option></select></label>'
            f'<span class="outcomes">{options}</span>'
            f'<input id="f-text" type="search" placeholder="search ids, prompts, responses, answers"></div>'
            f'<p id="status" class="status">loading samples...</p><div id="list"></div>'
            f'<div class="pager"><button id="prev">&larr; previous</button><span id="page"></span><button id="next">next &rarr;</button></div>'
            f'</section>')


def rows_table(caption: str, rows: Sequence[tuple[str, Mapping[str, Any], Mapping[str, Any]]],
               metric_names: Sequence[str], plain_names: Sequence[str]) -> str:
    """A table of labelled rows for studies: metric cells (value, CI, CI bar) then plain columns.
    ``rows`` are (label, {metric: MetricValue}, {column: value})."""
    head = "".join(f"<th>{html.escape(n)}</th>" for n in (*metric_names, *plain_names))
    body = []
    for label, metrics, plain in rows:
        cells = "".join(metric_cell(label, name, metrics.get(name)) for name in metric_names)
        cells += "".join(f'<td class="c">{html.escape(_plain_number(plain.get(name)))}</td>' for name in plain_names)
        body.append(f'<tr><th class="label">{html.escape(label)}</th>{cells}</tr>')
    return (f'<div class="table-wrap"><table class="metrics"><caption>{html.escape(caption)}</caption>'
            f'<thead><tr><th>row</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def _plain_number(value: Any) -> str:
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.3g}"
    return "" if value is None else str(value)
