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

The leaders' forecasts (:func:`forecast`, compiled, in single precision) follow
the same formulas, so leaders respond to the economy's true short-run effects (and
only those: they ignore the slow channels — infrastructure and human capital — that
outlast their term).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from incentsim.agents._forecast_kernel import forecast_plans

#: the budget's uses, in the order of a plan's shares (``Behaviour.fixed_shares``)
USES = ("investment", "services", "environment", "subsidy", "innovation")
INV, SRV, ENV, SUB, INN = range(5)
N_USES = len(USES)

#: petitions are counted per this many residents
PER_THOUSAND = 1000.0


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
    scandal_dismissal: np.ndarray
    expected_growth: np.ndarray
    expected_income_growth: np.ndarray
    service_efficiency: np.ndarray
    budget_share: np.ndarray
    entry_rate: np.ndarray
    indicators: dict[str, np.ndarray] = field(default_factory=dict)
    #: each scored indicator's scale, one per ensemble member
    indicator_scale: dict[str, np.ndarray] = field(default_factory=dict)
    term_sum: dict[str, np.ndarray] = field(default_factory=dict)
    term_weight: np.ndarray = None  # type: ignore[assignment]
    term_baseline: dict[str, np.ndarray] = field(default_factory=dict)
    #: the candidate plan each leader chose last (``shares`` and ``borrowing`` are its);
    #: None before the first choice
    plan: np.ndarray | None = None

    @property
    def debt_to_gdp(self) -> np.ndarray:
        return self.debt / self.gdp


# ----------------------------------------------------------------- shocks and technology


def local_shocks_next(
    shock: np.ndarray, eps: np.ndarray, spillover: np.ndarray, econ
) -> np.ndarray:
    """Persistent local growth shocks: AR(1) with coefficient
    ``local_shock_persistence`` plus this year's ``eps``, then pulled toward the
    neighbours' (``growth_spillover``, network weights ``spillover``)."""
    out = econ.local_shock_persistence * shock + eps
    out += econ.growth_spillover * (spillover @ out - out)
    return out


def frontier_drift(base, entry_rate, innovation, econ):
    """Log change of a technology frontier: ``base`` plus creative destruction
    (``churn_spillover`` x entry rate above ``entry_reference``) plus the
    innovation stock above reference (``innovation_effect``)."""
    return (
        base
        + econ.churn_spillover * (entry_rate - econ.entry_reference)
        + econ.innovation_effect * (innovation - 1.0)
    )


# ----------------------------------------------------------------- the budget


def revenue(state: PrefectureState, econ) -> np.ndarray:
    """Tax revenue: ``tax_rate`` x fiscal capacity x last year's GDP."""
    return econ.tax_rate * state.fiscal_capacity * state.gdp


def budget(state: PrefectureState, econ) -> np.ndarray:
    """Discretionary budget: taxes on last year's GDP + borrowing + transfers - interest."""
    b = (
        revenue(state, econ)
        + state.borrowing * state.gdp
        + state.transfers_next
        - econ.interest_rate * state.debt
    )
    return np.maximum(b, 0.0)


def open_budget(state: PrefectureState, econ) -> None:
    """The year's revenue, and the budget before new borrowing as a share of GDP
    (what leaders split between the uses)."""
    state.revenue = revenue(state, econ)
    state.budget_share = (
        np.maximum(budget(state, econ) - state.borrowing * state.gdp, 0.0) / state.gdp
    )


def spending_shares(shares: np.ndarray, budget_share, borrowing: np.ndarray) -> np.ndarray:
    """Spending by use over GDP: the tax-financed budget (``budget_share`` of GDP)
    split by the plan's shares, plus borrowing, which goes to investment only (the
    2014 Budget Law's golden rule; in practice local financing vehicles fund
    projects). ``shares`` and the result are use-major: ``[INV]`` is investment."""
    out = shares * budget_share
    out[INV] += borrowing
    return out


def debt_next(debt, borrowing, gdp, econ):
    """Debt: repaid at ``debt_repayment`` a year, plus this year's borrowing (an array
    at least the shape of ``debt``)."""
    out = borrowing * gdp  # in place (the same operations)
    out += debt * (1.0 - econ.debt_repayment)
    return out


