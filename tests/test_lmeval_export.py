"""The lm-eval YAMLs: current with the registry, complete, and driving the families' own code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.core.registry import get_task, task_names
from harness.core.types import Generation, Loglikelihood, LoglikelihoodResult
from harness.interop.lmeval.export import (
    answered_by_strategy,
    exportable_task_names,
    exported_metric_names,
    render_task_yaml,
    stale_files,
    task_shape,
    yaml_relative_path,
)
from harness.pipeline.samples import select_samples
from harness.pipeline.scoring import score_result
from harness.report.tables import task_rows

REPO = Path(__file__).resolve().parents[1]
TASKS_DIR = REPO / "tasks"
FIX = Path(__file__).resolve().parent / "fixtures"

# Data for the tasks that only load (project fixtures in the original schemas).
FIXTURE_DATA = {
    "reversal-celebrity": (FIX / "reversal/celebrity/parent_child_pairs.csv", {}),
    "reversal-celebrity-base": (FIX / "reversal/celebrity/parent_child_pairs.csv", {}),
    "counterbench-original": (FIX / "counterbench/original_format.jsonl", {}),
    "counterbench-original-cot": (FIX / "counterbench/original_format.jsonl", {}),
    "counterbench-original-coin": (FIX / "counterbench/original_format.jsonl", {}),
    "gsm8k": (FIX / "mathword/gsm8k.jsonl", {}),
}
LR2BENCH_FIXTURE_LEVELS = {"crossword": "5_5", "acrostic": "easy", "logic": "4_4", "cryptogram": "easy",
                           "sudoku": "4_4_easy", "drop": "easy"}
FIXTURE_DATA.update({f"lr2bench-{t}": (FIX / "lr2bench/data", {"level": level}) for t, level in LR2BENCH_FIXTURE_LEVELS.items()})
FIXTURE_DATA["lr2bench"] = (FIX / "lr2bench/data", {"level": ",".join(f"{t}/{lv}" for t, lv in LR2BENCH_FIXTURE_LEVELS.items())})
# the fixture copy's prompt files have the paper's form (a user-turn instruction), which lm-eval's few-shot turns cannot carry
FIXTURE_DATA["mistake-finding"] = (FIX / "bigbench_mistake", {"prompts": "ours"})


def test_checked_in_yamls_are_current_with_the_registry():
    # the CI check the issue asks for: `harness export-lmeval --check` must pass on main
    assert stale_files(TASKS_DIR) == [], "run: harness export-lmeval --out tasks"
    assert main(["export-lmeval", "--out", str(TASKS_DIR), "--check"]) == 0


def test_every_registered_task_has_its_yaml_in_its_family_folder():
    for name in task_names():
        task = get_task(name)
        path = TASKS_DIR / yaml_relative_path(task)
        if answered_by_strategy(task):  # several requests per sample: lm-eval cannot express it
            assert not path.exists(), name
            continue
        assert path.is_file(), name
        assert f"task: {name}\n" in path.read_text()


def test_tasks_answered_by_a_strategy_have_no_yaml():
    """lm-eval asks one request per document; a task whose family answers it with several (one
    question per step) cannot be exported, and is left out rather than exported wrong."""
    strategy_tasks = {name for name in task_names() if get_task(name).family.default_strategy
                      and get_task(name).family.default_strategy(get_task(name).config)}
    assert {"mistake-finding-step", "mistake-finding-cot", "mistake-finding-generated-step"} <= strategy_tasks
    assert not strategy_tasks & set(exportable_task_names())
    assert not [p for p in TASKS_DIR.glob("*/lmeval/*.yaml") if p.stem in strategy_tasks]
    assert "mistake-finding" in exportable_task_names()


def test_check_reports_a_stale_or_leftover_file(tmp_path, capsys):
    assert main(["export-lmeval", "--out", str(tmp_path)]) == 0
    assert stale_files(tmp_path) == []
    edited = tmp_path / "countdown" / "lmeval" / "countdown.yaml"
    edited.write_text(edited.read_text().replace("max_gen_toks: 1024", "max_gen_toks: 7"))
    (tmp_path / "countdown" / "lmeval" / "gone.yaml").write_text("task: gone\n")
    assert main(["export-lmeval", "--out", str(tmp_path), "--check"]) == 1
    err = capsys.readouterr().err
    assert "countdown/lmeval/countdown.yaml" in err and "gone.yaml" in err
    assert main(["export-lmeval", "--out", str(tmp_path)]) == 0
    assert stale_files(tmp_path) == [] and not (tmp_path / "countdown" / "lmeval" / "gone.yaml").exists()


@pytest.mark.parametrize("name", exportable_task_names())
def test_higher_is_better_comes_from_the_declared_metadata(name):
    """Controls where a knowing model scores low (control_accuracy, logprob_randomized) are exported
    lower-is-better; numbers with no better side (yes_rate) as null; never guessed from the name."""
    import yaml

    task = get_task(name)
    text = render_task_yaml(name).replace("!function ", "")
    exported = {entry["metric"]: entry["higher_is_better"] for entry in yaml.safe_load(text)["metric_list"]}
    assert exported and exported == {metric: task.metric(metric).higher_is_better for metric in exported}
    if name == "reversal-fictitious":
        assert exported["control_accuracy"] is False and exported["accuracy"] is True
    if name == "reversal-fictitious-loglik":
        assert exported["logprob_randomized"] is False and exported["logprob_gap"] is True
    if name == "counterbench":
        assert exported["yes_rate"] is None


def test_rendering_is_deterministic_and_states_the_protocol_settings():
    assert render_task_yaml("countdown") == render_task_yaml("countdown")
    countdown = render_task_yaml("countdown")
    assert "output_type: generate_until" in countdown and "max_gen_toks: 1024" in countdown
    assert "do_sample: false" in countdown and "aggregate_accuracy" in countdown and "aggregate_reward" in countdown
    celebrity = render_task_yaml("reversal-celebrity")  # 10 samples at temperature 1, all of them scored
    assert "repeats: 10" in celebrity and "k: 10" in celebrity and "temperature: 1.0" in celebrity
    assert "ChatTurnsSampler" in celebrity  # its three few-shot turns
    base = render_task_yaml("reversal-celebrity-base")
    assert "output_type: multiple_choice" in base and "ChatTurnsSampler" not in base


def _samples(name: str):
    data, settings = FIXTURE_DATA.get(name, (None, {}))
    task = get_task(name, settings)
    return task, select_samples(task, seed=3, limit=40, data=str(data) if data else None)


def _blank(request, index):
    if request.kind == "loglikelihood":
        return LoglikelihoodResult(results=[Loglikelihood(-0.5 * (index % 5) - 1, index % 2 == 0, 1) for _ in request.continuations])
    return Generation(texts=["<answer>1</answer> yes"] * request.settings.n, finish_reasons=["stop"] * request.settings.n,
                      completion_tokens=[1] * request.settings.n)


@pytest.mark.parametrize("name", exportable_task_names())
def test_declared_metrics_are_the_task_rows_metrics_on_real_samples(name):
    """The YAML's metric list (read off probe samples) matches what the task row holds on data
    the probes never saw, so the export cannot drift from the families."""
    task, samples = _samples(name)
    records = [score_result(task, s, _blank(task.family.build_request(task.config, s), i)) for i, s in enumerate(samples)]
    row = task_rows(task, records)[0]["metrics"]
    declared = exported_metric_names(name)
    assert declared and declared[0] in row
    core = [m for m in row if m != "chance" and not m.startswith(("pass@", "best_of_", "maj@"))]
    # per-split p-values exist only for the splits a dataset has; everything else must match exactly
    assert [m for m in core if "p_value" not in m] == [m for m in declared if "p_value" not in m]
    assert set(m for m in core if "p_value" in m) <= set(declared) | {m for m in core if m.startswith("both_")}


@pytest.mark.parametrize("name", exportable_task_names())
def test_docs_rebuild_each_request_exactly(name):
    """What lm-eval assembles from a doc (system turn, earlier turns, last user turn, choices) is
    the family's request: the same messages, or the same plain prompt."""
    pytest.importorskip("lm_eval")
    from harness.interop.lmeval.hooks import ChatTurnsSampler, doc_for_sample

    task, samples = _samples(name)
    shape = task_shape(task)
    for sample in samples[:8]:
        request = task.family.build_request(task.config, sample)
        doc = doc_for_sample(name, {}, sample, request)
        turns = ChatTurnsSampler([]).sample(1, eval_doc=doc)
        if request.messages is None:
            assert not shape.chat and doc["harness_system"] == "" and turns == []
            assert doc["harness_user"] == request.prompt
        else:
            rebuilt = [{"role": "system", "content": doc["harness_system"]}] if doc["harness_system"] else []
            for turn in turns:
                rebuilt += [{"role": "user", "content": turn["harness_user"]}, {"role": "assistant", "content": turn["harness_target"]}]
            rebuilt.append({"role": "user", "content": doc["harness_user"]})
            assert rebuilt == [dict(m) for m in request.messages]
        assert doc["harness_choices"] == list(request.continuations)
        assert json.loads(doc["harness_record"])["sample"] == json.loads(json.dumps(sample))


