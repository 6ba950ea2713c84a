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

from harness.backends import BACKENDS, BackendOptions, backend_class
from harness.backends.base import ANSWER_OPTIONS, TRANSPORT_OPTIONS, answer_identity
from harness.core.errors import HarnessError
from harness.core.registry import get_task
from harness.pipeline.cache import ResponseCache, request_key
from harness.pipeline.plan import RunSpec, backend_cache_name, plan_task
from harness.pipeline.runner import run
from tests.fake_backend import FakeCountdownBackend

OPTION_READ = re.compile(r"""extra(?:\.get\(|\[)\s*["'](\w+)["']|_\w*option\(\s*extra\s*,\s*["'](\w+)["']""")


def every_backend_option() -> dict[str, set[str]]:
    """option -> backends reading it: BackendOptions fields and each backend's declared extras."""
    options = {f.name: {"BackendOptions"} for f in dataclasses.fields(BackendOptions) if f.name != "extra"}
    for prefix in BACKENDS:
        for key in backend_class(prefix + ":x" if prefix != "local" else "local").extra_options:
            options.setdefault(key, set()).add(prefix)
    return options


def test_every_backend_option_is_either_answer_changing_or_transport_only():
    options = every_backend_option()
    unclassified = sorted(set(options) - ANSWER_OPTIONS - TRANSPORT_OPTIONS)
    assert not unclassified, (f"backend options {unclassified} are in neither ANSWER_OPTIONS nor TRANSPORT_OPTIONS"
                              " (harness/backends/base.py): say whether they can change an answer")
    assert not ANSWER_OPTIONS & TRANSPORT_OPTIONS
    assert {"think_tags", "endpoint", "max_tokens_param", "n_ctx", "device", "chunk_size", "dtype", "base_url"} <= ANSWER_OPTIONS
    assert {"concurrency", "timeout_s", "max_retries", "rpm", "tpm", "api_key_env"} <= TRANSPORT_OPTIONS


def test_every_option_a_backend_reads_is_declared():
    """A backend that reads extra["x"] without declaring x fails here (and x would be rejected)."""
    for prefix, (module_name, class_name, _) in BACKENDS.items():
        module = importlib.import_module(module_name)
        source_file = Path(module.__file__)
        files = [source_file] if source_file.parent.name == "backends" else sorted(source_file.parent.glob("*.py"))
        read = {a or b for f in files for a, b in OPTION_READ.findall(f.read_text(encoding="utf-8"))}
        declared = getattr(module, class_name).extra_options
        assert read <= declared, f"{prefix}: reads {sorted(read - declared)} without declaring them in extra_options"


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


def test_the_local_default_engine_is_part_of_the_identity():
    implied = answer_identity("local", BackendOptions())
    assert implied == {"model": "local", "engine": "llamacpp", "weights": "bf16"}
    assert answer_identity("local", BackendOptions(extra={"engine": "llamacpp", "weights": "bf16"})) == implied
    for other in ({"engine": "ctranslate2"}, {"engine": "transformers"}, {"weights": "f32"}):
        assert answer_identity("local", BackendOptions(extra=other)) != implied


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
