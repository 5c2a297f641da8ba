"""Estimators used by the validation suite, written once and tested on synthetic data.

* :func:`fe_ols` — OLS with absorbed fixed effects (alternating projections, exact for
  unbalanced panels) and cluster-robust standard errors, as ``reghdfe``/``xtreg, fe vce(cluster)``
  would run it;
* :func:`logit` — logit with cluster-robust standard errors (statsmodels);
* :func:`paired_contrast` — difference of per-seed run means between two arms that used
  the same seeds, with a t-interval across seeds;
* :func:`winsorize` — clip a series at pooled percentiles (spending-growth rates are
  fat-tailed in the model as in the prefecture fiscal data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from incentsim.analysis.intervals import Interval, mean_ci

ALPHA = 0.05


@dataclass
class Estimate:
    """One estimate: point value, 95 % interval, two-sided p-value, sample size."""

    value: float
    ci_low: float
    ci_high: float
    p: float
    n: int
    se: float = float("nan")
    t: float = float("nan")
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "value": self.value,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "p": self.p,
                "n": self.n,
                "se": self.se,
                "t": self.t,
                "detail": self.detail,
            }
        )


def jsonable(x: Any) -> Any:
    """``x`` with numpy values made plain and non-finite numbers ``None`` (for JSON)."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return v if np.isfinite(v) else None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def nan_estimate(reason: str, n: int = 0) -> Estimate:
    """An estimate that could not be made, saying why."""
    nan = float("nan")
    return Estimate(nan, nan, nan, nan, n, detail={"error": reason})


def winsorize(s: pd.Series, q: float = 0.01) -> pd.Series:
    """Clip at the ``q`` and ``1 - q`` quantiles of the non-missing values."""
    lo, hi = s.quantile(q), s.quantile(1 - q)
    return s.clip(lo, hi)


def demean(
    X: np.ndarray, groups: list[np.ndarray | pd.Series], tol: float = 1e-10, max_iter: int = 1000
) -> np.ndarray:
    """Sweep out every set of group means (alternating projections).

    With one factor this is the within transformation; with several it converges
    to the residual of a regression on all the dummies (Guimarães & Portugal 2010).
    ``groups``: one array or Series of labels per factor (a Series of strings is
    factorised without making a Python string of every label). The columns are stored
    contiguously (Fortran order), which changes no arithmetic.
    """
    X = np.array(X, dtype=float, copy=True, order="F")
    if X.ndim == 1:
        X = X[:, None]
    codes = [pd.factorize(g)[0] for g in groups]
    counts = [np.bincount(c) for c in codes]
    for _ in range(max_iter):
        X_old = X.copy()
        for c, n in zip(codes, counts):
            means = np.stack([np.bincount(c, X[:, j]) / n for j in range(X.shape[1])], axis=1)
            X -= means[c]
        if np.max(np.abs(X - X_old)) < tol * (1 + np.max(np.abs(X))):
            break
        if len(codes) == 1:
            break
    return X


def cluster_vcov(
    X: np.ndarray, resid: np.ndarray, clusters: np.ndarray, k_absorbed: int = 0
) -> np.ndarray:
    """Liang-Zeger sandwich with the Stata small-sample factor G/(G-1)·(N-1)/(N-K).

    Each cluster's scores are summed in row order (``np.bincount``, one column at a
    time: the additions ``np.add.at`` makes, much faster)."""
    n, k = X.shape
    bread = np.linalg.pinv(X.T @ X)
    c = pd.factorize(clusters)[0]
    g = int(c.max()) + 1
    s = X * resid[:, None]
    scores = np.stack([np.bincount(c, s[:, j], minlength=g) for j in range(k)], axis=1)
    meat = scores.T @ scores
    factor = (g / max(g - 1, 1)) * ((n - 1) / max(n - k - k_absorbed, 1))
    return factor * bread @ meat @ bread


def fe_ols(df: pd.DataFrame, y: str, x: list[str], fe: list[str], cluster: str) -> dict[str, Any]:
    """OLS of ``y`` on ``x`` absorbing the fixed effects ``fe``; clustered by ``cluster``.

    Rows with a missing value in any used column are dropped. Returns a dict with
    ``coef``, ``se``, ``t``, ``p`` (Series indexed by ``x``), ``n``, ``n_clusters``,
    ``df`` (G - 1, the degrees of freedom of the t-reference as in Stata) and ``vcov``.
    Fixed effects nested in clusters are not counted in K (as ``reghdfe`` does).
    """
    cols = list(dict.fromkeys([y, *x, *fe, cluster]))
    d = df[cols].replace([np.inf, -np.inf], np.nan).dropna()
    if len(d) < len(x) + 3:
        raise ValueError(f"too few observations ({len(d)}) for {y} ~ {x}")
    yv = d[y].to_numpy(float)
    X = d[x].to_numpy(float)
    if fe:
        Z = demean(np.column_stack([yv, X]), [d[f] for f in fe])
        yv, X = Z[:, 0], Z[:, 1:]
    else:
        X = np.column_stack([X, np.ones(len(X))])
        x = [*x, "const"]
    beta, *_ = np.linalg.lstsq(X, yv, rcond=None)
    resid = yv - X @ beta
    clusters = pd.factorize(d[cluster])[0]
    V = cluster_vcov(X, resid, clusters)
    se = np.sqrt(np.clip(np.diag(V), 0, None))
    g = int(clusters.max()) + 1
    dof = max(g - 1, 1)
    t = np.where(se > 0, beta / np.where(se > 0, se, 1), np.nan)
    p = 2 * sps.t.sf(np.abs(t), dof)
    idx = pd.Index(x)
    return {
        "coef": pd.Series(beta, idx),
        "se": pd.Series(se, idx),
        "t": pd.Series(t, idx),
        "p": pd.Series(p, idx),
        "n": int(len(d)),
        "n_clusters": int(g),
        "df": dof,
        "vcov": pd.DataFrame(V, idx, idx),
    }


