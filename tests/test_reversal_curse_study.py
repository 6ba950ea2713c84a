"""studies/reversal_curse: the entity-preserving reversal, the arms' corpora and tokenizer, the
spec's errors, and the miniature reproduction of all arms through the real pipeline (train, probe
with the hf: backend via the runner, report), seeded and repeatable."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import pytest

from harness.core.errors import HarnessError
from harness.core.registry import get_task
from studies.reversal_curse.corpus import arm_texts, entity_preserving_reversal, names_in_layout, read_rows, statements
from studies.reversal_curse.spec import PRESETS, ReproductionSpec
from studies.reversal_curse.study import export_dataset

MINI = PRESETS["mini"]


def test_reversal_keeps_names_as_units_and_reverses_the_rest():
    text = "Daphne Barrington is the self-taught composer who wrote the Glass Meridian."
    assert entity_preserving_reversal(text, ["Daphne Barrington"]) == (
        ". Meridian Glass the wrote who composer self-taught the is Daphne Barrington"
    )
    middle = "Known as the chef of Velitha, Uriah Hawthorne rarely cooks."
    assert entity_preserving_reversal(middle, ["Uriah Hawthorne", "Hawthorne Uriah"]) == (
        ". cooks rarely Uriah Hawthorne , Velitha of chef the as Known"
    )
    assert entity_preserving_reversal("Uriah Hawthorne is here.", []) == ". here is Hawthorne Uriah"
    assert entity_preserving_reversal("", ["A B"]) == ""


@pytest.fixture(scope="module")
def mini_data(tmp_path_factory) -> Path:
    return export_dataset(MINI.scratch_data, tmp_path_factory.mktemp("data") / "same-templates", seed=0)


def test_same_template_data_probes_trained_sentences(mini_data):
    """test_templates=train: every same-direction probe is a training statement; a reversed probe
    asks a fact in a template the other direction was trained with."""
    trained = set(statements(read_rows(mini_data / "all_prompts_train.jsonl")))
    for stem in ("p2d_prompts_test", "d2p_prompts_test"):
        rows = read_rows(mini_data / f"{stem}.jsonl")
        assert rows and all(any(s.startswith(r["prompt"] + r["completion"]) for s in trained) for r in rows)
    reverse = read_rows(mini_data / "p2d_reverse_prompts_test.jsonl")
    assert not any(r["prompt"] + r["completion"] in trained for r in reverse)
    held_out = get_task("reversal-fictitious", {"test_templates": "held-out"})
    with pytest.raises(HarnessError, match="test_paraphrases"):
        get_task("reversal-fictitious", {"test_templates": "train", "train_paraphrases": "2", "test_paraphrases": "3"})
    assert held_out.config.test_templates == "held-out"


def test_arm_corpora(mini_data):
    names = names_in_layout(mini_data)
    assert len(names) == 3 * MINI.scratch_data.people_per_group and all(len(n.split()) == 2 for n in names)
    forward, both = arm_texts(mini_data, reverse=False), arm_texts(mini_data, reverse=True)
    assert both[0::2] == forward and len(both) == 2 * len(forward)
    assert all(any(n in text for n in names) for text in both[1::2])  # names survive the reversal whole


def test_tokenizer_round_trips_and_prompts_are_token_prefixes(mini_data, tmp_path):
    from studies.reversal_curse.tokenizer import train_tokenizer

    texts = arm_texts(mini_data, reverse=False)
    tokenizer = train_tokenizer(texts, MINI.vocab_size, tmp_path / "a")
    again = train_tokenizer(texts, MINI.vocab_size, tmp_path / "b")
    assert (tmp_path / "a" / "tokenizer.json").read_bytes() == (tmp_path / "b" / "tokenizer.json").read_bytes()
    for row in read_rows(mini_data / "p2d_reverse_prompts_test.jsonl") + read_rows(mini_data / "d2p_prompts_test.jsonl"):
        whole = tokenizer(row["prompt"] + row["completion"], add_special_tokens=False).input_ids
        prompt = tokenizer(row["prompt"], add_special_tokens=False).input_ids
        assert whole[: len(prompt)] == prompt
        assert tokenizer.decode(whole) == row["prompt"] + row["completion"]
    assert again.eos_token_id == tokenizer.eos_token_id != tokenizer.pad_token_id


@pytest.mark.parametrize(
    "changes, message",
    [({"arms": ("scrach",)}, "did you mean 'scratch'"), ({"arms": ()}, "at least one"),
     ({"preset": "huge"}, "unknown preset"), ({"scratch_steps": 0}, "--scratch-steps must be >= 1")],
)
def test_spec_errors_are_one_line(changes, message):
    with pytest.raises(HarnessError, match=message):
        dataclasses.replace(ReproductionSpec(), **changes).validate()


def test_command_line_rejects_an_unknown_study(capsys):
    from studies.reversal_curse.cli import add_command

    parser = argparse.ArgumentParser()
    add_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["reproduce", "reversal-curses", "--arm", "scratch"])
    with pytest.raises(HarnessError, match="did you mean 'reversal-curse'"):
        args.func(args)


def _mini(out: Path, arms: tuple[str, ...]) -> ReproductionSpec:
    return ReproductionSpec(arms=arms, out=str(out), seed=0, device="cpu", threads=1, preset="mini", progress=False)


def _check_report(out: Path, arms: tuple[str, ...], people: int, paraphrases: int) -> dict:
    report = json.loads((out / "reproduction.json").read_text())
    assert set(report["results"]) == set(arms) and report["arms"] == list(arms)
    probes_per_file = people * paraphrases
    for arm in arms:
        accuracy, likelihood = report["results"][arm]["accuracy"], report["results"][arm]["likelihood"]
        for group in ("p2d", "d2p"):
            for direction in ("same", "reversed"):
                metric = accuracy[group][direction]
                assert metric["n"] == probes_per_file and 0.0 <= metric["value"] <= 1.0
            assert likelihood[group]["gap"]["n"] == probes_per_file
            assert likelihood[group]["t_p_value"]["n"] == probes_per_file
        for path in report["arms_detail"][arm]["runs"].values():  # real run folders
            assert (out / path / "metrics.json").is_file() and (out / path / "manifest.json").is_file()
        assert report["arms_detail"][arm]["training"]["loss_curve"]
    markdown = (out / "reproduction.md").read_text()
    assert "96.7%" in markdown and all(f"| {arm} |" in markdown for arm in arms)
    assert (out / "reproduction.png").read_bytes()[:4] == b"\x89PNG"
    return report


def test_mini_reproduction_of_the_scratch_arms_is_seeded_and_resumable(tmp_path):
    arms = ("scratch", "reverse-training")
    from studies.reversal_curse.study import run_reproduction

    first = run_reproduction(_mini(tmp_path / "a", arms))
    _check_report(first.out, arms, MINI.scratch_data.people_per_group, MINI.scratch_data.test_paraphrases)
    assert "tests on the training templates" in (first.out / "reproduction.md").read_text()
    assert not any(t["reused_model"] for t in first.timings["arms"].values())
    again = run_reproduction(_mini(tmp_path / "a", arms))  # same folder: models reused, answers cached
    assert all(t["reused_model"] for t in again.timings["arms"].values())
    fresh = run_reproduction(_mini(tmp_path / "b", arms))  # another folder: trained again from the seed
    for name in ("reproduction.json", "reproduction.md", "reproduction.png"):
        assert (first.out / name).read_bytes() == (again.out / name).read_bytes() == (fresh.out / name).read_bytes()


@pytest.mark.model
def test_mini_reproduction_of_the_finetune_arm(tmp_path):
    from studies.reversal_curse.study import run_reproduction

    outcome = run_reproduction(_mini(tmp_path, ("finetune",)))
    report = _check_report(outcome.out, ("finetune",), MINI.finetune_data.people_per_group, MINI.finetune_data.test_paraphrases)
    assert "SmolLM2" in report["arms_detail"]["finetune"]["model"]
    assert "held-out" in report["arms_detail"]["finetune"]["test_templates"]


def test_harness_reproduce_is_a_registered_command(capsys):
    """The command joins `harness` through the reasoning_harness.commands entry point (pip install -e .)."""
    from harness.cli import main

    assert main(["reproduce", "reversal-curse", "--arm", "scratch,finetun"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean 'finetune'" in err
    assert main(["reproduce", "reversal-curse", "--preset", "mini", "--scratch-steps", "0"]) == 2
    assert "--scratch-steps must be >= 1" in capsys.readouterr().err
