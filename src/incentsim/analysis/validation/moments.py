"""Moments of a leader-year panel, the same code for simulated and real panels.

One function per moment, each taking a *prepared* panel (:func:`prepare_panel`) and
returning an :class:`~incentsim.analysis.validation.econometrics.Estimate`: a pooled
statistic with a standard error clustered by prefecture on a real panel (its unit), by
run (``arm × seed``) on a panel pooling simulated runs, whose prefectures share the
run's shocks (:func:`cluster_of`). ``incentsim
validate`` (:mod:`incentsim.analysis.validation.calibration`), ``incentsim moments`` and
``incentsim calibrate`` all call these functions; nothing here knows whether the panel
came from the model or from a researcher's file.

Column names are the model's (``incentsim.outcomes.PANEL_COLUMNS``); a real panel is
brought to them by :mod:`incentsim.analysis.validation.panel_io` from a column mapping. Growth
rates are fractions a year (0.09 = 9 %).

Conventions (stated once, used everywhere):

* *relative growth*: a prefecture's reported growth minus the mean of its province in
  that year (``relative_growth_reported``);
* *quintile of relative growth*: the rank of reported growth among the prefectures of
  the same province and year, cut in five equal groups (Landry, Lü & Duan 2018 sort
  secretaries the same way, within province-year);
* *standardised relative growth*: relative growth divided by its pooled standard
  deviation (one SD is the unit of the logit slope);
* *spell*: a run of consecutive years with the same leader in a prefecture; its length
  is the number of annual observations; it is *completed* when the leader is gone the
  next year (spells running at the end of the record, or begun before it, are dropped);
  "shorter than 2 years" is a spell of one annual observation, "reaches 5 years" five
  or more;
* *exit*: the leader of a leader-year is not the prefecture's leader the next year
  (the last recorded year of each run is not at risk);
* *penultimate year* (seed 002, Table 1): a real panel supplies it as a 0/1 column; in
  the model it is the last full year before the end-of-term evaluation
  (``years_to_evaluation == 0``), see :mod:`incentsim.analysis.validation.facts`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from incentsim.analysis.validation.econometrics import (
    Estimate,
    coef_estimate,
    fe_ols,
    logit,
    nan_estimate,
    winsorize,
)

FE = ["unit", "seed_year"]
#: the cluster of a real panel's moments: the prefecture
CLUSTER = "unit"
#: the cluster of the moments of a panel pooling several simulated runs: the run (arm ×
#: seed), the independent draw (see :func:`cluster_of`)
RUN_CLUSTER = "run"
CONTROLS = ["insider", "age", "lag_gdp_growth", "log_gdp"]


# ----------------------------------------------------------------------- preparation


def prepare_panel(p: pd.DataFrame) -> pd.DataFrame:
    """Add the identifiers and derived columns every estimator uses.

    * ``unit``: prefecture unique per (arm, seed) — the fixed effect and a real panel's
      cluster;
    * ``run``: the run, ``arm:seed`` — the cluster of pooled runs (:func:`cluster_of`);
    * ``seed_year``: year unique per (arm, seed) — years are separate draws per run;
    * ``penultimate``: kept if the panel has it, else ``years_to_evaluation == 0``;
    * ``relative_growth_reported``: kept if present, else growth minus province-year mean;
    * ``term_id`` and ``term_rel_growth``: the current term of a leader in a post (a new
      term starts with a new leader or when ``tenure_year`` restarts) and the mean
      relative growth over it to date;
    * ``lag_gdp_growth``: the prefecture's reported growth the year before.
    """
    p = p.copy(deep=False)  # columns are only added until the sort, which copies
    if "arm" not in p:
        p["arm"] = "panel"
    if "seed" not in p:
        p["seed"] = 0
    key = p["arm"].astype(str) + ":" + p["seed"].astype(str)
    p["run"] = key
    p["unit"] = key + ":" + p["prefecture"].astype(str)
    p["seed_year"] = key + ":" + p["year"].astype(str)
    if "penultimate" not in p and "years_to_evaluation" in p:
        p["penultimate"] = (p["years_to_evaluation"] == 0).astype(float)
    p = p.sort_values(["unit", "year"], kind="stable").reset_index(drop=True)
    if "relative_growth_reported" not in p and "gdp_growth_reported" in p:
        cell = p["seed_year"] + ":" + p["province"].astype(str)
        p["relative_growth_reported"] = p["gdp_growth_reported"] - p.groupby(cell)[
            "gdp_growth_reported"
        ].transform("mean")
    if "leader_id" in p:
        prev_leader = p.groupby("unit")["leader_id"].shift()
        new_term = prev_leader.isna() | (prev_leader != p["leader_id"])
        if "tenure_year" in p:
            new_term |= p["tenure_year"] <= p.groupby("unit")["tenure_year"].shift()
        p["term_id"] = new_term.cumsum()
    if "relative_growth_reported" in p and "term_id" in p:
        p["term_rel_growth"] = expanding_mean(
            p["relative_growth_reported"].to_numpy(float), p["term_id"].to_numpy()
        )
    if "gdp_growth_reported" in p:
        p["lag_gdp_growth"] = p.groupby("unit")["gdp_growth_reported"].shift()
    for c in ("insider", "connected", "evaluated", "promoted", "dismissed", "penultimate"):
        if c in p:
            p[c] = p[c].astype(float)
    return p


# ------------------------------------------------------------------------- helpers

#: what :func:`reused` functions computed on a panel, by (function, panel id), inside
#: :func:`reusing` (``None`` outside it)
_REUSED: dict[tuple[str, int], tuple[pd.DataFrame, Any]] | None = None


@contextlib.contextmanager
def reusing() -> Iterator[None]:
    """Within this block, what several moments derive from one panel (its completed
    spells, its growth quintiles) is computed once per panel object (the panels must
    not change inside it). ``incentsim validate`` evaluates its facts and moments in one,
    :func:`compute` its moments."""
    global _REUSED
    outer, _REUSED = _REUSED, {}
    try:
        yield
    finally:
        _REUSED = outer


def reused(fn: Callable[[pd.DataFrame], Any]) -> Callable[[pd.DataFrame], Any]:
    """``fn(panel)``, computed once per panel inside :func:`reusing` (the caller must not
    change what it returns)."""

    @functools.wraps(fn)
    def once(p: pd.DataFrame) -> Any:
        if _REUSED is None:
            return fn(p)
        hit = _REUSED.get((fn.__name__, id(p)))
        if hit is None or hit[0] is not p:  # the panel is kept, so its id is not reused
            hit = _REUSED[(fn.__name__, id(p))] = (p, fn(p))
        return hit[1]

    return once


def expanding_mean(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The mean of ``values`` to date within each run of equal ``groups`` labels
    (contiguous groups): ``groupby(groups).transform(lambda s: s.expanding().mean())``
    bit for bit, without a Python call per group.

    Stepped by position in the group, all groups at once, with pandas' own rolling-mean
    arithmetic: Kahan-compensated sums, missing and infinite values skipped (the mean so
    far is kept at them), a run of equal values giving that value, and a mean of values
    of one sign never of the other.
    """
    v = np.where(np.isfinite(values), values, np.nan)
    n = len(v)
    out = np.full(n, np.nan)
    if n == 0:
        return out
    start = np.r_[True, groups[1:] != groups[:-1]]
    gid = np.cumsum(start) - 1
    pos = np.arange(n) - np.flatnonzero(start)[gid]
    st = {k: np.zeros(gid[-1] + 1) for k in ("nobs", "sum", "comp", "neg", "same", "prev")}
    order = np.argsort(pos, kind="stable")
    bounds = np.searchsorted(pos[order], np.arange(pos.max() + 2))
    for k in range(pos.max() + 1):
        rows = order[bounds[k] : bounds[k + 1]]
        _kahan_add(st, gid[rows], v[rows])
        g = gid[rows]
        nobs, mean = st["nobs"][g], st["sum"][g] / np.maximum(st["nobs"][g], 1)
        mean = np.where(st["same"][g] >= nobs, st["prev"][g], mean)
        mean = np.where((st["neg"][g] == 0) & (mean < 0), 0.0, mean)
        mean = np.where((st["neg"][g] == nobs) & (mean > 0), 0.0, mean)
        out[rows] = np.where(nobs > 0, mean, np.nan)
    return out


