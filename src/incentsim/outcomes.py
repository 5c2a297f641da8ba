"""Outcomes: named, with a unit and a direction (EMA-workbench style).

:data:`OUTCOMES` lists every column of ``SimulationResult.timeseries`` after
``year``. Rates and growth are fractions (0.08 = 8 %). ``direction`` says
which way is better, for tables and for exploratory modelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Outcome:
    name: str
    unit: str
    direction: Literal["higher", "lower", "none"]
    description: str


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("gdp_growth_true", "fraction/yr", "higher", "mean prefecture real GDP growth"),
    Outcome("gdp_growth_reported", "fraction/yr", "none", "mean reported GDP growth"),
    Outcome("manipulation_gap", "fraction/yr", "lower", "reported minus true growth"),
    Outcome("growth_dispersion", "fraction/yr", "none",
            "within-province SD of prefecture true growth"),
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
    Outcome("selection_quality", "ability SD", "higher",
            "mean ability of promoted minus mean ability of evaluated leaders"),
    Outcome("investment_share", "share of budget", "none", "mean budget share on investment"),
    Outcome("services_share", "share of budget", "none", "mean budget share on services"),
    Outcome("environment_share", "share of budget", "none", "mean budget share on environment"),
    Outcome("subsidy_share", "share of budget", "none", "mean budget share on firm support"),
    Outcome("innovation_share", "share of budget", "none",
            "mean budget share on science and technology"),
)

OUTCOME_NAMES = tuple(o.name for o in OUTCOMES)
BY_NAME = {o.name: o for o in OUTCOMES}

#: the leader-year panel's columns, in order
PANEL_COLUMNS = (
    "year", "prefecture", "province", "leader_id", "tenure_year", "years_to_evaluation",
    "years_in_post", "term_length", "age", "insider", "connected", "ability", "motivation",
    "investment_share", "public_services_share", "environment_share", "subsidy_share",
    "innovation_share",
    "borrowing", "manipulation", "pollution_underreport",
    "investment_spending_growth", "services_spending_growth", "innovation_spending_growth",
    "gdp_growth_true", "gdp_growth_reported", "relative_growth_reported",
    "pollution_growth", "debt_to_gdp", "satisfaction", "firm_exit_rate", "firm_entry_rate",
    "protected_share", "tfp_growth", "log_gdp",
    "score", "rank_pct", "evaluated", "promoted", "dismissed", "scandal",
)
