"""How the CTranslate2 engine groups prompts into batches, how the CPU engines pick a thread count and
the weights format (no model)."""

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


def test_threads_are_all_cores_unless_the_box_is_clearly_saturated(monkeypatch):
    monkeypatch.setattr(cpu_generation.os, "cpu_count", lambda: 2)
    for busy, load, threads in ((0.2, 0.5, 2), (1.6, 2.1, 2), (2.0, 3.5, 2), (1.5, 4.5, 2), (1.9, 4.5, 1), (2.0, 9.0, 1)):
        monkeypatch.setattr(cpu_generation, "busy_cores", lambda busy=busy: busy)
        monkeypatch.setattr(cpu_generation.os, "getloadavg", lambda load=load: (load, load, load))
        chosen, reason = cpu_generation.choose_threads()
        assert chosen == threads, (busy, load)
        assert ("saturated" in reason) == (threads == 1) and f"{load:.1f}" in reason


def test_weights_follow_the_cpu_flags():
    assert cpu_generation.preferred_weights(frozenset({"avx2", "f16c", "avx512_bf16"}))[0] == "bf16"
    assert cpu_generation.preferred_weights(frozenset({"avx2", "f16c", "avx512f"}))[0] == "f16"
    assert cpu_generation.preferred_weights(frozenset({"sse2"}))[0] == "f32"
    assert cpu_generation.preferred_weights()[0] in ("bf16", "f16", "f32")


def test_busy_cores_reads_a_sane_figure():
    assert 0.0 <= cpu_generation.busy_cores(0.05) <= (cpu_generation.os.cpu_count() or 1) + 0.01
