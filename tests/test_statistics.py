"""The statistics behind reports and comparisons, checked against scipy's independent implementations."""

from __future__ import annotations

import pytest
from scipy.stats import binomtest

from fixtures.statistics import mcnemar_exact, mean_with_ci, paired_bootstrap, wilson_interval


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
