"""Means with t-intervals over seeds: the one interval helper of the project.

Tables (``compare``, reports), figures (:func:`incentsim.analysis.plots.intervals`) and the
validation suite (:mod:`incentsim.analysis.validation.econometrics`) all take their intervals from
:func:`mean_ci` and :func:`paired_diff_ci`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Interval:
    """A mean with its t-interval; ``se``, the t statistic and the two-sided p-value
    test mean = 0 (an exact mean: ``t`` infinite, ``p`` 0 unless the mean is 0)."""

    mean: float
    low: float
    high: float
    n: int
    se: float = float("nan")
    t: float = float("nan")
    p: float = float("nan")

    def excludes_zero(self) -> bool:
        return self.low > 0.0 or self.high < 0.0

    def __str__(self) -> str:
        return f"{self.mean:.4g} [{self.low:.4g}, {self.high:.4g}]"


def mean_ci(x, level: float = 0.95) -> Interval:
    """Mean of independent replications (e.g. one value per seed) with a t-interval."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return Interval(np.nan, np.nan, np.nan, 0)
    m = float(x.mean())
    if n < 2:
        return Interval(m, np.nan, np.nan, n)
    se = float(x.std(ddof=1)) / np.sqrt(n)
    q = stats.t.ppf(0.5 + level / 2, n - 1)
    if se > 0:
        t = m / se
        p = float(2 * stats.t.sf(abs(t), n - 1))
    else:
        t, p = (float("inf") if m != 0 else float("nan")), (0.0 if m != 0 else 1.0)
    return Interval(m, float(m - q * se), float(m + q * se), n, se=float(se), t=float(t), p=p)


def paired_diff_ci(a, b, level: float = 0.95) -> Interval:
    """Mean of ``a - b`` over paired replications (same seeds) with a t-interval."""
    return mean_ci(np.asarray(a, float) - np.asarray(b, float), level)
