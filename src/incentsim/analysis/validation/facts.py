"""The stylized facts of DESIGN.md §6, each a small registered class.

A fact (one *claim* of DESIGN §6; facts with several parts have several claims,
``2a``, ``2b`` …) names its source, the scenario arms it needs, the sign the
literature found, and ``estimate(panels, timeseries) -> Estimate`` which runs the
statistic the papers ran, on pooled simulated data. The verdict rule is fixed
here, never tuned to results:

* ``rule = "sign"`` (the default): *reproduced* iff the estimate has the expected
  sign and ``p < 0.05`` (two-sided);
* ``rule = "not_positive"``: *reproduced* iff the estimate is **not** significantly
  positive (it is ≤ 0, or ``p >= 0.05``) — for "under a balanced scorecard it is
  not [positive]".

A DESIGN §6 fact is reproduced iff all of its claims are.

Conventions of the panel regressions (as in Guo 2009 and seed 002's Table 1):

* **Penultimate year.** Leaders are evaluated at the end of the year in which
  ``tenure_year == term_length`` (``years_to_evaluation == 0``); the model has no
  part-year of turnover, so that year is the *last full year* of the term before
  the evaluation/turnover — what the empirical papers call the penultimate year,
  since in real data the calendar year of turnover is a part-year in which the
  successor also governs. ``penultimate = 1[years_to_evaluation == 0]``.
* Dependent variables are growth rates in percent (×100, as in Table 1);
  spending growth rates are winsorised at the pooled 1st/99th percentiles (they
  are ratios of budget lines and fat-tailed).
* Fixed effects: prefecture (unique per arm×seed) and year (unique per
  arm×seed, since each run has its own national shocks); t-reference with G-1
  d.o.f. Standard errors of 1, 4a, 4b clustered by prefecture (arm×seed×prefecture);
  of the one-arm penultimate-year regressions (2a, 3a, 3b, 3d, 3e) by seed, the run:
  year effects absorb a run's common shocks but not how strongly its prefectures
  surge together before evaluations (shared national path, provincial tournaments,
  spillovers), so its prefectures are not independent draws; runs are (Cameron &
  Miller 2015: cluster at the coarsest level of dependence when clusters are many
  enough; Abadie et al. 2023: where units are sampled). Measured (docs/validation/
  inference.md, province scale, seeds 0-639): SE(run)/SE(prefecture) was 1.24 (2a),
  1.10 (3a, 3b), 1.44 (3d), 1.14 (3e), each interval above 1, and about 1 for 1, 4a,
  4b (0.93, 1.05, 0.99), which stay clustered by prefecture.
* Pooled contrasts (:func:`cycle_difference`, facts 2b, 2c, 3c): the arm is
  assigned per run and every prefecture of a run shares its national path, so
  prefectures of a run are not independent draws; the independent draw is the
  seed (the two arms of a seed share its random numbers). Standard errors are
  clustered by seed (G = seeds), the level at which the contrast is assigned and
  sampled (Cameron & Miller 2015; Abadie et al. 2023). Measured on 8 disjoint
  blocks of 40 seeds (province scale): the spread of the block estimates of 2c
  was 1.6x the prefecture-clustered SE and 0.9x the seed-clustered one.
* Controls (Table 1's that the model has): insider, age, lagged reported GDP
  growth, log GDP.
* Scenario contrasts: per-seed run means over the recorded years, paired by
  seed (same seeds in both arms), mean difference with a t-interval across seeds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import stats as sps

from incentsim.analysis.validation.econometrics import (
    ALPHA,
    Estimate,
    coef_estimate,
    fe_ols,
    linear_combination,
    logit,
    nan_estimate,
    paired_contrast,
)
from incentsim.analysis.validation.moments import (
    CLUSTER,
    CONTROLS,
    FE,
    cycle_estimate,
    cycle_frame,
    li_zhou_logit,
    st_variable,
)

Panels = Mapping[str, pd.DataFrame]
Series = Mapping[str, pd.DataFrame]

#: cluster of the pooled contrasts: the seed, the independent draw of both arms
CONTRAST_CLUSTER = "seed"
#: cluster of the one-arm penultimate-year regressions (2a, 3a, 3b, 3d, 3e): the run
#: (its seed), whose prefectures share national shocks and provincial tournaments
CYCLE_CLUSTER = "seed"


class Fact:
    """One claim of a DESIGN §6 stylized fact."""

    id: ClassVar[str]
    number: ClassVar[int]
    title: ClassVar[str]
    claim: ClassVar[str]
    source: ClassVar[str]
    scenarios: ClassVar[tuple[str, ...]]
    expected_sign: ClassVar[int] = 1
    rule: ClassVar[str] = "sign"
    statistic: ClassVar[str] = ""
    unit: ClassVar[str] = ""

    def estimate(self, panels: Panels, timeseries: Series) -> Estimate:
        raise NotImplementedError

    @classmethod
    def verdict(cls, est: Estimate) -> bool:
        """The fixed rule: see the module docstring."""
        v, p = est.value, est.p
        if not (np.isfinite(v) and np.isfinite(p)):
            return False
        if cls.rule == "not_positive":
            return not (v > 0 and p < ALPHA)
        return bool(np.sign(v) == cls.expected_sign and p < ALPHA)

    @classmethod
    def expectation(cls) -> str:
        if cls.rule == "not_positive":
            return "not significantly > 0"
        return ("> 0" if cls.expected_sign > 0 else "< 0") + f", p < {ALPHA}"


FACTS: list[type[Fact]] = []


def register(cls: type[Fact]) -> type[Fact]:
    """Add a fact class to :data:`FACTS` (a class decorator)."""
    FACTS.append(cls)
    return cls


# ------------------------------------------------------------------------ helpers


def pct(s: pd.Series) -> pd.Series:
    """A share as percent."""
    return 100.0 * s


def cycle_difference(panels: Panels, base: str, other: str, y: str) -> Estimate:
    """Pooled interaction: change of the penultimate-year coefficient from base to other;
    clustered by seed (see the module docstring)."""
    cols = list(dict.fromkeys(["dep", "penultimate", "arm", *CONTROLS, *FE, CONTRAST_CLUSTER]))
    d = pd.concat(
        [cycle_frame(panels[base], y)[cols], cycle_frame(panels[other], y)[cols]],
        ignore_index=True,
    )
    d["other"] = (d["arm"] == other).astype(float)
    d["pen_x_other"] = d["penultimate"] * d["other"]
    ctrl = []
    for c in CONTROLS:  # controls may act differently by arm
        d[f"{c}_x_other"] = d[c] * d["other"]
        ctrl += [c, f"{c}_x_other"]
    fit = fe_ols(d, "dep", ["penultimate", "pen_x_other", *ctrl], FE, CONTRAST_CLUSTER)
    est = coef_estimate(fit, "pen_x_other", dependent=y, base=base, other=other)
    est.detail["coef_base"] = float(fit["coef"]["penultimate"])
    est.detail["coef_other"] = float(
        linear_combination(fit, {"penultimate": 1.0, "pen_x_other": 1.0}).value
    )
    return est


def run_means(ts: pd.DataFrame, col: str) -> pd.Series:
    """The mean of ``col`` over the years of each run (seed)."""
    return ts.groupby("seed")[col].mean()


def contrast(timeseries: Series, a: str, b: str, col: str) -> Estimate:
    """Paired difference of ``col``'s run means between arms ``a`` and ``b``."""
    est = paired_contrast(run_means(timeseries[a], col), run_means(timeseries[b], col))
    est.detail.update({"arm_a": a, "arm_b": b, "outcome": col})
    return est