def spend(st: PrefectureState, econ, gdp_prev: np.ndarray) -> np.ndarray:
    """Spend this year's budget by the chosen shares; move every stock it feeds.
    Services spending works at ``st.service_efficiency``.

    Returns spending by use over last year's GDP (``spend_gdp``)."""
    st.spending_prev = st.spending
    spend_gdp = spending_shares(st.shares.T, st.budget_share, st.borrowing).T
    st.spending = spend_gdp * gdp_prev[:, None]
    st.debt = debt_next(st.debt, st.borrowing, gdp_prev, econ)
    st.services = services_next(st.services, spend_gdp[:, SRV] * st.service_efficiency, econ)
    st.human_capital += econ.human_capital_lag * (st.services - st.human_capital)
    st.abatement = abatement_next(st.abatement, spend_gdp[:, ENV], econ)
    st.infrastructure = (1 - econ.infrastructure_depreciation) * st.infrastructure + st.spending[
        :, INV
    ]
    st.innovation = innovation_next(st.innovation, spend_gdp[:, INN], econ)
    st.protection = protection(spend_gdp[:, SUB], econ)
    st.subsidy_rate = subsidy_rate(spend_gdp[:, SUB], gdp_prev, st.private_capital, econ)
    return spend_gdp


# ----------------------------------------------------------------- effects of spending


def compliance(abatement, econ):
    """Output multiplier from environmental enforcement (compliance costs),
    ``1 - environmental_compliance_cost * (abatement - 1)``, at least
    ``compliance_floor``."""
    out = abatement - 1.0  # in place from here (the same operations)
    out *= econ.environmental_compliance_cost
    np.subtract(1.0, out, out=out)
    return np.maximum(out, econ.compliance_floor, out=out)


def entry_barrier(abatement, econ):
    """Entry multiplier from environmental enforcement: permits and impact
    assessments hold back new plants, ``1 - entry_cost * (abatement - 1)``
    (between ``entry_barrier_min`` and ``entry_barrier_max``), so enforcement
    slows creative destruction (List, Millimet, Fredriksson & McHone 2003; in
    China the 11th Five-Year Plan's emission targets)."""
    return np.clip(
        1.0 - econ.environmental_entry_cost * (abatement - 1.0),
        econ.entry_barrier_min,
        econ.entry_barrier_max,
    )


def public_output(spend_share_gdp: np.ndarray, econ) -> np.ndarray:
    """Output from public spending this year, as a share of GDP.

    ``spend_share_gdp[k]`` is spending on use k over GDP (use-major). Investment
    counts with its construction multiplier and diminishing returns
    (``mult * sqrt(s * reference_investment)``, equal to ``mult * s`` at the
    reference share); services and environment spending count at the smaller
    multiplier; subsidies are transfers and add nothing directly.
    """
    s = spend_share_gdp
    out = econ.reference_investment * s[INV]  # in place from here (the same operations)
    np.sqrt(out, out=out)
    out *= econ.public_investment_multiplier
    other = s[SRV] + s[ENV]
    other *= econ.other_spending_multiplier
    out += other
    return out


def _renewed(stock, spend_share, renewal: float, reference: float):
    """A stock renewed at ``renewal`` a year toward sqrt(spending / reference)
    (``spend_share``: an array at least the shape of ``stock``)."""
    out = spend_share / reference  # in place from here (the same operations)
    np.sqrt(out, out=out)
    out *= renewal
    out += (1 - renewal) * stock
    return out


def services_next(services, spend_share_srv, econ):
    """Service quality: renewed toward sqrt(spending / reference)."""
    return _renewed(services, spend_share_srv, econ.services_renewal, econ.reference_services)


def abatement_next(abatement, spend_share_env, econ):
    """Abatement stock: renewed toward sqrt(environment spending / reference)."""
    return _renewed(abatement, spend_share_env, econ.abatement_renewal, econ.reference_environment)


def innovation_next(innovation, spend_share_inn, econ):
    """Innovation stock: renewed toward sqrt(science & technology spending / reference)."""
    return _renewed(innovation, spend_share_inn, econ.innovation_renewal, econ.reference_innovation)