def _kahan_add(st: dict[str, np.ndarray], g: np.ndarray, x: np.ndarray) -> None:
    """Add one value to each group ``g`` of the running state ``st`` (pandas' add_mean)."""
    ok = ~np.isnan(x)
    g, x = g[ok], x[ok]
    st["nobs"][g] += 1
    y = x - st["comp"][g]
    t = st["sum"][g] + y
    st["comp"][g] = t - st["sum"][g] - y
    st["sum"][g] = t
    st["neg"][g] += np.signbit(x)
    st["same"][g] = np.where(x == st["prev"][g], st["same"][g] + 1, 1)
    st["prev"][g] = x


def cluster_of(d: pd.DataFrame) -> str:
    """The cluster of a moment's standard error on ``d``: the run (:data:`RUN_CLUSTER`)
    when ``d`` pools several runs, else the prefecture (:data:`CLUSTER`; a real panel is one
    "run").

    A run's prefectures share its national shocks, its provincial tournaments and its
    evaluation calendar, so they are not independent draws; runs are. Clustering by run
    also covers the correlation of a prefecture's years (prefectures are nested in runs,
    so a two-way or (run, prefecture) clustering adds nothing). On 16 blocks of 40 pooled
    ``china_2000s`` runs the prefecture-clustered SE was up to several times too small
    (docs/validation/inference.md, "Calibration moments and Table 1").
    """
    if RUN_CLUSTER in d and d[RUN_CLUSTER].nunique() > 1:
        return RUN_CLUSTER
    return CLUSTER