# -------------------------------------------------------------------------- facts


@register
class PromotionOnRelativeGrowth(Fact):
    id, number = "1", 1
    title = "Promotion rises with relative growth"
    claim = (
        "Under a GDP tournament the probability that an evaluated leader is promoted "
        "rises with reported growth relative to province peers."
    )
    source = "Li & Zhou 2005; Chen, Li & Zhou 2005"
    scenarios = ("gdp_tournament",)
    statistic = (
        "logit of promoted on term-average relative reported growth (pp), with age, "
        "years in post, insider, connected; evaluated leaders; clustered by prefecture"
    )
    unit = "logit coefficient per pp"

    def estimate(self, panels, timeseries):
        est = li_zhou_logit(panels["gdp_tournament"], CLUSTER)
        est.detail["marginal_effect_per_pp"] = est.detail.pop("marginal_effect")
        est.detail["promotion_rate_evaluated"] = est.detail.pop("mean_y")
        return est


@register
class BudgetCycle(Fact):
    id, number = "2a", 2
    title = "Political budget cycle in investment"
    claim = "Investment spending grows faster in the last full year before an evaluation."
    source = "Guo 2009"
    scenarios = ("gdp_tournament",)
    statistic = (
        "FE regression of investment spending growth (%) on the penultimate-year "
        "dummy + controls, prefecture and year FE, clustered by seed (run)"
    )
    unit = "pp of growth"

    def estimate(self, panels, timeseries):
        return cycle_estimate(panels["gdp_tournament"], "investment_spending_growth", CYCLE_CLUSTER)