def test_process_results_and_aggregation_equal_harness_score():
    """lm-eval's per-doc hook + aggregation give the task row of `harness score` on the same answers."""
    pytest.importorskip("lm_eval")
    import harness.interop.lmeval.hooks as hooks

    dataset = hooks.load_dataset("countdown", seed=2, limit=12)["test"]
    task = get_task("countdown")
    samples = select_samples(task, seed=2, limit=12)
    assert [d["harness_id"] for d in dataset] == [s["id"] for s in samples]
    answers = [f"<answer>{s['solution']}</answer>" if i % 3 else "no idea" for i, s in enumerate(samples)]
    items = [hooks.process_results(doc, [text]) for doc, text in zip(dataset, answers)]
    records = [score_result(task, s, Generation(texts=[t], finish_reasons=["stop"], completion_tokens=[1])) for s, t in zip(samples, answers)]
    row = task_rows(task, records)[0]["metrics"]
    for metric in ("accuracy", "reward"):
        assert hooks.aggregate_metric(metric, [item[metric] for item in items]) == row[metric].value
        assert getattr(hooks, f"aggregate_{metric}")([item[metric] for item in items]) == row[metric].value
    assert row["accuracy"].value == pytest.approx(8 / 12)


def test_lr2bench_level_averaged_scores_and_odd_metric_names_survive():
    pytest.importorskip("lm_eval")
    import harness.interop.lmeval.hooks as hooks

    dataset = hooks.load_dataset("lr2bench-generated", seed=0, limit=8)["test"]
    items = [hooks.process_results(doc, ["<Answer>[]</Answer>"]) for doc in dataset]
    value = hooks.aggregate_partial_match_0_5([item["partial_match_0.5"] for item in items])
    assert value == 0.0
    with pytest.raises(AttributeError):
        hooks.not_a_hook  # noqa: B018


def test_settings_that_change_the_yaml_are_refused_or_flagged():
    pytest.importorskip("lm_eval")
    import harness.interop.lmeval.hooks as hooks
    from harness.core.errors import HarnessError

    with pytest.raises(HarnessError, match="request kind or prompt form"):
        hooks.load_dataset("reversal-fictitious", seed=0, limit=2, settings={"measure": "loglikelihood"})
    with pytest.warns(UserWarning, match="--gen_kwargs"):
        hooks.load_dataset("countdown", seed=0, limit=2, settings={"max_tokens": "64"})


def test_lm_eval_indexes_every_exported_task():
    pytest.importorskip("lm_eval")
    from lm_eval.tasks import TaskManager

    manager = TaskManager(include_path=str(TASKS_DIR))
    missing = [name for name in task_names() if name not in manager.all_tasks and not answered_by_strategy(get_task(name))]
    assert missing == []
