"""The search study's report.html: what was run, the accuracy-vs-generated-tokens curve (sequential
backtracking vs parallel best-of-n), the points table and the reasoning-behaviour counts, as one
self-contained page in the study folder (templates/search_study.html on the engine's base page and table macros)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.study import figure_svg, markup, render, run_facts, scorecard_line, visible_bidi, write_page

TEMPLATES = Path(__file__).resolve().parent / "templates"
POINT_METRICS = ("accuracy", "tokens", "ever_correct", "first_correct_tokens")
MODE_COUNTS = ("completions", "think_completions", "short_completions")
POINT_COLUMNS = ("cap", "problems", "errors", "budget_used", "max_tokens_seen", "truncated", "unparseable")


def _label(row: Mapping[str, Any]) -> str:
    if row["budget"] == "all":
        return f"{row['strategy']} (all completions)"
    if row["strategy"] == "parallel":
        return f"parallel B={row['budget']} n={row['n']}"
    return f"{row['strategy']} B={row['budget']}"


def study_report_html(study_dir: Path, manifest: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
                      behaviours: Sequence[Mapping[str, Any]], figure: Any, modes: Sequence[Mapping[str, Any]] = ()) -> str:
    facts = run_facts(manifest)
    wall = facts["wall_seconds"]
    requests = manifest.get("requests") or {}
    cells = [
        ("task", manifest.get("task", "")), ("model", facts["model"]), ("backend", facts["backend"]), ("host", facts["host"]),
        ("budgets", ", ".join(map(str, manifest.get("budgets") or []))), ("parallel n", ", ".join(map(str, manifest.get("parallel_n") or []))),
        ("arms", ", ".join(map(str, manifest.get("strategies") or ["sequential", "parallel"]))),
        ("seed", facts["seed"]), ("limit", facts["limit"]), ("temperature", manifest.get("temperature")),
        ("completion tokens", f"{facts['completion_tokens'] or 0:,}"),
        ("requests", f"{requests.get('from_cache', 0):,} from cache / {requests.get('sent_to_backend', 0):,} to the model"),
        ("wall time", "" if wall is None else f"{wall:.1f} s"), ("version", facts["version"]), ("git commit", facts["git_commit"][:12]),
    ]
    extra = sorted({m for r in rows for m in r["metrics"] if m not in POINT_METRICS})
    return render("search_study.html", search=[TEMPLATES], title="search study: " + study_dir.name,
                  task=str(manifest.get("task", "")), model=facts["model"], fact_cells=[(k, str(v)) for k, v in cells],
                  skipped=[str(s) for s in manifest.get("skipped_points") or []], svg=markup(visible_bidi(figure_svg(figure))),
                  points=[(_label(r), r["metrics"], r) for r in rows], point_metrics=[*POINT_METRICS, *extra], point_columns=POINT_COLUMNS,
                  behaviours=[(_label(r), r["metrics"], {}) for r in behaviours], detector=scorecard_line(),
                  modes=[(f"{_label(m)} [{m['difficulty']}]", {k: v for k, v in m.items() if hasattr(v, "ci_low")},
                          {k: m[k] for k in MODE_COUNTS}) for m in modes], mode_counts=list(MODE_COUNTS),
                  behaviour_names=list(dict.fromkeys(m for r in behaviours for m in r["metrics"])))


def write_study_report(study_dir: Path, manifest: Mapping[str, Any], rows, behaviours, figure, modes=()) -> Path:
    path = Path(study_dir) / "report.html"
    write_page(path, study_report_html(Path(study_dir), manifest, rows, behaviours, figure, modes))
    return path
