"""Loading the original LR2Bench layout (own fixtures in the same schema), prompts and config errors."""

from __future__ import annotations

import json
import shutil

import pytest

from harness.core.errors import HarnessError
from harness.core.registry import get_task, task_names
from tasks.lr2bench.loader import find_data_root
from tasks.lr2bench.spec import HUB_ID

FIXTURE_LEVELS = "5_5,easy,4_4,4_4_easy"


@pytest.fixture
def data_dir(fixtures_dir):
    return fixtures_dir / "lr2bench" / "data"


def load(name, source, **overrides):
    task = get_task(name, overrides)
    return task, list(task.family.load(str(source), task.config))


def test_variants_are_registered():
    names = set(task_names())
    assert {"lr2bench", "lr2bench-crossword", "lr2bench-acrostic", "lr2bench-logic", "lr2bench-cryptogram",
            "lr2bench-sudoku", "lr2bench-drop", "lr2bench-generated"} <= names


def test_every_fixture_level_loads_with_ids_gold_and_prompts(data_dir):
    _task, samples = load("lr2bench", data_dir, level=FIXTURE_LEVELS)
    assert [s["id"] for s in samples] == [
        "crossword/5_5/FX001", "crossword/5_5/FX002", "acrostic/easy/FXA01", "logic/4_4/FXL01",
        "cryptogram/easy/FXC01", "sudoku/4_4_easy/FXS01", "drop/easy/0",
    ]
    by_id = {s["id"]: s for s in samples}
    assert by_id["drop/easy/0"]["tag"] == "0"  # integer tags in data.jsonl, strings in answer.json
    assert by_id["sudoku/4_4_easy/FXS01"]["gold"]["grid"][0] == [1, 0, 0, 0]
    assert by_id["crossword/5_5/FX001"]["prompt"]["setting"] == "prompt.json/two_shot"
    assert by_id["logic/4_4/FXL01"]["prompt"] is None  # no prompt file there: the project's own prompt
    assert json.loads(json.dumps(samples)) == samples


def test_data_root_parent_task_and_level_folders_are_accepted(data_dir):
    assert find_data_root(data_dir)[0] == data_dir
    assert find_data_root(data_dir.parent) == (data_dir, None)
    assert find_data_root(data_dir / "4-sudoku") == (data_dir, ("sudoku", None))
    assert find_data_root(data_dir / "4-sudoku" / "4_4_easy") == (data_dir, ("sudoku", "4_4_easy"))
    _task, samples = load("lr2bench", data_dir / "0-crossword" / "5_5", level=FIXTURE_LEVELS)
    assert [s["id"] for s in samples] == ["crossword/5_5/FX001", "crossword/5_5/FX002"]
    _task, samples = load("lr2bench-sudoku", data_dir.parent, level="4_4_easy")
    assert [s["id"] for s in samples] == ["sudoku/4_4_easy/FXS01"]


def test_original_chat_is_filled_and_trimmed(data_dir):
    task, samples = load("lr2bench-crossword", data_dir, level="5_5")
    request = task.family.build_request(task.config, samples[0])
    assert [m["role"] for m in request.messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert request.messages[-1]["content"].startswith("Fixture instructions")
    assert samples[0]["record"]["example_text"] in request.messages[-1]["content"]
    assert request.settings.max_tokens == 32768 and request.settings.top_p == 1.0
    assert request.prompt.startswith("System: You are a fixture solver.") and request.prompt.endswith("Assistant:")

    task, samples = load("lr2bench-crossword", data_dir, level="5_5", shots="0", system_prompt="false")
    assert [m["role"] for m in task.family.build_request(task.config, samples[0]).messages] == ["user"]
    task, samples = load("lr2bench-crossword", data_dir, level="5_5", prompt_style="api")
    messages = task.family.build_request(task.config, samples[0]).messages
    assert len(messages) == 1 and messages[0]["content"].startswith("Two fixture examples")


def test_prompt_settings_must_match_between_loading_and_running(data_dir):
    task, samples = load("lr2bench-crossword", data_dir, level="5_5")
    zero = get_task("lr2bench-crossword", {"level": "5_5", "shots": "0"})
    with pytest.raises(HarnessError, match="shots=0"):
        zero.family.build_request(zero.config, samples[0])


def test_missing_prompt_files_fall_back_to_project_prompts(data_dir, tmp_path):
    task, samples = load("lr2bench-logic", data_dir, level="4_4")
    request = task.family.build_request(task.config, samples[0])
    assert "<Answer>" in request.messages[-1]["content"] and len(request.messages) == 6
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy)
    (copy / "1-acrostic" / "easy" / "prompt.json").unlink()
    acrostic, samples = load("lr2bench-acrostic", copy, level="easy")
    with pytest.raises(HarnessError, match="shots=0"):  # the project has no acrostic examples to show
        acrostic.family.build_request(acrostic.config, samples[0])
    zero, samples = load("lr2bench-acrostic", copy, level="easy", shots="0")
    assert len(zero.family.build_request(zero.config, samples[0]).messages) == 2


def test_missing_levels_and_gold_give_clear_errors(data_dir, tmp_path):
    with pytest.raises(HarnessError, match="lacks crossword/10_10"):
        load("lr2bench-crossword", data_dir)
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy)
    table = json.loads((copy / "answer.json").read_text())
    table["sudoku"] = []
    (copy / "answer.json").write_text(json.dumps(table))
    with pytest.raises(HarnessError, match="no gold answer for sudoku/4_4_easy/FXS01"):
        load("lr2bench-sudoku", copy, level="4_4_easy")
    (copy / "answer.json").unlink()
    with pytest.raises(HarnessError, match="not an LR2Bench data folder"):
        load("lr2bench-sudoku", copy, level="4_4_easy")
    with pytest.raises(HarnessError, match="not found"):
        load("lr2bench", tmp_path / "nowhere" / "data.d")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n')
    with pytest.raises(HarnessError, match="not an LR2Bench sample"):
        load("lr2bench", bad)


def test_hub_default_fails_clearly_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    task = get_task("lr2bench")
    assert task.family.default_source(task.config) == HUB_ID
    assert task.family.default_source(get_task("lr2bench-generated").config) is None
    with pytest.raises(HarnessError, match="needs the network"):
        list(task.family.load(HUB_ID, task.config))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"task": "chess"}, "task must be"),
        ({"level": "5_5,99_99"}, "unknown level '99_99'"),
        ({"shots": "1"}, "shots must be 0 or 2"),
        ({"source": "web"}, "source must be"),
        ({"prompt_style": "plain"}, "prompt_style"),
        ({"task": "acrostic", "source": "generated"}, "no generator"),
    ],
)
def test_bad_settings_are_named(overrides, message):
    with pytest.raises(HarnessError, match=message):
        get_task("lr2bench", overrides)


def test_levels_can_be_named_with_their_task():
    task = get_task("lr2bench", {"level": "sudoku/9_9_hard,drop/easy"})
    assert task.config.selected_levels() == {"sudoku": ("9_9_hard",), "drop": ("easy",)}
    assert get_task("lr2bench", {"level": "easy"}).config.selected_levels() == {
        "acrostic": ("easy",), "cryptogram": ("easy",), "drop": ("easy",)}
