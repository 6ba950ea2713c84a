"""From strategy records to the study's numbers: one Choice per problem, selector and N (what was
picked, whether it is right, what it cost), and one row per task x selector x N with 95% CIs (the
interval by the family's declaration of its primary metric; tokens by their own declaration)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness import Metric, Sample, Strategy, Task, bounded, item_kind, mean_with_ci

FORWARD_LABEL = "forward"  # the trace label of the N forward draws (harness.strategies.selection)

STUDY_METRICS = (
    bounded("tokens", "tokens per problem over every request the selector made: the N forward draws and its own"
                      " checks (prompt and generated)", 0.0, None, higher_is_better=False),
    bounded("generated_tokens", "generated tokens per problem over every request the selector made", 0.0, None,
            higher_is_better=False),
)


@dataclass
class Choice:
    """One problem as one selector at one N left it."""

    sample_id: str
    draw: int | None  # the chosen draw's index (None when a request failed for good)
    answer: Any
    score: float | None  # the family's primary metric of the chosen completion
    prompt_tokens: int
    completion_tokens: int
    forward_prompt_tokens: int
    forward_completion_tokens: int
    draws: list[dict[str, Any]] = field(default_factory=list)  # each forward draw: answer, score, tokens
    info: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def to_json(self) -> dict[str, Any]:
        return {"draw": self.draw, "answer": self.answer, "score": self.score, "tokens": self.tokens,
                "generated_tokens": self.completion_tokens, "error": self.error, "info": self.info}


def choice_of(task: Task, sample: Sample, record: Any) -> Choice:
    """Score the selected completion with the family's scorer, and count the record's tokens."""
    forward = [step for step in record.trace if step.label == FORWARD_LABEL]
    base = dict(sample_id=str(sample["id"]), prompt_tokens=record.prompt_tokens, completion_tokens=record.completion_tokens,
                forward_prompt_tokens=sum(s.prompt_tokens for s in forward),
                forward_completion_tokens=sum(s.completion_tokens for s in forward))
    if record.outcome is None:
        return Choice(draw=None, answer=None, score=None, error=record.error, **base)
    score = task.family.score
    assert score is not None  # plan_task admits generate-scored tasks only
    primary = task.primary_metric
    verdict = score(task.config, sample, record.outcome.texts[0])
    draws = []
    for step in forward:
        text = step.result["texts"][0] if step.result.get("texts") else ""
        drawn = score(task.config, sample, text)
        draws.append({"answer": task.canonical_answer(sample, drawn.answer), "score": drawn.scores.get(primary, 0.0),
                      "generated_tokens": step.completion_tokens})
    info = dict(record.outcome.info)
    return Choice(draw=info.get("choice"), answer=task.canonical_answer(sample, verdict.answer),
                  score=float(verdict.scores.get(primary, 0.0)), draws=draws, info=info, **base)


def study_rows(plans: Sequence[Any], strategies: Sequence[Strategy], curve: Sequence[int],
               choices: Mapping[tuple[str, str, int], list[Choice]]) -> list[dict[str, Any]]:
    """A row per task x selector x N that ran: accuracy (the chosen completion's primary metric),
    tokens and generated tokens per problem, each with a 95% CI; failed problems are counted apart."""
    rows = []
    for plan in plans:
        task = plan.task
        for strategy in strategies:
            for n in curve:
                items = choices.get((task.name, strategy.name, n))
                if items is None:
                    continue
                done = [c for c in items if c.error is None]
                accuracy: Metric = task.metric(task.primary_metric)
                metrics = {
                    "accuracy": mean_with_ci([c.score for c in done if c.score is not None], item_kind(accuracy, [1] * len(done))),
                    "tokens": mean_with_ci([float(c.tokens) for c in done], "bounded"),
                    "generated_tokens": mean_with_ci([float(c.completion_tokens) for c in done], "bounded"),
                }
                rows.append({"task": task.name, "selector": strategy.name, "n": n, "problems": len(done),
                             "errors": len(items) - len(done), "primary_metric": task.primary_metric, "metrics": metrics})
    return rows


def format_table(rows: Sequence[Mapping[str, Any]], curve: Sequence[int]) -> str:
    """The terminal table: per task, a line per selector, a column per N: accuracy [95% CI] and
    mean tokens per problem."""
    lines = []
    for task in dict.fromkeys(row["task"] for row in rows):
        mine = [row for row in rows if row["task"] == task]
        problems = max(row["problems"] for row in mine)
        lines.append(f"{task} ({problems} problems; {mine[0]['primary_metric']} [95% CI] / tokens per problem)")
        lines.append("  " + f"{'selector':<12}" + "".join(f"{'N=' + str(n):>27}" for n in curve))
        for selector in dict.fromkeys(row["selector"] for row in mine):
            cells = []
            for n in curve:
                row = next((r for r in mine if r["selector"] == selector and r["n"] == n), None)
                cells.append(f"{_cell(row):>27}")
            lines.append("  " + f"{selector:<12}" + "".join(cells))
        lines.append("")
    return "\n".join(lines).rstrip()


def _cell(row: Mapping[str, Any] | None) -> str:
    if row is None:
        return "-"
    accuracy, tokens = row["metrics"]["accuracy"], row["metrics"]["tokens"]
    if math.isnan(accuracy.value):
        return "no problems"
    interval = f"[{accuracy.ci_low:.2f},{accuracy.ci_high:.2f}]" if accuracy.ci_low is not None else ""
    errors = f" {row['errors']}err" if row["errors"] else ""
    return f"{accuracy.value:.2f} {interval} {tokens.value:,.0f}t{errors}"


def csv_lines(rows: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    head = ["task", "selector", "n", "problems", "errors", "primary_metric"]
    metrics = ["accuracy", "tokens", "generated_tokens"]
    out: list[list[Any]] = [[*head, *(f"{m}{s}" for m in metrics for s in ("", "_ci_low", "_ci_high"))]]
    for row in rows:
        values = []
        for name in metrics:
            metric = row["metrics"][name]
            values += [_csv_number(metric.value), _csv_number(metric.ci_low), _csv_number(metric.ci_high)]
        out.append([*(row[k] for k in head), *values])
    return out


def _csv_number(value: float | None) -> str:
    if value is None or math.isnan(value):
        return ""
    return f"{value:.6g}"