@register
class CycleDampedByLongTerms(Fact):
    id, number = "2b", 2
    title = "Longer terms dampen the budget cycle"
    claim = "The penultimate-year investment spike is smaller with 7-year than 5-year terms."
    source = "seed 002 (Blum): short terms lead to investment spikes; Guo 2009"
    scenarios = ("gdp_tournament", "long_terms")
    expected_sign = -1
    statistic = "pooled FE regression; coefficient of penultimate × long_terms; clustered by seed"
    unit = "pp of growth"

    def estimate(self, panels, timeseries):
        return cycle_difference(
            panels, "gdp_tournament", "long_terms", "investment_spending_growth"
        )


@register
class CycleDampedByLifelong(Fact):
    id, number = "2c", 2
    title = "Lifelong accountability dampens the budget cycle"
    claim = "The penultimate-year investment spike is smaller under lifelong accountability."
    source = "seed 002 (Blum): strengthen lifelong accountability for a long-run perspective"
    scenarios = ("gdp_tournament", "lifelong_accountability")
    expected_sign = -1
    statistic = (
        "pooled FE regression; coefficient of penultimate × lifelong_accountability; "
        "clustered by seed"
    )
    unit = "pp of growth"

    def estimate(self, panels, timeseries):
        return cycle_difference(
            panels, "gdp_tournament", "lifelong_accountability", "investment_spending_growth"
        )


@register
class Table1GrowthOnly(Fact):
    id, number = "3a", 3
    title = "Table 1: GDP growth in the penultimate year, growth-only regime"
    claim = "Penultimate-year dummy on GDP growth is positive under a growth-only tournament."
    source = "seed 002, Table 1, col. (2) 2000-07: 1.118* (t = 1.81)"
    scenarios = ("gdp_tournament",)
    statistic = "Table 1 specification on reported GDP growth (%); clustered by seed (run)"
    unit = "pp of growth"

    def estimate(self, panels, timeseries):
        return cycle_estimate(panels["gdp_tournament"], "gdp_growth_reported", CYCLE_CLUSTER)


@register
class Table1Balanced(Fact):
    id, number = "3b", 3
    title = "Table 1: GDP growth in the penultimate year, balanced regime"
    claim = (
        "Under a balanced scorecard the penultimate-year GDP-growth coefficient is not positive."
    )
    source = "seed 002, Table 1, col. (2) 2008-15: -0.589* (t = -1.87)"
    scenarios = ("balanced_scorecard",)
    rule = "not_positive"
    statistic = "Table 1 specification on reported GDP growth (%); clustered by seed (run)"
    unit = "pp of growth"

    def estimate(self, panels, timeseries):
        return cycle_estimate(panels["balanced_scorecard"], "gdp_growth_reported", CYCLE_CLUSTER)


