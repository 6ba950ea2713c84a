"""The leaderboard: one row per (model, task) from run folders, the newest run winning, so
re-runs and resumed runs of the same model and task are never double-counted."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from harness.core.errors import HarnessError
from harness.report.run_folder import check_run_folder, read_manifest, read_metrics

COLUMNS = ("model", "task", "primary_metric", "value", "ci_low", "ci_high", "n", "run_dir", "finished_at")


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


def leaderboard_rows(run_dirs: list[Path]) -> list[dict[str, Any]]:
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for run_dir in run_dirs:
        manifest = read_manifest(run_dir)
        model = manifest.get("model", "unknown")
        finished = manifest.get("finished_at", "")
        for row in read_metrics(run_dir):
            if row["group"]:
                continue
            metric = row["metrics"].get(row["primary_metric"])
            if metric is None:
                continue
            entry = {
                "model": model, "task": row["task"], "primary_metric": row["primary_metric"],
                "value": metric.value, "ci_low": metric.ci_low, "ci_high": metric.ci_high,
                "n": row.get("n", metric.n), "run_dir": str(run_dir), "finished_at": finished,
            }
            key = (model, row["task"])
            if key not in best or finished >= best[key]["finished_at"]:
                best[key] = entry
    return sorted(best.values(), key=lambda e: (e["task"], -(e["value"] if e["value"] == e["value"] else -1), e["model"]))


def write_leaderboard(rows: list[dict[str, Any]], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row[k] is None else row[k]) for k in COLUMNS})


def format_leaderboard(rows: list[dict[str, Any]]) -> str:
    header = ["task", "model", "metric", "value [95% CI]", "n"]
    lines = []
    for row in rows:
        ci = f" [{row['ci_low']:.3f}, {row['ci_high']:.3f}]" if row["ci_low"] is not None else ""
        lines.append([row["task"], row["model"], row["primary_metric"], f"{row['value']:.3f}{ci}", str(row["n"])])
    widths = [max(len(h), *(len(l[i]) for l in lines)) if lines else len(h) for i, h in enumerate(header)]
    return "\n".join(["  ".join(h.ljust(w) for h, w in zip(header, widths))] +
                     ["  ".join(c.ljust(w) for c, w in zip(l, widths)) for l in lines])
