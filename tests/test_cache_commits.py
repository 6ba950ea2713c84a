"""The response cache commits answers in windows: every answer is there after a normal run, and a
kill -9 between two commits loses only the answers of the window still open (nothing committed is
damaged). No timing is asserted: the window's age is set far off, so only the count decides."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap

from harness.core.types import Generation
from harness.pipeline import cache as cache_module
from harness.pipeline.cache import COMMIT_EVERY, ResponseCache
from harness.pipeline.runner import RunSpec, run
from tests.fake_backend import FakeCountdownBackend


def answer(i: int) -> Generation:
    return Generation(texts=[f"<answer>{i}</answer> \ud800 \x00"], finish_reasons=["stop"], prompt_tokens=i)


def stored_keys(path) -> set[str]:
    with sqlite3.connect(str(path)) as db:
        return {row[0] for row in db.execute("SELECT key FROM responses")}


def test_every_batched_answer_is_there_after_close_and_read_back_exactly(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "COMMIT_WINDOW_S", 3600.0)  # only the count commits
    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path)
    count = 2 * COMMIT_EVERY + 7
    for i in range(count):
        cache.put(f"k{i}", answer(i))
    assert len(stored_keys(path)) == 2 * COMMIT_EVERY  # two full windows committed, 7 answers held
    assert cache.get_many(["k0", f"k{count - 1}"]) == {"k0": answer(0), f"k{count - 1}": answer(count - 1)}  # held ones too
    cache.close()  # commits the open window
    assert stored_keys(path) == {f"k{i}" for i in range(count)}
    reopened = ResponseCache(path)
    assert reopened.get_many(f"k{i}" for i in range(count)) == {f"k{i}": answer(i) for i in range(count)}
    reopened.close()


def test_an_answer_keeps_its_claim_until_its_window_is_committed(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "COMMIT_WINDOW_S", 3600.0)
    cache = ResponseCache(tmp_path / "c.sqlite")
    other = ResponseCache(tmp_path / "c.sqlite")
    other.pid = 2**22 + 1  # another run (its own pid is never checked here)
    assert cache.claim(["a", "b"]) == (["a", "b"], [])
    cache.put("a", answer(1))
    assert other.live_claims(["a", "b"]) == {"a", "b"}  # held: another run waits for it, never asks it
    assert other.claim(["a"]) == ([], ["a"])
    cache.release(["b"])  # commits the held answer first, then hands b over
    assert other.live_claims(["a", "b"]) == set()
    assert other.get_many(["a"]) == {"a": answer(1)}
    assert other.claim(["a", "b"]) == (["b"], ["a"])  # a is answered: never claimed again
    cache.close()
    other.close()


def test_a_kill_between_commits_loses_only_the_open_window(tmp_path):
    path = tmp_path / "c.sqlite"
    held = 10
    script = textwrap.dedent(f"""
        import os, signal
        from harness.core.types import Generation
        from harness.pipeline import cache as cache_module
        cache_module.COMMIT_WINDOW_S = 3600.0
        cache = cache_module.ResponseCache({str(path)!r})
        for i in range({3 * COMMIT_EVERY + held}):
            cache.put(f"k{{i}}", Generation(texts=[f"t{{i}}"], finish_reasons=["stop"]))
        os.kill(os.getpid(), signal.SIGKILL)  # no finally, no close: kill -9 between two commits
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    with sqlite3.connect(str(path)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert stored_keys(path) == {f"k{i}" for i in range(3 * COMMIT_EVERY)}  # the last window's 10 are lost
    cache = ResponseCache(path)
    assert cache.get_many(f"k{i}" for i in range(3 * COMMIT_EVERY)) == {
        f"k{i}": Generation(texts=[f"t{i}"], finish_reasons=["stop"]) for i in range(3 * COMMIT_EVERY)}
    cache.close()


def test_a_run_commits_every_answer_by_its_end(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "COMMIT_WINDOW_S", 3600.0)  # only the count, and the task's end, commit
    spec = RunSpec(tasks=["countdown"], limit=COMMIT_EVERY + 5, results_dir=str(tmp_path), out=str(tmp_path / "run"),
                   progress=False)
    backend = FakeCountdownBackend()
    outcome = run(spec, backend_factory=lambda m, o: backend)
    assert len(backend.asked) == COMMIT_EVERY + 5
    assert len(stored_keys(tmp_path / ".cache" / "responses.sqlite")) == COMMIT_EVERY + 5
    with sqlite3.connect(str(tmp_path / ".cache" / "responses.sqlite")) as db:
        assert db.execute("SELECT count(*) FROM claims").fetchone() == (0,)
    again = FakeCountdownBackend()
    assert run(spec, backend_factory=lambda m, o: again).cache_hits == COMMIT_EVERY + 5 and again.asked == []
    assert outcome.rows[0]["n"] == COMMIT_EVERY + 5


def test_ctrl_c_commits_the_answers_of_the_open_window(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "COMMIT_WINDOW_S", 3600.0)
    spec = RunSpec(tasks=["countdown"], limit=COMMIT_EVERY + 20, results_dir=str(tmp_path), out=str(tmp_path / "run"),
                   progress=False)
    interrupted = FakeCountdownBackend(fail_after=COMMIT_EVERY + 3)
    try:
        run(spec, backend_factory=lambda m, o: interrupted)
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("the simulated Ctrl-C did not stop the run")
    assert len(stored_keys(tmp_path / ".cache" / "responses.sqlite")) == COMMIT_EVERY + 3  # the held 3 as well


def test_an_answer_is_stored_as_the_same_bytes_as_before_batching():
    from dataclasses import asdict

    from harness.pipeline.cache import encode_result

    generation = Generation(texts=["a\ud800", "\x00 caf\u00e9"], finish_reasons=["stop", "length"], prompt_tokens=3,
                            completion_tokens=[1, 2], reasoning=["why", None], error=None, max_tokens=5)
    assert encode_result(generation) == json.dumps({"kind": "generation", "data": asdict(generation)})


def test_answers_held_for_the_next_commit_count_as_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "COMMIT_WINDOW_S", 3600.0)
    cache = ResponseCache(tmp_path / "c.sqlite")
    cache.put("held", answer(1))
    assert "held" not in stored_keys(tmp_path / "c.sqlite")
    assert cache.has_many(["held", "other"]) == {"held"}
    cache.close()
