"""The statistics behind reports and comparisons: checked against published values and hand-computed binomial
sums (no optional dependency), and, where scipy is installed, against its independent implementations."""

from __future__ import annotations

import math
from typing import Any

import pytest

from lorabench.reports.statistics import mcnemar_exact, mean_with_ci, paired_bootstrap, wilson_interval


def binomtest(successes: int, trials: int, p: float = 0.5) -> Any:
    """scipy's binomial test, for the cross-checks only: the published values below need no scipy."""
    return pytest.importorskip("scipy.stats").binomtest(successes, trials, p)


@pytest.mark.parametrize(("passed", "total"), [(8, 35), (0, 20), (20, 20), (13, 100), (1, 1), (49, 50)])
def test_wilson_interval_matches_scipy(passed: int, total: int) -> None:
    reference = binomtest(passed, total).proportion_ci(confidence_level=0.95, method="wilson")
    low, high = wilson_interval(passed, total)
    assert low == pytest.approx(reference.low, abs=1e-9) and high == pytest.approx(reference.high, abs=1e-9)
    assert 0 <= low <= passed / total <= high <= 1


def test_wilson_interval_of_nothing_is_none() -> None:
    assert wilson_interval(0, 0) is None


@pytest.mark.parametrize(("only_first", "only_second"), [(0, 0), (1, 0), (5, 1), (2, 9), (10, 10), (0, 12), (30, 14)])
def test_exact_mcnemar_matches_a_binomial_test_on_discordant_pairs(only_first: int, only_second: int) -> None:
    discordant = only_first + only_second
    expected = binomtest(only_first, discordant, 0.5).pvalue if discordant else 1.0
    assert mcnemar_exact(only_first, only_second) == pytest.approx(expected, rel=1e-12)


def test_mcnemar_by_hand() -> None:
    # 6 discordant cases split 6-0: p = 2 * (1/2)^6 = 1/32
    assert mcnemar_exact(6, 0) == pytest.approx(1 / 32)
    assert mcnemar_exact(3, 3) == 1.0


def test_paired_bootstrap() -> None:
    same = [3.0, 4.0, 2.0, 5.0]
    assert paired_bootstrap(same, same) == (0.0, 0.0, 0.0, 1.0)
    base = [2.0, 3.0, 2.0, 1.0, 3.0, 2.0, 2.0, 3.0, 1.0, 2.0] * 3
    better = [score + 1.0 for score in base]
    mean, low, high, p = paired_bootstrap(base, better)
    assert (mean, low, high) == (1.0, 1.0, 1.0) and p < 0.01
    mixed = [b + (1.0 if i % 2 else -1.0) for i, b in enumerate(base)]
    mean, low, high, p = paired_bootstrap(base, mixed)
    assert low < 0 < high and p > 0.5
    with pytest.raises(ValueError, match="differ in length"):
        paired_bootstrap([1.0], [1.0, 2.0])


def test_mean_with_ci_brackets_the_mean() -> None:
    mean, low, high = mean_with_ci([1.0, 2.0, 3.0, 4.0, 5.0] * 4)
    assert mean == 3.0 and low < 3.0 < high and high - low < 2
    assert mean_with_ci([4.0]) == (4.0, 4.0, 4.0) and mean_with_ci([]) is None


