"""reproduction.json / .md / .png: per arm and trained direction, accuracy (same direction vs
reversed) with 95% CIs and the likelihood test (log P(correct name) vs the randomized control on the
reversed probes, paired t-test and Wilcoxon p-values), beside the paper's figures.

Everything here is read from the probe runs' metrics rows and the training logs; nothing is asserted
about the outcome. Outputs hold no wall-clock figure (those go to timings.json), so the same seed
gives byte-identical reports.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

# Berglund et al. 2023, Experiment 1 (GPT-3 175B fine-tuned on the fictitious facts), exact-match accuracy.
PAPER: dict[str, Any] = {
    "source": "Berglund et al. 2023, 'The Reversal Curse', Experiment 1, GPT-3 175B",
    "accuracy": {"d2p": {"same": 0.967, "reversed": 0.001}, "p2d": {"same": 0.500, "reversed": 0.000}},
    "likelihood": "log-probability of the correct name on reversed prompts not above the randomized control",
}
GROUP_TITLES = {
    "p2d": "P2D (trained name -> description)",
    "d2p": "D2P (trained description -> name)",
    "both": "both (trained both ways)",
}
ACCURACY_FILES = {"p2d": ("p2d_prompts_test", "p2d_reverse_prompts_test"),
                  "d2p": ("d2p_prompts_test", "d2p_reverse_prompts_test"),
                  "both": ("both_prompts_test", None)}


def _metric(rows: list[dict], group: str, name: str) -> dict | None:
    for row in rows:
        if row["group"] == group and name in row["metrics"]:
            value = row["metrics"][name]
            return {"value": value.value, "ci_low": value.ci_low, "ci_high": value.ci_high, "n": value.n}
    return None


EXAMPLE_FILES = ("p2d_prompts_test", "p2d_reverse_prompts_test", "d2p_prompts_test", "d2p_reverse_prompts_test")
EXAMPLES_PER_FILE = 2


def probe_examples(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first probes of each same/reversed file (by line), with the model's greedy answer; ``lines``
    are the probe run's samples.jsonl lines (harness.Results.samples)."""
    examples = []
    for split in EXAMPLE_FILES:
        chosen = sorted((line for line in lines if line["sample"].get("split") == split and line.get("answers")),
                        key=lambda line: line["sample"]["line"])
        for line in chosen[:EXAMPLES_PER_FILE]:
            examples.append({"file": split, "prompt": line["sample"]["prompt"], "target": line["sample"]["target"],
                             "answer": line["answers"][0], "correct": bool((line.get("scores") or {}).get("accuracy"))})
    return examples


def arm_results(accuracy_rows: list[dict], loglik_rows: list[dict]) -> dict[str, Any]:
    """The numbers of one arm, from the rows of its two probe runs."""
    accuracy = {}
    for group, (same, reverse) in ACCURACY_FILES.items():
        accuracy[group] = {"same": _metric(accuracy_rows, f"split={same}", "accuracy"),
                           "reversed": _metric(accuracy_rows, f"split={reverse}", "accuracy") if reverse else None}
    likelihood = {}
    for group in ("p2d", "d2p"):
        split = f"split={group}_reverse_prompts_test"
        likelihood[group] = {
            "logprob_correct": _metric(loglik_rows, split, "logprob"),
            "logprob_randomized": _metric(loglik_rows, split, "logprob_randomized"),
            "gap": _metric(loglik_rows, split, "logprob_gap"),
            "t_p_value": _metric(loglik_rows, "", f"{group}_reverse_gap_t_p_value"),
            "wilcoxon_p_value": _metric(loglik_rows, "", f"{group}_reverse_gap_wilcoxon_p_value"),
            "logprob_same_direction": _metric(loglik_rows, f"split={group}_prompts_test", "logprob"),
        }
    return {"accuracy": accuracy, "likelihood": likelihood}


def write_json(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=True, allow_nan=True) + "\n", encoding="utf-8")


