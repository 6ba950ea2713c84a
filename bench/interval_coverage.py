"""Coverage of the 95% intervals, by metric kind, at n = 10, 30 and 100 items (a simulation).

For each kind of metric a family can declare (a harness Metric: kind, range, continuous), draw many
data sets from a distribution whose mean is known, compute the interval the harness reports for each
(harness.report.metrics.metric_mean / metric_difference: the method the declaration selects), and
print the share of intervals that contain the true mean, beside the percentile bootstrap used before
issue 26. Skewed cases are the point: a reward whose success is rare, a share of completions that
are rarely right, a tiny probability. The target is 0.95; each figure is a share of --reps data sets
(+- about 0.02 at the default 400).

    .venv/bin/python bench/interval_coverage.py            # about 2 min on 2 busy cores
    .venv/bin/python bench/interval_coverage.py --reps 2000

A second, exact table follows: for a binary metric with one completion per item the harness's
Wilson interval is a function of the count alone, so its coverage is a sum over the binomial
outcomes (no simulation noise), at several success rates.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from _common import REPO_ROOT  # noqa: F401 - puts the repository on sys.path

from harness.core.metric_spec import Metric, binary, bounded, fraction, unbounded
from harness.report.metrics import metric_difference, metric_mean

SIZES = (10, 30, 100)


@dataclass(frozen=True)
class Case:
    name: str
    metric: Metric  # the declaration the harness sees
    draw: Callable[[np.random.Generator, int], np.ndarray]  # n per-item values (2 x n when paired)
    truth: float
    completions: int = 1  # completions per item (a binary metric over several is a share per item)
    paired: bool = False  # a paired difference of two runs (harness compare, forward minus reverse)


ACCURACY = binary("accuracy", "right")
REWARD = fraction("reward", "1 right, 0.1 well-formed, 0 none")
PASS_AT_K = fraction("pass@4", "unbiased pass@k")
PROBABILITY = fraction("score", "P(gold)", continuous=True)
SHARE_OF_CELLS = fraction("cell_accuracy", "share of cells")
LOGPROB = bounded("logprob", "log P(target)", None, 0.0)
TOKENS = bounded("tokens", "output tokens", 0.0, None, higher_is_better=None)
GAP = unbounded("logprob_gap", "log P(correct) - log P(control)")


def _shares(m: int, a: float, b: float):
    return lambda rng, n: rng.binomial(m, rng.beta(a, b, size=n)) / m


def _reward(p_right: float, p_formatted: float):
    return lambda rng, n: rng.choice([0.0, 0.1, 1.0], size=n, p=[1 - p_right - p_formatted, p_formatted, p_right])


def _pass_at_k(m: int, k: int, a: float, b: float):
    def draw(rng, n):
        right = rng.binomial(m, rng.beta(a, b, size=n))
        return np.array([1.0 - math.comb(m - c, k) / math.comb(m, k) for c in right])

    return draw


def _paired_binary(p_a: float, p_b: float):
    return lambda rng, n: np.stack([rng.random(n) < p_b, rng.random(n) < p_a]).astype(float)


def _monte_carlo_mean(draw, n: int = 400_000) -> float:
    return float(draw(np.random.default_rng(12345), n).mean())


CASES = [
    Case("accuracy, rare (p = 0.05)", ACCURACY, lambda rng, n: (rng.random(n) < 0.05).astype(float), 0.05),
    Case("accuracy, p = 0.5", ACCURACY, lambda rng, n: (rng.random(n) < 0.5).astype(float), 0.5),
    Case("accuracy over 8 completions, rare (Beta(0.3, 5))", ACCURACY, _shares(8, 0.3, 5), 0.3 / 5.3, completions=8),
    Case("accuracy over 4 completions, mixed (Beta(0.5, 0.5))", ACCURACY, _shares(4, 0.5, 0.5), 0.5, completions=4),
    Case("reward 0/0.1/1, rare success (5%)", REWARD, _reward(0.05, 0.6), 0.05 + 0.06),
    Case("reward 0/0.1/1, success 30%", REWARD, _reward(0.3, 0.4), 0.3 + 0.04),
    Case("pass@4 of 8 completions, rare", PASS_AT_K, _pass_at_k(8, 4, 0.3, 5), math.nan, completions=2),
    Case("share of 40 cells (Beta(2, 3) per item)", SHARE_OF_CELLS, _shares(40, 2, 3), 0.4),
    Case("probability, skewed (Beta(0.3, 5)), continuous", PROBABILITY, lambda rng, n: rng.beta(0.3, 5, size=n), 0.3 / 5.3),
    Case("probability, tiny (Beta(0.5, 200)), continuous", PROBABILITY, lambda rng, n: rng.beta(0.5, 200, size=n), 0.5 / 200.5),
    Case("log-prob <= 0, skewed (-Gamma(1, 4))", LOGPROB, lambda rng, n: -rng.gamma(1.0, 4.0, size=n), -4.0),
    Case("token count >= 0, long tail (lognormal)", TOKENS, lambda rng, n: rng.lognormal(5.0, 1.0, size=n), math.exp(5.5)),
    Case("log-prob gap, skewed (Exp(1) - 1)", GAP, lambda rng, n: rng.exponential(1.0, size=n) - 1.0, 0.0),
    Case("paired difference of accuracies (0.15 vs 0.05)", ACCURACY, _paired_binary(0.05, 0.15), 0.10, paired=True),
]


def harness_interval(case: Case, values: np.ndarray) -> tuple[float | None, float | None, str | None]:
    counts = [case.completions] * values.shape[-1]
    if case.paired:
        result = metric_difference(list(values[0]), list(values[1]), case.metric, counts)
    else:
        result = metric_mean(list(values), case.metric, counts)
    return result.ci_low, result.ci_high, result.ci_method


def percentile_interval(values: np.ndarray, rng: np.random.Generator, resamples: int = 2000) -> tuple[float, float]:
    """The method used before issue 26: the percentile bootstrap of the mean."""
    n = len(values)
    means = values[rng.integers(0, n, size=(resamples, n))].mean(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    return float(low), float(high)


EXACT_RATES = (0.02, 0.05, 0.1, 0.3, 0.5)


def exact_binary_coverage(p: float, n: int) -> float:
    """P(the harness's interval for a binary metric over n items contains p), summed over the counts."""
    total = 0.0
    for k in range(n + 1):
        low, high, _ = harness_interval(CASES[0], np.array([1.0] * k + [0.0] * (n - k)))
        if low is not None and high is not None and low - 1e-12 <= p <= high + 1e-12:
            total += math.comb(n, k) * p**k * (1 - p) ** (n - k)
    return total


def print_exact_binary_table() -> None:
    print("exact coverage of the binary interval (wilson), one completion per item, by true rate p:")
    print(f"{'n':>5} " + " ".join(f"{'p=' + str(p):>8}" for p in EXACT_RATES))
    for n in SIZES:
        print(f"{n:>5} " + " ".join(f"{exact_binary_coverage(p, n):>8.3f}" for p in EXACT_RATES))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=400, help="simulated data sets per case and size (default 400)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    print(f"95% interval coverage over {args.reps} simulated data sets per cell (target 0.95; +-{1.96 * math.sqrt(0.95 * 0.05 / args.reps):.3f})")
    print(f"{'metric (declared kind)':<60} {'method':<13} " + " ".join(f"{'n=' + str(n):>17}" for n in SIZES)
          + "  " + " ".join(f"{'old n=' + str(n):>10}" for n in SIZES))
    for case in CASES:
        truth = case.truth if not math.isnan(case.truth) else _monte_carlo_mean(case.draw)
        new_cells, old_cells, method = [], [], ""
        for n in SIZES:
            hits = old_hits = 0
            width = 0.0
            for _ in range(args.reps):
                values: np.ndarray = case.draw(rng, n).astype(float)
                low, high, name = harness_interval(case, values)
                method = name or method
                if low is not None and high is not None:
                    hits += low - 1e-12 <= truth <= high + 1e-12
                    width += high - low
                flat = values[0] - values[1] if case.paired else values
                if flat.min() == flat.max():
                    old_low, old_high = float(flat.min()), float(flat.max())
                else:
                    old_low, old_high = percentile_interval(flat, rng)
                old_hits += old_low - 1e-12 <= truth <= old_high + 1e-12
            new_cells.append(f"{hits / args.reps:.3f} (w {width / args.reps:.3g})")
            old_cells.append(f"{old_hits / args.reps:.3f}")
        kind = "paired difference" if case.paired else case.metric.kind
        print(f"{case.name + ' (' + kind + ')':<60} {method:<13} " + " ".join(f"{c:>17}" for c in new_cells)
              + "  " + " ".join(f"{c:>10}" for c in old_cells))
    print(f"(w = mean interval width; old = the percentile bootstrap used before; {time.perf_counter() - started:.0f} s)")
    print()
    print_exact_binary_table()


if __name__ == "__main__":
    main()
