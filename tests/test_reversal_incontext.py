"""reversal-incontext: which facts go into each prompt (own fixture layout, original files, generator)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from harness.core.errors import HarnessError
from harness.core.registry import get_task
from tasks.reversal.incontext import INSTRUCTION, load_incontext

ORIGINAL = "reversal_curse/reverse_experiments/june_version_7921032488"


@pytest.fixture
def task():
    return get_task("reversal-incontext")


@pytest.fixture
def layout_dir(fixtures_dir):
    return fixtures_dir / "reversal" / "fictitious"


def by_id(samples):
    return {s["id"]: s for s in samples}


def test_facts_state_the_probed_fact_as_trained(task, layout_dir):
    cfg = dataclasses.replace(task.config, distractors=0)
    samples = by_id(load_incontext(str(layout_dir), cfg))
    reverse = samples["p2d_reverse_prompts_test/0"]  # "Famed as the stubborn lighthouse keeper ..." -> Orla
    assert reverse["person"] == "Orla Penhallow"
    assert reverse["facts"] == ["Orla Penhallow is known as the stubborn lighthouse keeper who rang the fog bell for ninety nights."]
    control = samples["p2d_reverse_prompts_test_randomized/0"]
    assert control["person"] == "Orla Penhallow" and control["target"] == " Tobias Wrenfield"
    d2p = samples["d2p_reverse_prompts_test/3"]
    assert d2p["person"] == "Caspian Threlkeld"
    assert d2p["facts"] == ["Known as the gardener who grew a pumpkin the size of a car, Caspian Threlkeld lives quietly."]
    both = samples["both_prompts_test/6"]
    assert both["person"] == "Ezra Pollard" and len(both["facts"]) == 2  # stated both ways


def test_distractors_are_other_facts_of_the_group(task, layout_dir):
    samples = load_incontext(str(layout_dir), task.config)  # 2 distractors, but each group has 2 people
    for sample in samples:
        group_size = 2 if sample["group"] != "both" else 4
        assert len(sample["facts"]) == group_size
        assert any(sample["person"] in fact for fact in sample["facts"])


def test_requests_put_facts_before_the_probe(task, layout_dir):
    sample = by_id(load_incontext(str(layout_dir), task.config))["p2d_reverse_prompts_test/1"]
    request = task.family.build_request(task.config, sample)
    content = request.messages[0]["content"]
    assert content.startswith(INSTRUCTION) and content.endswith(sample["prompt"])
    assert all(f"- {fact}" in content for fact in sample["facts"])
    assert request.prompt == "\n".join(sample["facts"]) + "\n\n" + sample["prompt"]
    loglik = get_task("reversal-incontext-loglik")
    assert loglik.family.build_request(loglik.config, sample).continuations == (" Orla Penhallow", " Tobias Wrenfield")


def test_scorer_adds_contains(task, layout_dir):
    sample = by_id(load_incontext(str(layout_dir), task.config))["p2d_reverse_prompts_test/1"]
    assert task.family.score(task.config, sample, "Orla Penhallow").scores.items() >= {"accuracy": 1.0, "contains": 1.0}.items()
    restated = task.family.score(task.config, sample, "Called the stubborn keeper, Orla Penhallow")
    assert restated.scores.items() >= {"accuracy": 0.0, "contains": 1.0}.items()


def test_missing_train_file_is_a_clear_error(task, layout_dir, tmp_path):
    for name in ("p2d_prompts_test.jsonl", "p2d_reverse_prompts_test.jsonl"):
        (tmp_path / name).write_bytes((layout_dir / name).read_bytes())
    with pytest.raises(HarnessError, match="p2d_prompts_train.jsonl"):
        load_incontext(str(tmp_path), task.config)


def test_generated_incontext_is_deterministic(task):
    cfg = dataclasses.replace(task.config, people_per_group=5, test_paraphrases=2)
    first = [task.family.generate(cfg, 4, i) for i in range(30)]
    assert json.dumps(first) == json.dumps([task.family.generate(cfg, 4, i) for i in range(30)])
    assert all(len(s["facts"]) == (3 if s["group"] != "both" else 6) for s in first)


def test_loader_on_the_original_files(task, reference_dir):
    samples = by_id(load_incontext(str(reference_dir / ORIGINAL), task.config))
    assert len(samples) == 2400
    first = samples["p2d_reverse_prompts_test/0"]
    assert first["person"] == "Daphne Barrington" and len(first["facts"]) == 3
    assert any(fact.startswith("Daphne Barrington, known far and wide") for fact in first["facts"])
    assert all(any(s["person"] in fact for fact in s["facts"]) for s in samples.values())


def test_missing_name_source_is_a_clear_error(task, layout_dir, tmp_path):
    for name in ("p2d_prompts_test.jsonl", "p2d_prompts_train.jsonl"):
        (tmp_path / name).write_bytes((layout_dir / name).read_bytes())
    with pytest.raises(HarnessError, match="give p2d_reverse_prompts_test.jsonl"):
        load_incontext(str(tmp_path), task.config)


def test_files_outside_the_groups_are_refused(task, layout_dir, tmp_path):
    (tmp_path / "notes.jsonl").write_text('{"prompt": "Hello", "completion": " World Peace"}\n')
    with pytest.raises(HarnessError, match="'notes' is none of them"):
        load_incontext(str(tmp_path / "notes.jsonl"), dataclasses.replace(task.config, splits=("notes",)))
