"""Resume: an interrupted run re-run with the same spec asks only for the missing samples and
ends with exactly the metrics of an uninterrupted run; results never depend on batch order."""

import dataclasses
import json
import time

import pytest

from harness.pipeline.runner import GenerationOverrides, RunSpec, run
from tests.fake_backend import FakeCountdownBackend


def spec(tmp_path, out="run", **kwargs):
    return RunSpec(tasks=["countdown"], limit=12, seed=5, results_dir=str(tmp_path), out=str(tmp_path / out),
                   progress=False, **kwargs)


def metrics(run_dir):
    return json.loads((run_dir / "metrics.json").read_text())


def test_interrupted_run_resumes_without_asking_twice(tmp_path):
    reference = run(spec(tmp_path, out="reference", cache_path=str(tmp_path / "ref.sqlite")),
                    backend_factory=lambda m, o: FakeCountdownBackend())

    crashing = FakeCountdownBackend(fail_after=5)
    with pytest.raises(KeyboardInterrupt):
        run(spec(tmp_path), backend_factory=lambda m, o: crashing)
    assert len(crashing.asked) == 5

    resumed = FakeCountdownBackend()
    outcome = run(spec(tmp_path), backend_factory=lambda m, o: resumed)
    assert len(resumed.asked) == 7  # only the missing samples
    asked_ids = {r.messages[-1]["content"] for r in resumed.asked}
    assert not asked_ids & {r.messages[-1]["content"] for r in crashing.asked}
    assert outcome.cache_hits == 5 and outcome.backend_calls == 7
    assert metrics(outcome.run_dir) == metrics(reference.run_dir)

    again = FakeCountdownBackend()
    final = run(spec(tmp_path), backend_factory=lambda m, o: again)
    assert again.asked == [] and final.backend_calls == 0
    assert metrics(final.run_dir) == metrics(reference.run_dir)


def test_samples_file_has_every_sample_once(tmp_path):
    outcome = run(spec(tmp_path), backend_factory=lambda m, o: FakeCountdownBackend())
    lines = [json.loads(line) for line in (outcome.run_dir / "samples.jsonl").read_text().splitlines()]
    assert len(lines) == 12 and len({line["id"] for line in lines}) == 12
    first = lines[0]
    for key in ("id", "prompt", "responses", "answers", "scores", "prompt_tokens", "completion_tokens", "finish_reasons"):
        assert key in first
    manifest = json.loads((outcome.run_dir / "manifest.json").read_text())
    assert manifest["seed"] == 5 and manifest["tokens"]["completion"] == 12 * 5
    assert manifest["requests"] == {"from_cache": 0, "sent_to_backend": 12}
    assert "torch" in manifest["versions"] or "python" in manifest["versions"]


def test_fake_model_scores_match_gold(tmp_path):
    outcome = run(spec(tmp_path), backend_factory=lambda m, o: FakeCountdownBackend())
    records = outcome.records["countdown"]
    expected = sum(1 for r in records if r.sample["target"] % 2 == 0) / len(records)
    row = outcome.rows[0]
    assert row["metrics"]["accuracy"].value == pytest.approx(expected)
    assert row["metrics"]["accuracy"].ci_low <= expected <= row["metrics"]["accuracy"].ci_high
    assert row["unparseable"] == 0 and row["errors"] == 0


def test_sampling_metrics_appear_with_n_samples(tmp_path):
    outcome = run(spec(tmp_path, overrides=GenerationOverrides(n=4)), backend_factory=lambda m, o: FakeCountdownBackend())
    names = set(outcome.rows[0]["metrics"])
    assert {"pass@1", "pass@2", "pass@4", "best_of_4", "maj@4"} <= names


def test_generation_overrides_change_the_cache_key(tmp_path):
    first = FakeCountdownBackend()
    run(spec(tmp_path), backend_factory=lambda m, o: first)
    second = FakeCountdownBackend()
    run(spec(tmp_path, overrides=GenerationOverrides(max_tokens=7)), backend_factory=lambda m, o: second)
    assert len(second.asked) == 12 and all(r.settings.max_tokens == 7 for r in second.asked)


def test_resumed_run_says_what_is_cached_before_the_first_request(tmp_path):
    """Issue 20: 'resuming: N of M answers cached, asking K', printed before the model is asked."""
    with pytest.raises(KeyboardInterrupt):
        run(spec(tmp_path), backend_factory=lambda m, o: FakeCountdownBackend(fail_after=5))
    events: list[str] = []

    class Recording(FakeCountdownBackend):
        def generate(self, requests):
            events.append("request")
            yield from super().generate(requests)

    run(spec(tmp_path), backend_factory=lambda m, o: Recording(), notify=events.append)
    assert events[0] == "resuming: 5 of 12 answers cached, asking 7" and events[1] == "request"

    events.clear()
    run(spec(tmp_path), backend_factory=lambda m, o: Recording(), notify=events.append)
    assert events == ["resuming: 12 of 12 answers cached, asking 0"]

    events.clear()
    run(spec(tmp_path, out="fresh", cache_path=str(tmp_path / "fresh.sqlite")),
        backend_factory=lambda m, o: FakeCountdownBackend(), notify=events.append)
    assert events == []  # a fresh run resumes nothing


def test_a_slow_model_load_is_announced_and_a_fast_one_is_not(tmp_path, monkeypatch):
    from harness.pipeline import runner

    monkeypatch.setattr(runner, "LOADING_NOTICE_S", 0.05)
    events: list[str] = []

    def slow(model, options):
        time.sleep(0.5)
        return FakeCountdownBackend()

    run(dataclasses.replace(spec(tmp_path, out="slow", cache_path=str(tmp_path / "slow.sqlite")), progress=True),
        backend_factory=slow, notify=events.append)
    events = [e for e in events if not e.startswith(("plan:", "  ", "estimate:"))]  # the plan comes first
    assert events[:1] == ["loading local ..."]
    events.clear()
    monkeypatch.setattr(runner, "LOADING_NOTICE_S", 5.0)
    run(dataclasses.replace(spec(tmp_path, out="fast", cache_path=str(tmp_path / "fast.sqlite")), progress=True),
        backend_factory=lambda m, o: FakeCountdownBackend(), notify=events.append)
    assert not any(e.startswith("loading") for e in events)


def test_re_running_a_finished_run_keeps_its_manifest_and_wall_time(tmp_path):
    import json

    first = run(spec(tmp_path), backend_factory=lambda m, o: FakeCountdownBackend())
    before = json.loads((first.run_dir / "manifest.json").read_text())
    again = run(spec(tmp_path), backend_factory=lambda m, o: FakeCountdownBackend())
    after = json.loads((first.run_dir / "manifest.json").read_text())
    assert again.backend_calls == 0 and before["requests"]["sent_to_backend"] == 12
    assert (after["started_at"], after["finished_at"]) == (before["started_at"], before["finished_at"])  # the wall time
    assert after["requests"] == {"from_cache": 12, "sent_to_backend": 0} and after["files"] == before["files"]
