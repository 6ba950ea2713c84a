"""The generated-instance cache (issue 33): a re-run reads big generated selections back instead of
generating them, and what it reads is exactly what the generator makes, types and key order
included; a changed generator, a damaged or unwritable store never changes a sample."""

from __future__ import annotations

import sqlite3
from types import SimpleNamespace

import pytest

from harness.core.registry import get_task
from harness.pipeline import instance_cache
from harness.pipeline.instance_cache import InstanceCache, cached_generated, round_trips, same_value
from harness.pipeline.samples import select_samples


@pytest.fixture
def small_minimum(monkeypatch):
    monkeypatch.setattr(instance_cache, "MIN_CACHED", 10)


def generated(task, seed, count):
    return [task.family.generate(task.config, seed, i) for i in range(count)]


@pytest.mark.parametrize("name", ["countdown", "sudoku-4x4", "lr2bench-generated", "arith-word"])
def test_cached_samples_are_the_generated_samples_exactly(tmp_path, small_minimum, name):
    task = get_task(name)
    path = tmp_path / "instances.sqlite"
    first = select_samples(task, seed=7, limit=12, instances=path)
    calls = []

    def counting(config, seed, index):
        calls.append(index)
        return task.family.generate(config, seed, index)

    counted_task = SimpleNamespace(name=task.name, config=task.config,
                                   family=SimpleNamespace(name=task.family.name, generate=counting))
    counting.__module__ = task.family.generate.__module__  # the same scope: the family's source folder
    again = cached_generated(counted_task, 7, 12, path)
    expected = generated(task, 7, 12)
    assert all(same_value(a, b) for a, b in zip(first, expected)) and len(first) == 12
    assert all(same_value(a, b) for a, b in zip(again, expected)) and len(again) == 12
    assert len(calls) <= instance_cache.SPOT_CHECKS  # read back: only the spot checks were generated


def test_a_small_selection_is_generated_and_leaves_no_file(tmp_path):
    task = get_task("countdown")
    path = tmp_path / "instances.sqlite"
    assert select_samples(task, seed=1, limit=5, instances=path) == generated(task, 1, 5)
    assert not path.exists()


def test_a_longer_selection_reads_the_stored_prefix_and_generates_the_rest(tmp_path, small_minimum):
    task = get_task("countdown")
    path = tmp_path / "instances.sqlite"
    select_samples(task, seed=2, limit=10, instances=path)
    longer = select_samples(task, seed=2, limit=25, instances=path)
    assert longer == generated(task, 2, 25)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM instances").fetchone()[0] == 25
    other_seed = select_samples(task, seed=3, limit=10, instances=path)
    assert other_seed == generated(task, 3, 10) and other_seed != longer[:10]


def test_a_generator_that_changed_is_caught_by_the_spot_checks_and_the_scope_rebuilt(tmp_path):
    path = tmp_path / "instances.sqlite"
    store = InstanceCache(path)
    old = store.samples("scope", 20, lambda i: {"id": f"x/{i}", "value": i})
    assert [s["value"] for s in old] == list(range(20))
    new = store.samples("scope", 20, lambda i: {"id": f"x/{i}", "value": i * 2})  # same scope, different generator
    assert [s["value"] for s in new] == [i * 2 for i in range(20)]
    assert [s["value"] for s in store.samples("scope", 20, lambda i: {"id": f"x/{i}", "value": i * 2})] == [i * 2 for i in range(20)]


def test_values_that_do_not_read_back_exactly_are_never_stored(tmp_path):
    assert round_trips({"nums": (1, 2)}) is None  # a tuple would come back a list
    assert round_trips({"k": {1: "a"}}) is None  # an int key would come back a string
    assert round_trips({"s": "\ud800 lone surrogate", "f": 0.1}) is not None
    assert not same_value({"a": 1, "b": 2}, {"b": 2, "a": 1})  # key order is the line's order
    assert not same_value([1], [True]) and not same_value(1.0, 1)
    store = InstanceCache(tmp_path / "i.sqlite")
    samples = store.samples("s", 3, lambda i: {"id": str(i), "nums": (i, i + 1)})
    assert samples[0]["nums"] == (0, 1)
    assert store.samples("s", 3, lambda i: {"id": str(i), "nums": (i, i + 1)})[2]["nums"] == (2, 3)  # generated again
    with sqlite3.connect(tmp_path / "i.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM instances").fetchone()[0] == 0


def test_a_damaged_or_unwritable_store_falls_back_to_generating(tmp_path, small_minimum):
    task = get_task("countdown")
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"this is not a sqlite file" * 100)
    assert select_samples(task, seed=4, limit=12, instances=damaged) == generated(task, 4, 12)
    blocked = tmp_path / "file"
    blocked.write_text("x")
    assert select_samples(task, seed=4, limit=12, instances=blocked / "sub" / "i.sqlite") == generated(task, 4, 12)
    path = tmp_path / "rows.sqlite"
    select_samples(task, seed=4, limit=12, instances=path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE instances SET value = '{broken' WHERE idx = 5")
    assert select_samples(task, seed=4, limit=12, instances=path) == generated(task, 4, 12)


def test_a_run_uses_the_store_beside_its_response_cache_and_plans_the_same_requests(tmp_path, small_minimum):
    from harness.pipeline.plan import RunSpec, instance_cache_path, plan_tasks

    spec = RunSpec(tasks=["countdown"], limit=15, seed=9, results_dir=str(tmp_path), progress=False,
                   cache_path=str(tmp_path / "c.sqlite"))
    assert instance_cache_path(spec) == tmp_path / "c.instances.sqlite"
    [first], _ = plan_tasks(spec)
    assert (tmp_path / "c.instances.sqlite").is_file()
    [second], _ = plan_tasks(spec)
    assert [r.to_json() for r in first.requests] == [r.to_json() for r in second.requests]
    assert first.samples == second.samples == generated(get_task("countdown"), 9, 15)
    default = RunSpec(tasks=["countdown"], results_dir=str(tmp_path / "res"))
    assert instance_cache_path(default) == tmp_path / "res" / ".cache" / "responses.instances.sqlite"