@register
class Table1GrowthCycleFalls(Fact):
    id, number = "3c", 3
    title = "Table 1: the GDP-growth cycle is smaller in the balanced regime"
    claim = "The penultimate-year GDP-growth coefficient is lower under the balanced scorecard."
    source = "seed 002, Table 1: 1.118 (2000-07) vs -0.589 (2008-15)"
    scenarios = ("gdp_tournament", "balanced_scorecard")
    expected_sign = -1
    statistic = (
        "pooled FE regression; coefficient of penultimate × balanced_scorecard; clustered by seed"
    )
    unit = "pp of growth"

    def estimate(self, panels, timeseries):
        return cycle_difference(
            panels, "gdp_tournament", "balanced_scorecard", "gdp_growth_reported"
        )


@register
class Table1ServicesGrowthOnly(Fact):
    id, number = "3d", 3
    title = "Table 1: science/education spending growth falls (growth-only regime)"
    claim = "Science & technology spending growth is lower in the penultimate year."
    source = "seed 002, Table 1, col. (6) 2000-07: S&T -79.28** (t = -2.57)"
    scenarios = ("gdp_tournament",)
    expected_sign = -1
    statistic = (
        "Table 1 specification on science & technology (innovation) spending growth "
        "(%, winsorised); clustered by seed (run)"
    )
    unit = "pp of growth"

    def estimate(self, panels, timeseries):
        panel = panels["gdp_tournament"]
        return cycle_estimate(panel, st_variable(panel), CYCLE_CLUSTER)


@register
class Table1ServicesBalanced(Fact):
    id, number = "3e", 3
    title = "Table 1: science/education spending growth falls (balanced regime)"
    claim = "Science & technology spending growth is lower in the penultimate year, scorecard too."
    source = "seed 002, Table 1, col. (6) 2008-15: S&T -9.259*** (t = -3.07)"
    scenarios = ("balanced_scorecard",)
    expected_sign = -1
    statistic = (
        "Table 1 specification on science & technology (innovation) spending growth "
        "(%, winsorised); clustered by seed (run)"
    )
    unit = "pp of growth"

    def estimate(self, panels, timeseries):
        panel = panels["balanced_scorecard"]
        return cycle_estimate(panel, st_variable(panel), CYCLE_CLUSTER)


@register
class InsidersSpendOnServices(Fact):
    id, number = "4a", 4
    title = "Insiders spend more on public services"
    claim = "Locally socialised leaders give a larger budget share to public services."
    source = "Persson & Zhuravskaya 2016"
    scenarios = ("gdp_tournament",)
    statistic = (
        "FE regression of public-services budget share (pp) on insider, age; "
        "prefecture and year FE, clustered by prefecture"
    )
    unit = "pp of budget"

    def estimate(self, panels, timeseries):
        d = panels["gdp_tournament"]
        d = d.assign(dep=pct(d["public_services_share"]))
        fit = fe_ols(d, "dep", ["insider", "age"], FE, CLUSTER)
        est = coef_estimate(fit, "insider")
        est.detail["share_insiders"] = float(d.loc[d.insider == 1, "dep"].mean())
        est.detail["share_outsiders"] = float(d.loc[d.insider == 0, "dep"].mean())
        return est


@register
class InsidersPromotedLess(Fact):
    id, number = "4b", 4
    title = "Insiders are promoted less"
    claim = "Among evaluated leaders, insiders are less likely to be promoted."
    source = "Persson & Zhuravskaya 2016"
    scenarios = ("gdp_tournament",)
    expected_sign = -1
    statistic = (
        "logit of promoted on insider, age, connected; evaluated leaders; clustered by prefecture"
    )
    unit = "logit coefficient"

    def estimate(self, panels, timeseries):
        d = panels["gdp_tournament"]
        d = d[d["evaluated"] == 1]
        fit = logit(d, "promoted", ["insider", "age", "connected"], CLUSTER)
        lo, hi = (float(v) for v in fit["ci"].loc["insider"])
        return Estimate(
            float(fit["coef"]["insider"]),
            lo,
            hi,
            float(fit["p"]["insider"]),
            fit["n"],
            se=float(fit["se"]["insider"]),
            t=float(fit["z"]["insider"]),
            detail={
                "promotion_rate_insiders": float(d.loc[d.insider == 1, "promoted"].mean()),
                "promotion_rate_outsiders": float(d.loc[d.insider == 0, "promoted"].mean()),
                "marginal_effect": float(fit["margeff"]["insider"]),
                "n_clusters": fit["n_clusters"],
            },
        )


