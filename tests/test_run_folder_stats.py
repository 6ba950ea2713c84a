"""Run folder checks trust a committed file whose (size, mtime_ns) match manifest.json's "file_stats"
and hash the others: a leaderboard reads no unchanged samples.jsonl, yet a file rewritten (same
size), truncated, or from an older version's folder (no stats) is hashed, and a changed one refused."""

from __future__ import annotations

import json
import os

import pytest

import harness.report.run_folder as run_folder
from harness.cli import main
from harness.core.errors import HarnessError
from harness.pipeline.runner import RunSpec, run
from harness.report.leaderboard import find_run_dirs
from harness.report.run_folder import COMMITTED_FILES, check_run_folder
from tests.fake_backend import FakeCountdownBackend


def make_run(results, name: str, seed: int = 1):
    spec = RunSpec(tasks=["countdown"], limit=4, seed=seed, results_dir=str(results), out=str(results / name), progress=False)
    return run(spec, backend_factory=lambda m, o: FakeCountdownBackend()).run_dir


@pytest.fixture
def hashed(monkeypatch):
    """The files hashed while checking, in order."""
    seen: list[str] = []
    real = run_folder.file_sha256

    def counting(path):
        seen.append(path.name)
        return real(path)

    monkeypatch.setattr(run_folder, "file_sha256", counting)
    return seen


def test_the_manifest_records_each_files_size_and_mtime(tmp_path):
    run_dir = make_run(tmp_path, "a")
    stats = json.loads((run_dir / "manifest.json").read_text())["file_stats"]
    for name in COMMITTED_FILES:
        stat = os.stat(run_dir / name)
        assert stats[name] == [stat.st_size, stat.st_mtime_ns]


def test_leaderboard_hashes_no_unchanged_file_and_each_folder_at_most_once(tmp_path, hashed, capsys):
    results = tmp_path / "results"
    for name in ("a", "b", "c"):
        make_run(results, name, seed=len(name))
    hashed.clear()
    assert main(["leaderboard", str(results), str(results / "a"), "--out", str(tmp_path / "board.csv")]) == 0
    assert hashed == []  # nothing read: every (size, mtime) matched
    manifest = results / "b" / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["file_stats"]  # a folder an older version committed
    manifest.write_text(json.dumps(data))
    assert main(["leaderboard", str(results), str(results / "b"), "--out", str(tmp_path / "board.csv")]) == 0
    assert sorted(hashed) == sorted(COMMITTED_FILES)  # b's files once each, though b was named twice
    assert "3 runs" in capsys.readouterr().out


def test_a_file_rewritten_to_the_same_size_is_hashed_and_refused(tmp_path, hashed):
    run_dir = make_run(tmp_path, "a")
    hashed.clear()  # the commit's own hashing
    path = run_dir / "samples.jsonl"
    before = os.stat(path)
    data = bytearray(path.read_bytes())
    data[data.index(b"countdown")] = ord("C")  # same size, other bytes
    path.write_bytes(bytes(data))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))  # any write moves mtime (even on coarse clocks)
    assert os.stat(path).st_size == before.st_size
    with pytest.raises(HarnessError, match="samples.jsonl does not match manifest.json"):
        check_run_folder(run_dir)
    assert hashed == ["samples.jsonl"]
    assert find_run_dirs([str(tmp_path)]) == []  # the leaderboard skips it


def test_a_truncated_file_is_refused(tmp_path):
    run_dir = make_run(tmp_path, "a")
    path = run_dir / "metrics.csv"
    mtime = os.stat(path).st_mtime_ns
    with path.open("r+b") as handle:
        handle.truncate(os.stat(path).st_size // 2)
    os.utime(path, ns=(mtime, mtime))  # even with its old mtime: the size differs
    with pytest.raises(HarnessError, match="metrics.csv does not match manifest.json"):
        check_run_folder(run_dir)


def test_a_file_only_touched_is_hashed_once_and_accepted(tmp_path, hashed):
    run_dir = make_run(tmp_path, "a")
    hashed.clear()
    path = run_dir / "samples.jsonl"
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000))  # copied without -p, or touched
    check_run_folder(run_dir)
    assert hashed == ["samples.jsonl"]


def test_a_samples_file_replaced_by_a_killed_re_run_is_refused(tmp_path):
    """A kill between the rename of samples.jsonl and the manifest's: the new file (other bytes,
    written later) meets the old manifest."""
    run_dir = make_run(tmp_path, "a")
    other = make_run(tmp_path, "b", seed=2)
    os.replace(other / "samples.jsonl", run_dir / "samples.jsonl")
    with pytest.raises(HarnessError, match="samples.jsonl does not match"):
        check_run_folder(run_dir)
