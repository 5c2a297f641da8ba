"""Calibration moments in ``incentsim validate``: the targets of calibration.md on runs.

Which moments, their values, standard errors, bands and sources are declared once in
:mod:`incentsim.analysis.validation.targets`; panel moments are computed by
:mod:`incentsim.analysis.validation.moments` (the same functions ``incentsim moments`` runs on a
real panel and ``incentsim calibrate`` on simulated ones). This module adds the
statistics only a model has (trust surveys, a scenario contrast, scenario parameters)
and evaluates every target on pooled run data: the simulated value with its 95 %
interval, and whether it is matched (inside the band).

Moments are computed on the ``BASE`` arm, ``china_2000s``, the historical baseline that
stands for the 2000-07 record (the stylized ``gdp_tournament`` is a lever, not the
record); the inspection effect compares ``vertical_environment`` with the tournament it
adds inspections to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from incentsim.analysis.validation import moments as mm
from incentsim.analysis.validation.econometrics import (
    Estimate,
    mean_interval,
    nan_estimate,
    paired_contrast,
)
from incentsim.analysis.validation.targets import TARGETS, Target

BASE = "china_2000s"
TOURNAMENT = "gdp_tournament"
Frames = Mapping[str, pd.DataFrame]


#: model-only statistics that are the mean of a yearly series of the base scenario's runs
#: (target ``moment`` -> timeseries column): they need no other arm, so ``incentsim
#: calibrate`` can estimate on them too
SERIES_MEANS = {
    "manipulation_gap": "manipulation_gap",
    "trust_central": "trust_central",
    "trust_local": "trust_local",
}


def series_mean(ts: pd.DataFrame, moment: str) -> Estimate:
    """A :data:`SERIES_MEANS` statistic on pooled timeseries (``seed`` column): the mean
    of the per-seed means, with a t-interval across seeds."""
    return mean_interval(ts.groupby("seed")[SERIES_MEANS[moment]].mean())


def _ts_mean(moment: str) -> Callable[[Frames, Frames, Any], Estimate]:
    def f(panels, ts, scenario):
        return series_mean(ts[BASE], moment)

    return f


def _trust_gap(panels, ts, scenario) -> Estimate:
    t = ts[BASE].groupby("seed")[["trust_central", "trust_local"]].mean()
    return mean_interval(t["trust_central"] - t["trust_local"])


def _vertical_env(panels, ts, scenario) -> Estimate:
    a = ts["vertical_environment"].groupby("seed")["pollution"].mean()
    b = ts[TOURNAMENT].groupby("seed")["pollution"].mean()
    est = paired_contrast(a, b, relative=True)
    for label, sel in (
        ("first_3_years", lambda t: t[t["year"] <= t["year"].min() + 2]),
        ("final_year", lambda t: t[t["year"] == t["year"].max()]),
    ):
        va = sel(ts["vertical_environment"]).groupby("seed")["pollution"].mean()
        vb = sel(ts[TOURNAMENT]).groupby("seed")["pollution"].mean()
        est.detail[f"effect_{label}"] = paired_contrast(va, vb, relative=True).value
    est.detail["note"] = (
        "all prefectures, mean over recorded years; "
        "vertical_environment vs gdp_tournament, same seeds"
    )
    return est


def _input(path: str) -> Callable[[Frames, Frames, Any], Estimate]:
    def f(panels, ts, scenario):
        v = scenario
        for k in path.split("."):
            v = getattr(v, k)
        v = float(v)
        return Estimate(v, v, v, float("nan"), 0, detail={"parameter": path})

    return f


def _panel(moment_id: str) -> Callable[[Frames, Frames, Any], Estimate]:
    def f(panels, ts, scenario):
        return mm.MOMENTS[moment_id].compute(panels[BASE])

    return f


#: statistics only the model has, by target ``moment`` name
SIMULATION_ONLY: dict[str, Callable[[Frames, Frames, Any], Estimate]] = {
    **{moment: _ts_mean(moment) for moment in SERIES_MEANS},
    "trust_gap": _trust_gap,
    "vertical_env_pollution": _vertical_env,
    "term_official": _input("tenure.term_length"),
    "target_escalation": _input("promotion.target_escalation"),
}
#: scenario arms a model-only statistic needs besides ``BASE``
EXTRA_ARMS = {"vertical_env_pollution": ("vertical_environment", TOURNAMENT)}

#: the targets ``incentsim validate`` reports: the 2000-07 record and the model-only ones
MOMENTS: list[Target] = [t for t in TARGETS if t.period == "2000-07" or t.kind != "panel"]


def estimator(t: Target) -> Callable[[Frames, Frames, Any], Estimate]:
    """The function computing target ``t``'s moment on simulated data."""
    if t.moment in mm.MOMENTS:
        return _panel(t.moment)
    return SIMULATION_ONLY[t.moment]


def needed_arms() -> list[str]:
    """The scenario arms the calibration moments need, the base first."""
    out = [BASE]
    for t in MOMENTS:
        for a in EXTRA_ARMS.get(t.moment, ()):
            if a not in out:
                out.append(a)
    return out


def evaluate_moment(t: Target, panels: Frames, timeseries: Frames, scenario) -> dict:
    """One target on pooled run data: estimate, band, and whether it is matched."""
    try:
        missing = [s for s in (BASE, *EXTRA_ARMS.get(t.moment, ())) if s not in timeseries]
        if missing:
            raise KeyError(f"missing scenario arm(s): {', '.join(missing)}")
        est = estimator(t)(panels, timeseries, scenario)
    except Exception as e:  # noqa: BLE001 - reported in the row, not raised
        est = nan_estimate(f"{type(e).__name__}: {e}")
    v = est.value
    within = bool(np.isfinite(v) and t.matched(v))
    return {
        "id": t.id,
        "name": t.name,
        "target": t.target,
        "band": list(t.band),
        "band_source": t.band_source,
        "source": t.source,
        "unit": t.unit,
        "kind": "input" if t.kind == "input" else "outcome",
        "period": t.period,
        "scale": t.scale,
        "estimate": est.to_dict(),
        "within": within,
    }