class _Contrast(Fact):
    arm_a: ClassVar[str]
    arm_b: ClassVar[str]
    outcome: ClassVar[str]
    extra: ClassVar[tuple[str, ...]] = ()

    def estimate(self, panels, timeseries):
        est = contrast(timeseries, self.arm_a, self.arm_b, self.outcome)
        for col in self.extra:
            e = contrast(timeseries, self.arm_a, self.arm_b, col)
            est.detail[f"diff_{col}"] = e.value
            est.detail[f"p_{col}"] = e.p
        return est


def _contrast_fact(
    id_: str,
    number: int,
    title: str,
    claim: str,
    source: str,
    a: str,
    b: str,
    outcome: str,
    sign: int,
    unit: str,
    extra: tuple[str, ...] = (),
) -> type[Fact]:
    cls = type(
        f"Fact{id_}",
        (_Contrast,),
        dict(
            id=id_,
            number=number,
            title=title,
            claim=claim,
            source=source,
            scenarios=(a, b),
            expected_sign=sign,
            arm_a=a,
            arm_b=b,
            outcome=outcome,
            extra=extra,
            unit=unit,
            statistic=f"paired contrast of run means, {a} − {b}: {outcome}",
        ),
    )
    return register(cls)


_contrast_fact(
    "5a",
    5,
    "Growth-only rule under-provides services",
    "Public-service quality is lower under the GDP tournament than the scorecard.",
    "Holmström & Milgrom 1991",
    "gdp_tournament",
    "balanced_scorecard",
    "public_services",
    -1,
    "index",
    extra=("services_share",),
)
_contrast_fact(
    "5b",
    5,
    "Growth-only rule raises pollution",
    "Pollution is higher under the GDP tournament than the scorecard.",
    "Holmström & Milgrom 1991",
    "gdp_tournament",
    "balanced_scorecard",
    "pollution",
    1,
    "index",
    extra=("environment_share",),
)
_contrast_fact(
    "5c",
    5,
    "An environmental target lowers pollution",
    "Adding a 30 % environment weight to the tournament lowers pollution.",
    "Chen, Li & Lu 2018",
    "environment_target",
    "gdp_tournament",
    "pollution",
    -1,
    "index",
)
_contrast_fact(
    "5d",
    5,
    "An environmental target lowers growth",
    "Adding a 30 % environment weight to the tournament lowers true GDP growth.",
    "Chen, Li & Lu 2018",
    "environment_target",
    "gdp_tournament",
    "gdp_growth_true",
    -1,
    "fraction/yr",
)
_contrast_fact(
    "6a",
    6,
    "Manipulation rises with the weight on growth",
    "Reported-minus-true growth is larger with growth weight 1.0 (tournament) than "
    "0.4 (scorecard), audits held at the same weak level.",
    "Wallace 2016",
    "gdp_tournament",
    "balanced_weak_audit",
    "manipulation_gap",
    1,
    "fraction/yr",
)
_contrast_fact(
    "6b",
    6,
    "Independent audits reduce manipulation",
    "Reported-minus-true growth is smaller with strong independent audits.",
    "Wallace 2016",
    "independent_audit",
    "gdp_tournament",
    "manipulation_gap",
    -1,
    "fraction/yr",
)
_contrast_fact(
    "7a",
    7,
    "Satisfaction weighting raises services",
    "Public-service quality is higher when leaders are ranked on satisfaction.",
    "seeds 001/004 (Nanjing, PPGPA)",
    "citizen_satisfaction",
    "gdp_tournament",
    "public_services",
    1,
    "index",
)
_contrast_fact(
    "7b",
    7,
    "Satisfaction weighting raises trust",
    "Citizen trust in local government is higher when ranked on satisfaction.",
    "seeds 001/004 (Nanjing, PPGPA)",
    "citizen_satisfaction",
    "gdp_tournament",
    "trust_local",
    1,
    "0..1",
    extra=("satisfaction",),
)
_contrast_fact(
    "7c",
    7,
    "Satisfaction weighting costs measured growth",
    "Reported GDP growth is lower when leaders are ranked on satisfaction.",
    "seeds 001/004 (Nanjing, PPGPA)",
    "citizen_satisfaction",
    "gdp_tournament",
    "gdp_growth_reported",
    -1,
    "fraction/yr",
)
_contrast_fact(
    "8a",
    8,
    "Protection lowers firm exit",
    "Firm exit is lower where leaders can protect incumbents.",
    "seed 002 (lack of creative destruction)",
    "gdp_tournament",
    "no_protection",
    "firm_exit_rate",
    -1,
    "fraction/yr",
    extra=("protected_share",),
)
_contrast_fact(
    "8b",
    8,
    "Protection lowers TFP growth",
    "TFP growth is lower where leaders can protect incumbents.",
    "seed 002 (lack of creative destruction)",
    "gdp_tournament",
    "no_protection",
    "tfp_growth",
    -1,
    "fraction/yr",
    extra=("protected_share",),
)

