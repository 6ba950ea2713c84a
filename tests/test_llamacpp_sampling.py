"""The default engine's sampler (harness/backends/llamacpp_batch.py: sample), without a model."""

import numpy as np

from harness.backends.llamacpp_batch import sample


def draws(logits, temperature, top_p, count=2000, seed=0):
    rng = np.random.default_rng(seed)
    return [sample(np.asarray(logits, dtype=np.float32), temperature, top_p, rng) for _ in range(count)]


def test_top_p_keeps_only_the_smallest_head_that_reaches_it():
    logits = np.log([0.5, 0.3, 0.15, 0.05])
    assert set(draws(logits, 1.0, 0.5)) == {0}
    assert set(draws(logits, 1.0, 0.8)) == {0, 1}
    assert set(draws(logits, 1.0, 1.0)) == {0, 1, 2, 3}


def test_frequencies_follow_softmax_of_logits_over_temperature():
    logits = np.log([0.6, 0.3, 0.1])
    counts = np.bincount(draws(logits, 1.0, 1.0, count=6000), minlength=3) / 6000
    assert np.allclose(counts, [0.6, 0.3, 0.1], atol=0.03)
    cold = np.bincount(draws(logits, 0.25, 1.0, count=2000), minlength=3) / 2000
    assert cold[0] > 0.9  # a low temperature sharpens towards the argmax


def test_same_seed_same_draws_and_hostile_logits_still_give_a_token():
    logits = np.array([1e30, -1e30, 0.0, 3.0], dtype=np.float32)
    assert draws(logits, 0.7, 0.9, count=50, seed=3) == draws(logits, 0.7, 0.9, count=50, seed=3)
    assert set(draws(logits, 1.0, 1.0, count=50)) == {0}
