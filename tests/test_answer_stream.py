"""`harness run` streams its answers (issue 33): ModelSession.answer_stream gives the same results
as answer, in order, reading the cache a chunk at a time; nothing answered is lost when a cached
value cannot be read back; and a run's files are the same as with every answer held."""

from __future__ import annotations

import json
import sqlite3

from harness.core.registry import get_task
from harness.core.types import Generation, Request
from harness.pipeline.execute import IN_CACHE, ModelSession
from harness.pipeline.plan import GenerationOverrides, RunSpec, plan_tasks
from harness.pipeline.runner import run
from tests.fake_backend import FakeCountdownBackend


class FailingOddBackend(FakeCountdownBackend):
    """Answers like the fake, except that every third request fails (not cached: asked again next run)."""

    def generate(self, requests):
        for index, generation in super().generate(requests):
            if len(self.asked) % 3 == 0:
                generation = Generation(texts=[], finish_reasons=["error"], error="HTTP 500: flaky")
            yield index, generation


def planned(tmp_path, limit=40, cache="cache.sqlite"):
    spec = RunSpec(tasks=["countdown"], limit=limit, seed=3, results_dir=str(tmp_path), out=str(tmp_path / "run"),
                   progress=False, cache_path=str(tmp_path / cache))
    [item], _ = plan_tasks(spec)
    return spec, item


def test_stream_equals_held_answers_in_order_with_cached_fresh_failed_and_duplicate_requests(tmp_path):
    spec, item = planned(tmp_path)
    requests = list(item.requests) + [item.requests[0], item.requests[5]]  # duplicates: asked once, given twice
    with ModelSession(spec, lambda m, o: FakeCountdownBackend()) as warm:
        warm.ask(requests[:17], "countdown")  # a third of the answers already cached
    backend = FailingOddBackend()
    with ModelSession(spec, lambda m, o: backend) as session:
        lookup = session.look_up(requests, load=False)
        assert lookup.hits == 17 + 2 and all(r is IN_CACHE for r in lookup.results[:17])  # nothing read
        streamed = list(session.answer_stream(item.task, requests, lookup, chunk=7))
        hits = session.hits
    assert len(streamed) == len(requests) and IN_CACHE not in streamed
    assert all(isinstance(r, Generation) for r in streamed)
    failed = [i for i, r in enumerate(streamed) if r.error]
    assert failed and all(streamed[i].error == "HTTP 500: flaky" for i in failed)  # failures kept, not lost
    assert hits == 19 and len(backend.asked) == len(item.requests) - 17
    with ModelSession(spec, lambda m, o: FakeCountdownBackend()) as again:  # the held path gives the same answers
        held = again.ask(requests, "countdown")
    for i, (a, b) in enumerate(zip(streamed, held)):
        if i not in failed:
            assert (a.texts, a.finish_reasons, a.prompt_tokens) == (b.texts, b.finish_reasons, b.prompt_tokens)
    assert streamed[-2].texts == streamed[0].texts and streamed[-1].texts == streamed[5].texts


def test_stream_reads_the_cache_a_chunk_at_a_time_as_the_caller_takes_answers(tmp_path, monkeypatch):
    spec, item = planned(tmp_path, limit=30)
    with ModelSession(spec, lambda m, o: FakeCountdownBackend()) as warm:
        warm.ask(item.requests, "countdown")
    reads: list[int] = []
    with ModelSession(spec, lambda m, o: FakeCountdownBackend()) as session:
        real = session.cache.get_many

        def counting(keys):
            keys = list(keys)
            reads.append(len(keys))
            return real(keys)

        monkeypatch.setattr(session.cache, "get_many", counting)
        stream = session.answer_stream(item.task, item.requests, chunk=8)
        first = next(stream)
        assert reads == [8] and isinstance(first, Generation)  # one chunk read to give the first answer
        rest = list(stream)
    assert reads == [8, 8, 8, 6] and len(rest) == 29
    assert session.calls == 0


def test_an_answer_that_cannot_be_read_back_is_asked_again_not_lost(tmp_path):
    spec, item = planned(tmp_path, limit=10)
    with ModelSession(spec, lambda m, o: FakeCountdownBackend()) as warm:
        warm.ask(item.requests, "countdown")
    backend = FakeCountdownBackend()
    with ModelSession(spec, lambda m, o: backend) as session:
        lookup = session.look_up(item.requests, load=False)
        with sqlite3.connect(spec.cache_path) as db:  # damaged after the look-up, before it is read back
            db.execute("UPDATE responses SET value = 'not json' WHERE key = ?", (lookup.keys[4],))
        streamed = list(session.answer_stream(item.task, item.requests, lookup))
        assert session.hits == 9 and session.calls == 1
    assert [r.messages[-1]["content"] for r in backend.asked] == [item.requests[4].messages[-1]["content"]]
    assert all(isinstance(r, Generation) and not r.error and r.texts for r in streamed)