def cluster_mean(d: pd.DataFrame, col: str, **detail) -> Estimate:
    """Mean of ``col`` with a standard error clustered by :func:`cluster_of`."""
    return coef_estimate(fe_ols(d, col, [], [], cluster_of(d)), "const", **detail)


@reused
def quintile(p: pd.DataFrame) -> pd.Series:
    """Quintile (1..5) of reported growth within province-year (rank cut in five)."""
    cell = p["seed_year"] + ":" + p["province"].astype(str)
    rank = p.groupby(cell)["gdp_growth_reported"].rank(method="first")
    size = p.groupby(cell)["gdp_growth_reported"].transform("count")
    return (np.floor((rank - 1) * 5 / size) + 1).astype("Int64")


@reused
def spells(p: pd.DataFrame) -> pd.DataFrame:
    """Completed spells in post: one row per spell with ``unit`` and ``length`` (years)."""
    first_year = p.groupby("seed")["year"].transform("min")
    last_year = p.groupby("seed")["year"].transform("max")
    nxt = p.groupby("unit")["leader_id"].shift(-1)
    prev = p.groupby("unit")["leader_id"].shift()
    start = prev.isna() | (prev != p["leader_id"])
    g = p.assign(
        spell=start.cumsum(),
        ends=(nxt != p["leader_id"]) & (p["year"] < last_year),
        left=(p["year"] == first_year) & start,
    )
    agg = g.groupby("spell").agg(
        length=("year", "size"),
        ends=("ends", "last"),
        left=("left", "first"),
        unit=("unit", "first"),
        run=("run", "first"),
    )
    return agg[agg["ends"] & ~agg["left"]].reset_index(drop=True)


def exits(p: pd.DataFrame) -> pd.DataFrame:
    """Leader-years at risk of exit (not the last recorded year) with ``exit`` 0/1."""
    last_year = p.groupby("seed")["year"].transform("max")
    nxt = p.groupby("unit")["leader_id"].shift(-1)
    d = p[p["year"] < last_year].copy()
    d["exit"] = (nxt[d.index] != d["leader_id"]).astype(float)
    return d


# ------------------------------------------------------------------ the moments


