"""Sampling metrics the search study relies on: the unbiased pass@k estimator against values
computed by hand, and best-of-n / maj@n on hand-made records."""

from __future__ import annotations

from math import comb

import pytest

from harness.core.types import ScoredSample, Verdict
from harness.report.metrics import pass_at_k, sampling_metrics


@pytest.mark.parametrize(
    "n,c,k,expected",
    [
        (5, 2, 1, 2 / 5),  # pass@1 = c / n
        (5, 2, 2, 1 - 3 / 10),  # 1 - C(3,2)/C(5,2)
        (10, 3, 5, 1 - 21 / 252),  # 1 - C(7,5)/C(10,5)
        (4, 0, 2, 0.0),
        (4, 4, 1, 1.0),
        (4, 3, 2, 1.0),  # n - c < k: every k-subset holds a correct one
        (20, 1, 10, 0.5),  # 1 - C(19,10)/C(20,10) = 10/20
    ],
)
def test_pass_at_k_hand_computed(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_pass_at_k_matches_the_combinatorial_formula_everywhere():
    for n in range(1, 13):
        for c in range(n + 1):
            for k in range(1, n + 1):
                exact = 1 - comb(n - c, k) / comb(n, k)
                assert pass_at_k(n, c, k) == pytest.approx(exact, abs=1e-12)


def test_pass_at_k_needs_enough_samples():
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)


def _record(answers_correct):
    verdicts = [Verdict(answer=a, scores={"solved": float(ok)}) for a, ok in answers_correct]
    return ScoredSample(sample={"id": "x"}, verdicts=verdicts, scores={"solved": sum(ok for _, ok in answers_correct) / len(verdicts)})


def test_best_of_n_and_majority_vote_on_hand_made_records():
    records = [
        _record([("a", 1), ("b", 0), ("b", 0), (None, 0)]),  # any verifies; majority is the wrong "b"
        _record([("c", 1), ("c", 1), ("d", 0), ("e", 0)]),  # majority "c" is right
        _record([(None, 0), (None, 0), (None, 0), (None, 0)]),  # nothing parsed
    ]
    metrics = sampling_metrics(records, "solved")
    assert metrics["best_of_4"].value == pytest.approx(2 / 3)
    assert metrics["maj@4"].value == pytest.approx(1 / 3)
    assert metrics["pass@1"].value == pytest.approx((1 / 4 + 2 / 4 + 0) / 3)
    assert metrics["pass@2"].value == pytest.approx((pass_at_k(4, 1, 2) + pass_at_k(4, 2, 2)) / 3)
    assert metrics["pass@4"].value == pytest.approx(2 / 3)
    assert all(m.ci_low is not None and m.ci_high is not None for m in metrics.values())
