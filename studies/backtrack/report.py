"""The backtracking study's report.html: what was run and the table, with each interval drawn
(templates/backtrack_study.html on the engine's base page and table macros)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.study import render, run_facts, write_page
from studies.backtrack.table import COLUMNS

TEMPLATES = Path(__file__).resolve().parent / "templates"
METRICS = ("accuracy_before", "accuracy_after", "delta_right", "delta_wrong")


def study_report_html(study_dir: Path, manifest: Mapping[str, Any], table_rows: Sequence[Mapping[str, Any]]) -> str:
    facts = run_facts(manifest)
    wall = facts["wall_seconds"]
    requests = manifest.get("requests") or {}
    options = manifest.get("options") or {}
    cells = [
        ("task", manifest.get("task", "")), ("model", facts["model"]), ("backend", facts["backend"]),
        ("locations", ", ".join(map(str, manifest.get("locations") or []))), ("seed", facts["seed"]), ("limit", facts["limit"]),
        ("draws", f"at most {options.get('max_draws')} at temperature {options.get('temperature')}"),
        ("requests", f"{requests.get('from_cache', 0):,} from cache / {requests.get('sent_to_backend', 0):,} to the model"),
        ("wall time", "" if wall is None else f"{wall:.1f} s"), ("version", facts["version"]), ("git commit", facts["git_commit"][:12]),
    ]
    labelled = [(f"{r['location']}: {r['group']}", r["metrics"], r) for r in table_rows]
    return render("backtrack_study.html", search=[TEMPLATES], title="backtracking study: " + study_dir.name,
                  task=str(manifest.get("task", "")), model=facts["model"], fact_cells=[(k, str(v)) for k, v in cells],
                  rows=labelled, metric_names=METRICS, plain_names=COLUMNS)


def write_study_report(study_dir: Path, manifest: Mapping[str, Any], table_rows) -> Path:
    path = Path(study_dir) / "report.html"
    write_page(path, study_report_html(Path(study_dir), manifest, table_rows))
    return path