def protection(spend_share_sub, econ):
    """Probability that a would-be exiting firm is kept alive by local support."""
    return np.minimum(1.0, econ.protection_efficiency * np.sqrt(spend_share_sub))


def subsidy_rate(subsidy_share_gdp, gdp, private_capital, econ):
    """Subsidy as a share of firms' user cost of capital (lowers the hurdle)."""
    out = subsidy_share_gdp * gdp
    out /= (econ.hurdle_rate + econ.depreciation) * np.maximum(private_capital, 1e-9)
    return out


def subsidy_boost(rate, econ):
    """Output multiplier from support to incumbent firms (cheap inputs, orders).

    ``1 + subsidy_output * log(1 + rate)``: support raises incumbents' output
    this year, with diminishing returns — the short-run gain that makes
    protecting local firms attractive under growth targets (seed 002).
    """
    out = np.log1p(rate)  # in place from here (the same operations)
    out *= econ.subsidy_output
    out += 1.0
    return out


def environment_multiplier(
    st: PrefectureState,
    econ,
    gdp_prev,
    national_level: np.ndarray,
    national_shock: np.ndarray,
    ability: np.ndarray,
) -> np.ndarray:
    """What a prefecture adds to its firms' productivity this year: its fixed
    productivity, the national and local shock levels and the leader's ability
    (``ability_effect``), human capital and infrastructure (relative to their
    reference, with their elasticities), compliance costs and support to firms."""
    infra = np.maximum(st.infrastructure / gdp_prev / st.infra_ratio0, 1e-6)
    return (
        st.productivity
        * np.exp(national_level + national_shock + st.local_level + econ.ability_effect * ability)
        * st.human_capital**econ.human_capital_elasticity
        * infra**econ.infrastructure_elasticity
        * compliance(st.abatement, econ)
        * subsidy_boost(st.subsidy_rate, econ)
    )


def account_output(st: PrefectureState, econ, fy, spend_gdp, gdp_prev, beh) -> None:
    """GDP is firms' output plus public output; growth follows; expected private
    growth adjusts toward this year's (``firm_expectation_adjustment``)."""
    st.private_output_prev = st.private_output
    st.private_output = fy.output
    st.private_capital = fy.capital
    st.pub_output = public_output(spend_gdp.T, econ) * gdp_prev
    st.gdp = np.maximum(fy.output + st.pub_output, 1e-9)
    st.growth_true = st.gdp / gdp_prev - 1.0
    private_growth = st.private_output / np.maximum(st.private_output_prev, 1e-12) - 1.0
    a = beh.firm_expectation_adjustment
    st.expected_growth = (1 - a) * st.expected_growth + a * private_growth


# ----------------------------------------------------------------- pollution


def pollution_level(emission_intensity, gdp_ratio, abatement, geo, econ):
    """The year's pollution concentration, before inspections.

    Emissions are ``emission_intensity x (GDP / initial GDP) **
    pollution_scale_elasticity x exp(-abatement_effect x (abatement - 1))``; a
    share ``pollution_spillover`` of the concentration comes from the network
    neighbours (``geo.spillover``; a prefecture without neighbours, ``geo.isolated``,
    keeps its own).
    """
    raw = (
        emission_intensity
        * gdp_ratio**econ.pollution_scale_elasticity
        * np.exp(-econ.abatement_effect * (abatement - 1.0))
    )
    return (1 - econ.pollution_spillover) * raw + econ.pollution_spillover * (
        geo.spillover @ raw + geo.isolated * raw
    )


# ----------------------------------------------------------------- leaders' forecasts

