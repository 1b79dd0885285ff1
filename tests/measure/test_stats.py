"""Summaries and Welch deltas against values worked out by hand."""

from __future__ import annotations

import math

import pytest
from scipy import stats as sps

from chimera.measure.stats import ratio_summary, summarize, welch_delta


def test_summary_matches_hand_computed_values() -> None:
    # mean 14; squared deviations 16+4+0+4+16 = 40 -> variance 10 (n-1 = 4).
    s = summarize([10.0, 12.0, 14.0, 16.0, 18.0])
    half = 2.7764451051977987 * math.sqrt(10) / math.sqrt(5)  # t(0.975, 4)

    assert (s.n, s.n_missing, s.min, s.max) == (5, 0, 10.0, 18.0)
    assert s.mean == pytest.approx(14.0)
    assert s.sd == pytest.approx(math.sqrt(10))
    assert s.ci95_low == pytest.approx(14.0 - half)
    assert s.ci95_high == pytest.approx(14.0 + half)
    # Linear interpolation between order statistics: rank 0.95 * 4 = 3.8.
    assert s.p50 == pytest.approx(14.0)
    assert s.p95 == pytest.approx(16.0 + 0.8 * 2.0)
    assert s.p99 == pytest.approx(16.0 + 0.96 * 2.0)
    assert s.cv == pytest.approx(math.sqrt(10) / 14.0)


def test_unmeasured_values_are_counted_not_averaged() -> None:
    s = summarize([None, 4.0, None, 6.0])

    assert (s.n, s.n_missing, s.mean) == (2, 2, 5.0)


def test_single_value_has_a_mean_but_no_spread() -> None:
    s = summarize([7.0])

    assert (s.n, s.mean, s.p99) == (1, 7.0, 7.0)
    assert s.sd is None and s.ci95_low is None and s.cv is None


def test_nothing_measured_gives_no_statistics() -> None:
    s = summarize([None, None])

    assert (s.n, s.n_missing, s.mean, s.p50) == (0, 2, None, None)


def test_welch_delta_matches_hand_computed_values() -> None:
    a, b = [1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 5.0, 9.0]
    # Variances 5/3 and 115/12; Welch-Satterthwaite degrees of freedom.
    va, vb = (5 / 3) / 4, (115 / 12) / 4
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / 3 + vb**2 / 3)
    half = sps.t.ppf(0.975, df) * se

    d = welch_delta(a, b)

    assert (d.mean_a, d.mean_b, d.delta) == (2.5, 4.75, 2.25)
    assert d.delta_pct == pytest.approx(90.0)
    assert d.df == pytest.approx(df)
    assert d.ci95_low == pytest.approx(2.25 - half)
    assert d.ci95_high == pytest.approx(2.25 + half)
    assert d.p_value == pytest.approx(2 * sps.t.sf(2.25 / se, df))
    assert not d.significant()


def test_welch_delta_needs_two_values_each_side() -> None:
    d = welch_delta([1.0], [2.0, 3.0])

    assert d.delta == 1.5
    assert d.p_value is None and d.ci95_low is None


def test_constant_samples_give_a_delta_without_a_test() -> None:
    d = welch_delta([5.0, 5.0], [5.0, 5.0, None])

    assert (d.delta, d.p_value, d.n_b) == (0.0, None, 2)


def test_ratio_summary_skips_missing_and_zero_denominators() -> None:
    s = ratio_summary([10.0, 9.0, 8.0, None], [5.0, 3.0, 0.0, 2.0])

    assert (s.n, s.n_missing) == (2, 2)
    assert s.mean == pytest.approx((2.0 + 3.0) / 2)
