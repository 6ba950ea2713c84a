"""The response cache key is the whole request: every backend option that can change an answer is
in it, transport-only options are not, and entries made under an older key scheme (or unreadable
ones) are never served."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.backends import BUILTIN_BACKENDS, BackendOptions, backend_class
from harness.backends.base import FIELD_ANSWER_OPTIONS, FIELD_TRANSPORT_OPTIONS, answer_identity
from harness.core.errors import HarnessError
from harness.core.registry import get_task
from harness.core.types import GenerationSettings, Request
from harness.pipeline.cache import ResponseCache, request_key
from harness.pipeline.plan import RunSpec, backend_cache_name, plan_task
from harness.pipeline.runner import run
from tests.fake_backend import FakeCountdownBackend

OPTION_READ = re.compile(r"""extra(?:\.get\(|\[)\s*["'](\w+)["']|_\w*option\(\s*extra\s*,\s*["'](\w+)["']""")


def backend_classes() -> dict[str, type]:
    return {prefix: backend_class(prefix + ":x" if prefix != "local" else "local") for prefix in BUILTIN_BACKENDS}


def test_every_backend_declares_each_option_once():
    """Each backend classes its --backend-option keys as answer-changing or transport-only, never both;
    the BackendOptions fields are classed in base.py, every one of them."""
    fields = {f.name for f in dataclasses.fields(BackendOptions)} - {"extra"}
    assert fields == FIELD_ANSWER_OPTIONS | FIELD_TRANSPORT_OPTIONS and not FIELD_ANSWER_OPTIONS & FIELD_TRANSPORT_OPTIONS
    for prefix, cls in backend_classes().items():
        assert not cls.answer_options & cls.transport_options, prefix
    classes = backend_classes()
    assert {"think_tags", "endpoint", "max_tokens_param"} <= classes["openai"].answer_options
    assert {"rpm", "tpm"} <= classes["openai"].transport_options
    assert "n_ctx" in classes["llamacpp"].answer_options and "chunk_size" in classes["lmeval"].answer_options


def test_every_option_a_backend_reads_is_declared():
    """A backend that reads extra["x"] without declaring x fails here (and x would be rejected)."""
    for prefix, entry in BUILTIN_BACKENDS.items():
        module = importlib.import_module(entry.module)
        source_file = Path(module.__file__)
        files = [source_file] if source_file.parent.name == "backends" else sorted(source_file.parent.glob("*.py"))
        read = {a or b for f in files for a, b in OPTION_READ.findall(f.read_text(encoding="utf-8"))}
        declared = getattr(module, entry.cls).known_options()
        assert read <= declared, f"{prefix}: reads {sorted(read - declared)} without declaring them"


# ---- properties: the key is the whole request and every answer-changing option ------------------
def _other(value):
    """A different value of the same kind (valid for the field it came from)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value / 2 if value > 0.5 else value + 0.25
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, tuple):
        return (*value, "x") if not value or isinstance(value[0], str) else value[:-1] + (_other_message(value[-1]),)
    raise TypeError(type(value))


def _other_message(message):
    return {**message, "content": message["content"] + "x"}


def _request_variants(request: Request):
    """(field path, request with only that field changed) for every field of the request and its
    settings, found from the dataclasses themselves: a field added later is covered automatically."""
    for f in dataclasses.fields(Request):
        value = getattr(request, f.name)
        if f.name == "settings":
            for g in dataclasses.fields(GenerationSettings):
                changed = dataclasses.replace(value, **{g.name: _other(getattr(value, g.name))})
                yield f"settings.{g.name}", dataclasses.replace(request, settings=changed)
        elif f.name == "kind":
            yield "kind", dataclasses.replace(request, kind="loglikelihood" if value == "generate" else "generate")
        elif f.name == "messages":
            other = (({"role": "user", "content": "hi"},) if value is None else _other(value))
            yield "messages", dataclasses.replace(request, messages=other)
        else:
            yield f.name, dataclasses.replace(request, **{f.name: _other(value)})


texts = st.text(max_size=40)
requests = st.builds(
    Request,
    kind=st.sampled_from(["generate", "loglikelihood"]),
    prompt=texts,
    messages=st.none() | st.lists(st.fixed_dictionaries({"role": st.sampled_from(["system", "user", "assistant"]),
                                                         "content": texts}), min_size=1, max_size=3).map(tuple),
    continuations=st.lists(texts, max_size=3).map(tuple),
    settings=st.builds(GenerationSettings, max_tokens=st.integers(1, 4096), temperature=st.floats(0, 2),
                       top_p=st.floats(0.05, 1), stop=st.lists(texts, max_size=2).map(tuple), n=st.integers(1, 16),
                       seed=st.integers(0, 2**31)),
    assistant_prefill=texts,
)


@settings(max_examples=60, deadline=None)
@given(requests)
def test_changing_any_field_of_a_request_changes_its_key(request):
    """Dropping any field (temperature, say) from the key would serve a greedy answer to a
    temperature-1 run: each field, changed alone, must give another key; equal requests one key."""
    identity = backend_cache_name(RunSpec(tasks=[], model="local"))
    key = request_key(identity, request)
    assert request_key(identity, dataclasses.replace(request)) == key
    for path, variant in _request_variants(request):
        assert request_key(identity, variant) != key, f"the cache key ignores {path}"


def _option_value(name: str):
    return {"device": "cuda:1", "dtype": "bfloat16", "base_url": "http://127.0.0.1:9/v1"}.get(name, "7")


def test_every_answer_option_changes_the_key_and_every_transport_option_does_not():
    request = Request(kind="generate", prompt="p", settings=GenerationSettings(temperature=1.0))
    for prefix, cls in backend_classes().items():
        model = "local" if prefix == "local" else f"{prefix}:m"
        base_key = request_key(backend_cache_name(RunSpec(tasks=[], model=model)), request)
        for name in sorted(FIELD_ANSWER_OPTIONS | FIELD_TRANSPORT_OPTIONS):
            options = dataclasses.replace(BackendOptions(), **{name: _changed_field(name)})
            key = request_key(backend_cache_name(RunSpec(tasks=[], model=model, backend_options=options)), request)
            assert (key != base_key) == (name in FIELD_ANSWER_OPTIONS), f"{prefix}: field {name}"
        for name in sorted(cls.known_options()):
            options = BackendOptions(extra={name: "7"})
            key = request_key(backend_cache_name(RunSpec(tasks=[], model=model, backend_options=options)), request)
            assert (key != base_key) == (name in cls.answer_options), f"{prefix}: option {name}"


def _changed_field(name: str):
    default = getattr(BackendOptions(), name)
    return _option_value(name) if default is None else _other(default)


def test_identity_keeps_answer_options_and_drops_transport_and_credentials():
    base = BackendOptions(base_url="http://user:sk-secret@127.0.0.1:8000/v1/", extra={"think_tags": "true", "rpm": 50})
    identity = answer_identity("openai:m", base)
    assert identity == {"model": "openai:m", "base_url": "http://127.0.0.1:8000/v1", "think_tags": "true"}
    faster = dataclasses.replace(base, concurrency=256, timeout_s=5, max_retries=0, api_key_env="OTHER",
                                 batch_size=64, threads=1, extra={"think_tags": "true", "tpm": 10})
    assert answer_identity("openai:m", faster) == identity
    for change in ({"dtype": "bfloat16"}, {"device": "cuda"}, {"extra": {"think_tags": "false"}},
                   {"extra": {"think_tags": "true", "endpoint": "completions"}}, {"base_url": "http://127.0.0.1:9/v1"}):
        assert answer_identity("openai:m", dataclasses.replace(base, **change)) != identity, change


def test_the_local_default_engine_is_part_of_the_identity(monkeypatch):
    from harness.backends import cpu_generation

    chosen = cpu_generation.preferred_weights()[0]  # the weights this CPU runs by default
    implied = answer_identity("local", BackendOptions())
    assert implied == {"model": "local", "engine": "llamacpp", "weights": chosen}
    assert answer_identity("local", BackendOptions(extra={"engine": "llamacpp", "weights": chosen})) == implied
    for other in ({"engine": "ctranslate2"}, {"engine": "transformers"}, {"weights": "f32"},
                  {"weights": "bf16" if chosen != "bf16" else "f16"}):
        assert answer_identity("local", BackendOptions(extra=other)) != implied
    # another CPU's default weights are another namespace: its answers are never served here
    monkeypatch.setattr(cpu_generation, "cpu_flags", lambda: frozenset({"f16c", "avx512_bf16"} if chosen != "bf16" else {"f16c"}))
    assert answer_identity("local", BackendOptions()) != implied


def spec(tmp_path, **options) -> RunSpec:
    return RunSpec(tasks=["countdown"], model="openai:fake", limit=6, results_dir=str(tmp_path), out=str(tmp_path / "run"),
                   progress=False, backend_options=BackendOptions(base_url="http://127.0.0.1:9/v1", **options))


def test_answer_changing_options_miss_the_cache_and_transport_options_hit_it(tmp_path):
    first = FakeCountdownBackend()
    run(spec(tmp_path), backend_factory=lambda m, o: first)
    assert len(first.asked) == 6
    split = FakeCountdownBackend()
    outcome = run(spec(tmp_path, extra={"think_tags": "true"}), backend_factory=lambda m, o: split)
    assert len(split.asked) == 6 and outcome.backend_calls == 6  # the issue: 0 calls, the unsplit text served
    same = FakeCountdownBackend()
    outcome = run(spec(tmp_path, concurrency=3, timeout_s=9.0, max_retries=1, extra={"rpm": "60"}),
                  backend_factory=lambda m, o: same)
    assert same.asked == [] and outcome.cache_hits == 6


def test_unknown_backend_option_is_refused_before_anything_runs(tmp_path):
    with pytest.raises(HarnessError, match="unknown backend option 'think_tag' for openai .*did you mean 'think_tags'"):
        run(spec(tmp_path, extra={"think_tag": "true"}), backend_factory=lambda m, o: FakeCountdownBackend())
    assert not (tmp_path / "run").exists()


def old_key(name: str, request) -> str:
    """The key scheme before version 2 (model|dtype|base_url only)."""
    payload = json.dumps({"backend": name, "request": request.to_json()}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def test_old_and_unreadable_entries_are_never_served(tmp_path):
    s = spec(tmp_path)
    planned = plan_task(get_task("countdown"), s)
    cache = ResponseCache(tmp_path / ".cache" / "responses.sqlite")
    poisoned = '{"kind": "generation", "data": {"texts": ["<answer>poison</answer>"], "finish_reasons": ["stop"]}}'
    for request in planned.requests[:3]:  # what an older version stored for these requests
        cache._db.execute("INSERT INTO responses VALUES (?, ?)", (old_key("openai:fake|base_url=http://127.0.0.1:9/v1", request), poisoned))
    for request in planned.requests[3:]:  # right key, unreadable value
        cache._db.execute("INSERT INTO responses VALUES (?, ?)", (request_key(backend_cache_name(s), request), '{"kind": "gener'))
    cache._db.commit()
    cache.close()
    fresh = FakeCountdownBackend()
    outcome = run(s, backend_factory=lambda m, o: fresh)
    assert len(fresh.asked) == 6 and outcome.cache_hits == 0
    lines = (outcome.run_dir / "samples.jsonl").read_text()
    assert "poison" not in lines