# Newcombe RG (1998), "Two-sided confidence intervals for the single proportion: comparison of seven methods",
# Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score interval without continuity correction).
@pytest.mark.parametrize(
    ("passed", "total", "low", "high"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_interval_matches_newcombe_1998(passed: int, total: int, low: float, high: float) -> None:
    assert wilson_interval(passed, total) == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_level_is_respected() -> None:
    """A 90% interval is narrower than the 95% one (z = 1.645 instead of 1.960); the default is 95%."""
    assert wilson_interval(81, 263) == wilson_interval(81, 263, level=0.95)
    low90, high90 = wilson_interval(81, 263, level=0.90)
    assert 0.2553 < low90 and high90 < 0.3662


@pytest.mark.parametrize(
    ("only_first", "only_second", "p_value"),
    [
        # Fagerland MW, Lydersen S, Laake P (2013), "The McNemar test for binary matched-pairs data: mid-p and
        # asymptotic are better than exact conditional", BMC Medical Research Methodology 13:91: the airway
        # hyper-responsiveness example (1 and 7 discordant pairs) has exact conditional p = 0.070;
        # by hand 2 * (C(8,0) + C(8,1)) / 2^8 = 18/256.
        (1, 7, 18 / 256),
        (7, 1, 18 / 256),
        (6, 0, 2 / 2**6),  # 2 * (1/2)^6
        (2, 9, 2 * (1 + 11 + 55) / 2**11),  # 2 * (C(11,0) + C(11,1) + C(11,2)) / 2^11
        (3, 3, 1.0),  # an even split: the two tails overlap, capped at 1
        (0, 1, 1.0),  # 2 * 1/2
        (0, 0, 1.0),
    ],
)
def test_exact_mcnemar_is_two_sided_against_hand_computed_binomial_sums(
    only_first: int, only_second: int, p_value: float
) -> None:
    assert mcnemar_exact(only_first, only_second) == pytest.approx(p_value, rel=1e-12)
    assert mcnemar_exact(1, 7) == pytest.approx(0.070, abs=5e-4)  # as published, to its three decimals


def _binomial_quantile(n: int, q: float) -> int:
    """The smallest k with P(Binomial(n, 1/2) <= k) >= q, summed exactly."""
    total = 0
    for k in range(n + 1):
        total += math.comb(n, k)
        if total >= q * 2**n:
            return k
    return n


# The ideal bootstrap distribution of the mean of n values of 0 and 1, half of each, is Binomial(n, 1/2) / n
# (resampling n values with replacement counts the 1s drawn). Its percentile interval (Efron B, Tibshirani RJ
# (1993), An Introduction to the Bootstrap, Chapman & Hall, section 13.3) is therefore known exactly:
# [q(0.025), q(0.975)] / n at 95%. With n = 400 that is [0.45, 0.55]; a 90% interval, [0.46, 0.54], falls
# outside the tolerance of two counts (0.005) that the 2,000 resamples need.
HALVES = [0.0, 1.0] * 200


def test_bootstrap_interval_of_a_mean_is_the_95_percent_percentile_interval() -> None:
    n = len(HALVES)
    exact = (_binomial_quantile(n, 0.025) / n, _binomial_quantile(n, 0.975) / n)
    assert exact == (0.45, 0.55)
    mean, low, high = mean_with_ci(HALVES)
    assert mean == 0.5 and (low, high) == pytest.approx(exact, abs=0.005)
    narrower = (_binomial_quantile(n, 0.05) / n, _binomial_quantile(n, 0.95) / n)
    assert mean_with_ci(HALVES, level=0.90)[1:] == pytest.approx(narrower, abs=0.005)


def test_paired_bootstrap_is_second_minus_first_with_a_95_percent_interval() -> None:
    """The same construction for paired differences: second - first is 0 or 1, half of each, so a second model
    better by half a point gets +0.5 with the interval [0.45, 0.55] and a tiny p; swapped, the sign flips."""
    mean, low, high, p = paired_bootstrap([0.0] * len(HALVES), HALVES)
    assert mean == 0.5 and (low, high) == pytest.approx((0.45, 0.55), abs=0.005) and p < 0.001
    mean, low, high, _ = paired_bootstrap(HALVES, [0.0] * len(HALVES))
    assert mean == -0.5 and (low, high) == pytest.approx((-0.55, -0.45), abs=0.005)


def test_paired_bootstrap_p_value_is_twice_the_resampled_tail_beyond_zero() -> None:
    """Differences of +1 (11 cases) and -1 (9 cases): a resampled mean is <= 0 exactly when at most 10 of 20
    draws are +1, so the ideal two-sided bootstrap p-value is 2 * P(Binomial(20, 0.55) <= 10) = 0.817 (a
    resample whose mean is exactly 0 counts against the difference). Swapped, the same p with the sign flipped."""
    plus_minus = [1.0] * 11 + [-1.0] * 9
    ideal = 2 * sum(math.comb(20, k) * 0.55**k * 0.45 ** (20 - k) for k in range(11))
    assert ideal == pytest.approx(0.8173, abs=1e-4)
    mean, _, _, p = paired_bootstrap([0.0] * 20, plus_minus)
    assert mean == pytest.approx(0.1) and p == pytest.approx(ideal, abs=0.05)
    mean, _, _, p = paired_bootstrap(plus_minus, [0.0] * 20)
    assert mean == pytest.approx(-0.1) and p == pytest.approx(ideal, abs=0.05)
    balanced = [1.0] * 10 + [-1.0] * 10  # no difference on average, though every case differs
    assert paired_bootstrap([0.0] * 20, balanced)[0] == 0.0 and paired_bootstrap([0.0] * 20, balanced)[3] == 1.0


def test_bootstrap_results_are_reproducible() -> None:
    """A fixed seed: the same reports give the same intervals and p-values on every run."""
    first = [1.3, 2.7, 4.1, 5.9, 3.3, 2.2, 4.8, 1.1, 3.9, 2.5, 4.4, 1.7]
    second = [2.9, 3.1, 4.6, 4.2, 5.3, 1.4, 3.8, 2.6, 4.7, 3.5, 1.9, 4.05]  # many distinct resampled means
    assert paired_bootstrap(first, second) == paired_bootstrap(first, second)
    assert mean_with_ci(second) == mean_with_ci(second)


def test_wilson_interval_is_exactly_0_or_1_at_the_ends() -> None:
    """0/n has a lower bound of exactly 0 and n/n an upper bound of exactly 1, not a rounding error away."""
    assert wilson_interval(0, 20)[0] == 0.0 and wilson_interval(20, 20)[1] == 1.0 and wilson_interval(7, 7)[1] == 1.0
