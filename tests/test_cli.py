"""The command line as a user meets it: listing, errors in one line, generate, score, report, leaderboard."""

import json
import subprocess
import sys

import pytest

from harness.cli import main
from tests.conftest import REPO_ROOT


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_does_not_import_heavy_libraries():
    code = (
        "import sys\nfrom harness.cli import main\nmain(['list'])\n"
        "heavy = [m for m in ('torch', 'transformers', 'openai', 'lm_eval', 'datasets', 'pandas') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True).stdout
    assert "countdown" in out and "HEAVY []" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "countdwn"], "did you mean 'countdown'"),
        (["run", "countdown", "--model", "hff:gpt2"], "did you mean 'hf'"),
        (["run", "countdown", "--set", "n_numbrs=3"], "did you mean 'n_numbers'"),
        (["run", "countdown", "--set", "n_numbers=three"], "expects an integer like 4, got 'three'"),
        (["run", "countdown", "--set", "temperature=hot"], "expects a number like 0.0, got 'hot'"),
        (["run", "lr2bench", "--set", "system_prompt=maybe"], "expects true or false (also 1/0, yes/no, on/off)"),
        (["run", "countdown", "--set", "n_numbers=9"], "n_numbers must be between 2 and 6"),
        (["run", "countdown", "--set", "oops"], "expects key=value"),
        (["run", "countdown", "--limit", "0"], "--limit must be >= 1"),
        (["run", "countdown", "--data", "/no/such/file.jsonl"], "data file not found"),
        (["run", "countdown", "--temperature", "-1", "--limit", "1"], "temperature must be in"),
        (["run", "countdown", "--model", "hf:/no/such/model", "--limit", "1"], "model folder not found"),
        (["run", "countdown", "--model", "local:gpt2", "--limit", "1"], "'local' takes no model name"),
        (["report", "/no/such/run"], "no run folder at /no/such/run"),
    ],
)
def test_errors_are_one_clear_line(capsys, tmp_path, argv, message):
    code, _, err = run_cli(capsys, *argv, *(["--results-dir", str(tmp_path)] if argv[0] == "run" else []))
    assert code == 2
    assert err.count("\n") == 1 and message in err


def test_corrupt_data_row_is_named(capsys, tmp_path):
    data = tmp_path / "bad.jsonl"
    data.write_text('{"target": 24, "nums": [6, 1, 3, 4]}\n{"target": 24, "nums": [6, 1\n')
    code, _, err = run_cli(capsys, "run", "countdown", "--data", str(data), "--results-dir", str(tmp_path))
    assert code == 2 and "bad.jsonl:2" in err and "corrupt JSON" in err
    data.write_text('{"target": "x", "nums": [1]}\n')
    code, _, err = run_cli(capsys, "generate", "countdown", "--data", str(data), "--out", str(tmp_path / "o.jsonl"))
    assert code == 2 and "bad.jsonl:1: not a Countdown record" in err


def test_generate_then_score_gold_gives_accuracy_one(capsys, tmp_path):
    samples = tmp_path / "samples.jsonl"
    assert run_cli(capsys, "generate", "countdown", "--n", "6", "--seed", "3", "--out", str(samples))[0] == 0
    again = tmp_path / "again.jsonl"
    run_cli(capsys, "generate", "countdown", "--n", "6", "--seed", "3", "--out", str(again))
    assert samples.read_bytes() == again.read_bytes()
    rows = [json.loads(line) for line in samples.read_text().splitlines()]
    preds = tmp_path / "preds.jsonl"
    preds.write_text("".join(json.dumps({"id": r["id"], "response": f"<answer>{r['solution']}</answer>"}) + "\n" for r in rows))
    code, out, _ = run_cli(capsys, "score", "countdown", "--data", str(samples), "--predictions", str(preds), "--out", str(tmp_path / "scored"))
    assert code == 0
    metrics = json.loads((tmp_path / "scored" / "metrics.json").read_text())["rows"][0]
    assert metrics["n"] == 6 and metrics["metrics"]["accuracy"]["value"] == 1.0
    assert (tmp_path / "scored" / "metrics.csv").read_text().startswith("task,group,n,primary_metric,accuracy")
    code, out, _ = run_cli(capsys, "report", str(tmp_path / "scored"))
    assert code == 0 and "countdown" in out and "1.000" in out


def test_score_rejects_unknown_ids(capsys, tmp_path):
    samples = tmp_path / "samples.jsonl"
    run_cli(capsys, "generate", "countdown", "--n", "2", "--out", str(samples))
    preds = tmp_path / "preds.jsonl"
    preds.write_text('{"id": "nope", "response": "x"}\n')
    code, _, err = run_cli(capsys, "score", "countdown", "--data", str(samples), "--predictions", str(preds))
    assert code == 2 and "prediction ids not found among the samples of 'countdown'" in err


