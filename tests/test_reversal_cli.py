"""End to end through the CLI and the runner: `harness score` on gold completions, `harness export`
round trip, and `harness run` of every reversal task on an in-process fake backend."""

from __future__ import annotations

import json

import pytest

from harness.backends.base import Backend
from harness.cli import main
from harness.core.registry import get_task
from harness.core.types import Generation, Loglikelihood, LoglikelihoodResult
from harness.pipeline.runner import RunSpec, run
from harness.report.tables import row_label
from tasks.reversal.celebrity_data import load_celebrity_pairs
from tasks.reversal.fictitious_samples import load_fictitious
from tasks.reversal.layout import read_layout
from tasks.reversal.matching import parse_celebrity_response


def _metrics(run_dir):
    rows = json.loads((run_dir / "metrics.json").read_text())["rows"]
    return {(f"{r['task']}[{r['group']}]" if r["group"] else r["task"]): r["metrics"] for r in rows}


def _write_predictions(path, samples, key):
    with path.open("w", encoding="utf-8") as handle:
        for sample in samples:
            handle.write(json.dumps({"id": sample["id"], "response": sample[key]}) + "\n")


@pytest.mark.parametrize("task_name", ["reversal-fictitious", "reversal-incontext"])
def test_score_gold_completions_of_generated_probes_is_perfect(task_name, tmp_path, capsys):
    samples_file, preds = tmp_path / "samples.jsonl", tmp_path / "preds.jsonl"
    assert main(["generate", task_name, "--n", "40", "--seed", "5", "--out", str(samples_file)]) == 0
    samples = [json.loads(line) for line in samples_file.read_text().splitlines()]
    _write_predictions(preds, samples, "completion")
    out = tmp_path / "scored"
    assert main(["score", task_name, "--data", str(samples_file), "--predictions", str(preds), "--out", str(out)]) == 0
    metrics = _metrics(out)
    facts = sum(s["direction"] != "randomized" for s in samples)
    assert 0 < facts < 40  # the randomized controls are no facts: the headline counts the true ones
    assert metrics[task_name]["accuracy"]["value"] == 1.0 and metrics[task_name]["accuracy"]["n"] == facts
    assert metrics[task_name]["control_accuracy"]["n"] == 40 - facts
    assert metrics[f"{task_name}[direction=reverse]"]["accuracy"]["value"] == 1.0
    assert "accuracy" not in metrics[f"{task_name}[direction=randomized]"]


def test_a_model_that_knows_every_fact_scores_one_and_fails_the_controls(tmp_path, capsys):
    """The controls ask a true prompt with another fact's completion as target: a model that answers
    the true fact gets them 'wrong'. That must not pull the headline below 1."""
    samples_file, preds = tmp_path / "samples.jsonl", tmp_path / "preds.jsonl"
    assert main(["generate", "reversal-fictitious", "--n", "60", "--seed", "2", "--out", str(samples_file)]) == 0
    samples = [json.loads(line) for line in samples_file.read_text().splitlines()]
    truth = {s["prompt"]: s["completion"] for s in samples if s["direction"] == "reverse"}
    with preds.open("w") as handle:
        for s in samples:
            answer = truth.get(s["prompt"], s["completion"]) if s["direction"] == "randomized" else s["completion"]
            handle.write(json.dumps({"id": s["id"], "response": answer}) + "\n")
    out = tmp_path / "scored"
    assert main(["score", "reversal-fictitious", "--data", str(samples_file), "--predictions", str(preds), "--out", str(out)]) == 0
    metrics = _metrics(out)
    assert metrics["reversal-fictitious"]["accuracy"]["value"] == 1.0
    assert metrics["reversal-fictitious[direction=randomized]"]["control_accuracy"]["value"] < 0.5


def test_score_gold_completions_of_original_layout_is_perfect(fixtures_dir, tmp_path, capsys):
    layout_dir = fixtures_dir / "reversal" / "fictitious"
    samples = load_fictitious(str(layout_dir), get_task("reversal-fictitious").config)
    preds = tmp_path / "preds.jsonl"
    _write_predictions(preds, samples, "completion")
    out = tmp_path / "scored"
    assert main(["score", "reversal-fictitious", "--data", str(layout_dir), "--predictions", str(preds), "--out", str(out)]) == 0
    accuracy = _metrics(out)["reversal-fictitious"]["accuracy"]
    assert accuracy["value"] == 1.0 and accuracy["n"] == sum(s["direction"] != "randomized" for s in samples)


def test_score_gold_names_of_celebrity_pairs_gives_the_maximum(fixtures_dir, tmp_path, capsys):
    """Gold names score 1 under the paper's rule (startswith); under the stricter `score_filtered`
    only where parse_response admits them: a one-word name ("Zephyrine") or one with a word not
    starting upper-case ("Ana de Velasquez", 'Jonah "JJ" Peel') can never count there."""
    csv_path = fixtures_dir / "reversal" / "celebrity" / "parent_child_pairs.csv"
    samples = list(load_celebrity_pairs(str(csv_path), get_task("reversal-celebrity").config))
    preds = tmp_path / "preds.jsonl"
    _write_predictions(preds, samples, "gold")
    out = tmp_path / "scored"
    assert main(["score", "reversal-celebrity", "--data", str(csv_path), "--predictions", str(preds), "--out", str(out)]) == 0
    lines = {json.loads(l)["id"]: json.loads(l) for l in (out / "samples.jsonl").read_text().splitlines()}
    for sample in samples:
        filtered = 1.0 if parse_celebrity_response(sample["gold"]) is not None else 0.0
        assert lines[sample["id"]]["scores"] == {"score": 1.0, "score_filtered": filtered}
    metrics = _metrics(out)
    assert metrics["reversal-celebrity[direction=forward]"]["score"]["value"] == 1.0
    assert metrics["reversal-celebrity"]["reverse_score"]["value"] == 1.0
    assert metrics["reversal-celebrity[direction=reverse]"]["score_filtered"]["value"] == pytest.approx(3 / 6)  # + 'Jonah "JJ" Peel'


