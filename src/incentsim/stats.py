"""Small statistics shared by tables and tests: means with t-intervals over seeds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float
    n: int

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
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / np.sqrt(n))
    return Interval(m, m - half, m + half, n)


def paired_diff_ci(a, b, level: float = 0.95) -> Interval:
    """Mean of ``a - b`` over paired replications (same seeds) with a t-interval."""
    return mean_ci(np.asarray(a, float) - np.asarray(b, float), level)
