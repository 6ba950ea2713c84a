"""Before a run asks anything it says what it will do: tasks, samples, requests, the token cap, and an
estimate of time and tokens from the cache's history of the same model."""

from __future__ import annotations

from harness.pipeline.runner import RunSpec, run
from tests.fake_backend import FakeCountdownBackend


def spec(tmp_path, limit, out, **more):
    return RunSpec(tasks=["countdown"], limit=limit, results_dir=str(tmp_path), out=str(tmp_path / out), **more)


def preview(tmp_path, limit, out, **more) -> list[str]:
    lines: list[str] = []
    run(spec(tmp_path, limit, out, **more), backend_factory=lambda m, o: FakeCountdownBackend(), notify=lines.append)
    return [line for line in lines if line.startswith(("plan:", "  ", "estimate:"))]


def test_the_first_run_says_what_it_will_ask_and_that_it_cannot_estimate_yet(tmp_path):
    lines = preview(tmp_path, 4, "a")
    assert lines == ["plan: 1 task, 4 samples, 4 requests (4 to ask, 0 cached) on local",
                     "  countdown  4 samples, up to 1024 new tokens x 1 completion each",
                     "estimate: none yet (no earlier answers of local in this cache to time)"]


def test_a_later_run_estimates_from_the_cache_history(tmp_path):
    preview(tmp_path, 4, "a")
    lines = preview(tmp_path, 10, "b")
    assert lines[0] == "plan: 1 task, 10 samples, 10 requests (6 to ask, 4 cached) on local"
    assert lines[-1].startswith("estimate: about 1 s and 90 tokens, from this cache's history of local")  # 15 tokens a request


def test_a_generated_task_without_limit_says_it_runs_the_default_100(tmp_path):
    lines = preview(tmp_path, None, "a")
    assert lines[1] == "  countdown  100 samples (no --limit: the default 100), up to 1024 new tokens x 1 completion each"


def test_nothing_is_printed_when_every_answer_is_cached_or_progress_is_off(tmp_path):
    preview(tmp_path, 3, "a")
    assert preview(tmp_path, 3, "a") == []
    assert preview(tmp_path, 5, "b", progress=False) == []
