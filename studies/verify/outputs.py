"""The study folder's files: verify_study.csv / .md, choices.jsonl (every problem, every selector,
every N), study.json, manifest.json, verify_study.png and report.html. Every file is written
atomically (a temp name, then a rename)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness import Strategy
from harness.study import write_json, write_samples
from studies.verify.rows import STUDY_METRICS, Choice, csv_lines, format_table


def write_outputs(study_dir: Path, spec: Any, manifest: dict[str, Any], plans: Sequence[Any], strategies: Sequence[Strategy],
                  curve: Sequence[int], rows: list[dict[str, Any]], choices: Mapping[tuple[str, str, int], list[Choice]]) -> str:
    """Write every file of the study folder; returns the terminal table."""
    table = format_table(rows, curve) if rows else "no selector ran (see the skipped selectors)"
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(csv_lines(rows))
    _write_text(study_dir / "verify_study.csv", buffer.getvalue())
    _write_text(study_dir / "verify_study.md", markdown(manifest, table))
    write_samples(study_dir / "choices.jsonl", choice_lines(plans, strategies, curve, choices))
    write_json(study_dir / "study.json", {
        "rows": [{**{k: v for k, v in r.items() if k != "metrics"}, "metrics": {k: m.to_json() for k, m in r["metrics"].items()}}
                 for r in rows],
        "metric_info": {plan.task.name: {"accuracy": plan.task.metric(plan.task.primary_metric).to_json(),
                                         **{m.name: m.to_json() for m in STUDY_METRICS}} for plan in plans},
        "skipped_selectors": manifest["skipped_selectors"],
    })
    write_json(study_dir / "manifest.json", manifest)
    from studies.verify.plots import selection_figure
    from studies.verify.report import write_study_report

    title = f"{', '.join(spec.tasks)} on {spec.model}: choosing one of N sampled answers"
    if rows:
        from harness.study import save_figure_png

        save_figure_png(selection_figure(rows, title), study_dir / "verify_study.png")
    write_study_report(study_dir, manifest, rows, choice_lines(plans, strategies, curve, choices),
                       selection_figure(rows, title) if rows else None)
    return table


def choice_lines(plans: Sequence[Any], strategies: Sequence[Strategy], curve: Sequence[int],
                 choices: Mapping[tuple[str, str, int], list[Choice]]) -> list[dict[str, Any]]:
    """One line per task and problem: the gold answer, the forward draws (answers and scores, at the
    largest N) and each selector's choice at each N."""
    lines = []
    top = curve[-1]
    for plan in plans:
        task = plan.task
        gold = task.family.gold
        for position, sample in enumerate(plan.samples):
            selected: dict[str, dict[str, Any]] = {}
            draws: list[dict[str, Any]] = []
            for strategy in strategies:
                for n in curve:
                    items = choices.get((task.name, strategy.name, n))
                    if items is None:
                        continue
                    choice = items[position]
                    selected.setdefault(strategy.name, {})[str(n)] = choice.to_json()
                    if n == top and len(choice.draws) > len(draws):
                        draws = choice.draws
            lines.append({"task": task.name, "id": str(sample["id"]), "gold": gold(sample) if gold else None,
                          "draws": draws, "selectors": selected})
    return lines


def markdown(manifest: Mapping[str, Any], table: str) -> str:
    skipped = "".join(f"\n- {s['selector']} skipped on {', '.join(s['tasks'])}: {s['reason']}"
                      for s in manifest["skipped_selectors"])
    options = manifest["options"]
    return (f"# Verify study: {', '.join(manifest['tasks'])} on {manifest['model']}\n\n"
            f"N sampled completions per problem at temperature {options['temperature']} (seed {manifest['seed']}),"
            f" N in {manifest['curve']}; each selector picks one and the family scores it. FOBAR: {options['chains']}"
            f" backward chains per masked number and candidate, alpha {options['alpha']}. Tokens count every request"
            " a selector made.\n\n```\n" + table + "\n```\n" + (f"\n## Skipped{skipped}\n" if skipped else ""))


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
