"""PrOntoQA's figures in report.html: accuracy by number of hops, as both papers plot it (each axis
named by the table's metric, so a point and the table's `[hops=N]` row are one number), one line
per PrOntoQA task of the run, so a run of `prontoqa` and `prontoqa-lambada` on the same questions
draws forward chain of thought against backward chaining; and what each costs per question
(model calls and tokens, prompt and completion, from samples.jsonl)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.core.metric_spec import bounded, metric_named
from harness.report.plots import Plot, line_chart, means_by
from tasks.prontoqa.scoring import LABEL_METRICS, PROOF_METRICS

TOKENS = bounded("tokens_per_question", "prompt and completion tokens of the question's requests", 0.0, None, higher_is_better=None)
CALLS = bounded("calls_per_question", "requests made for the question", 0.0, None, higher_is_better=None)


def _hops(line: Mapping[str, Any]) -> int | None:
    sample = line.get("sample")
    hops = sample.get("hops") if isinstance(sample, Mapping) else None
    return hops if isinstance(hops, int) else None


def _cost_lines(lines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each line with its cost as scores: tokens (prompt + completion) and calls (1 without a trace)."""
    out = []
    for line in lines:
        if line.get("error") or not isinstance(line.get("scores"), dict):
            continue
        tokens = (line.get("prompt_tokens") or 0) + (line.get("completion_tokens") or 0)
        calls = len(line["trace"]) if isinstance(line.get("trace"), list) else 1
        out.append({**line, "scores": {TOKENS.name: float(tokens), CALLS.name: float(calls)}})
    return out


def _by_task(lines: Sequence[Mapping[str, Any]], metric: Any, cost: bool = False) -> dict[str, list[tuple[int, Any]]]:
    series: dict[str, list[tuple[int, Any]]] = {}
    for task in dict.fromkeys(str(line.get("task")) for line in lines):
        own = [line for line in lines if line.get("task") == task]
        means = means_by(_cost_lines(own) if cost else own, _hops, metric)
        if means:
            series[task] = sorted(means.items())
    return series


def prontoqa_plots(rows: list[dict[str, Any]], lines: list[dict[str, Any]]) -> list[Plot]:
    plots = []
    label = _by_task(lines, metric_named(LABEL_METRICS, "label_accuracy"))
    if label:
        plots.append(Plot("PrOntoQA: label accuracy by number of hops",
                          line_chart(label, xlabel="hops (rules applied)", ylabel="label_accuracy", chance=0.5),
                          "One line per task of the run (chain of thought, LAMBADA, ...); 95% CIs; dashed: chance."))
    proof = _by_task(lines, metric_named(PROOF_METRICS, "proof_accuracy"))
    if proof:
        plots.append(Plot("PrOntoQA: strict proof accuracy by number of hops",
                          line_chart(proof, xlabel="hops (rules applied)", ylabel="proof_accuracy"),
                          "The gold conclusion derived through strictly valid steps, graded as the paper grades chains of thought."))
    tokens = _by_task(lines, TOKENS, cost=True)
    if tokens and len(tokens) > 1:
        plots.append(Plot("PrOntoQA: tokens per question by number of hops",
                          line_chart(tokens, xlabel="hops (rules applied)", ylabel="prompt + completion tokens", ylim=None),
                          "Every request of the question counted: one for chain of thought, one per module call for LAMBADA."))
        calls = _by_task(lines, CALLS, cost=True)
        plots.append(Plot("PrOntoQA: model calls per question by number of hops",
                          line_chart(calls, xlabel="hops (rules applied)", ylabel="calls", ylim=None),
                          "Requests per question: 1 for chain of thought; LAMBADA's module calls grow with the search."))
    return plots
