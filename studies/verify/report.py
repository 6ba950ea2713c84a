"""The verify study's report.html (templates/verify_study.html on the engine's base page and table
macros): what was run, the figure, the table of accuracy and tokens per task x selector x N, the
skipped selectors with their reasons, and every problem's draws and choices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.study import figure_svg, markup, render, run_facts, visible_bidi, write_page

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_PROBLEM_ROWS = 500  # the page lists this many problems; choices.jsonl has them all


def _text(value: Any) -> str:
    return "unparseable" if value is None else str(value)


def study_report_html(study_dir: Path, manifest: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
                      lines: Sequence[Mapping[str, Any]], figure: Any) -> str:
    facts = run_facts(manifest)
    wall = facts["wall_seconds"]
    requests = manifest.get("requests") or {}
    options = manifest.get("options") or {}
    cells = [
        ("tasks", ", ".join(manifest.get("tasks") or [])), ("model", facts["model"]), ("backend", facts["backend"]),
        ("N", ", ".join(map(str, manifest.get("curve") or []))), ("temperature", options.get("temperature")),
        ("FOBAR chains / alpha", f"{options.get('chains')} / {options.get('alpha')}"), ("seed", facts["seed"]),
        ("limit", facts["limit"]), ("tokens", f"{(facts['prompt_tokens'] or 0) + (facts['completion_tokens'] or 0):,}"),
        ("requests", f"{requests.get('from_cache', 0):,} from cache / {requests.get('sent_to_backend', 0):,} to the model"),
        ("wall time", "" if wall is None else f"{wall:.1f} s"), ("git commit", facts["git_commit"][:12]),
    ]
    selectors = list(manifest.get("selectors") or [])
    top = str((manifest.get("curve") or [0])[-1])
    problems = []
    for line in list(lines)[:MAX_PROBLEM_ROWS]:
        picks = []
        for name in selectors:
            choice = (line["selectors"].get(name) or {}).get(top)
            if choice is None:
                picks.append(("·", ""))
            elif choice["error"]:
                picks.append(("error", "bad"))
            else:
                picks.append((f"#{choice['draw']}: {_text(choice['answer'])}", "ok" if choice["score"] == 1.0 else "bad"))
        problems.append({"task": line["task"], "id": line["id"], "gold": _text(line["gold"]),
                         "draws": ", ".join(_text(d["answer"]) + ("✓" if d["score"] == 1.0 else "") for d in line["draws"]),
                         "picks": picks})
    return render("verify_study.html", search=[TEMPLATES], title="verify study: " + study_dir.name,
                  tasks=", ".join(manifest.get("tasks") or []), model=facts["model"], fact_cells=[(k, str(v)) for k, v in cells],
                  skipped=[f"{s['selector']} on {', '.join(s['tasks'])}: {s['reason']}" for s in manifest.get("skipped_selectors") or []],
                  svg=markup(visible_bidi(figure_svg(figure))) if figure is not None else None,
                  rows=[(f"{r['task']} · {r['selector']} · N={r['n']}", r["metrics"], r) for r in rows],
                  metric_names=["accuracy", "tokens", "generated_tokens"], plain_names=["problems", "errors"],
                  selectors=selectors, top=top, problems=problems, more=max(0, len(lines) - MAX_PROBLEM_ROWS))


def write_study_report(study_dir: Path, manifest: Mapping[str, Any], rows, lines, figure) -> Path:
    path = Path(study_dir) / "report.html"
    write_page(path, study_report_html(Path(study_dir), manifest, rows, lines, figure))
    return path
