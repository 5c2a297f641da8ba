"""Calibration targets: every moment of ``../shared/calibration.md`` as data.

A :class:`Target` is one row of calibration.md for one period: the value the real record
shows, its standard error where the data give one, the band a simulated value is judged
by, the period and the source. The *estimator* is named by ``moment``: a panel moment of
:mod:`incentsim.analysis.validation.moments` (computable on a real leader-year panel as on a
simulated one) or, for ``kind="simulation"``/``"input"``, a statistic only the model has
(trust surveys, scenario contrasts, scenario parameters; see
:mod:`incentsim.analysis.validation.calibration`).

Standard errors and bands, fixed here before and independently of any result:

* promotion rates by quintile: binomial SE on the 3,176 secretary-years of the Landry,
  Lü & Duan data, a fifth in each quintile (clustering by prefecture would widen them;
  calibration.md gives no clustered figure);
* the logit slope: its clustered SE as calibration.md reports it (0.06);
* Table 1: SE = coefficient / t as published (seed 002);
* where calibration.md gives a range or "about", that range is the band, and the
  estimation weights the target as if the band were ±2 standard errors
  (:meth:`Target.weight_se`).

Matched (calibration.md, "How to read the targets"): with a standard error, the
simulated value is within two of them; otherwise it lies inside the band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from math import sqrt

PERIODS = ("2000-07", "2008-15")

LANDRY = "computed, Landry et al. data 1996-2007 (3,176 secretary-years)"
MAYORS = "computed, prefecture mayor biographies 1990-2019"
SEED2 = "seed 002, Table 1"
SURVEY = "Cunningham, Saich & Turiel 2020"
N_SECRETARY_YEARS = 3176


@dataclass(frozen=True)
class Target:
    """One calibration target (see the module docstring for SEs and bands)."""

    id: str
    moment: str
    period: str
    name: str
    target: str
    value: float | None
    se: float | None
    band: tuple[float, float]
    band_source: str
    source: str
    unit: str
    scale: float = 1.0
    kind: str = "panel"  # "panel", "simulation" (model-only statistic) or "input"

    def weight_se(self) -> float:
        """The standard error the estimation weights this target by: its own, or a
        quarter of its band (the band read as ±2 SE)."""
        if self.se is not None:
            return self.se
        lo, hi = self.band
        return (hi - lo) / 4.0

    def centre(self) -> float:
        """The value the estimation aims at: the stated value, or the band's middle."""
        return self.value if self.value is not None else sum(self.band) / 2.0

    def matched(self, value: float) -> bool:
        """Inside the band (for a target with a standard error the band is ±2 SE, which is
        calibration.md's rule "within two of them")."""
        lo, hi = self.band
        return not math.isnan(value) and lo - 1e-12 <= value <= hi + 1e-12


def _pm2(v: float, se: float) -> tuple[float, float]:
    return (round(v - 2 * se, 6), round(v + 2 * se, 6))


def _quintile_targets() -> list[Target]:
    out = []
    n = N_SECRETARY_YEARS / 5
    for q, v in enumerate((0.091, 0.104, 0.096, 0.095, 0.080), start=1):
        se = round(sqrt(v * (1 - v) / n), 4)
        out.append(
            Target(
                f"promotion_q{q}",
                f"promotion_q{q}",
                "2000-07",
                f"Promotion rate of secretaries, relative-growth quintile {q}",
                "9.1, 10.4, 9.6, 9.5, 8.0 % — flat",
                v,
                se,
                _pm2(v, se),
                "±2 binomial SE (n = 635 per quintile)",
                LANDRY,
                "%",
                100,
            )
        )
    return out


def _both(id_, moment, name, unit, scale, rows) -> list[Target]:
    return [
        Target(
            f"{id_}" if period == "2000-07" else f"{id_}_2010s",
            moment,
            period,
            name,
            target,
            value,
            se,
            band,
            band_source,
            source,
            unit,
            scale,
        )
        for period, target, value, se, band, band_source, source in rows
    ]


