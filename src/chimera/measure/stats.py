"""Statistics over repeated runs: one summary per metric, and the delta between two.

A single mean hides how much runs disagree, and two means that differ by less than
their noise say nothing. Every figure Chimera reports over repeated runs therefore
comes with its spread (sd, percentiles, coefficient of variation) and a 95 %
confidence interval from the t-distribution; a comparison of two configurations
comes with the delta's interval and a Welch test, which does not assume the two
configurations are equally noisy.

Values that could not be measured arrive as ``None``. They are counted, never
averaged in as 0.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Summary:
    """Spread and centre of one metric over repeated runs.

    ``n`` counts measured values; ``n_missing`` the runs whose value was ``None``
    (not reported or not measurable). Every statistic is ``None`` when it cannot
    be computed from ``n`` values (the mean needs one, sd and the CI need two).
    """

    n: int
    n_missing: int
    mean: float | None
    sd: float | None
    min: float | None
    max: float | None
    p50: float | None
    p95: float | None
    p99: float | None
    ci95_low: float | None
    ci95_high: float | None
    cv: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(
    values: Iterable[float | None], confidence: float = CONFIDENCE
) -> Summary:
    """Summarise measured values, leaving ``None`` out and counting it.

    >>> s = summarize([2.0, 4.0, None, 6.0])
    >>> (s.n, s.n_missing, s.mean, s.sd, s.p50)
    (3, 1, 4.0, 2.0, 4.0)
    >>> round(s.ci95_low, 3), round(s.ci95_high, 3)
    (-0.968, 8.968)
    """
    given = list(values)
    measured = [float(v) for v in given if v is not None]
    n_missing = len(given) - len(measured)
    if not measured:
        return Summary(0, n_missing, *([None] * 10))

    data = np.asarray(measured, dtype=float)
    mean = float(data.mean())
    p50, p95, p99 = (float(p) for p in np.percentile(data, [50, 95, 99]))
    sd = float(data.std(ddof=1)) if len(data) > 1 else None
    low, high = _mean_interval(mean, sd, len(data), confidence)
    cv = sd / abs(mean) if sd is not None and mean != 0 else None
    return Summary(
        n=len(data),
        n_missing=n_missing,
        mean=mean,
        sd=sd,
        min=float(data.min()),
        max=float(data.max()),
        p50=p50,
        p95=p95,
        p99=p99,
        ci95_low=low,
        ci95_high=high,
        cv=cv,
    )


def _mean_interval(
    mean: float, sd: float | None, n: int, confidence: float
) -> tuple[float | None, float | None]:
    """Two-sided t interval for a mean; none from a single value."""
    if sd is None:
        return None, None
    half = float(sps.t.ppf((1 + confidence) / 2, n - 1)) * sd / math.sqrt(n)
    return mean - half, mean + half


@dataclass(frozen=True)
class Delta:
    """How B differs from A on one metric: ``delta = mean_b - mean_a``.

    ``delta_pct`` is relative to A. The interval and ``p_value`` come from Welch's
    t-test; both are ``None`` when either side has fewer than two values, or when
    both sides are constant (no noise to test against).
    """

    n_a: int
    n_b: int
    mean_a: float | None
    mean_b: float | None
    delta: float | None
    delta_pct: float | None
    ci95_low: float | None
    ci95_high: float | None
    p_value: float | None
    df: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def significant(self, alpha: float = 1 - CONFIDENCE) -> bool:
        """True when Welch's test rejects "no difference" at ``alpha``."""
        return self.p_value is not None and self.p_value < alpha


def welch_delta(
    a: Sequence[float | None],
    b: Sequence[float | None],
    confidence: float = CONFIDENCE,
) -> Delta:
    """Delta of the means of B over A with its interval and Welch p-value.

    >>> d = welch_delta([9.0, 10.0, 11.0], [12.0, 13.0, 14.0])
    >>> d.delta, d.delta_pct, round(d.p_value, 4)
    (3.0, 30.0, 0.0213)
    """
    xs = [float(v) for v in a if v is not None]
    ys = [float(v) for v in b if v is not None]
    mean_a = float(np.mean(xs)) if xs else None
    mean_b = float(np.mean(ys)) if ys else None
    if mean_a is None or mean_b is None:
        return Delta(len(xs), len(ys), mean_a, mean_b, *([None] * 6))

    delta = mean_b - mean_a
    delta_pct = 100.0 * delta / abs(mean_a) if mean_a != 0 else None
    low = high = p_value = df = None
    if len(xs) > 1 and len(ys) > 1 and (np.std(xs) > 0 or np.std(ys) > 0):
        with warnings.catch_warnings():
            # One constant side (e.g. identical token counts) is legitimate data;
            # scipy warns about its moments but the test is still well defined.
            warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
            result = sps.ttest_ind(ys, xs, equal_var=False)
        interval = result.confidence_interval(confidence_level=confidence)
        low, high = float(interval.low), float(interval.high)
        p_value, df = float(result.pvalue), float(result.df)
    return Delta(
        n_a=len(xs),
        n_b=len(ys),
        mean_a=mean_a,
        mean_b=mean_b,
        delta=delta,
        delta_pct=delta_pct,
        ci95_low=low,
        ci95_high=high,
        p_value=p_value,
        df=df,
    )


def ratio_summary(
    numerators: Sequence[float | None], denominators: Sequence[float | None]
) -> Summary:
    """Summary of per-pair ratios (e.g. sequential / concurrent wall time).

    A pair with a missing or zero denominator is counted as missing.
    """
    ratios: list[float | None] = []
    for top, bottom in zip(numerators, denominators, strict=True):
        if top is None or bottom is None or bottom == 0:
            ratios.append(None)
        else:
            ratios.append(top / bottom)
    return summarize(ratios)
