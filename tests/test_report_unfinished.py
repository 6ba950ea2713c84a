"""`harness report` on a folder without results says what is missing and how to finish it (issue 20)."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from harness.pipeline.runner import RunSpec, run
from tests.fake_backend import FakeCountdownBackend


def report(capsys, path):
    code = main(["report", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def test_folder_left_empty_by_a_run_stopped_before_its_first_write(capsys, tmp_path):
    folder = tmp_path / "countdown__local__s0__abcd1234"
    folder.mkdir()  # what an interrupted start (or an old version with a missing API key) leaves
    code, _, err = report(capsys, folder)
    assert code == 2 and err.count("\n") == 1
    assert "has no results yet: the run that made it stopped before its first write" in err
    assert "missing: samples.jsonl, metrics.json, metrics.csv, manifest.json" in err
    assert "finish it by re-running the command that made it" in err and "cached" in err


def test_command_is_printed_from_the_lock_file_of_a_run_killed_before_writing(capsys, tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    command = ["harness", "run", "countdown", "--limit", "20", "--set", "template=base chat"]
    (folder / ".lock").write_text(f"4242\n{json.dumps(command)}\n")
    code, _, err = report(capsys, folder)
    assert code == 2 and "finish it with: harness run countdown --limit 20 --set 'template=base chat'" in err


def test_missing_file_is_named_and_the_command_comes_from_the_manifest(capsys, tmp_path):
    outcome = run(RunSpec(tasks=["countdown"], limit=3, results_dir=str(tmp_path), out=str(tmp_path / "run"), progress=False),
                  backend_factory=lambda m, o: FakeCountdownBackend())
    manifest_path = outcome.run_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["command"] = ["harness", "run", "countdown", "--limit", "3", "--out", "results/my run"]  # as typed
    manifest_path.write_text(json.dumps(manifest))
    (outcome.run_dir / "metrics.json").unlink()
    code, _, err = report(capsys, outcome.run_dir)
    assert code == 2 and err.count("\n") == 1
    assert "is incomplete (missing: metrics.json)" in err
    assert "finish it with: harness run countdown --limit 3 --out 'results/my run' (answers" in err


def test_python_dash_m_harness_is_recorded_as_harness(monkeypatch):
    from harness.core.files import command_line

    monkeypatch.setattr("sys.argv", ["/x/harness/__main__.py", "run", "countdown"])
    assert command_line() == ["harness", "run", "countdown"]


def test_a_folder_of_runs_points_at_one_of_them(capsys, tmp_path):
    run(RunSpec(tasks=["countdown"], limit=2, results_dir=str(tmp_path), out=str(tmp_path / "results" / "one"), progress=False),
        backend_factory=lambda m, o: FakeCountdownBackend())
    code, _, err = report(capsys, tmp_path / "results")
    assert code == 2 and "holds run folders" in err and f"harness report {tmp_path / 'results' / 'one'}" in err


@pytest.mark.parametrize("name", ["no-such-folder"])
def test_missing_path(capsys, tmp_path, name):
    code, _, err = report(capsys, tmp_path / name)
    assert code == 2 and f"no run folder at {tmp_path / name}" in err


KILLED_BEFORE_FIRST_WRITE = """
import os, signal, sys, time
from pathlib import Path
from harness.core.run_lock import RunFolderLock
sys.argv = ["/venv/bin/harness", "run", "countdown", "--limit", "20", "--out", sys.argv[1]]
RunFolderLock(Path(sys.argv[-1])).acquire()   # what a run does just before asking the model
if os.environ.get("HOLD"):
    print("locked", flush=True)
    time.sleep(60)                            # bounded: the test kills it long before
os.kill(os.getpid(), signal.SIGKILL)          # kill -9 before the first write
"""


def _start(tmp_path, folder, hold: bool):
    import os
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **({"HOLD": "1"} if hold else {})}
    return subprocess.Popen([sys.executable, "-c", KILLED_BEFORE_FIRST_WRITE, str(folder)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, text=True)


def test_run_killed_before_its_first_write_is_reported_with_its_command(capsys, tmp_path):
    folder = tmp_path / "results" / "countdown__local__s0__12345678"
    child = _start(tmp_path, folder, hold=False)
    assert child.wait(timeout=60) == -9
    code, _, err = report(capsys, folder)
    assert code == 2 and err.count("\n") == 1
    assert "has no results yet: the run that made it stopped before its first write" in err
    assert f"finish it with: harness run countdown --limit 20 --out {folder} (answers" in err


def test_a_run_still_going_is_not_called_interrupted(capsys, tmp_path):
    folder = tmp_path / "busy"
    child = _start(tmp_path, folder, hold=True)
    try:
        assert child.stdout.readline().strip() == "locked"
        code, _, err = report(capsys, folder)
        assert code == 2 and f"is still being written by pid {child.pid}; wait for that run to finish" in err
    finally:
        child.kill()
        child.wait(timeout=30)
    code, _, err = report(capsys, folder)
    assert "stopped before its first write" in err  # the lock died with its run
