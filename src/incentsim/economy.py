"""Prefecture economy: state arrays and the effects of public spending.

One row per prefecture. The leader's budget is split into five uses
(:data:`USES`); each use has diminishing returns (square root of its share of
GDP, "best projects first"):

* investment — adds to infrastructure, and construction adds to this year's
  output with multiplier ``public_investment_multiplier`` (the channel behind
  investment-led growth spikes, Guo 2009);
* services — education and health: raise service quality now (citizens feel
  it at once) and human capital with a lag;
* environment — enforcement: builds an abatement stock that cuts pollution
  and costs firms compliance;
* subsidy — support for incumbent firms: cheaper capital and protection from
  exit;
* innovation — science and technology: builds an innovation stock that moves
  the prefecture's technology frontier (and, through spillovers, the
  nation's) over years — no indicator of any rule moves within the year, so
  only intrinsic motivation pays for it (seed 002: innovation-driven
  development).

The same functions serve the simulation and the leaders' forecasts, so
leaders respond to the economy's true short-run effects (and only those:
they ignore the slow channels — infrastructure and human capital — that
outlast their term).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scipy.special import expit

#: one "notable change" of each indicator, in its own units: how intrinsic
#: motivation and the mechanisms' penalties weigh indicators against each other
NATURAL_SCALE = {"growth": 0.05, "growth_true": 0.05, "services": 0.2, "environment": 0.05,
                 "satisfaction": 0.1, "debt": 0.1, "firm_survey": 0.1, "stability": 1.0,
                 "innovation": 0.2}

USES = ("investment", "services", "environment", "subsidy", "innovation")
INV, SRV, ENV, SUB, INN = range(5)
N_USES = len(USES)

#: weights of the index behind resident satisfaction (see :func:`satisfaction_index`)
SATISFACTION_SERVICES = 2.0
SATISFACTION_INCOME = 6.0
SATISFACTION_POLLUTION = 1.2
SATISFACTION_BASE = 1.1

#: reference spending shares of GDP that give quality index 1.0
REF_SERVICES = 0.035
REF_ENVIRONMENT = 0.02
REF_INNOVATION = 0.025
INNOVATION_RENEWAL = 0.15
SERVICES_RENEWAL = 0.5
HUMAN_CAPITAL_LAG = 0.1
ABATEMENT_RENEWAL = 0.2
ABATEMENT_EFFECT = 0.15
INFRA_DEPRECIATION = 0.05
POLLUTION_SCALE_ELASTICITY = 0.6
FIRM_TRUST_ADJUSTMENT = 0.2
TURNOVER_TRUST_LOSS = 0.25
SUBSIDY_OUTPUT = 0.15


@dataclass
class PrefectureState:
    """Everything the model knows about each prefecture this year."""

    n: int
    productivity: np.ndarray  # z_p, fixed heterogeneity
    fiscal_capacity: np.ndarray
    emission_intensity: np.ndarray
    local_level: np.ndarray  # log level of accumulated local shocks
    local_growth_shock: np.ndarray
    gdp: np.ndarray
    private_output: np.ndarray
    private_output_prev: np.ndarray
    private_capital: np.ndarray
    pub_output: np.ndarray
    infrastructure: np.ndarray
    infra_ratio0: float
    services: np.ndarray
    human_capital: np.ndarray
    abatement: np.ndarray
    innovation: np.ndarray
    frontier_gap: np.ndarray  # log local frontier relative to the national frontier
    pollution: np.ndarray
    debt: np.ndarray
    revenue: np.ndarray
    firm_trust: np.ndarray
    shares: np.ndarray  # n x N_USES
    spending: np.ndarray  # n x N_USES, this year's spending by use
    spending_prev: np.ndarray
    borrowing: np.ndarray
    manipulation: np.ndarray
    underreport: np.ndarray
    growth_true: np.ndarray
    growth_reported: np.ndarray
    pollution_growth: np.ndarray
    pollution_growth_reported: np.ndarray
    subsidy_rate: np.ndarray
    protection: np.ndarray
    satisfaction_mean: np.ndarray
    firm_survey: np.ndarray
    petitions: np.ndarray
    transfers_next: np.ndarray
    scandal: np.ndarray
    turnover: np.ndarray
    last_score: np.ndarray
    rank_pct: np.ndarray
    indicators: dict[str, np.ndarray] = field(default_factory=dict)
    indicator_scale: dict[str, float] = field(default_factory=dict)
    term_sum: dict[str, np.ndarray] = field(default_factory=dict)
    term_weight: np.ndarray = None  # type: ignore[assignment]
    term_baseline: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def debt_to_gdp(self) -> np.ndarray:
        return self.debt / self.gdp


def budget(state: PrefectureState, tax_rate: float, interest: float) -> np.ndarray:
    """Discretionary budget: taxes on last year's GDP + borrowing + transfers - interest."""
    b = (tax_rate * state.fiscal_capacity * state.gdp + state.borrowing * state.gdp
         + state.transfers_next - interest * state.debt)
    return np.maximum(b, 0.0)


