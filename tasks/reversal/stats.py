"""Paired significance tests for the likelihood control (correct vs randomized completion).

The confidence interval of the mean gap comes from harness.report.metrics.difference_with_ci; this module
only adds the p-values the paper's likelihood test reports. scipy is imported when a test runs.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

from harness.report.metrics import MetricValue


def paired_p_values(a: Sequence[float], b: Sequence[float]) -> dict[str, MetricValue]:
    """Two-sided p-values of H0 "mean(a - b) = 0": paired t-test and Wilcoxon signed-rank.
    Empty when fewer than two pairs; 1.0 when every difference is exactly zero."""
    if len(a) != len(b):
        raise ValueError("paired test needs equally long sequences")
    n = len(a)
    if n < 2:
        return {}
    diffs = [x - y for x, y in zip(a, b)]
    if all(d == 0.0 for d in diffs):
        return {"gap_t_p_value": MetricValue(1.0, None, None, n), "gap_wilcoxon_p_value": MetricValue(1.0, None, None, n)}
    from scipy.stats import ttest_rel, wilcoxon

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_p = float(ttest_rel(a, b).pvalue)
        try:
            w_p = float(wilcoxon(diffs).pvalue)
        except ValueError:
            w_p = math.nan
    return {"gap_t_p_value": MetricValue(t_p, None, None, n), "gap_wilcoxon_p_value": MetricValue(w_p, None, None, n)}
