"""Outcomes: named, with a unit and a direction (EMA-workbench style), and the codebook.

:data:`OUTCOMES` lists every column of ``SimulationResult.timeseries`` after
``year``. Rates and growth are fractions (0.08 = 8 %). ``direction`` says
which way is better, for tables and for exploratory modelling.

:data:`CODEBOOK` documents every column of ``SimulationResult.timeseries`` and of
the leader-year panel ``SimulationResult.leaders``: definition, unit and when it is
missing; :func:`codebook` returns it as a DataFrame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Outcome:
    """A national outcome: name, unit, which direction is better, description."""

    name: str
    unit: str
    direction: Literal["higher", "lower", "none"]
    description: str


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("gdp_growth_true", "fraction/yr", "higher", "mean prefecture real GDP growth"),
    Outcome("gdp_growth_reported", "fraction/yr", "none", "mean reported GDP growth"),
    Outcome("manipulation_gap", "fraction/yr", "lower", "reported minus true growth"),
    Outcome(
        "growth_dispersion", "fraction/yr", "none", "within-province SD of prefecture true growth"
    ),
    Outcome("investment_rate", "share of GDP", "none", "public + private gross investment / GDP"),
    Outcome("public_investment_rate", "share of GDP", "none", "public investment / GDP"),
    Outcome("return_on_capital", "fraction/yr", "higher", "capital share x output / firm capital"),
    Outcome("tfp_growth", "fraction/yr", "higher", "growth of capital-weighted firm productivity"),
    Outcome("firm_entry_rate", "fraction/yr", "none", "entrants / alive firms"),
    Outcome("firm_exit_rate", "fraction/yr", "none", "exits / alive firms"),
    Outcome("protected_share", "fraction", "lower", "share of alive firms kept alive by support"),
    Outcome("public_services", "index (1 = reference)", "higher", "mean public-service quality"),
    Outcome("human_capital", "index (1 = reference)", "higher", "mean human capital"),
    Outcome("pollution", "index (initial mean ~1)", "lower", "mean pollution concentration"),
    Outcome("debt_to_gdp", "ratio", "lower", "local-government debt / GDP"),
    Outcome("satisfaction", "0..1", "higher", "mean resident satisfaction"),
    Outcome("trust_local", "0..1", "higher", "mean citizen trust in local government"),
    Outcome("trust_central", "0..1", "higher", "mean citizen trust in the central government"),
    Outcome("firm_trust", "0..1", "higher", "mean firm trust in local government"),
    Outcome("petitions", "per 1,000 residents/yr", "lower", "petitions filed"),
    Outcome("promotion_rate", "fraction/yr", "none", "leaders promoted / leaders"),
    Outcome("dismissal_rate", "fraction/yr", "lower", "leaders dismissed / leaders"),
    Outcome("turnover_rate", "fraction/yr", "none", "prefectures with a new leader / prefectures"),
    Outcome("mean_tenure", "years", "none", "mean years the sitting leaders have been in post"),
    Outcome("mean_age", "years", "none", "mean age of sitting leaders"),
    Outcome(
        "selection_quality",
        "ability SD",
        "higher",
        "mean ability of promoted minus mean ability of evaluated leaders",
    ),
    Outcome("investment_share", "share of budget", "none", "mean budget share on investment"),
    Outcome("services_share", "share of budget", "none", "mean budget share on services"),
    Outcome("environment_share", "share of budget", "none", "mean budget share on environment"),
    Outcome("subsidy_share", "share of budget", "none", "mean budget share on firm support"),
    Outcome(
        "innovation_share", "share of budget", "none", "mean budget share on science and technology"
    ),
)

OUTCOME_NAMES = tuple(o.name for o in OUTCOMES)
BY_NAME = {o.name: o for o in OUTCOMES}

#: the leader-year panel's columns, in order
PANEL_COLUMNS = (
    "year",
    "prefecture",
    "province",
    "leader_id",
    "tenure_year",
    "years_to_evaluation",
    "years_in_post",
    "term_length",
    "age",
    "insider",
    "connected",
    "ability",
    "motivation",
    "investment_share",
    "public_services_share",
    "environment_share",
    "subsidy_share",
    "innovation_share",
    "borrowing",
    "manipulation",
    "pollution_underreport",
    "investment_spending_growth",
    "services_spending_growth",
    "innovation_spending_growth",
    "gdp_growth_true",
    "gdp_growth_reported",
    "relative_growth_reported",
    "pollution_growth",
    "debt_to_gdp",
    "satisfaction",
    "firm_exit_rate",
    "firm_entry_rate",
    "protected_share",
    "tfp_growth",
    "log_gdp",
    "score",
    "rank_pct",
    "evaluated",
    "promoted",
    "dismissed",
    "scandal",
)


@dataclass(frozen=True)
class Column:
    """One column of a result table: what it is, its unit, and when it is missing."""

    table: Literal["timeseries", "leaders"]
    name: str
    unit: str
    definition: str
    missing: str = "never"


NO_PROMOTION = "NaN in a year in which no leader was promoted"
_SPENDING = (
    "year-on-year growth of the prefecture's spending on {what}: spending / last "
    "year's spending - 1 (a plain growth rate, as in fiscal panels). A line that was "
    "near zero last year gives very large values (innovation reaches +4,900 %): "
    "winsorise (incentsim.analysis.validation uses the 1st/99th percentiles) or use log "
    "changes before regressing on it"
)

#: every column of the leader-year panel (one row per prefecture and recorded year)
PANEL_CODEBOOK: tuple[Column, ...] = tuple(
    Column("leaders", *c)
    for c in (
        ("year", "year", "simulated year, 1..world.horizon (burn-in years are not recorded)"),
        ("prefecture", "index", "prefecture number, 0..prefectures-1"),
        ("province", "index", "province number of the prefecture"),
        ("leader_id", "id", "the sitting leader (unique over the run)"),
        (
            "tenure_year",
            "years",
            "year of the leader's current term: 1 in its first year, "
            "term_length in the evaluation year; 0 again after a reappointment. Leaders in post at "
            "the start begin at a random point of their term",
        ),
        ("years_to_evaluation", "years", "term_length - tenure_year: 0 in the evaluation year"),
        (
            "years_in_post",
            "years",
            "years the leader has held this post, across reappointed "
            "terms (tenure_year restarts, this does not); it sets the share of outcomes credited "
            "to the leader (promotion.attribution_lag). Counted from the start of the simulation "
            "for the leaders in post then",
        ),
        ("term_length", "years", "length of the leader's term (tenure.term_length)"),
        ("age", "years", "the leader's age"),
        (
            "insider",
            "bool",
            "the leader was promoted from within the province "
            "(tenure.insider_prob); works as a regressor in statsmodels formulas as it is",
        ),
        (
            "connected",
            "bool",
            "the leader is connected to the provincial patron (tenure.connected_prob)",
        ),
        (
            "ability",
            "SD (standard normal)",
            "the leader's ability, drawn at appointment; the "
            "upper level never observes it, it only raises growth (economy.ability_effect)",
        ),
        (
            "motivation",
            "weight (0..2 x behaviour.public_service_motivation)",
            "intrinsic weight the leader puts on local welfare",
        ),
        ("investment_share", "share of budget", "budget share on investment this year"),
        ("public_services_share", "share of budget", "budget share on education and health"),
        ("environment_share", "share of budget", "budget share on environmental enforcement"),
        ("subsidy_share", "share of budget", "budget share on support for incumbent firms"),
        ("innovation_share", "share of budget", "budget share on science and technology"),
        (
            "borrowing",
            "share of last year's GDP",
            "new local-government debt taken on this "
            "year, as a share of the prefecture's GDP of the year before; funds investment only",
        ),
        (
            "manipulation",
            "fraction/yr",
            "reported minus true GDP growth: growth the leader "
            "faked this year (0..behaviour.max_manipulation)",
        ),
        (
            "pollution_underreport",
            "fraction/yr",
            "true minus reported pollution growth: "
            "pollution the leader hid this year (0 when pollution reports cannot be faked)",
        ),
        (
            "investment_spending_growth",
            "fraction/yr",
            _SPENDING.format(what="investment"),
            "NaN when last year's investment spending was 0",
        ),
        (
            "services_spending_growth",
            "fraction/yr",
            _SPENDING.format(what="public services"),
            "NaN when last year's services spending was 0",
        ),
        (
            "innovation_spending_growth",
            "fraction/yr",
            _SPENDING.format(what="science and technology"),
            "NaN when last year's innovation spending was 0",
        ),
        ("gdp_growth_true", "fraction/yr", "the prefecture's real GDP growth this year"),
        (
            "gdp_growth_reported",
            "fraction/yr",
            "GDP growth the prefecture reported: gdp_growth_true + manipulation",
        ),
        (
            "relative_growth_reported",
            "fraction/yr",
            "THIS year's reported growth minus the "
            "province mean of reported growth this year. The validation's Fact 1 uses the "
            "term-average of this over the leader's term, not the evaluation-year value",
        ),
        (
            "pollution_growth",
            "fraction/yr",
            "true growth of the prefecture's pollution concentration",
        ),
        ("debt_to_gdp", "ratio", "the prefecture's local-government debt / its GDP"),
        ("satisfaction", "0..1", "mean satisfaction of the prefecture's residents"),
        (
            "firm_exit_rate",
            "fraction/yr",
            "firms that exited / firms alive at the start of the year",
        ),
        (
            "firm_entry_rate",
            "fraction/yr",
            "firms that entered / firms alive at the start of the year",
        ),
        (
            "protected_share",
            "fraction",
            "share of the prefecture's alive firms kept alive by the leader's support",
        ),
        (
            "tfp_growth",
            "fraction/yr",
            "growth of capital-weighted firm productivity against "
            "the year before (carried over, 0, in a year with no live firm)",
        ),
        ("log_gdp", "log (initial mean GDP ~ 0)", "natural log of the prefecture's GDP"),
        (
            "score",
            "rule-specific index",
            "the promotion rule's score of the leader's "
            "term-average indicators plus evaluation noise (promotion.noise). Computed for every "
            "leader every year; it decides anything only in a row with evaluated True",
        ),
        (
            "rank_pct",
            "0..1",
            "rank of score within the province: share of the other "
            "prefectures scoring lower (1 alone). Filled every year like score; it matters only "
            "when evaluated is True",
        ),
        (
            "evaluated",
            "bool",
            "the leader's term ended this year and the upper level "
            "evaluated it (tenure_year >= term_length). As the dependent variable of a "
            "statsmodels formula write it as an integer: 'promoted.astype(int) ~ ...'",
        ),
        ("promoted", "bool", "the leader was promoted at this evaluation"),
        ("dismissed", "bool", "the leader was dismissed this year (a scandal or mechanism)"),
        ("scandal", "bool", "faked statistics or pollution were uncovered this year"),
    )
)

#: every column of the yearly timeseries: ``year`` and the :data:`OUTCOMES`
TIMESERIES_CODEBOOK: tuple[Column, ...] = (
    Column(
        "timeseries",
        "year",
        "year",
        "simulated year, 1..world.horizon (burn-in years are not recorded)",
    ),
    *(
        Column(
            "timeseries",
            o.name,
            o.unit,
            o.description,
            NO_PROMOTION if o.name == "selection_quality" else "never",
        )
        for o in OUTCOMES
    ),
)

#: the whole codebook: the timeseries, then the leader panel
CODEBOOK: tuple[Column, ...] = TIMESERIES_CODEBOOK + PANEL_CODEBOOK


def codebook(table: str | None = None):
    """The codebook as a DataFrame (``table``, ``name``, ``unit``, ``definition``,
    ``missing``), for one table (``"timeseries"`` or ``"leaders"``) or both."""
    import pandas as pd

    rows = [c for c in CODEBOOK if table is None or c.table == table]
    if not rows:
        raise ValueError(f"unknown table {table!r}; use 'timeseries' or 'leaders'")
    return pd.DataFrame(
        [c.__dict__ for c in rows], columns=["table", "name", "unit", "definition", "missing"]
    )