def spending_shares(base: np.ndarray, borrowing: np.ndarray) -> np.ndarray:
    """Spending by use over GDP: the tax-financed budget split by the plan's
    shares, plus borrowing, which goes to investment only (the 2014 Budget
    Law's golden rule; in practice local financing vehicles fund projects)."""
    out = np.array(base, dtype=float, copy=True)
    out[..., INV] += borrowing
    return out


def compliance(abatement, econ):
    """Output multiplier from environmental enforcement (compliance costs)."""
    return np.maximum(1.0 - econ.environmental_compliance_cost * (abatement - 1.0), 0.1)


def entry_barrier(abatement, econ):
    """Entry multiplier from environmental enforcement: permits and impact
    assessments hold back new plants, ``1 - entry_cost * (abatement - 1)``,
    so enforcement slows creative destruction (List, Millimet, Fredriksson &
    McHone 2003; in China the 11th Five-Year Plan's emission targets)."""
    return np.clip(1.0 - econ.environmental_entry_cost * (abatement - 1.0), 0.1, 1.5)


def public_output(spend_share_gdp: np.ndarray, econ) -> np.ndarray:
    """Output from public spending this year, as a share of GDP.

    ``spend_share_gdp[..., k]`` is spending on use k over GDP. Investment
    counts with its construction multiplier and diminishing returns
    (``mult * sqrt(s * REF)``, equal to ``mult * s`` at the reference
    share); services and environment spending count at the smaller
    multiplier; subsidies are transfers and add nothing directly.
    """
    s = spend_share_gdp
    ref_inv = 0.05
    return (
        econ.public_investment_multiplier * np.sqrt(ref_inv * s[..., INV])
        + econ.other_spending_multiplier * (s[..., SRV] + s[..., ENV])
    )


def services_next(services, spend_share_srv):
    """Service quality: renewed toward sqrt(spending / reference)."""
    return (1 - SERVICES_RENEWAL) * services + SERVICES_RENEWAL * np.sqrt(
        spend_share_srv / REF_SERVICES
    )


def abatement_next(abatement, spend_share_env):
    """Abatement stock: renewed toward sqrt(environment spending / reference)."""
    return (1 - ABATEMENT_RENEWAL) * abatement + ABATEMENT_RENEWAL * np.sqrt(
        spend_share_env / REF_ENVIRONMENT
    )


def innovation_next(innovation, spend_share_inn):
    """Innovation stock: renewed toward sqrt(science & technology spending / reference)."""
    return (1 - INNOVATION_RENEWAL) * innovation + INNOVATION_RENEWAL * np.sqrt(
        spend_share_inn / REF_INNOVATION
    )


def protection(spend_share_sub, econ):
    """Probability that a would-be exiting firm is kept alive by local support."""
    return np.minimum(1.0, econ.protection_efficiency * np.sqrt(spend_share_sub))