# The seeds' reforms (DESIGN §8): each mechanism against the tournament it is added to.
_contrast_fact(
    "9a",
    9,
    "Service halls raise satisfaction",
    "Citizen satisfaction is higher with one-window public service halls.",
    "seed 003 (Xicheng service halls, 2005-08)",
    "service_halls",
    "gdp_tournament",
    "satisfaction",
    1,
    "0..1",
    extra=("petitions", "gdp_growth_true"),
)
_contrast_fact(
    "9b",
    9,
    "Service halls raise local trust",
    "Citizen trust in local government is higher with public service halls.",
    "seed 003 (Xicheng service halls, 2005-08)",
    "service_halls",
    "gdp_tournament",
    "trust_local",
    1,
    "0..1",
)
_contrast_fact(
    "10a",
    10,
    "Cadre capacity raises public services",
    "Public-service quality is higher with cadre skill training and residents' "
    "feedback in evaluation.",
    "seed 004 (Qingyuan cadre skill building, 2004-06)",
    "cadre_capacity",
    "gdp_tournament",
    "public_services",
    1,
    "index",
    extra=("services_share", "gdp_growth_true"),
)
_contrast_fact(
    "10b",
    10,
    "Cadre capacity raises satisfaction",
    "Citizen satisfaction is higher with cadre skill training and residents' "
    "feedback in evaluation.",
    "seed 004 (Qingyuan cadre skill building, 2004-06)",
    "cadre_capacity",
    "gdp_tournament",
    "satisfaction",
    1,
    "0..1",
)
_contrast_fact(
    "11a",
    11,
    "Big-data monitoring cuts the manipulation gap",
    "Reported-minus-true growth is smaller with automated real-time performance data.",
    "seed 002, session 4 (Niu; Changsheng, Foshan)",
    "big_data_monitoring",
    "gdp_tournament",
    "manipulation_gap",
    -1,
    "fraction/yr",
    extra=("trust_local", "gdp_growth_true"),
)
_contrast_fact(
    "12a",
    12,
    "Regulatory consistency lowers protection",
    "The share of firms kept alive by local protection is lower under central enforcement rules.",
    "seed 002, session 3 (Ladegaard)",
    "regulatory_consistency",
    "gdp_tournament",
    "protected_share",
    -1,
    "fraction",
)
_contrast_fact(
    "12b",
    12,
    "Regulatory consistency raises firm exit",
    "Firm exit is higher under central enforcement rules (creative destruction).",
    "seed 002, session 3 (Ladegaard)",
    "regulatory_consistency",
    "gdp_tournament",
    "firm_exit_rate",
    1,
    "fraction/yr",
    extra=("firm_entry_rate", "tfp_growth", "gdp_growth_true"),
)


def needed_arms(facts: list[type[Fact]] | None = None) -> list[str]:
    """The scenario arms ``facts`` (default: all) need, each once."""
    out: list[str] = []
    for f in facts or FACTS:
        for s in f.scenarios:
            if s not in out:
                out.append(s)
    return out


