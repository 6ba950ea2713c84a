"""The "Reasoning traces" section of report.html, and each behaviour judge's own page.

A run folder's report.html shows, for each task whose family reads traces, the keyword detector's counts
with its measured recall; and every judge that `harness behaviours FOLDER --judge MODEL` ran on the
folder (FOLDER/behaviours/<judge id>/summary.json): its means beside the detector's, their agreement,
the paper's columns and the disagreeing completions. The same section, alone, is the judge's page
(FOLDER/behaviours/<judge id>/report.html), which is how a study folder shows it. Values are prepared
here; the markup is templates/traces.html (autoescaped).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.parsing.traces import BEHAVIOURS
from harness.report.behaviours import scorecard_line
from harness.report.metrics import MetricValue

JUDGE_FOLDER = "behaviours"


def _metric(data: Any) -> MetricValue | None:
    if isinstance(data, MetricValue) or data is None:
        return data
    return MetricValue(data["value"], data.get("ci_low"), data.get("ci_high"), data.get("n", 0), data.get("ci_method"))


def _metrics(data: Mapping[str, Any] | None) -> dict[str, MetricValue]:
    return {name: m for name, value in (data or {}).items() if (m := _metric(value)) is not None}


def load_judges(folder: Path) -> list[dict[str, Any]]:
    """Every judge summary under FOLDER/behaviours/ (unreadable ones are skipped), oldest first."""
    found = []
    for path in sorted((Path(folder) / JUDGE_FOLDER).glob("*/summary.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("tasks"), list):
            found.append({**data, "id": path.parent.name})
    return sorted(found, key=lambda d: str(d.get("finished_at", "")))


def _number(value: Any) -> str:
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.3g}"
    return "-" if value is None else str(value)


def judge_context(judge: Mapping[str, Any]) -> dict[str, Any]:
    """What templates/traces.html shows of one judge summary."""
    requests = judge.get("requests") or {}
    settings = judge.get("request_settings") or {}
    cells = [("judge", judge.get("judge")), ("prompts asked", judge.get("prompts_requested")),
             ("max tokens", settings.get("max_tokens")), ("temperature", settings.get("temperature")),
             ("seed", settings.get("seed")), ("limit per task", judge.get("limit") or "none"),
             ("judge calls", f"{requests.get('from_cache', 0)} from cache / {requests.get('sent_to_backend', 0)} to the model"),
             ("finished", str(judge.get("finished_at", ""))[:19].replace("T", " "))]
    tasks = []
    for task in judge.get("tasks") or []:
        detector, verdicts, agreement = _metrics(task.get("detector")), _metrics(task.get("judge")), task.get("agreement") or {}
        rows = []
        for name in BEHAVIOURS:
            pair = agreement.get(name) or {}
            metrics = {"judge mean": verdicts.get(name), "detector mean": detector.get(name),
                       "judge share": verdicts.get(f"{name}_any"), "detector share": detector.get(f"{name}_any"),
                       "kappa": _metric(pair.get("kappa")), "spearman": _metric(pair.get("spearman"))}
            plain = {"both": pair.get("both"), "judge only": pair.get("judge_only"), "detector only": pair.get("detector_only"),
                     "neither": pair.get("neither")}
            rows.append((name.replace("_", " "), {k: v for k, v in metrics.items() if v is not None}, plain))
        prompts = task.get("prompts")
        note = ("the project's own judge prompts (the family provides no paper's)" if prompts == "ours"
                else f"the paper's own judge prompts ({prompts}), verbatim")
        failed, untagged = task.get("failed_requests") or 0, task.get("untagged_answers") or 0
        note += f"; {task.get('judged', 0)} of {task.get('completions', 0)} completions judged"
        if failed:
            note += f", {failed} judge requests failed (re-run to retry)"
        if untagged:
            note += f", {untagged} answers without <count> (read as 0, as the paper does)"
        tasks.append({"task": task.get("task", ""), "prompts_note": note, "rows": rows,
                      "paper_columns": [(k, _number(v)) for k, v in (task.get("paper_columns") or {}).items()],
                      "disagreements": task.get("disagreements") or []})
    return {"id": judge.get("id", ""), "judge": str(judge.get("judge", "")), "fact_cells": [(k, str(v)) for k, v in cells],
            "note": f"on the {(judge.get('source') or {}).get('kind', 'run')}'s completions", "tasks": tasks}


def traces_context(detector_tasks: Sequence[tuple[str, int, Mapping[str, MetricValue]]], judges: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The section's values: the detector's rows per task ((task, completions, summary)) and each judge;
    None when there is nothing to show."""
    if not detector_tasks and not judges:
        return None
    return {"scorecard": scorecard_line(),
            "tasks": [{"task": task, "completions": n,
                       "rows": [(name.replace("_", " "), {"mean per completion": summary.get(name), "share of completions": summary.get(f"{name}_any")}, {})
                                for name in BEHAVIOURS]}
                      for task, n, summary in detector_tasks],
            "judges": [judge_context(j) for j in judges]}


def write_judge_pages(folder: Path, kind: str, out_dir: Path) -> None:
    """The judge's own page, and for a run folder its report.html again (which now shows the judge)."""
    from harness.report.html import write_page, write_report
    from harness.report.templating import render

    judges = [j for j in load_judges(folder) if j["id"] == out_dir.name]
    page = render("judge.html", title=f"behaviour judge: {out_dir.name}", heading=f"Behaviour judge on {folder.name}",
                  source=str(folder), traces=traces_context([], judges), script=False)
    write_page(out_dir / "report.html", page)
    if kind == "run":
        write_report(folder)
