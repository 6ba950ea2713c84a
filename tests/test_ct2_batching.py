"""How the CTranslate2 engine groups prompts into batches and picks a thread count (no model)."""

from harness.backends import cpu_generation
from harness.backends.ct2 import length_batches


def test_batches_hold_similar_lengths_shortest_first_and_every_prompt_once():
    lengths = [100, 3000, 102, 110, 2990, 150, 101]
    batches = length_batches(lengths, size=3, max_spread=48)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    assert batches == [[0, 6, 2], [3, 5], [4, 1]]
    for batch in batches:
        assert len(batch) <= 3 and max(lengths[i] for i in batch) - min(lengths[i] for i in batch) <= 48


def test_one_prompt_per_batch_when_every_length_differs_widely():
    assert length_batches([10, 500, 90], size=8, max_spread=8) == [[0], [2], [1]]


def test_threads_follow_the_free_cores(monkeypatch):
    monkeypatch.setattr(cpu_generation.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(cpu_generation, "busy_cores", lambda: 0.2)
    assert cpu_generation.free_cores() == 2
    monkeypatch.setattr(cpu_generation, "busy_cores", lambda: 5.0)
    assert cpu_generation.free_cores() == 1


def test_busy_cores_reads_a_sane_figure():
    assert 0.0 <= cpu_generation.busy_cores(0.05) <= (cpu_generation.os.cpu_count() or 1) + 0.01