def test_score_without_data_on_another_seed_says_which_option_picks_the_samples(capsys, tmp_path):
    """Issue 20: ids from 'generate --seed 3', scored without --data: the hint names --seed and --data,
    and 'score --seed 3' finds them."""
    samples = tmp_path / "samples.jsonl"
    run_cli(capsys, "generate", "countdown", "--n", "4", "--seed", "3", "--out", str(samples))
    rows = [json.loads(line) for line in samples.read_text().splitlines()]
    preds = tmp_path / "preds.jsonl"
    preds.write_text("".join(json.dumps({"id": r["id"], "response": f"<answer>{r['solution']}</answer>"}) + "\n" for r in rows))
    code, _, err = run_cli(capsys, "score", "countdown", "--predictions", str(preds), "--results-dir", str(tmp_path))
    assert code == 2 and err.count("\n") == 1
    assert ("prediction ids not found among the samples of 'countdown' (100 samples generated with seed 0): 4 of 4"
            f" (first: '{rows[0]['id']}'; those samples' ids look like 'countdown-4/0/0')") in err
    assert "another seed or file" in err and "--seed" in err and "--data FILE" in err
    code, _, _ = run_cli(capsys, "score", "countdown", "--predictions", str(preds), "--seed", "3", "--out", str(tmp_path / "s3"))
    assert code == 0
    metrics = json.loads((tmp_path / "s3" / "metrics.json").read_text())["rows"][0]
    assert metrics["n"] == 4 and metrics["metrics"]["accuracy"]["value"] == 1.0
    code, _, err = run_cli(capsys, "score", "countdown", "--predictions", str(preds), "--seed", "3", "--limit", "2",
                           "--out", str(tmp_path / "s3-2"))
    assert code == 2 and "(2 samples generated with seed 3)" in err


def test_leaderboard_keeps_newest_run_per_model_and_task(capsys, tmp_path):
    samples = tmp_path / "samples.jsonl"
    run_cli(capsys, "generate", "countdown", "--n", "4", "--out", str(samples))
    rows = [json.loads(line) for line in samples.read_text().splitlines()]
    for name, good in (("old", False), ("new", True)):
        preds = tmp_path / f"{name}.jsonl"
        preds.write_text("".join(
            json.dumps({"id": r["id"], "model": "m1", "response": f"<answer>{r['solution'] if good else '1'}</answer>"}) + "\n"
            for r in rows))
        run_cli(capsys, "score", "countdown", "--data", str(samples), "--predictions", str(preds), "--out", str(tmp_path / "results" / name))
    out_csv = tmp_path / "board.csv"
    code, out, _ = run_cli(capsys, "leaderboard", str(tmp_path / "results"), "--out", str(out_csv))
    assert code == 0
    lines = out_csv.read_text().splitlines()
    assert len(lines) == 2  # header + one row for (m1, countdown)
    assert lines[1].startswith("m1,countdown,accuracy,1.0")


def test_manifest_command_hides_url_credentials(monkeypatch):
    from harness.core.files import command_line

    monkeypatch.setattr(sys, "argv", ["harness", "run", "x", "--base-url", "http://user:secret@127.0.0.1:8000/v1"])
    assert command_line() == ["harness", "run", "x", "--base-url", "http://***@127.0.0.1:8000/v1"]


def test_setting_type_phrases_read_as_english():
    """Issue 20: 'expects a int like (10, 100)' -> words a user can act on, in --set syntax."""
    from harness.core.registry import _kind_phrase

    assert _kind_phrase(4) == "an integer like 4"
    assert _kind_phrase(0.5) == "a number like 0.5"
    assert _kind_phrase((10, 100)) == "a comma-separated list of integers like 10,100"
    assert _kind_phrase(("basic", "joint")) == "a comma-separated list of texts like basic,joint"
    assert _kind_phrase(False).startswith("true or false")


def test_suite_stopping_at_unavailable_data_names_both_ways_on(capsys, tmp_path, monkeypatch):
    """Issue 20: 'run all' stops at a task whose data cannot be loaded (LR²Bench from the hub, offline):
    the one line says how to skip it (--skip-unavailable) and how to run it (--data)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code, _, err = run_cli(capsys, "run", "all", "--limit", "1", "--results-dir", str(tmp_path))
    assert code == 2 and err.count("\n") == 1
    assert "cannot start" in err and "--skip-unavailable" in err and "--data PATH" in err
    assert not any(tmp_path.iterdir())  # nothing asked, nothing written


def _option_helps(command: str) -> dict[str, str]:
    from harness.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    command_parser = sub.choices[command]
    return {action.dest: action.help or "" for action in command_parser._actions if action.dest != "help"}


@pytest.mark.parametrize("command", ["run", "search-study", "reproduce", "generate", "score", "export", "export-lmeval", "report", "leaderboard", "list", "view"])
def test_every_option_says_what_it_does_and_its_default(command):
    for dest, help_text in _option_helps(command).items():
        assert help_text, f"{command}: {dest} has no help"
    from harness.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for action in sub.choices[command]._actions:
        if action.option_strings and action.dest != "help" and not action.required:
            assert "default" in (action.help or ""), f"{command} {action.option_strings[0]}: help names no default"


def test_run_and_search_study_share_the_model_options():
    run_options = set(_option_helps("run"))
    study_options = set(_option_helps("search-study"))
    shared = {"model", "base_url", "concurrency", "rpm", "tpm", "threads", "backend_option", "api_key_env",
              "request_timeout", "max_retries", "batch_size", "device", "dtype", "seed", "data", "set", "include",
              "temperature", "top_p", "out", "results_dir", "cache", "no_progress"}
    assert shared <= run_options and shared <= study_options
    assert _option_helps("run")["base_url"] == _option_helps("search-study")["base_url"]


def test_counts_in_messages_read_as_english():
    from harness.core.errors import counted

    assert counted(1, "sample") == "1 sample" and counted(2, "sample") == "2 samples" and counted(0, "run") == "0 runs"
    assert counted(3, "entry", "entries") == "3 entries"
