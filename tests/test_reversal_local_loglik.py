"""The likelihood protocols on the embedded model: batched scoring equals one-at-a-time scoring."""

from __future__ import annotations

import math

import pytest

from harness.backends import BackendOptions, make_backend
from harness.core.registry import get_task
from tasks.reversal.celebrity_data import load_celebrity_pairs
from tasks.reversal.fictitious_samples import load_fictitious

pytestmark = pytest.mark.model


def _requests(fixtures_dir):
    """Celebrity base-protocol requests (long few-shot prompts) and fictitious probes, some with two
    continuations (target and randomized control): prompts of very different lengths in one batch."""
    celebrity = get_task("reversal-celebrity-base")
    pairs = list(load_celebrity_pairs(str(fixtures_dir / "reversal/celebrity/parent_child_pairs.csv"), celebrity.config))
    fictitious = get_task("reversal-fictitious-loglik")
    probes = load_fictitious(str(fixtures_dir / "reversal/fictitious"), fictitious.config)
    return [celebrity.family.build_request(celebrity.config, s) for s in pairs[:2]] + [
        fictitious.family.build_request(fictitious.config, s) for s in probes[:5]
    ]


def _score(batch_size, requests):
    backend = make_backend("local", BackendOptions(batch_size=batch_size, device="cpu"))
    try:
        return dict(backend.loglikelihood(requests))
    finally:
        backend.close()


def test_batched_loglikelihood_matches_one_at_a_time(fixtures_dir):
    requests = _requests(fixtures_dir)
    assert sum(len(r.continuations) for r in requests) > len(requests)  # some carry the control
    batched, single = _score(8, requests), _score(1, requests)
    assert sorted(batched) == sorted(single) == list(range(len(requests)))
    for index, request in enumerate(requests):
        assert len(batched[index].results) == len(request.continuations)
        for a, b in zip(batched[index].results, single[index].results):
            assert math.isfinite(a.logprob) and a.logprob < 0
            assert abs(a.logprob - b.logprob) < 1e-4
            assert a.is_greedy == b.is_greedy and a.n_tokens == b.n_tokens