def growth_mean(p):
    """Mean reported real GDP growth over prefecture-years."""
    return cluster_mean(p, "gdp_growth_reported")


def growth_dispersion(p):
    """Within-province SD of reported growth, averaged over province-years."""
    province = p["run"] + ":" + p["province"].astype(str)
    sd = p.groupby([province, p["year"]])["gdp_growth_reported"].std(ddof=0)
    unit = pd.Series(sd.index.get_level_values(0))
    run = unit.str.rsplit(":", n=1).str[0]
    return cluster_mean(pd.DataFrame({"sd": sd.to_numpy(), "unit": unit, "run": run}), "sd")


def relative_growth_ar1(p):
    """OLS slope of relative growth on its own lag (with a constant, no FE)."""
    d = p.assign(lag_rel=p.groupby("unit")["relative_growth_reported"].shift())
    fit = fe_ols(d, "relative_growth_reported", ["lag_rel"], [], cluster_of(d))
    return coef_estimate(fit, "lag_rel")


def leader_age(p):
    """Mean age of sitting leaders."""
    return cluster_mean(p, "age")


def promotion_rate(p):
    """Annual promotion rate (promotions per leader-year)."""
    return cluster_mean(p, "promoted")


def promotion_quintile(q: int) -> Callable[[pd.DataFrame], Estimate]:
    """The moment: promotion rate in quintile ``q`` of relative growth."""

    def f(p):
        d = p[quintile(p) == q]
        return cluster_mean(d, "promoted", quintile=q)

    f.__doc__ = f"Promotion rate in quintile {q} of relative growth (within province-year)."
    return f


def promotion_gradient(p):
    """Promotion rate in the top minus the bottom quintile of relative growth."""
    q = quintile(p)
    d = p[q.isin([1, 5])].assign(top=(q[q.isin([1, 5])] == 5).astype(float))
    return coef_estimate(fe_ols(d, "promoted", ["top"], [], cluster_of(d)), "top")


def promotion_logit_slope(p):
    """Logit of annual promotion on standardised relative growth (per SD), clustered."""
    d = p.assign(rel_sd=p["relative_growth_reported"] / p["relative_growth_reported"].std())
    fit = logit(d, "promoted", ["rel_sd"], cluster_of(d))
    return _logit_estimate(fit, "rel_sd")


def _logit_estimate(fit: dict, name: str) -> Estimate:
    b = float(fit["coef"][name])
    lo, hi = (float(v) for v in fit["ci"].loc[name])
    return Estimate(
        b,
        lo,
        hi,
        float(fit["p"][name]),
        fit["n"],
        se=float(fit["se"][name]),
        t=float(fit["z"][name]),
        detail={
            "marginal_effect": float(fit["margeff"][name]),
            "mean_y": fit["mean_y"],
            "n_clusters": fit["n_clusters"],
        },
    )


def _spell_stat(stat: Callable[[pd.Series], pd.Series], **detail):
    def f(p):
        s = spells(p)
        if s.empty:
            return nan_estimate("no completed spells")
        est = cluster_mean(s.assign(v=stat(s["length"]).astype(float)), "v", **detail)
        est.detail["n_spells"] = len(s)
        return est

    return f


spell_mean = _spell_stat(lambda x: x)
spell_short = _spell_stat(lambda x: x < 2)
spell_long = _spell_stat(lambda x: x >= 5)
spell_range = _spell_stat(lambda x: (x >= 1) & (x <= 12))


def spell_median(p):
    """Median completed spell (no standard error: a band target)."""
    s = spells(p)
    if s.empty:
        return nan_estimate("no completed spells")
    v = float(s["length"].median())
    return Estimate(v, v, v, float("nan"), len(s))


def exit_hazard(p):
    """Share of leader-years after which the leader is gone from the post."""
    return cluster_mean(exits(p), "exit")


def cycle_frame(panel: pd.DataFrame, y: str) -> pd.DataFrame:
    """The panel with ``dep`` = ``y`` in percent (spending growth winsorised)."""
    dep = panel[y].replace([np.inf, -np.inf], np.nan)
    if y.endswith("spending_growth"):
        dep = winsorize(dep)
    return panel.assign(dep=100.0 * dep)  # a new column on the panel's columns, no copy