def coef_estimate(fit: dict[str, Any], name: str, **detail: Any) -> Estimate:
    """The :class:`Estimate` of one coefficient of an :func:`fe_ols` fit."""
    b, se = float(fit["coef"][name]), float(fit["se"][name])
    q = sps.t.ppf(1 - ALPHA / 2, fit["df"])
    return Estimate(
        b,
        b - q * se,
        b + q * se,
        float(fit["p"][name]),
        fit["n"],
        se=se,
        t=float(fit["t"][name]),
        detail={"n_clusters": fit["n_clusters"], **detail},
    )


def linear_combination(fit: dict[str, Any], weights: dict[str, float], **detail: Any) -> Estimate:
    """Estimate of ``sum(w_i * beta_i)`` from an :func:`fe_ols` fit."""
    w = pd.Series(weights).reindex(fit["coef"].index).fillna(0.0)
    b = float(w @ fit["coef"])
    se = float(np.sqrt(max(w @ fit["vcov"] @ w, 0.0)))
    t = b / se if se > 0 else float("nan")
    p = float(2 * sps.t.sf(abs(t), fit["df"])) if se > 0 else float("nan")
    q = sps.t.ppf(1 - ALPHA / 2, fit["df"])
    return Estimate(
        b,
        b - q * se,
        b + q * se,
        p,
        fit["n"],
        se=se,
        t=t,
        detail={"n_clusters": fit["n_clusters"], **detail},
    )


def logit(df: pd.DataFrame, y: str, x: list[str], cluster: str) -> dict[str, Any]:
    """Logit of binary ``y`` on ``x`` (with a constant), cluster-robust covariance."""
    # the two names used, not ``statsmodels.api`` (which also imports its plotting and
    # every other model: a third of a second)
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.tools import add_constant

    cols = list(dict.fromkeys([y, *x, cluster]))
    d = df[cols].replace([np.inf, -np.inf], np.nan).dropna()
    x = [c for i, c in enumerate(x) if i == 0 or d[c].nunique() > 1]  # constant controls out
    X = add_constant(d[x].astype(float), has_constant="add")
    groups = pd.factorize(d[cluster])[0]
    res = Logit(d[y].astype(float), X).fit(
        disp=0, maxiter=200, cov_type="cluster", cov_kwds={"groups": groups}
    )
    margeff = res.get_margeff(at="overall")
    me = pd.Series(np.asarray(margeff.margeff), index=[c for c in X.columns if c != "const"])
    return {
        "coef": res.params,
        "se": res.bse,
        "z": res.tvalues,
        "p": res.pvalues,
        "ci": res.conf_int(ALPHA),
        "n": int(res.nobs),
        "n_clusters": int(groups.max() + 1),
        "margeff": me,
        "mean_y": float(d[y].mean()),
    }


def paired_contrast(a: pd.Series, b: pd.Series, relative: bool = False) -> Estimate:
    """Mean over seeds of ``a - b`` (or ``a / b - 1`` if ``relative``), t-interval.

    ``a`` and ``b`` are per-seed run-level means indexed by seed; only seeds present
    in both arms are used (the same seeds, so common random numbers pair the runs).
    """
    common = a.index.intersection(b.index)
    a, b = a.loc[common].astype(float), b.loc[common].astype(float)
    d = (a / b - 1.0) if relative else (a - b)
    d = d.replace([np.inf, -np.inf], np.nan).dropna()
    if len(d) < 2:
        return nan_estimate("fewer than two paired seeds", len(d))
    return _estimate(
        mean_ci(d.to_numpy(), 1 - ALPHA),
        detail={"mean_a": float(a.mean()), "mean_b": float(b.mean())},
    )


def _estimate(iv: Interval, **extra: Any) -> Estimate:
    """An :class:`Estimate` from the project's one t-interval
    (:func:`incentsim.analysis.intervals.mean_ci`)."""
    return Estimate(iv.mean, iv.low, iv.high, iv.p, iv.n, se=iv.se, t=iv.t, **extra)


def mean_interval(x: pd.Series) -> Estimate:
    """Mean of per-seed values with a t-interval across seeds (p tests mean = 0)."""
    x = x.astype(float).replace([np.inf, -np.inf], np.nan).dropna()
    if len(x) == 0:
        return nan_estimate("no values")
    return _estimate(mean_ci(x.to_numpy(), 1 - ALPHA))
