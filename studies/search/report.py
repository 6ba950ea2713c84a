"""The search study's report.html: what was run, the accuracy-vs-generated-tokens curve (sequential
backtracking vs parallel best-of-n), the points table and the reasoning-behaviour counts, as one
self-contained page in the study folder (built with the engine's page and table pieces)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.study import page, rows_table, run_facts
from studies.search.plots import figure_to_svg

POINT_METRICS = ("accuracy", "tokens", "ever_correct", "first_correct_tokens")
POINT_COLUMNS = ("cap", "problems", "errors", "budget_used", "max_tokens_seen", "truncated", "unparseable")


def _label(row: Mapping[str, Any]) -> str:
    if row["strategy"] == "sequential":
        return f"sequential B={row['budget']}"
    return f"parallel B={row['budget']} n={row['n']}" if row["budget"] != "all" else "parallel (all completions)"


def study_report_html(study_dir: Path, manifest: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
                      behaviours: Sequence[Mapping[str, Any]], figure: Any) -> str:
    facts = run_facts(manifest)
    wall = facts["wall_seconds"]
    requests = manifest.get("requests") or {}
    cells = [
        ("task", manifest.get("task", "")), ("model", facts["model"]), ("backend", facts["backend"]), ("host", facts["host"]),
        ("budgets", ", ".join(map(str, manifest.get("budgets") or []))), ("parallel n", ", ".join(map(str, manifest.get("parallel_n") or []))),
        ("seed", facts["seed"]), ("limit", facts["limit"]), ("temperature", manifest.get("temperature")),
        ("completion tokens", f"{facts['completion_tokens'] or 0:,}"),
        ("requests", f"{requests.get('from_cache', 0):,} from cache / {requests.get('sent_to_backend', 0):,} to the model"),
        ("wall time", "" if wall is None else f"{wall:.1f} s"), ("version", facts["version"]), ("git commit", facts["git_commit"][:12]),
    ]
    facts_html = "".join(f'<div class="fact" data-fact="{html.escape(k)}"><span class="k">{html.escape(k)}</span>'
                         f'<span class="v">{html.escape(str(v))}</span></div>' for k, v in cells)
    skipped = "".join(f"<li>{html.escape(str(s))}</li>" for s in manifest.get("skipped_points") or [])
    extra = sorted({m for r in rows for m in r["metrics"] if m not in POINT_METRICS})
    points = rows_table("points", [(_label(r), r["metrics"], r) for r in rows], [*POINT_METRICS, *extra], POINT_COLUMNS)
    names = list(dict.fromkeys(m for r in behaviours for m in r["metrics"]))
    behaviour_table = rows_table("reasoning behaviours per completion (rule-based counts, see the traces module)",
                                 [(_label(r), r["metrics"], {}) for r in behaviours], names, ())
    body = (f'<header><h1>Search study: {html.escape(str(manifest.get("task", "")))} on {html.escape(facts["model"])}</h1>'
            f'<div class="facts">{facts_html}</div><p class="status">Sequential = one completion allowed B tokens with a prompt '
            f'inviting backtracking; parallel = n completions of B/n tokens, solved if any verifies. x = tokens actually '
            f'generated per problem.</p>{"<ul>" + skipped + "</ul>" if skipped else ""}</header>'
            f'<section id="plots"><h2>Accuracy vs generated tokens</h2><div class="plots one"><figure data-family="search-study">'
            f'<figcaption><b>accuracy vs tokens</b> 95% CIs</figcaption>{figure_to_svg(figure)}</figure></div></section>'
            f'<section id="metrics"><h2>Points</h2>{points}</section>'
            f'<section id="behaviours"><h2>Behaviours</h2>{behaviour_table}</section>')
    return page("search study: " + study_dir.name, body)


def write_study_report(study_dir: Path, manifest: Mapping[str, Any], rows, behaviours, figure) -> Path:
    path = Path(study_dir) / "report.html"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(study_report_html(Path(study_dir), manifest, rows, behaviours, figure), encoding="utf-8")
    tmp.replace(path)
    return path