def subsidy_rate(subsidy_share_gdp, gdp, private_capital, econ):
    """Subsidy as a share of firms' user cost of capital (lowers the hurdle)."""
    return subsidy_share_gdp * gdp / ((econ.hurdle_rate + econ.depreciation)
                                      * np.maximum(private_capital, 1e-9))


def subsidy_boost(rate):
    """Output multiplier from support to incumbent firms (cheap inputs, orders).

    ``1 + SUBSIDY_OUTPUT * log(1 + rate)``: support raises incumbents' output
    this year, with diminishing returns — the short-run gain that makes
    protecting local firms attractive under growth targets (seed 002).
    """
    return 1.0 + SUBSIDY_OUTPUT * np.log1p(rate)


def forecast(state: PrefectureState, cand: np.ndarray, budget_share: np.ndarray, econ,
             expected_growth: np.ndarray, expected_income_growth: np.ndarray,
             petition_propensity: float) -> dict:
    """Indicators each leader expects from each candidate plan.

    ``cand`` is (C, N_USES + 1): budget shares and a borrowing level (share of
    GDP). ``budget_share`` is each prefecture's pre-borrowing budget over GDP.
    Returns a dict of (L, C) arrays with the indicator names of
    :mod:`incentsim.rules.promotion` plus ``growth_true`` and ``debt_now``.
    """
    borrow = cand[None, :, N_USES]
    spend = spending_shares(budget_share[:, None, None] * cand[None, :, :N_USES], borrow)
    pub_now = state.pub_output[:, None] / state.gdp[:, None]
    private_share = 1.0 - pub_now
    subsidy = subsidy_rate(spend[..., SUB], state.gdp[:, None],
                           state.private_capital[:, None], econ)
    boost_now = subsidy_boost(state.subsidy_rate)[:, None]
    abate = abatement_next(state.abatement[:, None], spend[..., ENV])
    comply = compliance(abate, econ) / compliance(state.abatement, econ)[:, None]
    growth = (
        expected_growth[:, None] * private_share
        + (public_output(spend, econ) - pub_now)
        + (subsidy_boost(subsidy) * comply / boost_now - 1.0) * private_share
    )
    poll_growth = (POLLUTION_SCALE_ELASTICITY * growth
                   - ABATEMENT_EFFECT * (abate - state.abatement[:, None]))
    services = services_next(state.services[:, None],
                             spend[..., SRV] * state.service_efficiency[:, None])
    pollution = state.pollution[:, None] * (1.0 + poll_growth)
    surprise = growth - expected_income_growth[:, None]
    sat = logistic(satisfaction_index(services, surprise, pollution))
    debt = -(state.debt[:, None] * (1.0 - econ.debt_repayment)
             + borrow * state.gdp[:, None]) / state.gdp[:, None]
    firm = logistic(2.0 * state.firm_trust[:, None] - 1.0 + 2.0 * subsidy)
    return {
        "growth": growth,
        "growth_true": growth,
        "environment": -poll_growth,
        "services": services,
        "debt": debt,
        "innovation": innovation_next(state.innovation[:, None], spend[..., INN]),
        "debt_now": -state.debt_to_gdp[:, None],
        "satisfaction": sat,
        "firm_survey": firm,
        "stability": state.indicators["stability"][:, None]
        + 1000.0 * petition_propensity * (sat - state.satisfaction_mean[:, None]),
    }


def satisfaction_index(services, income_surprise, pollution, news=0.0):
    """Linear index behind satisfaction (also used by leaders to forecast it)."""
    return (
        SATISFACTION_BASE
        + SATISFACTION_SERVICES * (services - 1.0)
        + SATISFACTION_INCOME * income_surprise
        - SATISFACTION_POLLUTION * (pollution - 1.0)
        + news
    )


def logistic(x):
    """The logistic function 1 / (1 + exp(-x))."""
    return expit(x)