def test_export_round_trips_through_the_loader(tmp_path, capsys):
    out = tmp_path / "export"
    settings = ["--set", "people_per_group=4", "--set", "train_paraphrases=3", "--set", "test_paraphrases=2"]
    assert main(["export", "reversal-fictitious", "--out", str(out), "--seed", "9", *settings]) == 0
    task = get_task("reversal-fictitious", {"people_per_group": "4", "train_paraphrases": "3", "test_paraphrases": "2"})
    loaded = load_fictitious(str(out), task.config)
    assert len(loaded) == 6 * 4 * 2 + 2 * 4 * 2  # six files of 4 people x 2 paraphrases, both_prompts_test twice that
    generated = [task.family.generate(task.config, 9, i) for i in range(len(loaded))]
    assert sorted(loaded, key=lambda s: s["id"]) == sorted(generated, key=lambda s: s["id"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 9 and manifest["files"]["p2d_prompts_train.jsonl"]["lines"] == 12
    # chat files: same lines as user/assistant turns
    plain = read_layout(str(out), ("all_prompts_train",))["all_prompts_train"]
    chat = [json.loads(l) for l in (out / "chat" / "all_prompts_train.jsonl").read_text().splitlines()]
    assert len(chat) == len(plain) == 4 * 4 * 3
    assert all(c["messages"][0] == {"role": "user", "content": p["prompt"]} for c, p in zip(chat, plain))
    assert all(c["messages"][1]["content"] == p["completion"].strip() for c, p in zip(chat, plain))
    # exporting an original layout copies it byte for byte
    again = tmp_path / "again"
    assert main(["export", "reversal-fictitious", "--data", str(out), "--out", str(again)]) == 0
    for path in out.glob("*.jsonl"):
        assert (again / path.name).read_bytes() == path.read_bytes()


def test_export_refuses_other_tasks(tmp_path, capsys):
    assert main(["export", "reversal-celebrity", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "has nothing to export" in err and "families with fine-tuning files: reversal-fictitious" in err


class EchoGoldBackend(Backend):
    """Answers every probe with the fact it is about (read from the prompt's facts or a table) and
    gives the first continuation a higher log-prob than the others."""

    supports_loglikelihood = True

    def __init__(self, answers: dict[str, str]):
        self.name, self.answers = "echo-gold", answers

    def generate(self, requests):
        for index, request in enumerate(requests):
            text = request.messages[-1]["content"] if request.messages else request.prompt
            answer = next((gold for key, gold in self.answers.items() if text.endswith(key)), "I don't know.")
            yield index, Generation(texts=[answer] * request.settings.n, finish_reasons=["stop"] * request.settings.n,
                                    completion_tokens=[3] * request.settings.n)

    def loglikelihood(self, requests):
        for index, request in enumerate(requests):
            yield index, LoglikelihoodResult([Loglikelihood(-1.0 - 2.0 * j, j == 0, 2) for j, _ in enumerate(request.continuations)])


def _run(tmp_path, task, answers, **kwargs):
    spec = RunSpec(tasks=[task], out=str(tmp_path / task), results_dir=str(tmp_path), progress=False, **kwargs)
    outcome = run(spec, backend_factory=lambda model, options: EchoGoldBackend(answers))
    return {row_label(row): row for row in outcome.rows}


def test_run_celebrity_chat_and_base_on_a_fake_backend(fixtures_dir, tmp_path):
    csv_path = str(fixtures_dir / "reversal" / "celebrity" / "parent_child_pairs.csv")
    samples = list(load_celebrity_pairs(csv_path, get_task("reversal-celebrity").config))
    answers = {s["question"]: s["gold"] for s in samples if s["direction"] == "forward"}  # knows parents only
    rows = _run(tmp_path, "reversal-celebrity", answers, data=csv_path)
    main_row = rows["reversal-celebrity"]["metrics"]
    assert main_row["forward_score"].value == 1.0 and main_row["reverse_score"].value == 0.0
    assert main_row["forward_not_reverse"].value == 1.0 and main_row["pass@1"].value == 0.5
    assert rows["reversal-celebrity"]["unparseable"] == 6 * 10  # "I don't know." x 10 samples x 6 reverse probes
    base = _run(tmp_path, "reversal-celebrity-base", {}, data=csv_path)
    assert base["reversal-celebrity-base"]["metrics"]["score"].value == pytest.approx(0.36787944)


@pytest.mark.parametrize("task_name", ["reversal-fictitious-loglik", "reversal-incontext-loglik"])
def test_run_likelihood_probes_on_a_fake_backend(task_name, fixtures_dir, tmp_path):
    layout_dir = str(fixtures_dir / "reversal" / "fictitious")
    rows = _run(tmp_path, task_name, {}, data=layout_dir)
    main_row = rows[task_name]["metrics"]
    assert main_row["logprob_gap"].value == pytest.approx(2.0)  # target -1, randomized -3
    assert main_row["reverse_gap_t_p_value"].value == 0.0 or main_row["reverse_gap_t_p_value"].value < 1e-6
    assert rows[f"{task_name}[split=p2d_reverse_prompts_test]"]["metrics"]["logprob_gap"].n == 4
