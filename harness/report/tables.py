"""Per-task metrics tables: from scored records to rows (with CIs), and rows to text/CSV.

Row layout: the task's own row, then one row per group (family group_keys, or labels returned by
the family's aggregate hook), e.g. 'counterbench[type=basic]'.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.core.registry import Task
from harness.core.types import ScoredSample
from harness.report.metrics import MetricValue, group_records, sampling_metrics, summarize

ENGINE_COLUMNS = ("mean_output_tokens", "unparseable", "truncated", "errors")


def task_rows(task: Task, records: Sequence[ScoredSample]) -> list[dict[str, Any]]:
    """The task's row and its group rows, each {'task', 'n', 'primary_metric', 'metrics', ...}."""
    ok = [r for r in records if r.error is None]
    primary = task.primary_metric
    main_metrics = summarize(ok, task.metric)
    main_metrics.update(sampling_metrics(ok, primary, canonical=lambda record, answer: task.canonical_answer(record.sample, answer)))
    extra_groups: dict[str, dict[str, MetricValue]] = {}
    if task.family.aggregate is not None and ok:
        for label, metrics in task.family.aggregate(task.config, ok).items():
            if label == "":
                main_metrics.update(metrics)
            else:
                extra_groups[label] = dict(metrics)
    if task.family.chance_level is not None:
        chance = task.family.chance_level(task.config)
        if chance is not None:
            main_metrics["chance"] = MetricValue(chance, None, None, 0)
    rows = [_row(task.name, "", primary, main_metrics, records)]
    if task.family.group_keys is not None:
        keys: list[str] = []
        for record in ok:
            keys.extend(k for k in task.family.group_keys(record.sample) if k not in keys)
        group_keys = task.family.group_keys
        for key in keys:
            def value_of(record: ScoredSample, key: str = key) -> str:
                return str(group_keys(record.sample).get(key, ""))

            by_value = group_records(records, value_of)
            for value in sorted(by_value, key=_natural):
                members = by_value[value]
                metrics = summarize([r for r in members if r.error is None], task.metric)
                rows.append(_row(task.name, f"{key}={value}", primary, metrics, members))
    for label, metrics in extra_groups.items():
        rows.append(_row(task.name, label, primary, metrics, None))
    return rows


def metric_info(task: Task, rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The declarations of every metric in the task's rows, for metrics.json and the report."""
    names = dict.fromkeys(name for row in rows if row["task"] == task.name for name in row["metrics"])
    return {name: task.metric(name).to_json() for name in names}


def _natural(text: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in __import__("re").split(r"(\d+)", text))


def _row(task: str, group: str, primary: str, metrics: dict[str, MetricValue], records) -> dict[str, Any]:
    row: dict[str, Any] = {"task": task, "group": group, "primary_metric": primary, "metrics": metrics}
    if records is not None:
        ok = [r for r in records if r.error is None]
        completions = sum(len(r.verdicts) for r in ok)
        row.update(
            n=len(ok),
            completions=completions,
            mean_output_tokens=(sum(r.completion_tokens for r in ok) / completions) if completions else 0.0,
            unparseable=sum(r.unparseable for r in ok),
            truncated=sum(r.truncated for r in ok),
            errors=sum(1 for r in records if r.error is not None),
        )
    else:
        primary_value = metrics.get(primary) or next(iter(metrics.values()), None)
        row.update(n=primary_value.n if primary_value else 0)
    return row


def row_label(row: dict[str, Any]) -> str:
    return f"{row['task']}[{row['group']}]" if row["group"] else row["task"]


def rows_to_json(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**{k: v for k, v in row.items() if k != "metrics"}, "metrics": {k: m.to_json() for k, m in row["metrics"].items()}}
        for row in rows
    ]


def rows_from_json(data: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, "metrics": {k: MetricValue(**m) for k, m in row["metrics"].items()}} for row in data]