#: the forecasts a leader's local welfare averages, each over its natural scale
#: (``behaviour.natural_scale``), in the order the compiled forecast sums them
WELFARE = ("growth_true", "services", "environment", "satisfaction", "debt", "innovation")
#: the rows of the compiled forecast's input table (forecast_kernel.h's ``FC_*``), one
#: value per leader: the state's fields, then these three arguments of :func:`forecast`,
#: the economy's and the behaviour's fields, and the natural scales of :data:`WELFARE`
FORECAST_STATE = (
    "gdp", "private_capital", "pub_output", "subsidy_rate", "abatement", "services",
    "service_efficiency", "pollution", "debt", "innovation",
)  # fmt: skip
FORECAST_ECONOMY = (
    "hurdle_rate", "depreciation", "reference_investment", "public_investment_multiplier",
    "other_spending_multiplier", "services_renewal", "reference_services",
    "abatement_renewal", "reference_environment", "innovation_renewal",
    "reference_innovation", "environmental_compliance_cost", "compliance_floor",
    "subsidy_output", "pollution_scale_elasticity", "abatement_effect", "debt_repayment",
)  # fmt: skip
FORECAST_BEHAVIOUR = (
    "satisfaction_base", "satisfaction_services", "satisfaction_income",
    "satisfaction_pollution",
)  # fmt: skip
#: the compiled forecast's outputs (forecast_kernel.h's ``FO_*``), each (leaders, plans)
FORECAST_OUTPUTS = (
    "growth", "environment", "services", "debt", "innovation", "satisfaction", "subsidy",
    "welfare",
)  # fmt: skip


def forecast(
    state: PrefectureState,
    cand: np.ndarray,
    budget_share: np.ndarray,
    econ,
    beh,
    expected_growth: np.ndarray,
    expected_income_growth: np.ndarray,
    plan_rows: np.ndarray | None = None,
    params: np.ndarray | None = None,
) -> Forecasts:
    """Indicators each leader expects from each candidate plan, and its local welfare.

    ``cand`` is (N_USES + 1, L, C), column-major plans: for each of the L
    prefectures' C candidate plans, its budget shares and a borrowing level (share
    of GDP); or with ``plan_rows`` (int64, one per prefecture) (N_USES + 1, R, C), R rows
    of plans, prefecture ``l``'s its row ``plan_rows[l]`` (one per member, shared).
    ``budget_share`` is each prefecture's pre-borrowing budget over GDP; ``params``
    :func:`forecast_parameters` of ``econ`` and ``beh`` if made already.
    Returns the :class:`Forecasts`, (L, C) arrays with the indicator names of
    :mod:`incentsim.indicators` plus ``growth_true``, ``innovation``, ``debt_now`` and
    ``welfare`` (the mean of the :data:`WELFARE` forecasts, each over its natural scale;
    the firm survey, stability and ``debt_now`` made when read).

    Each plan's forecast is the short-run effect of its spending as the economy computes
    it (:func:`spending_shares`, :func:`subsidy_rate`, :func:`subsidy_boost`,
    :func:`abatement_next`, :func:`compliance`, :func:`public_output`,
    :func:`services_next`, :func:`satisfaction_index`, :func:`debt_next`,
    :func:`innovation_next`): GDP growth is expected private growth on the private share,
    plus the change in public output, in support to firms and in compliance costs;
    pollution growth is first order in that growth and in the abatement stock's change
    (``pollution_scale_elasticity x growth - abatement_effect x change``, ignoring the
    slow trend decline and the neighbours of :func:`pollution_level`); satisfaction is
    the logistic of the satisfaction index, surprised by growth beyond residents'
    expected income growth.

    Compiled (``incentsim.agents.forecast_kernel.h``: one pass over the (L, C) cells
    instead of ~70 numpy passes) in single precision (:data:`FORECAST_DTYPE`, float32:
    every input, state and parameter is rounded to it first, so a member of an ensemble
    computes exactly what it computes alone): plans differ by thousandths, float32
    resolves a ten-millionth."""
    cand = np.ascontiguousarray(cand, dtype=FORECAST_DTYPE)  # the plans rounded as read
    params = forecast_parameters(econ, beh, len(state.gdp)) if params is None else params
    inputs = _forecast_inputs(state, budget_share, params, expected_growth, expected_income_growth)
    out = np.empty((len(FORECAST_OUTPUTS), len(state.gdp), cand.shape[2]), FORECAST_DTYPE)
    forecast_plans(inputs, cand, out, plan_rows)
    made = dict(zip(FORECAST_OUTPUTS, out, strict=True))
    values = {
        "growth": made["growth"],
        "growth_true": made["growth"],
        "environment": made["environment"],
        "services": made["services"],
        "debt": made["debt"],
        "innovation": made["innovation"],
        "satisfaction": made["satisfaction"],
        "welfare": made["welfare"],
    }
    lazy = _survey_forecasts(Single(state), made["subsidy"], made["satisfaction"], Single(beh))
    lazy["debt_now"] = lambda: -as_single(state.debt_to_gdp)[0][:, None]
    return Forecasts(values, lazy)