def cycle_fit(d: pd.DataFrame, cluster: str | None = None) -> dict:
    """Seed 002's Table 1 on a :func:`cycle_frame`: ``dep`` (%) on the penultimate-year
    dummy and the controls the panel has, prefecture and year FE, clustered by
    ``cluster`` (None: :func:`cluster_of`)."""
    ctrl = [c for c in CONTROLS if c in d]
    return fe_ols(d, "dep", ["penultimate", *ctrl], FE, cluster or cluster_of(d))


def cycle_estimate(panel: pd.DataFrame, y: str, cluster: str | None = None) -> Estimate:
    """The penultimate-year coefficient on ``y`` (clustered by ``cluster``), with the
    mean of ``y`` in and out of it."""
    d = cycle_frame(panel, y)
    est = coef_estimate(cycle_fit(d, cluster), "penultimate", dependent=y)
    est.detail["mean_dep_penultimate"] = float(d.loc[d.penultimate == 1, "dep"].mean())
    est.detail["mean_dep_other"] = float(d.loc[d.penultimate == 0, "dep"].mean())
    return est


def st_variable(panel: pd.DataFrame) -> str:
    """Science & technology spending growth: the innovation line if the panel has one,
    else the education/science-type services line."""
    return (
        "innovation_spending_growth"
        if "innovation_spending_growth" in panel
        else "services_spending_growth"
    )


def table1_gdp(p):
    """Table 1: penultimate-year dummy on reported GDP growth (pp)."""
    return cycle_estimate(p, "gdp_growth_reported")


def table1_st(p):
    """Table 1: penultimate-year dummy on science & technology spending growth (pp)."""
    return cycle_estimate(p, st_variable(p))


def li_zhou_logit(p, cluster: str | None = None):
    """Li & Zhou (2005): logit of promotion on the term's average relative growth (pp),
    with age, years in post, insider and connected where the panel has them, among the
    leader-years evaluated (all leader-years if the panel has no ``evaluated``); clustered
    by ``cluster`` (None: :func:`cluster_of`)."""
    d = p[p["evaluated"] == 1] if "evaluated" in p else p
    d = d.assign(rel_growth_pp=100.0 * d["term_rel_growth"])
    x = ["rel_growth_pp", *(c for c in ("age", "years_in_post", "insider", "connected") if c in d)]
    return _logit_estimate(logit(d, "promoted", x, cluster or cluster_of(d)), "rel_growth_pp")


def ability_selection(p):
    """Promotion-rate difference per SD of leader ability (linear probability, all
    leader-years): > 0 when abler leaders are promoted more."""
    d = p.assign(ability_sd=(p["ability"] - p["ability"].mean()) / p["ability"].std())
    fit = fe_ols(d, "promoted", ["ability_sd"], [], cluster_of(d))
    return coef_estimate(fit, "ability_sd")


@dataclass(frozen=True)
class PanelMoment:
    """A moment computable on any leader-year panel holding the ``needs`` columns."""

    id: str
    name: str
    unit: str
    needs: tuple[str, ...]
    compute: Callable[[pd.DataFrame], Estimate]
    scale: float = 1.0  # display multiplier (100 for percent)


_BASE = ("prefecture", "province", "year")
_G = ("gdp_growth_reported",)
_P = ("leader_id", "promoted", "gdp_growth_reported")
_T1 = ("leader_id", "penultimate", "gdp_growth_reported")