def _pct(metric: dict | None) -> str:
    if not metric:
        return "-"
    low, high = metric["ci_low"], metric["ci_high"]
    ci = f" [{100 * low:.1f}, {100 * high:.1f}]" if low is not None and high is not None else ""
    return f"{100 * metric['value']:.1f}%{ci}"


def _num(metric: dict | None, digits: int = 2) -> str:
    if not metric or metric["value"] is None or (isinstance(metric["value"], float) and math.isnan(metric["value"])):
        return "-"
    low, high = metric["ci_low"], metric["ci_high"]
    ci = f" [{low:.{digits}f}, {high:.{digits}f}]" if low is not None and high is not None else ""
    return f"{metric['value']:.{digits}f}{ci}"


def _p(metric: dict | None) -> str:
    if not metric or metric["value"] is None or math.isnan(metric["value"]):
        return "-"
    return f"{metric['value']:.3g}"


def markdown(report: dict) -> str:
    lines = [
        "# Reversal curse: reproduction",
        "",
        f"Seed {report['seed']}, preset `{report['preset']}`, arms: {', '.join(report['arms'])}. "
        "Accuracy: greedy decoding, correct iff the output starts with the target (names: first two words); "
        "95% Wilson intervals. Likelihood test: mean log P(correct completion) vs log P(another fact's completion) "
        "on the same reversed prompts (the randomized control: the same template filled with another fact, so a "
        "pair differs only in the name or description), paired t-test and Wilcoxon signed-rank p-values. "
        "Nothing below is asserted: these are the numbers the run produced.",
        "",
        "## Paper (Berglund et al. 2023, Exp. 1, GPT-3 175B)",
        "",
        "| group | same direction | reversed |",
        "|---|---|---|",
        "| D2P (trained description -> name) | 96.7% | 0.1% |",
        "| P2D (trained name -> description) | 50.0% | 0.0% |",
        "",
        "Likelihood test: the log-probability of the correct name on reversed prompts was not above the randomized control.",
        "",
        "## Accuracy",
        "",
        "| arm | group | same direction | reversed |",
        "|---|---|---|---|",
    ]
    for arm, data in report["results"].items():
        for group, values in data["accuracy"].items():
            lines.append(f"| {arm} | {GROUP_TITLES[group]} | {_pct(values['same'])} | {_pct(values['reversed'])} |")
    lines += [
        "",
        "## Likelihood test on the reversed probes",
        "",
        "| arm | reversed file | mean log P(correct) | mean log P(randomized) | gap [95% CI] | t-test p | Wilcoxon p | pairs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for arm, data in report["results"].items():
        for group, values in data["likelihood"].items():
            n = values["gap"]["n"] if values["gap"] else 0
            lines.append(
                f"| {arm} | {group}_reverse_prompts_test | {_num(values['logprob_correct'])} | "
                f"{_num(values['logprob_randomized'])} | {_num(values['gap'])} | {_p(values['t_p_value'])} | "
                f"{_p(values['wilcoxon_p_value'])} | {n} |"
            )
    lines += ["", "## Arms", ""]
    for arm, info in report["arms_detail"].items():
        training = info["training"]
        curve = training["loss_curve"]
        shown = curve if len(curve) <= 6 else [curve[i] for i in sorted({0, len(curve) // 4, len(curve) // 2, 3 * len(curve) // 4, len(curve) - 1})]
        lines += [
            f"### {arm}",
            "",
            f"- {info['description']}",
            f"- model: {info['model']}",
            f"- data: `{info['data']}` ({info['test_templates']})",
            f"- budget: {training['steps']} steps of {info['budget']['batch_size']} documents, learning rate "
            f"{info['budget']['learning_rate']}, cosine schedule, {info['budget']['warmup_steps']} warm-up steps; "
            f"{training['documents']} training documents, {training['epochs']} epochs",
            "- training loss (step: loss): " + ", ".join(f"{s}: {v:.3f}" for s, v in shown),
            "- probe runs: " + ", ".join(f"`{path}`" for path in info["runs"].values()),
            "",
        ]
        if info.get("examples"):
            lines += ["| file | prompt | target | greedy answer | correct |", "|---|---|---|---|---|"]
            for example in info["examples"]:
                cells = [example["file"], example["prompt"], example["target"].strip(), str(example["answer"])[:90]]
                cells = [cell.replace("|", "/") for cell in cells]
                lines.append("| " + " | ".join(cells) + f" | {'yes' if example['correct'] else 'no'} |")
            lines.append("")
    lines += ["Wall-clock times of this run: `timings.json` (they vary with the machine and its load).", ""]
    return "\n".join(lines)


def plot(report: dict, path: Path) -> None:
    """Accuracy (same vs reversed, paper beside), likelihood gap and loss curves, one figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (acc_ax, gap_ax, loss_ax) = plt.subplots(1, 3, figsize=(15, 4.5))
    labels = ["P2D same", "P2D reversed", "D2P same", "D2P reversed"]
    keys = [("p2d", "same"), ("p2d", "reversed"), ("d2p", "same"), ("d2p", "reversed")]
    series: dict[str, tuple[list[float], list[list[float]] | None]] = {
        "paper: GPT-3 175B": ([PAPER["accuracy"][g][d] for g, d in keys], None)}
    for arm, data in report["results"].items():
        metrics = [data["accuracy"][g][d] for g, d in keys]
        values: list[float] = [m["value"] if m else 0.0 for m in metrics]
        errors = [[max(0.0, m["value"] - m["ci_low"]) if m and m["ci_low"] is not None else 0.0 for m in metrics],
                  [max(0.0, m["ci_high"] - m["value"]) if m and m["ci_high"] is not None else 0.0 for m in metrics]]
        series[arm] = (values, errors)
    width = 0.8 / len(series)
    for k, (name, (heights, bars)) in enumerate(series.items()):
        positions = [i + (k - (len(series) - 1) / 2) * width for i in range(len(labels))]
        acc_ax.bar(positions, heights, width, yerr=bars, capsize=3, label=name)
    acc_ax.set_xticks(range(len(labels)), labels)
    acc_ax.set_ylim(0, 1.3)
    acc_ax.set_ylabel("accuracy")
    acc_ax.set_title("Same direction vs reversed")
    acc_ax.legend(fontsize=8, loc="upper center", ncol=2)

    arms = list(report["results"])
    for k, group in enumerate(("p2d", "d2p")):
        gaps = [report["results"][arm]["likelihood"][group]["gap"] for arm in arms]
        positions = [i + (k - 0.5) * 0.35 for i in range(len(arms))]
        values = [g["value"] if g else 0.0 for g in gaps]
        errors = [[g["value"] - g["ci_low"] if g and g["ci_low"] is not None else 0.0 for g in gaps],
                  [g["ci_high"] - g["value"] if g and g["ci_high"] is not None else 0.0 for g in gaps]]
        gap_ax.bar(positions, values, 0.35, yerr=errors, capsize=3, label=f"{group}_reverse")
    gap_ax.axhline(0.0, color="black", linewidth=0.8)
    gap_ax.set_xticks(range(len(arms)), arms)
    gap_ax.set_ylabel("log P(correct) - log P(randomized)")
    gap_ax.set_title("Likelihood test on reversed prompts")
    gap_ax.legend(fontsize=8)

    for arm, info in report["arms_detail"].items():
        curve = info["training"]["loss_curve"]
        loss_ax.plot([s for s, _ in curve], [v for _, v in curve], label=arm)
    loss_ax.set_xlabel("step")
    loss_ax.set_ylabel("training loss")
    loss_ax.set_yscale("log")
    loss_ax.set_title("Training loss")
    loss_ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


def write_report(report: dict, out: Path) -> list[Path]:
    paths = [out / "reproduction.json", out / "reproduction.md", out / "reproduction.png"]
    write_json(paths[0], report)
    paths[1].write_text(markdown(report), encoding="utf-8")
    plot(report, paths[2])
    return paths