#: the precision of leaders' forecasts of their plans (:func:`forecast`)
FORECAST_DTYPE = np.float32


def as_single(*arrays: np.ndarray) -> list[np.ndarray]:
    """``arrays`` in :data:`FORECAST_DTYPE`."""
    return [np.asarray(a, dtype=FORECAST_DTYPE) for a in arrays]


def forecast_parameters(econ, beh, leaders: int) -> np.ndarray:
    """The parameter rows of the compiled forecast's input table
    (:data:`FORECAST_ECONOMY`, :data:`FORECAST_BEHAVIOUR`, the natural scales of
    :data:`WELFARE`) in :data:`FORECAST_DTYPE`: one column when all ``leaders`` share
    them, else a column per leader (a parameter ensemble members vary is an array, one
    value per leader; a shared one repeated)."""
    params = [
        *(getattr(econ, name) for name in FORECAST_ECONOMY),
        *(getattr(beh, name) for name in FORECAST_BEHAVIOUR),
        *(getattr(beh.natural_scale, name) for name in WELFARE),
    ]
    if not any(isinstance(v, np.ndarray) for v in params):  # all shared: one column
        return np.array(params, dtype=FORECAST_DTYPE)[:, None]
    out = np.empty((len(params), leaders), FORECAST_DTYPE)
    for row, value in zip(out, params, strict=True):
        row[...] = np.reshape(value, -1) if isinstance(value, np.ndarray) else value
    return out


def _forecast_inputs(
    state: PrefectureState, budget_share, params, expected_growth, expected_income_growth
) -> np.ndarray:
    """The compiled forecast's input table (:data:`FORECAST_STATE` ...), one column per
    leader in :data:`FORECAST_DTYPE`: the state's rows, then the ``params``
    (:func:`forecast_parameters`)."""
    states = [
        *(getattr(state, name) for name in FORECAST_STATE),
        budget_share,
        expected_growth,
        expected_income_growth,
    ]
    table = np.empty((len(states) + len(params), len(state.gdp)), FORECAST_DTYPE)
    table[: len(states)] = states
    table[len(states) :] = params
    return table


class Single:
    """A view of a state or parameter section whose numbers read in
    :data:`FORECAST_DTYPE`: float arrays cast, float scalars as numpy scalars of it
    (so that a member's forecast, whose parameters are scalars alone and arrays in an
    ensemble that varies them, is computed in the same precision either way)."""

    def __init__(self, of) -> None:
        self._of = of

    def __getattr__(self, name: str):
        value = getattr(self.__dict__["_of"], name)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            return value.astype(FORECAST_DTYPE)
        if isinstance(value, float | np.floating):
            return FORECAST_DTYPE(value)
        return value


def _survey_forecasts(state: PrefectureState | Single, subsidy, sat, beh) -> dict[str, Callable]:
    """How to forecast the firm survey (from each plan's ``subsidy`` rate) and stability
    (from the satisfaction forecast ``sat``): made only when something reads them."""

    def firm_survey() -> np.ndarray:
        firm = rating_index(state.firm_trust[:, None], subsidy, beh)
        return logistic(firm, out=firm)

    def stability() -> np.ndarray:
        out = sat - state.satisfaction_mean[:, None]
        out *= PER_THOUSAND * beh.petition_propensity
        out += as_single(state.indicators["stability"])[0][:, None]
        return out

    return {"firm_survey": firm_survey, "stability": stability}


