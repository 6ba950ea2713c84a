"""The reversal curse's figures in report.html, as Berglund et al. show them: forward vs reverse
(celebrity pairs: mean score per direction; fictitious and in-context facts: accuracy per
direction, with the randomized control), and the likelihood test: mean log P(correct target) vs
log P(randomized control) on the reverse prompts, whose absence of a gap is the curse. Bars carry
the metric names of the table (``logprob``, ``logprob_randomized``): a reversed D2P target is a
description, not a name."""

from __future__ import annotations

from typing import Any

from harness.core.metric_spec import metric_named
from harness.report.plots import Plot, bar_chart, means_by
from tasks.reversal.metrics import FICTITIOUS_METRICS

DIRECTIONS = ("same", "reverse", "randomized")


def celebrity_plots(rows: list[dict[str, Any]], lines: list[dict[str, Any]]) -> list[Plot]:
    task_rows = [r for r in rows if r["group"] == "" and "forward_score" in r["metrics"]]
    if not task_rows:
        return []
    svg = bar_chart({r["task"]: [r["metrics"]["forward_score"], r["metrics"].get("reverse_score")] for r in task_rows},
                    ["forward (child -> parent)", "reverse (parent -> child)"], ylabel="mean score per query", width=560)
    return [Plot("Reversal curse (celebrities): forward vs reverse", svg,
                 "Chat protocol: share of 10 samples correct; base protocol: P(gold). Paper: GPT-4 79% vs 33%.")]


def fictitious_plots(rows: list[dict[str, Any]], lines: list[dict[str, Any]]) -> list[Plot]:
    plots = []
    accuracy_rows = [r for r in rows if r["group"].startswith("direction=") and "accuracy" in r["metrics"]]
    tasks = list(dict.fromkeys(r["task"] for r in accuracy_rows))
    if tasks:
        directions = [d for d in DIRECTIONS if any(r["group"] == f"direction={d}" for r in accuracy_rows)]
        by = {(r["task"], r["group"]): r["metrics"]["accuracy"] for r in accuracy_rows}
        svg = bar_chart({task: [by.get((task, f"direction={d}")) for d in directions] for task in tasks}, directions,
                        ylabel="accuracy", width=580)
        plots.append(Plot(f"Reversal curse: accuracy by direction ({', '.join(tasks)})", svg,  # one title per family's tasks
                          "same = the direction the facts were given in; reverse = asked backwards; randomized = control."))
    paired = [line for line in lines if isinstance(line.get("scores"), dict) and "logprob_randomized" in line["scores"]]
    if paired:
        split = lambda line: str(line["sample"].get("split", "")) if isinstance(line.get("sample"), dict) else None
        correct, control = means_by(paired, split, metric_named(FICTITIOUS_METRICS, "logprob")), means_by(
            paired, split, metric_named(FICTITIOUS_METRICS, "logprob_randomized"))
        splits = list(correct)
        svg = bar_chart({"logprob": [correct[s] for s in splits], "logprob_randomized": [control.get(s) for s in splits]},
                        [s.replace("_prompts_test", "") for s in splits], ylabel="mean log P(target)", ylim=None, annotate=False,
                        width=600)
        p_values = [f"{r['task']}: t-test p={r['metrics']['reverse_gap_t_p_value'].value:.3g}" for r in rows
                    if r["group"] == "" and "reverse_gap_t_p_value" in r["metrics"]]
        tested = ", ".join(dict.fromkeys(str(line.get("task", "")) for line in paired))
        plots.append(Plot(f"Likelihood test on the reverse prompts ({tested})", svg,
                          "logprob = the correct completion, logprob_randomized = the same prompt with another fact's name or "
                          "description (the control). No gap between them = the reversal curse. " + "; ".join(p_values)))
    return plots
