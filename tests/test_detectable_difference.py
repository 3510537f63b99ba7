"""The smallest difference a paired comparison can detect, checked against a published worked example and
against the exact power of the McNemar test the comparisons report, computed here by enumeration (no
scipy: it is optional in the suite)."""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from lorabench.reports.statistics import mcnemar_exact, mcnemar_pairs_needed, minimum_detectable_difference


def test_pairs_needed_matches_the_published_worked_example() -> None:
    """Connor (1987), Biometrics 43:207-211, p. 209, as worked in Chow, Shao & Wang, Sample Size
    Calculations in Clinical Research (and the powerandsamplesize.com McNemar calculators that cite them):
    p01 = 0.45, p10 = 0.05, i.e. discordance 0.5 and difference 0.4, need 23 pairs two-sided at alpha 0.05
    with 80% power, and 23 pairs one-sided at alpha 0.05 with 90% power."""
    assert math.ceil(mcnemar_pairs_needed(0.5, 0.4)) == 23
    assert math.ceil(mcnemar_pairs_needed(0.5, -0.4)) == 23, "the sign of the difference does not matter"
    assert math.ceil(mcnemar_pairs_needed(0.5, 0.4, alpha=0.10, power=0.9)) == 23


def test_detectable_difference_inverts_the_sample_size() -> None:
    # The published example read backwards: 23 pairs at discordance 0.5 detect 0.4, 22 do not quite.
    assert minimum_detectable_difference(23, 0.5) < 0.4 < minimum_detectable_difference(22, 0.5)
    for cases, discordant in [(20, 0.3), (35, 0.2), (50, 0.4), (100, 0.2), (400, 0.1)]:
        difference = minimum_detectable_difference(cases, discordant)
        assert mcnemar_pairs_needed(max(discordant, difference), difference) == pytest.approx(cases)


def test_small_discordance_is_not_a_small_detectable_difference() -> None:
    """Identical outputs (no flip) do not mean 20 cases could see a 1-point change: the difference is
    then searched with every flip one way, the most favourable case."""
    assert minimum_detectable_difference(20, 0.0) == minimum_detectable_difference(20, 0.05)
    assert 0.3 < minimum_detectable_difference(20, 0.0) < 0.4
    assert minimum_detectable_difference(100, 0.0) < minimum_detectable_difference(100, 0.3)


def test_fewer_cases_than_the_exact_test_needs_detect_nothing() -> None:
    """The exact McNemar p of k flips all one way is 2 * 0.5**k: below 0.05 only from 6 flips."""
    assert mcnemar_exact(5, 0) > 0.05 > mcnemar_exact(6, 0)
    assert minimum_detectable_difference(5, 1.0) is None and minimum_detectable_difference(0, 0.0) is None
    assert minimum_detectable_difference(6, 0.0) == 1.0, "6 cases: only all 6 flipping one way is detectable"
    assert minimum_detectable_difference(10, 0.0) >= 0.6


def test_a_stricter_level_needs_more_flips_all_one_way() -> None:
    """At alpha 0.01 the exact p of k flips all one way, 2 * 0.5**k, is first below it at 8 flips (0.0078;
    7 give 0.0156): 7 cases detect nothing, 8 only all 8 flipping."""
    assert mcnemar_exact(7, 0) > 0.01 > mcnemar_exact(8, 0)
    assert minimum_detectable_difference(7, 1.0, alpha=0.01) is None
    assert minimum_detectable_difference(8, 1.0, alpha=0.01) == 1.0


def test_too_few_cases_for_the_normal_approximation_detect_nothing() -> None:
    """At alpha 1e-6 the exact test needs 21 flips all one way, but even a difference of 1 needs
    z_alpha**2 = 23.9 cases by Connor's formula: 21 cases detect nothing, not a difference of 1."""
    assert minimum_detectable_difference(21, 0.5, alpha=1e-6) is None
    assert 0.7 < minimum_detectable_difference(40, 0.5, alpha=1e-6) < 0.72


def test_pairs_needed_takes_every_discordance_up_to_all_and_refuses_the_rest() -> None:
    assert mcnemar_pairs_needed(1.0, 1.0) == pytest.approx((NormalDist().inv_cdf(0.975) / 1.0) ** 2)
    for discordant, difference in [(0.5, 0.0), (1.5, 0.5), (0.2, 0.3)]:
        with pytest.raises(ValueError) as refused:
            mcnemar_pairs_needed(discordant, difference)
        assert str(refused.value) == (f"need 0 < |difference| <= discordant <= 1, not {difference} and {discordant}")


def _exact_mcnemar_power(cases: int, discordant: float, difference: float, alpha: float = 0.05) -> float:
    """Power of the exact conditional McNemar test: the number of flips is binomial(cases, discordant),
    and given k flips the ones in favour of the better model are binomial(k, (discordant + difference) / 2 /
    discordant)."""
    favour = (discordant + difference) / (2 * discordant)
    power = 0.0
    for flips in range(cases + 1):
        weight = math.comb(cases, flips) * discordant**flips * (1 - discordant) ** (cases - flips)
        rejected = sum(
            math.comb(flips, k) * favour**k * (1 - favour) ** (flips - k)
            for k in range(flips + 1)
            if mcnemar_exact(k, flips - k) <= alpha
        )
        power += weight * rejected
    return power


@pytest.mark.parametrize(("cases", "discordant"), [(50, 0.4), (100, 0.2), (200, 0.3)])
def test_the_exact_test_has_about_80_percent_power_at_the_detectable_difference(cases, discordant) -> None:
    """The normal approximation against the exact (slightly conservative) test the comparisons run."""
    difference = minimum_detectable_difference(cases, discordant)
    assert 0.72 < _exact_mcnemar_power(cases, discordant, difference) < 0.85
    assert _exact_mcnemar_power(cases, discordant, difference / 2) < 0.4, "half of it is mostly missed"