def test_a_streamed_run_commits_the_same_files_fresh_and_cached(tmp_path):
    def run_once(out):
        spec = RunSpec(tasks=["countdown"], limit=25, seed=1, results_dir=str(tmp_path), out=str(tmp_path / out),
                       progress=False, cache_path=str(tmp_path / "c.sqlite"),
                       overrides=GenerationOverrides(n=3, temperature=1.0))
        return run(spec, backend_factory=lambda m, o: FakeCountdownBackend())

    fresh = run_once("fresh")
    cached = run_once("cached")
    assert (fresh.backend_calls, fresh.cache_hits) == (25, 0) and (cached.backend_calls, cached.cache_hits) == (0, 25)
    for name in ("samples.jsonl", "metrics.json", "metrics.csv"):
        assert (fresh.run_dir / name).read_bytes() == (cached.run_dir / name).read_bytes()
    lines = [json.loads(line) for line in (fresh.run_dir / "samples.jsonl").read_text().splitlines()]
    task = get_task("countdown")
    assert [line["id"] for line in lines] == [task.family.generate(task.config, 1, i)["id"] for i in range(25)]
    assert all(len(line["responses"]) == 3 for line in lines)
    assert not list(fresh.run_dir.glob("*.tmp*"))


def test_a_run_that_stops_half_way_leaves_no_partial_samples_file(tmp_path):
    spec = RunSpec(tasks=["countdown"], limit=12, seed=5, results_dir=str(tmp_path), out=str(tmp_path / "run"),
                   progress=False, cache_path=str(tmp_path / "c.sqlite"))
    try:
        run(spec, backend_factory=lambda m, o: FakeCountdownBackend(fail_after=5))
    except KeyboardInterrupt:
        pass
    run_dir = tmp_path / "run"
    assert not (run_dir / "samples.jsonl").exists() and not list(run_dir.glob("*.tmp*"))
    outcome = run(spec, backend_factory=lambda m, o: FakeCountdownBackend())
    assert outcome.cache_hits == 5 and outcome.backend_calls == 7


def test_request_without_cache_entry_is_never_reported_as_in_cache(tmp_path):
    spec, item = planned(tmp_path, limit=3)
    with ModelSession(spec, lambda m, o: FakeCountdownBackend()) as session:
        assert session.look_up(item.requests, load=False).results == [None, None, None]
        assert session.cache.has_many([]) == set()
        session.ask([Request(kind="generate", prompt="x")], "other")
        assert len(session.cache.has_many(session.look_up([Request(kind="generate", prompt="x")]).keys)) == 1


# ---- request keys: the look-up of many requests builds each key without asdict's deep copy ------

def reference_to_json(request):
    """Request.to_json as it was written with dataclasses.asdict (the cache keys it must keep)."""
    import dataclasses

    data = dataclasses.asdict(request)
    if not request.assistant_prefill:
        del data["assistant_prefill"]
    data["settings"]["stop"] = list(request.settings.stop)
    data["continuations"] = list(request.continuations)
    if request.messages is not None:
        data["messages"] = [dict(m) for m in request.messages]
    return data


def test_request_keys_are_the_keys_of_before():
    from harness.core.types import GenerationSettings
    from harness.pipeline.cache import request_key

    chat = Request(kind="generate", prompt="p\u00e9\ud800", messages=({"role": "system", "content": "s"},
                                                                   {"role": "user", "content": "u"}),
                   settings=GenerationSettings(max_tokens=64, temperature=0.7, stop=("a", "</answer>"), n=4, seed=3))
    scored = Request(kind="loglikelihood", prompt="x", continuations=(" a", " b"), assistant_prefill="<think>")
    # digests computed with the asdict version (before this change)
    assert request_key("local", chat) == "b4c36facbc4198f058afe8415e36f820847b39442a0a8cfe5eb2cc8d1ab4e5c1"
    assert request_key("openai:m", scored) == "093e1570f081a102d3b20c07f46dbcd69bc947c57533b636d2366bd70d31f013"


def test_request_to_json_equals_the_asdict_version_on_random_requests():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from harness.core.types import GenerationSettings

    text = st.text(max_size=20)
    messages = st.none() | st.lists(st.fixed_dictionaries({"role": st.sampled_from(["system", "user", "assistant"]),
                                                           "content": text}), max_size=3).map(tuple)
    requests = st.builds(
        Request, kind=st.sampled_from(["generate", "loglikelihood"]), prompt=text, messages=messages,
        continuations=st.lists(text, max_size=3).map(tuple), assistant_prefill=text,
        settings=st.builds(GenerationSettings, max_tokens=st.integers(1, 10**6), temperature=st.floats(0, 10),
                           top_p=st.floats(0.01, 1), stop=st.lists(text, max_size=3).map(tuple),
                           n=st.integers(1, 1000), seed=st.integers(-(2**40), 2**40)))

    @settings(max_examples=300, deadline=None)
    @given(requests)
    def check(request):
        new, old = request.to_json(), reference_to_json(request)
        assert new == old and list(new) == list(old)
        assert json.dumps(new, sort_keys=True) == json.dumps(old, sort_keys=True)

    check()