TARGETS: list[Target] = [
    *_both(
        "growth_mean",
        "growth_mean",
        "Mean prefecture real GDP growth",
        "%",
        100,
        [
            (
                "2000-07",
                "8-12 % a year (8.4 % 1995-2001, 12.4 % 2002-07)",
                None,
                None,
                (0.08, 0.12),
                "calibration.md's stated range",
                "computed (calibration.md)",
            ),
            (
                "2008-15",
                "7.6-12.5 % (12.5 % 2008-12, 7.6 % 2013-19)",
                None,
                None,
                (0.076, 0.125),
                "calibration.md's stated range",
                "computed (calibration.md)",
            ),
        ],
    ),
    *_both(
        "growth_dispersion",
        "growth_dispersion",
        "Within-province SD of prefecture growth",
        "pp",
        100,
        [
            (
                "2000-07",
                "5-8 pp (8.2 in 1995-2001, 6.7 in 2002-07)",
                None,
                None,
                (0.05, 0.08),
                "calibration.md's stated range",
                "computed (calibration.md)",
            ),
            (
                "2008-15",
                "about 4.8 pp",
                0.048,
                None,
                (0.04, 0.056),
                "ours: 4.8 ± 0.8 pp",
                "computed (calibration.md)",
            ),
        ],
    ),
    Target(
        "relative_growth_ar1",
        "relative_growth_ar1",
        "2000-07",
        "AR(1) persistence of a prefecture's relative growth",
        "about 0.1 (0.12)",
        0.12,
        None,
        (0.0, 0.25),
        "ours: 0.12 ± 0.125 (weakly positive, well below 0.3)",
        "computed (calibration.md)",
        "coefficient",
    ),
    Target(
        "promotion_rate",
        "promotion_rate",
        "2000-07",
        "Annual promotion rate of prefecture party secretaries",
        "9.2 % (mayors 17.1 %)",
        0.092,
        None,
        (0.07, 0.11),
        "issue 12: annual promotion 7-11 %",
        LANDRY,
        "%",
        100,
    ),
    *_quintile_targets(),
    Target(
        "promotion_gradient",
        "promotion_gradient",
        "2000-07",
        "Promotion rate, top minus bottom quintile of relative growth",
        "8.0 - 9.1 = -1.1 pp (flat)",
        -0.011,
        0.0157,
        _pm2(-0.011, 0.0157),
        "±2 SE (difference of two binomial rates; issue 12 asks flat within ±4 pp)",
        LANDRY,
        "pp",
        100,
    ),
    Target(
        "promotion_logit_slope",
        "promotion_logit_slope",
        "2000-07",
        "Logit of annual promotion on standardised relative growth",
        "-0.10 per SD (clustered SE 0.06)",
        -0.10,
        0.06,
        _pm2(-0.10, 0.06),
        "±2 SE",
        LANDRY,
        "per SD",
    ),
    Target(
        "spell_mean",
        "spell_mean",
        "2000-07",
        "Mean completed spell in post",
        "3.4 years (mayors; secretaries similar or slightly longer)",
        3.4,
        None,
        (3.0, 3.8),
        "ours: 3.4 ± 0.4 years",
        MAYORS,
        "years",
    ),
    Target(
        "spell_median",
        "spell_median",
        "2000-07",
        "Median completed spell in post",
        "3.2 years",
        3.2,
        None,
        (3.0, 4.0),
        "ours: 3-4 (an annual panel counts whole years)",
        MAYORS,
        "years",
    ),
    Target(
        "spell_short",
        "spell_short",
        "2000-07",
        "Completed spells shorter than 2 years",
        "21 %",
        0.21,
        None,
        (0.15, 0.27),
        "ours: 21 ± 6 pp",
        MAYORS,
        "%",
        100,
    ),
    Target(
        "spell_long",
        "spell_long",
        "2000-07",
        "Completed spells reaching 5 years",
        "22 %",
        0.22,
        None,
        (0.16, 0.30),
        "ours: 22 -6/+8 pp (secretaries slightly longer)",
        MAYORS,
        "%",
        100,
    ),
    Target(
        "exit_hazard",
        "exit_hazard",
        "2000-07",
        "Exit hazard from post",
        "0.29 a year (mayors)",
        0.29,
        None,
        (0.24, 0.32),
        "ours: 0.29, lower for secretaries' slightly longer spells",
        MAYORS,
        "per year",
    ),
    Target(
        "spell_range",
        "spell_range",
        "2000-07",
        "Share of completed spells of 1-12 years",
        "real spells 1-12 years",
        None,
        None,
        (0.95, 1.0),
        "ours: nearly all in 1-12",
        "Li & Zhou 2005",
        "share",
    ),
    Target(
        "leader_age",
        "leader_age",
        "2000-07",
        "Mean age of sitting secretaries",
        "50.7 (mayors 49.0)",
        50.7,
        None,
        (49.0, 52.0),
        "ours: 50.7 -1.7/+1.3 years",
        "computed, Landry et al. data",
        "years",
    ),
    *_both(
        "table1_gdp",
        "table1_gdp",
        "Table 1: penultimate-year dummy on GDP growth",
        "pp",
        1,
        [
            (
                "2000-07",
                "+1.118 (t 1.81)",
                1.118,
                0.618,
                _pm2(1.118, 0.618),
                "±2 SE (SE = coefficient / t; published CI about -0.1 to 2.3)",
                SEED2,
            ),
            ("2008-15", "-0.589 (t -1.87)", -0.589, 0.315, _pm2(-0.589, 0.315), "±2 SE", SEED2),
        ],
    ),
    *_both(
        "table1_st",
        "table1_st",
        "Table 1: penultimate-year dummy on S&T spending growth",
        "pp",
        1,
        [
            ("2000-07", "-79.28 (t -2.57)", -79.28, 30.85, _pm2(-79.28, 30.85), "±2 SE", SEED2),
            ("2008-15", "-9.259 (t -3.07)", -9.259, 3.016, _pm2(-9.259, 3.016), "±2 SE", SEED2),
        ],
    ),
    Target(
        "ability_selection",
        "ability_selection",
        "2000-07",
        "Promotion per SD of leader ability",
        "abler leaders are more likely promoted",
        None,
        None,
        (0.0, 1.0),
        "sign: positive",
        "Yao & Zhang 2015; Jiang 2018",
        "pp per SD",
        100,
        kind="simulation",
    ),
    Target(
        "manipulation_gap",
        "manipulation_gap",
        "2000-07",
        "Reported minus true growth (strong pressure, weak audits)",
        "2-3.5 pp",
        None,
        None,
        (0.02, 0.035),
        "calibration.md's stated range",
        "Zeng & Zhou 2024; Wallace 2016",
        "pp",
        100,
        kind="simulation",
    ),
    Target(
        "term_official",
        "term_official",
        "2000-07",
        "Official term",
        "5 years",
        5.0,
        None,
        (5.0, 5.0),
        "calibration.md",
        "Li & Zhou 2005",
        "years",
        kind="input",
    ),
    Target(
        "target_escalation",
        "target_escalation",
        "2000-07",
        "Prefecture growth targets above the provincial target",
        "about +2.5 pp",
        0.025,
        None,
        (0.02, 0.03),
        "ours: 2.5 ± 0.5 pp",
        "computed, Li et al. 2019",
        "pp",
        100,
        kind="input",
    ),
    Target(
        "trust_central",
        "trust_central",
        "2008-15",
        "Trust in the central government",
        "93 % (2016); 86 % (2003)",
        None,
        None,
        (0.86, 0.95),
        "ours: between the 2003 and 2016 surveys",
        SURVEY,
        "share",
        kind="simulation",
    ),
    Target(
        "trust_local",
        "trust_local",
        "2008-15",
        "Trust in local government",
        "70 % (2016, township); 44 % (2003)",
        None,
        None,
        (0.44, 0.72),
        "ours: between the 2003 and 2016 surveys",
        SURVEY,
        "share",
        kind="simulation",
    ),
    Target(
        "trust_gap",
        "trust_gap",
        "2008-15",
        "Central minus local trust",
        "23 pp (2016); 42 pp (2003)",
        None,
        None,
        (0.15, 0.45),
        "ours: around the 2016 and 2003 gaps",
        SURVEY,
        "pp",
        100,
        kind="simulation",
    ),
    Target(
        "vertical_env_pollution",
        "vertical_env_pollution",
        "2008-15",
        "Central environmental inspection effect on pollution",
        "about -9 % (PM2.5)",
        -0.09,
        None,
        (-0.15, -0.03),
        "ours: -9 % ± 6 pp",
        "published evaluations, 2019-2022",
        "%",
        100,
        kind="simulation",
    ),
]

BY_ID: dict[str, Target] = {t.id: t for t in TARGETS}


def targets_for(
    period: str, kinds: tuple[str, ...] = ("panel", "simulation", "input")
) -> list[Target]:
    """The targets of one period (of the given kinds), in declaration order."""
    return [t for t in TARGETS if t.period == period and t.kind in kinds]