def evaluate_fact(cls: type[Fact], panels: Panels, timeseries: Series) -> dict:
    """Estimate one claim and apply its verdict rule; errors become 'not reproduced'."""
    missing = [s for s in cls.scenarios if s not in panels]
    try:
        if missing:
            raise KeyError(f"missing scenario arm(s): {', '.join(missing)}")
        est = cls().estimate(panels, timeseries)
    except Exception as e:  # an estimator that cannot run is a failed fact, said plainly
        est = nan_estimate(f"{type(e).__name__}: {e}")
    ok = cls.verdict(est)
    return {
        "id": cls.id,
        "number": cls.number,
        "title": cls.title,
        "claim": cls.claim,
        "source": cls.source,
        "scenarios": list(cls.scenarios),
        "statistic": cls.statistic,
        "unit": cls.unit,
        "expected": cls.expectation(),
        "rule": cls.rule,
        "expected_sign": cls.expected_sign,
        "estimate": est.to_dict(),
        "reproduced": bool(ok),
    }


# ------------------------------------------------------------------ seed 002 Table 1

#: published coefficient and t-statistic of the penultimate-year dummy (seed 002 Table 1)
PUBLISHED_TABLE1 = {
    ("GDP growth", "2000-07"): (1.118, 1.81, 1249),
    ("GDP growth", "2008-15"): (-0.589, -1.87, 1822),
    ("Education expenditure growth", "2000-07"): (0.737, 0.24, 874),
    ("Education expenditure growth", "2008-15"): (-1.336, -0.55, 1822),
    ("Science and technology expenditure growth", "2000-07"): (-79.28, -2.57, 867),
    ("Science and technology expenditure growth", "2008-15"): (-9.259, -3.07, 1822),
}
#: the historical baselines standing for each period of Table 1
TABLE1_REGIMES = {"2000-07": "china_2000s", "2008-15": "china_2010s"}
TABLE1_DEPENDENT = {
    "GDP growth": "gdp_growth_reported",
    "Education expenditure growth": "services_spending_growth",
    "Science and technology expenditure growth": "innovation_spending_growth",
}


def stars(p: float) -> str:
    """Significance stars of a p-value (*** < 0.01, ** < 0.05, * < 0.1)."""
    if not np.isfinite(p):
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


def table1(panels: Panels) -> list[dict]:
    """Seed 002's Table 1 on simulated data: one row per (dependent, regime); clustered by
    seed (the run, :data:`CYCLE_CLUSTER`), not by prefecture as the paper on its one
    panel: the prefectures of a pooled run share its shocks (docs/validation/inference.md)."""
    rows = []
    cache: dict[tuple[str, str], Estimate] = {}
    for dep_name, var in TABLE1_DEPENDENT.items():
        for period, arm in TABLE1_REGIMES.items():
            pub_b, pub_t, pub_n = PUBLISHED_TABLE1[(dep_name, period)]
            if arm in panels:
                if var not in panels[arm]:
                    var = "services_spending_growth"
                key = (var, arm)
                if key not in cache:
                    try:
                        cache[key] = cycle_estimate(panels[arm], var, CYCLE_CLUSTER)
                    except Exception as e:
                        cache[key] = nan_estimate(str(e))
                est = cache[key]
            else:
                est = nan_estimate(f"arm {arm} not run")
            rows.append(
                {
                    "dependent": dep_name,
                    "period": period,
                    "arm": arm,
                    "variable": var,
                    "published_coef": pub_b,
                    "published_t": pub_t,
                    "published_n": pub_n,
                    "published_stars": stars(2 * sps.norm.sf(abs(pub_t))),
                    "sim_coef": est.value,
                    "sim_t": est.t,
                    "sim_p": est.p,
                    "sim_n": est.n,
                    "sim_stars": stars(est.p),
                    "same_sign": bool(np.sign(est.value) == np.sign(pub_b))
                    if np.isfinite(est.value)
                    else False,
                }
            )
    return rows
