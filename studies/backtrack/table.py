"""The study's table: accuracy before and after backtracking, and the change on the traces that were
right and those that were wrong before (Tyen et al., Table 6: Δaccuracy✓ and Δaccuracy✗), per
location source, over all traces and per source task, each with a 95% interval.

Δ on right traces = accuracy after − 1 over the traces right before (minus the share turned wrong);
Δ on wrong traces = accuracy after over the traces wrong before (the share turned right). Both are
shares of traces, so their intervals are Wilson intervals on the counts (the Δ on right traces is
the negated interval of the share turned wrong); a trace not backtracked keeps its answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness import MetricValue, mean_with_ci

COLUMNS = ("traces", "right", "wrong", "backtracked", "changed")


@dataclass
class TraceResult:
    """One trace under one location source."""

    sample_id: str
    group: str  # the trace's source task (the family's group value), "" when it has none
    right_before: bool
    location: int | None
    right_after: bool
    changed: bool = False
    draws: int = 0
    new_step: str | None = None
    steps: list[str] | None = None
    answer: Any = None
    error: str | None = None


def rows(results: dict[str, list[TraceResult]]) -> list[dict[str, Any]]:
    out = []
    for source, items in results.items():
        groups = [("all", items)]
        names = sorted({r.group for r in items if r.group})
        if len(names) > 1:
            groups += [(name, [r for r in items if r.group == name]) for name in names]
        out += [row(source, name, members) for name, members in groups]
    return out


def row(source: str, group: str, items: Sequence[TraceResult]) -> dict[str, Any]:
    ok = [r for r in items if r.error is None]
    right = [r for r in ok if r.right_before]
    wrong = [r for r in ok if not r.right_before]
    metrics: dict[str, MetricValue] = {
        "accuracy_before": mean_with_ci([float(r.right_before) for r in ok], "binary"),
        "accuracy_after": mean_with_ci([float(r.right_after) for r in ok], "binary"),
    }
    if right:
        turned = mean_with_ci([float(not r.right_after) for r in right], "binary")
        metrics["delta_right"] = MetricValue(_neg(turned.value) or 0.0, _neg(turned.ci_high), _neg(turned.ci_low), turned.n,
                                             turned.ci_method)
    if wrong:
        metrics["delta_wrong"] = mean_with_ci([float(r.right_after) for r in wrong], "binary")
    return {"location": source, "group": group, "traces": len(ok), "right": len(right), "wrong": len(wrong),
            "backtracked": sum(r.location is not None for r in ok), "changed": sum(r.changed for r in ok),
            "errors": len(items) - len(ok), "metrics": metrics}


def _neg(value: float | None) -> float | None:
    return None if value is None else (0.0 if value == 0 else -value)


def _points(metric: MetricValue | None, signed: bool = False) -> str:
    if metric is None:
        return "-"
    sign = "+" if signed and metric.value > 0 else ""
    text = f"{sign}{100 * metric.value:.1f}"
    if metric.ci_low is not None and metric.ci_high is not None:
        text += f" [{100 * metric.ci_low:.0f}, {100 * metric.ci_high:.0f}]"
    return text


HEAD = ("location", "traces of", *COLUMNS, "acc before %", "acc after %", "Δ on right (pp)", "Δ on wrong (pp)")


def text_rows(table: Sequence[dict[str, Any]]) -> list[list[str]]:
    return [[r["location"], r["group"], *(str(r[c]) for c in COLUMNS), _points(r["metrics"]["accuracy_before"]),
             _points(r["metrics"]["accuracy_after"]), _points(r["metrics"].get("delta_right"), signed=True),
             _points(r["metrics"].get("delta_wrong"), signed=True)] for r in table]


def format_table(table: Sequence[dict[str, Any]]) -> str:
    lines = [list(HEAD), *text_rows(table)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEAD))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def metrics_json(table: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**{k: v for k, v in r.items() if k != "metrics"}, "metrics": {k: m.to_json() for k, m in r["metrics"].items()}}
            for r in table]
