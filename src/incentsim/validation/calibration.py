"""Calibration moments of ``../shared/calibration.md`` on the default scenario.

Each moment: the simulated value (mean over seeds, with a t-interval across seeds),
the target as calibration.md states it, the band we judge it by and where that
band comes from, the source, and whether the value lies inside the band. Moments
are computed on the ``gdp_tournament`` arm (calibration.md: "a default scenario
(gdp_tournament, pre-2008 style)") unless stated. Bands are fixed here, before
and independently of any result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from incentsim.validation.stats import Estimate, mean_interval, nan_estimate, paired_contrast

BASE = "gdp_tournament"


@dataclass(frozen=True)
class Moment:
    id: str
    name: str
    target: str
    band: tuple[float, float]
    band_source: str
    source: str
    unit: str
    compute: Callable[[Mapping[str, pd.DataFrame], Mapping[str, pd.DataFrame], Any], Estimate]
    kind: str = "outcome"  # "outcome" or "input" (a scenario parameter, not a result)
    scenarios: tuple[str, ...] = (BASE,)
    scale: float = 1.0     # display multiplier (100 for percent)


def _ts_mean(col: str) -> Callable:
    def f(panels, ts, scenario):
        return mean_interval(ts[BASE].groupby("seed")[col].mean())
    return f


def _ar1(panels, ts, scenario) -> Estimate:
    """Pooled OLS slope of relative growth on its own lag, per seed; mean over seeds.

    Relative growth = a prefecture's reported growth minus its province's mean that
    year (``relative_growth_reported``; the real-data figure is on official
    statistics). A constant is included; prefecture FE are not (as in a plain AR(1)).
    """
    p = panels[BASE].sort_values(["unit", "year"])
    vals = []
    for _, g in p.groupby("seed"):
        x = g.groupby("unit")["relative_growth_reported"].shift()
        y = g["relative_growth_reported"]
        ok = x.notna() & y.notna()
        if ok.sum() > 3:
            xv, yv = x[ok].to_numpy(float), y[ok].to_numpy(float)
            xv = xv - xv.mean()
            vals.append(float((xv * (yv - yv.mean())).sum() / (xv ** 2).sum()))
    return mean_interval(pd.Series(vals))


def _spells(panel: pd.DataFrame) -> pd.Series:
    """Completed spells in a post (years in post at departure), per leader and post.

    A spell is a run of consecutive years with the same leader in a prefecture; it is
    *completed* if the leader is gone the following year (right-censored spells at the
    end of the horizon and left-censored spells begun before the record are dropped).
    """
    p = panel.sort_values(["unit", "year"])
    first_year = p.groupby("seed")["year"].transform("min")
    last_year = p.groupby("seed")["year"].transform("max")
    nxt = p.groupby("unit")["leader_id"].shift(-1)
    prev = p.groupby("unit")["leader_id"].shift()
    start = prev.isna() | (prev != p["leader_id"])
    spell = start.cumsum()
    g = p.assign(spell=spell, ends=(nxt != p["leader_id"]) & (p["year"] < last_year),
                 left=(p["year"] == first_year) & start)
    agg = g.groupby("spell").agg(length=("year", "size"), ends=("ends", "last"),
                                 left=("left", "first"), seed=("seed", "first"))
    done = agg[agg["ends"] & ~agg["left"]]
    return done.set_index("seed")["length"]


def _spell_mean(panels, ts, scenario) -> Estimate:
    s = _spells(panels[BASE])
    if s.empty:
        return nan_estimate("no completed spells")
    est = mean_interval(s.groupby(level=0).mean())
    est.detail.update({"min": int(s.min()), "max": int(s.max()),
                       "share_1_to_12": float(((s >= 1) & (s <= 12)).mean()),
                       "n_spells": int(len(s))})
    return est


def _spell_share(panels, ts, scenario) -> Estimate:
    s = _spells(panels[BASE])
    if s.empty:
        return nan_estimate("no completed spells")
    inside = ((s >= 1) & (s <= 12)).astype(float)
    est = mean_interval(inside.groupby(level=0).mean())
    est.detail.update({"min": int(s.min()), "max": int(s.max())})
    return est


def _trust_gap(panels, ts, scenario) -> Estimate:
    t = ts[BASE].groupby("seed")[["trust_central", "trust_local"]].mean()
    return mean_interval(t["trust_central"] - t["trust_local"])


def _vertical_env(panels, ts, scenario) -> Estimate:
    a = ts["vertical_environment"].groupby("seed")["pollution"].mean()
    b = ts[BASE].groupby("seed")["pollution"].mean()
    est = paired_contrast(a, b, relative=True)
    for label, sel in (("first_3_years", lambda t: t[t["year"] <= t["year"].min() + 2]),
                       ("final_year", lambda t: t[t["year"] == t["year"].max()])):
        va = sel(ts["vertical_environment"]).groupby("seed")["pollution"].mean()
        vb = sel(ts[BASE]).groupby("seed")["pollution"].mean()
        est.detail[f"effect_{label}"] = paired_contrast(va, vb, relative=True).value
    est.detail["note"] = ("all prefectures, mean over recorded years; "
                          "vertical_environment vs gdp_tournament, same seeds")
    return est


def _input(path: str) -> Callable:
    def f(panels, ts, scenario):
        v = scenario
        for k in path.split("."):
            v = getattr(v, k)
        v = float(v)
        return Estimate(v, v, v, float("nan"), 0, detail={"parameter": path})
    return f


MOMENTS: list[Moment] = [
    Moment("growth_mean", "Mean prefecture real GDP growth",
           "8-12 % a year (8.4 % 1995-2001, 12.4 % 2002-07, 12.5 % 2008-12, 7.6 % 2013-19)",
           (0.08, 0.12), "calibration.md's stated range", "computed (calibration.md)",
           "%", _ts_mean("gdp_growth_true"), scale=100),
    Moment("growth_dispersion", "Within-province SD of prefecture growth",
           "5-8 pp (8.2, 6.7, 4.8, 4.8 by period)", (0.05, 0.08),
           "calibration.md's stated range", "computed (calibration.md)", "pp",
           _ts_mean("growth_dispersion"), scale=100),
    Moment("relative_growth_ar1", "AR(1) persistence of a prefecture's relative growth",
           "about 0.1", (0.0, 0.25),
           "ours: 0.1 ± 0.15 (weakly positive, well below 0.3)", "computed (calibration.md)",
           "coefficient", _ar1),
    Moment("leader_age", "Mean age of sitting leaders", "about 49", (47.0, 51.0),
           "ours: 49 ± 2 years", "computed (calibration.md: mean mayor age)", "years",
           _ts_mean("mean_age")),
    Moment("promotion_rate", "Annual promotion rate of prefecture party secretaries",
           "about 9 %", (0.07, 0.11), "ours: 9 ± 2 pp", "computed (calibration.md)", "%",
           _ts_mean("promotion_rate"), scale=100),
    Moment("term_official", "Official term", "5 years", (5.0, 5.0),
           "calibration.md", "Li & Zhou 2005", "years", _input("tenure.term_length"),
           kind="input"),
    Moment("spell_mean", "Mean completed spell in post (years in post at departure)",
           "official term 5 years; real terms 1-12 years", (3.0, 5.0),
           "ours: early turnover and rotation make real spells average below the 5-year "
           "term; at least 3", "Li & Zhou 2005", "years", _spell_mean),
    Moment("spell_range", "Share of completed spells of 1-12 years",
           "real terms 1-12 years", (0.95, 1.0), "ours: nearly all spells in 1-12",
           "Li & Zhou 2005", "share", _spell_share),
    Moment("manipulation_gap", "Reported minus true growth (strong pressure, weak audits)",
           "2-3.5 pp", (0.02, 0.035), "calibration.md's stated range",
           "Zeng & Zhou 2024; Wallace 2016", "pp", _ts_mean("manipulation_gap"), scale=100),
    Moment("trust_central", "Trust in the central government", "93 % (2016); 86 % (2003)",
           (0.86, 0.95), "ours: between the 2003 and 2016 survey values (93 % rounded up)",
           "Cunningham, Saich & Turiel 2020", "share", _ts_mean("trust_central")),
    Moment("trust_local", "Trust in local government",
           "70 % (2016, township); 44 % (2003)", (0.44, 0.72),
           "ours: between the 2003 and 2016 survey values", "Cunningham, Saich & Turiel 2020",
           "share", _ts_mean("trust_local")),
    Moment("trust_gap", "Central minus local trust", "23 pp (2016); 42 pp (2003)",
           (0.15, 0.45), "ours: around the 2016 and 2003 gaps",
           "Cunningham, Saich & Turiel 2020", "pp", _trust_gap, scale=100),
    Moment("vertical_env_pollution", "Central environmental inspection effect on pollution",
           "about -9 % (PM2.5)", (-0.15, -0.03), "ours: -9 % ± 6 pp",
           "published evaluations, 2019-2022", "%", _vertical_env,
           scenarios=("vertical_environment", BASE), scale=100),
    Moment("target_escalation", "Prefecture growth targets above the provincial target",
           "about +2.5 pp", (0.02, 0.03), "ours: 2.5 ± 0.5 pp", "computed (calibration.md)",
           "pp", _input("promotion.target_escalation"), kind="input", scale=100),
]


def needed_arms() -> list[str]:
    out: list[str] = []
    for m in MOMENTS:
        for s in m.scenarios:
            if s not in out:
                out.append(s)
    return out


def evaluate_moment(m: Moment, panels, timeseries, scenario) -> dict:
    try:
        missing = [s for s in m.scenarios if s not in timeseries]
        if missing:
            raise KeyError(f"missing scenario arm(s): {', '.join(missing)}")
        est = m.compute(panels, timeseries, scenario)
    except Exception as e:
        est = nan_estimate(f"{type(e).__name__}: {e}")
    lo, hi = m.band
    v = est.value
    within = bool(np.isfinite(v) and lo - 1e-12 <= v <= hi + 1e-12)
    return {"id": m.id, "name": m.name, "target": m.target, "band": [lo, hi],
            "band_source": m.band_source, "source": m.source, "unit": m.unit,
            "kind": m.kind, "scale": m.scale, "estimate": est.to_dict(), "within": within}