MOMENTS: dict[str, PanelMoment] = {
    m.id: m
    for m in [
        PanelMoment("growth_mean", "Mean reported GDP growth", "%", _G, growth_mean, 100),
        PanelMoment(
            "growth_dispersion", "Within-province SD of growth", "pp", _G, growth_dispersion, 100
        ),
        PanelMoment(
            "relative_growth_ar1",
            "AR(1) of relative growth",
            "coefficient",
            ("leader_id", *_G),
            relative_growth_ar1,
        ),
        PanelMoment("leader_age", "Mean age of sitting leaders", "years", ("age",), leader_age),
        PanelMoment(
            "promotion_rate", "Annual promotion rate", "%", ("promoted",), promotion_rate, 100
        ),
        *(
            PanelMoment(
                f"promotion_q{q}",
                f"Promotion rate, relative-growth quintile {q}",
                "%",
                _P,
                promotion_quintile(q),
                100,
            )
            for q in range(1, 6)
        ),
        PanelMoment(
            "promotion_gradient",
            "Promotion rate, top minus bottom quintile",
            "pp",
            _P,
            promotion_gradient,
            100,
        ),
        PanelMoment(
            "promotion_logit_slope",
            "Logit of promotion on standardised relative growth",
            "per SD",
            _P,
            promotion_logit_slope,
        ),
        PanelMoment(
            "spell_mean", "Mean completed spell in post", "years", ("leader_id",), spell_mean
        ),
        PanelMoment(
            "spell_median", "Median completed spell in post", "years", ("leader_id",), spell_median
        ),
        PanelMoment(
            "spell_short",
            "Share of completed spells shorter than 2 years",
            "%",
            ("leader_id",),
            spell_short,
            100,
        ),
        PanelMoment(
            "spell_long",
            "Share of completed spells reaching 5 years",
            "%",
            ("leader_id",),
            spell_long,
            100,
        ),
        PanelMoment(
            "spell_range",
            "Share of completed spells of 1-12 years",
            "share",
            ("leader_id",),
            spell_range,
        ),
        PanelMoment(
            "exit_hazard", "Exit hazard from post", "per year", ("leader_id",), exit_hazard
        ),
        PanelMoment(
            "table1_gdp", "Table 1: penultimate-year dummy on GDP growth", "pp", _T1, table1_gdp
        ),
        PanelMoment(
            "table1_st",
            "Table 1: penultimate-year dummy on S&T spending growth",
            "pp",
            ("leader_id", "penultimate", "innovation_spending_growth"),
            table1_st,
        ),
        PanelMoment(
            "li_zhou_logit",
            "Li-Zhou logit: promotion on term relative growth",
            "per pp",
            _P,
            li_zhou_logit,
        ),
        PanelMoment(
            "ability_selection",
            "Promotion per SD of leader ability",
            "pp per SD",
            ("ability", "promoted"),
            ability_selection,
            100,
        ),
    ]
}


def missing_columns(panel: pd.DataFrame, moment: PanelMoment) -> list[str]:
    """The columns ``moment`` needs that ``panel`` lacks."""
    return [c for c in (*_BASE, *moment.needs) if c not in panel]


def compute(panel: pd.DataFrame, ids: list[str] | None = None) -> dict[str, Estimate]:
    """Every moment (or those in ``ids``) on a prepared panel. A moment whose columns the
    panel lacks, or whose estimator fails, is a NaN estimate saying why."""
    out = {}
    with reusing():
        for mid in ids or list(MOMENTS):
            m = MOMENTS[mid]
            miss = missing_columns(panel, m)
            if miss:
                out[mid] = nan_estimate(f"panel has no {', '.join(miss)}")
                continue
            try:
                out[mid] = m.compute(panel)
            except Exception as e:  # noqa: BLE001 - an estimator that cannot run is reported
                out[mid] = nan_estimate(f"{type(e).__name__}: {e}")
    return out


def replicate_se(panel: pd.DataFrame, ids: list[str]) -> dict[str, float]:
    """Standard error of each moment from its spread across the panel's seeds
    (std of the per-seed values / sqrt(seeds)): the variation between independent
    replications, which a clustered SE within one pooled panel can understate when
    prefectures of a run interact (tournaments, shared shocks). NaN with one seed."""
    per_seed = [compute(g, ids) for _, g in panel.groupby("seed")]
    out = {}
    for i in ids:
        v = np.array([e[i].value for e in per_seed], dtype=float)
        v = v[np.isfinite(v)]
        out[i] = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else float("nan")
    return out
