"""Storage faults and stops end in one line with a documented exit code, and lose nothing: a damaged
response cache is moved aside and the run goes on; read-only or full storage, for `run` and for
`report --html`, is one line naming the file (exit 4); a results folder deleted during a run stops it
at once (exit 4) instead of paying for every answer again next time; SIGTERM is handled like Ctrl-C
(exit 143, the same message, no half-made run folder left behind).

Real read-only and full filesystems are small tmpfs mounts, which need root (skipped otherwise;
a non-root user gets read-only folders from chmod instead, and the full-disk case also runs with the
write failing the way a full disk fails it)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.cli import main
from harness.pipeline.cache import ResponseCache
from tests.conftest import REPO_ROOT
from tests.fake_openai_server import FakeOpenAIServer
from tests.storage_helpers import mount_tmpfs, read_only, unmount


def run_args(server, results: Path, limit: int = 6, *extra: str) -> list[str]:
    return ["run", "countdown", "--limit", str(limit), "--model", "openai:fake-model", "--base-url", server.base_url,
            "--results-dir", str(results), "--out", str(results / "run"), "--no-progress", "--max-retries", "1", *extra]


@pytest.fixture(autouse=True)
def no_api_key(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("harness: error:")]


# ---- a damaged cache ----------------------------------------------------------------------------

def test_a_cache_that_is_no_database_is_moved_aside_and_the_run_goes_on(tmp_path, capsys):
    cache = tmp_path / "results" / ".cache" / "responses.sqlite"
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"this is not an SQLite database " * 200)
    with FakeOpenAIServer() as server:
        assert main(run_args(server, tmp_path / "results")) == 0
        err = capsys.readouterr().err
        assert err.count("is damaged") == 1 and "moved it aside to responses.sqlite.corrupt-" in err
        assert "Traceback" not in err
        assert len(list(cache.parent.glob("responses.sqlite.corrupt-*"))) == 1
        asked = server.stats.requests_sent
        assert main(run_args(server, tmp_path / "results")) == 0  # the new cache serves the re-run
        assert server.stats.requests_sent == asked


def test_a_page_damaged_inside_the_cache_is_found_moved_aside_and_asked_again(tmp_path, capsys):
    results = tmp_path / "results"
    with FakeOpenAIServer() as server:
        assert main(run_args(server, results, 60)) == 0
        cache = results / ".cache" / "responses.sqlite"
        ResponseCache(cache).close()  # checkpoint the WAL into the main file
        data = bytearray(cache.read_bytes())
        assert len(data) >= 4 * 4096
        data[2 * 4096 : len(data)] = b"\xff" * (len(data) - 2 * 4096)  # every page after the schema
        cache.write_bytes(bytes(data))
        for suffix in ("-wal", "-shm"):
            Path(str(cache) + suffix).unlink(missing_ok=True)
        capsys.readouterr()
        assert main(run_args(server, results, 60)) == 0
    err = capsys.readouterr().err
    assert "is damaged" in err and "Traceback" not in err
    assert json.loads((results / "run" / "manifest.json").read_text())["requests"]["sent_to_backend"] == 60


# ---- read-only and full storage -------------------------------------------------------------------

def test_run_and_report_on_read_only_storage_end_in_one_line(tmp_path, capsys):
    results = tmp_path / "results"
    with FakeOpenAIServer() as server:
        assert main(run_args(server, results)) == 0
        before = {p: p.read_bytes() for p in results.rglob("*") if p.is_file()}
        capsys.readouterr()
        with read_only(results):
            assert main(run_args(server, results, 8)) == 4  # new samples: the cache must be written
            run_err = capsys.readouterr().err
            assert main(["report", str(results / "run"), "--html"]) == 4
            report_err = capsys.readouterr().err
            assert main(run_args(server, results, 6, "--out", str(results / "other"))) == 4  # a new run folder
            folder_err = capsys.readouterr().err
    for err, names in ((run_err, "responses.sqlite"), (report_err, "report.html"), (folder_err, "other")):
        assert len(error_lines(err)) == 1 and "Traceback" not in err, err
        assert names in error_lines(err)[0] and ("read-only" in err.lower() or "permission denied" in err.lower()), err
    assert {p: p.read_bytes() for p in results.rglob("*") if p.is_file()} == before  # nothing lost, nothing half-written


@pytest.fixture
def small_disk(tmp_path):
    path = tmp_path / "disk"
    if not mount_tmpfs(path, "400k"):
        pytest.skip("cannot mount a small tmpfs here (needs root in a machine that allows mounts)")
    yield path
    unmount(path)


def test_a_full_disk_stops_the_run_in_one_line_and_keeps_every_cached_answer(small_disk, capsys):
    long_answer = lambda prompt, index: "<answer>1 + 2</answer> " + "because " * 200  # noqa: E731 - fills the disk fast
    results = small_disk / "results"
    with FakeOpenAIServer(answer_fn=long_answer) as server:
        code = main(run_args(server, results, 400, "--concurrency", "4"))
        err = capsys.readouterr().err
        assert code == 4 and len(error_lines(err)) == 1 and "Traceback" not in err, err
        assert "full" in error_lines(err)[0] and "responses.sqlite" in error_lines(err)[0]
        assert not (results / "run").exists()  # no half-made run folder
        kept = len(ResponseCache(results / ".cache" / "responses.sqlite").get_many(_all_keys(results)))
        assert kept > 0
        subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
        paid = server.stats.requests_sent
        assert main(run_args(server, results, 400, "--concurrency", "4")) == 0
        assert server.stats.requests_sent - paid <= 400 - kept  # what the cache kept is never asked again


def _all_keys(results: Path) -> list[str]:
    with sqlite3.connect(str(results / ".cache" / "responses.sqlite")) as db:
        return [row[0] for row in db.execute("SELECT key FROM responses")]


def _cached(results: Path) -> int:
    """How many answers the cache holds now (0 before it exists), read beside the run writing it."""
    try:
        return len(_all_keys(results)) if (results / ".cache" / "responses.sqlite").is_file() else 0
    except sqlite3.Error:
        return 0


def test_a_failed_commit_leaves_no_partial_file_and_loses_no_answer(tmp_path, capsys, monkeypatch):
    """The same on any machine: the write of samples.jsonl fails as a full disk fails it."""
    from harness.core import files

    real_replace = os.replace

    def full_disk(src, dst, *args, **kwargs):
        if str(dst).endswith("samples.jsonl"):
            raise OSError(errno.ENOSPC, "No space left on device", str(src))
        return real_replace(src, dst, *args, **kwargs)

    results = tmp_path / "results"
    with FakeOpenAIServer() as server:
        monkeypatch.setattr(files.os, "replace", full_disk)
        assert main(run_args(server, results)) == 4
        err = capsys.readouterr().err
        assert len(error_lines(err)) == 1 and "samples.jsonl (No space left on device)" in err and "Traceback" not in err
        assert not (results / "run").exists()  # the folder this run made is gone, temp files included
        monkeypatch.setattr(files.os, "replace", real_replace)
        asked = server.stats.requests_sent
        assert main(run_args(server, results)) == 0
        assert server.stats.requests_sent == asked  # every answer came from the cache


# ---- a results folder deleted mid-run, and SIGTERM ----------------------------------------------------

def _start_run(server, results: Path, limit: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    return subprocess.Popen([sys.executable, "-m", "harness", *run_args(server, results, limit, "--concurrency", "2")],
                            cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(condition, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def test_deleting_the_results_folder_mid_run_stops_it_in_one_line(tmp_path):
    results = tmp_path / "results"
    with FakeOpenAIServer(latency_s=0.05) as server:
        process = _start_run(server, results, 200)
        _wait_for(lambda: len(server.stats.prompts_answered) >= 6 and (results / "run" / ".lock").exists())
        shutil.rmtree(results)
        _, err = process.communicate(timeout=120)
        answered = len(server.stats.prompts_answered)
    assert process.returncode == 4, err
    assert len(error_lines(err)) == 1 and "was deleted during this run" in err and "Traceback" not in err
    assert answered < 60  # stopped at once, not after paying for all 200


def test_sigterm_is_handled_like_ctrl_c(tmp_path):
    results = tmp_path / "results"
    with FakeOpenAIServer(latency_s=0.05) as server:
        process = _start_run(server, results, 200)
        _wait_for(lambda: _cached(results) >= 6 and (results / "run" / ".lock").exists())
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
        cached = len(_all_keys(results))
        assert process.returncode == 143, err
        assert "terminated (SIGTERM): every answer received so far is cached" in err and "Traceback" not in err
        assert not (results / "run").exists()  # no folder holding only .lock
        assert cached >= 6
        paid = sum(server.stats.prompts_answered.values())
        resumed = subprocess.run([sys.executable, "-m", "harness", *run_args(server, results, 200, "--concurrency", "2")],
                                 cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
                                 env={k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"})
        assert resumed.returncode == 0, resumed.stderr
        assert sum(server.stats.prompts_answered.values()) - paid == 200 - cached  # nothing cached is paid twice