class Forecasts(MutableMapping):
    """Forecast indicators by name: (leaders, plans) arrays, or what broadcasts to them.
    An entry given as a function (``lazy``) is made the first time it is read (given as
    None: as ``derive(name)``), so an indicator that no rule, mechanism or welfare term
    reads costs nothing; iterating lists every name, made or not. ``narrow``: the
    single-precision forecasts the lazy entries are widened from (:meth:`widened`;
    :meth:`narrow` reads them)."""

    def __init__(
        self,
        values: dict,
        lazy: Mapping[str, Callable[[], np.ndarray] | None],
        narrow: Forecasts | None = None,
        derive: Callable[[str], np.ndarray] | None = None,
    ) -> None:
        self._values, self._lazy = dict(values), dict(lazy)
        self._derive: Callable[[str], np.ndarray] = derive or self._no_derive
        self._narrow = {} if narrow is None else dict.fromkeys(self._lazy, narrow)

    def __getitem__(self, key: str):
        if key not in self._values:
            make = self._lazy.pop(key)
            self._values[key] = make() if make is not None else self._derive(key)
        return self._values[key]

    @staticmethod
    def _no_derive(key: str) -> np.ndarray:
        raise TypeError(f"forecast {key!r}: no function makes it")

    def __setitem__(self, key: str, value) -> None:
        self._lazy.pop(key, None)
        self._narrow.pop(key, None)
        self._values[key] = value

    def __delitem__(self, key: str) -> None:
        self._narrow.pop(key, None)
        if key in self._lazy:
            del self._lazy[key]
        else:
            del self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter([*self._values, *self._lazy])

    def __len__(self) -> int:
        return len(self._values) + len(self._lazy)

    def __contains__(self, key: object) -> bool:
        return key in self._values or key in self._lazy

    def widened(self) -> Forecasts:
        """Every forecast in float64, each widened when first read; their
        :meth:`narrow` values are these forecasts (float32 widens exactly: the same
        numbers)."""
        return Forecasts({}, dict.fromkeys(self), self, lambda k: np.asarray(self[k], dtype=float))

    def narrow(self, key: str):
        """The forecast ``key`` before widening (:meth:`widened`: the same numbers,
        without making the float64 copy), or as read where it was not widened."""
        source = self._narrow.get(key)
        return self[key] if source is None else source[key]


# ----------------------------------------------------------------- residents and firms


def logistic(x, out=None):
    """The logistic function 1 / (1 + exp(-x)) (into ``out`` if given)."""
    return expit(x, out=out)


def satisfaction_index(services, income_surprise, pollution, beh, news=0.0):
    """Linear index behind resident satisfaction (citizens feel it; leaders forecast
    with it): ``satisfaction_base + satisfaction_services x (services - 1) +
    satisfaction_income x income surprise - satisfaction_pollution x (pollution - 1)
    + news`` (``behaviour`` fields)."""
    return (
        beh.satisfaction_base
        + beh.satisfaction_services * (services - 1.0)
        + beh.satisfaction_income * income_surprise
        - beh.satisfaction_pollution * (pollution - 1.0)
        + news
    )


def firm_confidence(firm_trust, beh):
    """Firms' confidence in local policy: ``firm_confidence_base + firm_trust``
    (scales investment and entry; Zhu & Zhang 2017 on policy predictability)."""
    return beh.firm_confidence_base + firm_trust


def firm_trust_next(firm_trust, subsidy_rate, turnover, scandal, reassured, beh):
    """Firms' trust in local government moves (``firm_trust_adjustment`` a year)
    toward ``firm_trust_base + firm_trust_subsidy x subsidy rate`` minus
    ``firm_trust_turnover_loss`` in a year the leader changed and
    ``firm_trust_scandal_loss`` in a scandal year, plus what mechanisms do to
    reassure firms (``reassured``), clipped to 0..1."""
    target = np.clip(
        beh.firm_trust_base
        + beh.firm_trust_subsidy * subsidy_rate
        - beh.firm_trust_turnover_loss * turnover
        - beh.firm_trust_scandal_loss * scandal
        + reassured,
        0.0,
        1.0,
    )
    return firm_trust + beh.firm_trust_adjustment * (target - firm_trust)


def rating_index(firm_trust, subsidy_rate, beh):
    """A typical firm's business-environment rating (logit): ``survey_trust_weight
    x (trust - survey_neutral_trust) + survey_subsidy_weight x subsidy rate``.
    Firms answer surveys with it (:meth:`incentsim.agents.firms.FirmPopulation.survey`,
    plus their own productivity) and leaders forecast the survey with it."""
    return (
        beh.survey_trust_weight * (firm_trust - beh.survey_neutral_trust)
        + beh.survey_subsidy_weight * subsidy_rate
    )