def write_csv(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """One line per task/group row: n, primary metric with CI, every other metric with CI, engine columns."""
    metric_names: list[str] = []
    for row in rows:
        for name in [row["primary_metric"], *row["metrics"]]:
            if name not in metric_names:
                metric_names.append(name)
    header = ["task", "group", "n", "primary_metric"]
    for name in metric_names:
        header += [name, f"{name}_ci_low", f"{name}_ci_high"]
    header += list(ENGINE_COLUMNS)
    with path.open("w", newline="", encoding="utf-8", errors="backslashreplace") as handle:  # lone surrogates
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            line: list[Any] = [row["task"], row["group"], row.get("n", ""), row["primary_metric"]]
            for name in metric_names:
                metric = row["metrics"].get(name)
                line += [_num(metric.value), _num(metric.ci_low), _num(metric.ci_high)] if metric else ["", "", ""]
            line += [row.get(col, "") for col in ENGINE_COLUMNS]
            writer.writerow(line)


def _num(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.6g}"


def format_table(rows: Sequence[dict[str, Any]], width: int = 80,
                 info: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None) -> str:
    """The console table, fitting ``width`` columns: one line per task and group (groups indented
    under their task) with the primary metric and its CI, and beneath it every other metric, wrapped,
    none dropped. ``unparsed``/``trunc`` count completions, shown as k/m when a sample has several.
    With ``info`` (metrics.json's metric_info), a metric where lower is better is marked with a down arrow."""
    def shown(task: str, name: str) -> str:
        lower = ((info or {}).get(task, {}).get(name) or {}).get("higher_is_better") is False
        return name + ("\u2193" if lower else "")

    primaries = {row["primary_metric"] for row in rows}
    shared = primaries.pop() if len(primaries) == 1 else None
    shared_task = rows[0]["task"] if rows else ""
    header = ["task", "n", f"{shown(shared_task, shared)} [95% CI]" if shared else "primary [95% CI]", "out tok", "unparsed", "trunc", "err"]
    lines, details = [], []
    for row in rows:
        primary = row["primary_metric"]
        metric = row["metrics"].get(primary)
        value = _with_ci(metric) if metric else "-"
        completions = row.get("completions", row.get("n"))
        of = f"/{completions}" if completions not in (None, row.get("n")) else ""
        lines.append([
            f"  {row['group']}" if row["group"] else row["task"], str(row.get("n", "")),
            value if shared else f"{shown(row['task'], primary)} {value}",
            f"{row['mean_output_tokens']:.0f}" if "mean_output_tokens" in row else "",
            f"{row['unparseable']}{of}" if "unparseable" in row else "", f"{row['truncated']}{of}" if "truncated" in row else "",
            str(row.get("errors", "")),
        ])
        others = [f"{shown(row['task'], name)} {_short(m.value)}" for name, m in sorted(row["metrics"].items(), key=_family_metrics_first)
                  if name != primary]
        details.append(others)
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(header)]
    right = {1, 3, 4, 5, 6}

    def cells(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if i in right else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths))).rstrip()

    out = [cells(header), "  ".join("-" * w for w in widths)]
    for line, others in zip(lines, details):
        out.append(cells(line))
        out.extend(_packed(others, width, indent="      "))
    out += [f"note: {row_label(row)}: {note}" for row in rows for note in row.get("notes", ())]
    return "\n".join(out)


def _packed(items: Sequence[str], width: int, indent: str) -> list[str]:
    """Items joined by ' · ' into lines of at most ``width`` characters, never splitting an item."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 3 + len(item) <= width:
            lines[-1] += f" · {item}"
        else:
            lines.append(indent + item)
    return lines


def _family_metrics_first(item: tuple[str, MetricValue]) -> bool:
    """On the console the family's own metrics come before the engine's pass@k/best-of/maj columns."""
    return item[0].startswith(("pass@", "best_of_", "maj@", "chance"))


def _short(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.3g}"


def _with_ci(metric: MetricValue) -> str:
    if metric.ci_low is None or metric.ci_high is None:
        return _short(metric.value)
    return f"{metric.value:.3f} [{metric.ci_low:.3f}, {metric.ci_high:.3f}]"
