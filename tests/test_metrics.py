"""Confidence intervals and sampling metrics against hand-computed values."""

import math

import pytest

from harness.core.metric_spec import Metric
from harness.core.types import ScoredSample, Verdict
from harness.report.metrics import item_kind, mean_with_ci, pass_at_k, sampling_metrics, summarize, wilson_interval


def test_pass_at_k_hand_values():
    assert pass_at_k(5, 0, 1) == 0.0
    assert pass_at_k(5, 5, 3) == 1.0
    assert pass_at_k(4, 1, 1) == pytest.approx(0.25)
    assert pass_at_k(4, 1, 2) == pytest.approx(1 - math.comb(3, 2) / math.comb(4, 2))  # 0.5
    assert pass_at_k(10, 3, 5) == pytest.approx(1 - math.comb(7, 5) / math.comb(10, 5))
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)


def test_wilson_interval_known_value():
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    assert wilson_interval(0, 4)[0] == 0.0


def test_the_interval_follows_the_declared_kind_never_the_values():
    value = mean_with_ci([1.0, 2.0, 3.0, 4.0], "unbounded")
    assert value.value == 2.5 and value.ci_method == "t"
    assert value.ci_high - value.value == pytest.approx(3.182446 * math.sqrt(1.6666667 / 4), rel=1e-4)
    bounded = mean_with_ci([1.0, 2.0, 3.0, 4.0], "bounded")  # no range given: bootstrap-t inside the data's range
    assert bounded.ci_method == "bootstrap-t" and 1.0 <= bounded.ci_low < 2.5 < bounded.ci_high <= 4.0
    ranged = mean_with_ci([1.0, 2.0, 3.0, 4.0], "bounded", low=0.0, high=10.0)  # a finite range: pseudo-counts
    assert ranged.ci_method == "pseudo-count" and 0.0 <= ranged.ci_low < 2.5 < ranged.ci_high <= 10.0
    # a bounded share that happens to be 0/1 in this run keeps its bounded method (it used to switch to Wilson)
    assert mean_with_ci([0.0, 1.0, 1.0, 0.0], "bounded", low=0.0, high=1.0).ci_method == "pseudo-count"
    assert mean_with_ci([0.0, 1.0, 1.0, 0.0], "binary").ci_method == "wilson"
    assert mean_with_ci([0.3, 0.9], "statistic").ci_low is None
    with pytest.raises(ValueError, match="binary"):
        mean_with_ci([0.5, 1.0], "binary")


def test_a_binary_metric_over_several_completions_is_a_share_per_item():
    accuracy = Metric("accuracy", "binary", "right")
    assert item_kind(accuracy, [1, 1, 1]) == "binary"
    assert item_kind(accuracy, [4, 4]) == "bounded"  # decided by the design (4 samples), not the values
    records = [record([1, 1, 1, 1], "aaaa"), record([0, 0, 0, 0], "bbbb")]
    assert summarize(records, lambda name: accuracy)["accuracy"].ci_method == "pseudo-count"


def record(corrects, answers):
    verdicts = [Verdict(a, {"accuracy": float(c)}) for c, a in zip(corrects, answers)]
    return ScoredSample(sample={"id": "s"}, verdicts=verdicts, scores={"accuracy": sum(corrects) / len(corrects)})


def test_sampling_metrics_pass_best_and_majority():
    records = [record([1, 0, 0, 0], ["a", "b", "b", "c"]), record([0, 0, 0, 0], ["x", "x", None, "y"])]
    out = sampling_metrics(records, "accuracy")
    assert out["pass@1"].value == pytest.approx(0.125)
    assert out["pass@4"].value == pytest.approx(0.5)
    assert out["best_of_4"].value == pytest.approx(0.5)
    assert out["maj@4"].value == 0.0  # majority answer 'b' is wrong; 'x' is wrong
    assert out["maj@4"].ci_method == "pseudo-count" and out["pass@4"].ci_method == "pseudo-count"


def test_sampling_metrics_need_equal_n():
    assert sampling_metrics([record([1], ["a"])], "accuracy") == {}
