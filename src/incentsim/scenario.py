"""Scenarios as validated data.

A scenario is a nested mapping (YAML, TOML, a dict) layered on the embedded
defaults and validated once, before any simulation starts. Every problem is
reported at once with its dotted path and what is allowed, as one
:class:`ScenarioError`.

Vocabularies are kept apart (EMA-workbench style):

* levers — ``promotion``, ``tenure``, ``accountability``: what a reform changes;
* uncertainties — ``economy``, ``behaviour``: what we do not know for sure;
* set-up — ``world``: size and horizon of the simulated country.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from incentsim import shipped
from incentsim.economy import USES
from incentsim.errors import ScenarioError
from incentsim.indicators import INDICATORS, NATURAL_SCALE, VETO, WEIGHTED
from incentsim.rules.accountability import MECHANISMS
from incentsim.rules.promotion import PROMOTION_RULES
from incentsim.sizes import memory_problem

Prob = Annotated[float, Field(ge=0.0, le=1.0)]
Frac = Annotated[float, Field(ge=0.0, le=1.0)]
Pos = Annotated[float, Field(gt=0.0, le=1e6)]
NonNeg = Annotated[float, Field(ge=0.0, le=1e6)]
Sd = Annotated[float, Field(ge=0.0, le=1.0)]

#: size presets (``world.scale``); explicit ``world`` keys override a preset
SCALES: dict[str, dict[str, int]] = {
    "small": dict(
        n_provinces=6,
        prefectures_per_province=5,
        firms_per_prefecture=150,
        citizens_per_prefecture=300,
    ),
    "province": dict(
        n_provinces=4,
        prefectures_per_province=10,
        firms_per_prefecture=500,
        citizens_per_prefecture=2000,
    ),
    "national": dict(
        n_provinces=31,
        prefectures_per_province=10,
        firms_per_prefecture=1000,
        citizens_per_prefecture=5000,
    ),
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


def param(default: Any, lo: float, hi: float, unit: str, source: str, text: str) -> Any:
    """A behavioural number: default, bounds ``[lo, hi]``, and a description giving
    what it is, its unit and its source (shown by ``incentsim rules --parameters``)."""
    return Field(
        default, ge=lo, le=hi, description=f"{text} [{unit}; {lo:g}..{hi:g}; source: {source}]"
    )


ASSUMED = "model assumption (the model as a whole is checked in docs/validation)"


def doc(unit: str, source: str, text: str) -> Any:
    """The description of a behavioural number whose bounds its type already states."""
    return Field(description=f"{text} [{unit}; source: {source}]")


def _per_indicator(
    name: str,
    attr: str,
    lo: float,
    hi: float,
    unit: str,
    text: str,
    extra: Mapping[str, float] | None = None,
) -> type[BaseModel]:
    """A section with one field per indicator that declares ``attr`` in the table."""
    values = {i.name: getattr(i, attr) for i in INDICATORS if getattr(i, attr) is not None}
    values.update(extra or {})
    fields: dict[str, Any] = {
        k: (
            float,
            param(v, lo, hi, unit, "indicator table (incentsim.indicators)", f"{text} ({k})"),
        )
        for k, v in values.items()
    }
    return create_model(name, __base__=_Section, __doc__=text, **fields)


ScaleFloor = _per_indicator(
    "ScaleFloor",
    "scale_floor",
    1e-6,
    100.0,
    "indicator units",
    "least peer standard deviation evaluators divide an indicator by",
)
InitialScale = _per_indicator(
    "InitialScale",
    "initial_scale",
    1e-6,
    100.0,
    "indicator units",
    "peer standard deviation evaluators assume before the first year",
)
NaturalScale = _per_indicator(
    "NaturalScale",
    "natural_scale",
    1e-6,
    100.0,
    "indicator units",
    "one notable change: how leaders' welfare and mechanisms' penalties weigh it",
    extra={k: v for k, v in NATURAL_SCALE.items() if k not in {i.name for i in INDICATORS}},
)


class World(_Section):
    """Size, geography and horizon of the simulated country (set-up, not a lever)."""

    #: size preset; ``province`` is the scale the calibration holds at (calibration.md)
    scale: Literal["small", "province", "national"] = "province"
    n_provinces: Annotated[int, Field(ge=1, le=1000)] = 4
    prefectures_per_province: Annotated[int, Field(ge=1, le=1000)] = 10
    firms_per_prefecture: Annotated[int, Field(ge=2, le=1_000_000)] = 500
    citizens_per_prefecture: Annotated[int, Field(ge=2, le=1_000_000)] = 2000
    cross_province_links: Annotated[int, Field(ge=0, le=100)] = 2
    citizen_neighbours: Annotated[int, Field(ge=0, le=32)] = 4
    burn_in: Annotated[int, Field(ge=0, le=200)] = 10
    horizon: Annotated[int, Field(ge=1, le=500)] = 40

    def label(self) -> str:
        """The scale to print beside any figure: the preset's name when the sizes are
        the preset's, else ``custom`` with the sizes."""
        sizes = {k: getattr(self, k) for k in SCALES[self.scale]}
        n = f"{self.n_provinces} x {self.prefectures_per_province} prefectures"
        if sizes == SCALES[self.scale]:
            return f"{self.scale} scale ({n})"
        return (
            f"custom scale ({n}, {self.firms_per_prefecture} firms and "
            f"{self.citizens_per_prefecture} citizens each)"
        )


class Economy(_Section):
    """Structural parameters of the economy (uncertainties)."""

    national_shock_sd: Annotated[
        Sd, doc("log points/yr", ASSUMED, "SD of the yearly national business-cycle shock")
    ] = 0.015
    local_shock_sd: Annotated[
        Sd, doc("log points/yr", ASSUMED, "SD of the yearly local growth shock of a prefecture")
    ] = 0.05
    local_shock_persistence: Annotated[
        float,
        Field(ge=-0.9, le=0.9),
        doc(
            "AR(1) coefficient",
            "calibration.md (AR(1) of relative growth about 0.1)",
            "persistence of local growth shocks (< 0: partly transitory, mean-reverting)",
        ),
    ] = -0.1
    frontier_growth: Annotated[
        float,
        Field(ge=-0.2, le=0.5),
        doc(
            "log points/yr",
            "calibration.md (2000-07 growth 8-12 %)",
            "growth of the national technology frontier",
        ),
    ] = 0.057
    churn_spillover: Annotated[
        float,
        Field(ge=0.0, le=5.0),
        doc(
            "per unit of entry rate",
            ASSUMED,
            "frontier growth per point of entry rate above entry_reference (creative destruction)",
        ),
    ] = 0.2
    innovation_effect: Annotated[
        float,
        Field(ge=0.0, le=0.5),
        doc(
            "per unit of stock",
            ASSUMED,
            "frontier growth per unit of innovation stock above reference",
        ),
    ] = 0.02
    frontier_convergence: Annotated[
        Frac,
        doc(
            "share/yr",
            ASSUMED,
            "yearly convergence of a prefecture's frontier toward the national one",
        ),
    ] = 0.2
    capital_share: Annotated[
        float,
        Field(gt=0.0, lt=1.0),
        doc("share of output", ASSUMED, "capital's share in firm output (Cobb-Douglas alpha)"),
    ] = 0.4
    depreciation: Annotated[Frac, doc("share/yr", ASSUMED, "depreciation of firm capital")] = 0.08
    hurdle_rate: Annotated[
        Frac, doc("fraction/yr", ASSUMED, "return firms require on capital before depreciation")
    ] = 0.06
    firm_productivity_sd: Annotated[
        Sd, doc("log points/yr", ASSUMED, "SD of a firm's yearly productivity shock")
    ] = 0.08
    entrant_productivity_sd: Annotated[
        Sd, doc("log points", ASSUMED, "SD of an entrant's productivity around the frontier")
    ] = 0.25
    entry_rate: Annotated[
        Frac,
        doc(
            "share of empty slots/yr",
            ASSUMED,
            "chance an empty firm slot is entered in a year (before confidence and permits)",
        ),
    ] = 0.08
    exit_threshold: Annotated[
        float,
        Field(ge=0.0, le=1.0),
        doc(
            "share of frontier",
            "Hopenhayn (1992); seed 002 (creative destruction)",
            "productivity relative to the frontier below which a firm exits unless protected",
        ),
    ] = 0.45
    tax_rate: Annotated[
        Frac, doc("share of GDP", ASSUMED, "local tax revenue at fiscal capacity 1")
    ] = 0.15
    infrastructure_elasticity: Annotated[
        Frac,
        doc(
            "elasticity",
            ASSUMED,
            "elasticity of firm output to infrastructure relative to its reference",
        ),
    ] = 0.15
    human_capital_elasticity: Annotated[
        Frac, doc("elasticity", ASSUMED, "elasticity of firm output to human capital")
    ] = 0.3
    public_investment_multiplier: Annotated[
        NonNeg,
        doc(
            "output per unit spent",
            "Guo (2009) investment-led growth spikes; model assumption",
            "construction output per unit of public investment at the reference share",
        ),
    ] = 1.1
    other_spending_multiplier: Annotated[
        NonNeg,
        doc(
            "output per unit spent", ASSUMED, "output per unit of services and environment spending"
        ),
    ] = 0.3
    interest_rate: Annotated[
        Frac, doc("fraction/yr", ASSUMED, "interest on local-government debt")
    ] = 0.05
    debt_repayment: Annotated[Frac, doc("share/yr", ASSUMED, "share of debt repaid each year")] = (
        0.1
    )
    pollution_spillover: Annotated[
        Frac,
        doc(
            "share",
            ASSUMED,
            "share of a prefecture's pollution that comes from its network neighbours",
        ),
    ] = 0.2
    growth_spillover: Annotated[
        Frac, doc("share", ASSUMED, "pull of a prefecture's local shock toward its neighbours'")
    ] = 0.1
    ability_effect: Annotated[
        float,
        Field(ge=0.0, le=0.1),
        doc(
            "log points per SD of ability",
            "Yao & Zhang (2015) leader effects; model assumption",
            "output effect of one SD of leader ability",
        ),
    ] = 0.006
    protection_efficiency: Annotated[
        NonNeg,
        doc(
            "per sqrt(share of GDP)",
            "seed 002 (protection of local firms)",
            "chance a failing firm is saved per square root of subsidy spending over GDP",
        ),
    ] = 3.0
    emission_intensity_decline: Annotated[
        float,
        Field(ge=-0.5, le=0.5),
        doc("share/yr", ASSUMED, "yearly fall in emission intensity (cleaner technology)"),
    ] = 0.05
    environmental_compliance_cost: Annotated[
        Frac,
        doc(
            "output share per unit of abatement",
            ASSUMED,
            "fall in firm output per unit of abatement stock above reference",
        ),
    ] = 0.12
    environmental_entry_cost: Annotated[
        Frac,
        doc(
            "entry share per unit of abatement",
            "List, Millimet, Fredriksson & McHone (2003)",
            "fall in firm entry per unit of abatement stock above reference (permits)",
        ),
    ] = 0.4
    entry_barrier_min: float = param(
        0.1, 0.0, 1.0, "multiplier", ASSUMED, "least entry multiplier environmental permits allow"
    )
    entry_barrier_max: float = param(
        1.5, 1.0, 10.0, "multiplier", ASSUMED, "largest entry multiplier (lax enforcement)"
    )
    compliance_floor: float = param(
        0.1,
        0.0,
        1.0,
        "output multiplier",
        ASSUMED,
        "least output multiplier compliance costs leave",
    )
    entry_reference: float = param(
        0.05,
        0.0,
        1.0,
        "fraction/yr",
        ASSUMED,
        "entry rate at which creative destruction neither speeds nor slows the frontier",
    )
    national_shock_persistence: float = param(
        0.5,
        0.0,
        1.0,
        "share",
        ASSUMED,
        "share of a year's national shock that stays in the national output level",
    )
    # -- prefectures at set-up
    prefecture_productivity_sd: float = param(
        0.25, 0.0, 2.0, "log points", ASSUMED, "SD of fixed prefecture productivity (log)"
    )
    fiscal_capacity_min: float = param(
        0.7, 0.0, 10.0, "share of tax base", ASSUMED, "least fiscal capacity (uniform at set-up)"
    )
    fiscal_capacity_max: float = param(
        1.3, 0.0, 10.0, "share of tax base", ASSUMED, "largest fiscal capacity (uniform at set-up)"
    )
    emission_intensity_sd: float = param(
        0.3, 0.0, 2.0, "log points", ASSUMED, "SD of initial emission intensity (log)"
    )
    initial_public_share: float = param(
        0.1, 0.0, 0.99, "share of GDP", ASSUMED, "public output in initial GDP"
    )
    initial_debt: float = param(0.2, 0.0, 10.0, "ratio", ASSUMED, "initial debt / GDP")
    initial_growth: float = param(
        0.08,
        -0.5,
        1.0,
        "fraction/yr",
        "calibration.md (2000-07 mean growth 8-12 %)",
        "growth assumed before the first year (reports, expectations)",
    )
    initial_infrastructure: float = param(
        0.35, 0.0, 10.0, "ratio", ASSUMED, "initial infrastructure / GDP (its reference)"
    )
    # -- public spending (diminishing returns: sqrt of spending over a reference share)
    reference_investment: float = param(
        0.05,
        1e-6,
        1.0,
        "share of GDP",
        ASSUMED,
        "public investment at which construction output equals multiplier x spending",
    )
    reference_services: float = param(
        0.035, 1e-6, 1.0, "share of GDP", ASSUMED, "services spending that keeps quality at 1"
    )
    reference_environment: float = param(
        0.02, 1e-6, 1.0, "share of GDP", ASSUMED, "environment spending that keeps abatement at 1"
    )
    reference_innovation: float = param(
        0.025, 1e-6, 1.0, "share of GDP", ASSUMED, "science spending that keeps innovation at 1"
    )
    services_renewal: float = param(
        0.5, 0.0, 1.0, "share/yr", ASSUMED, "yearly renewal of service quality toward spending"
    )
    abatement_renewal: float = param(
        0.2, 0.0, 1.0, "share/yr", ASSUMED, "yearly renewal of the abatement stock"
    )
    innovation_renewal: float = param(
        0.15, 0.0, 1.0, "share/yr", ASSUMED, "yearly renewal of the innovation stock"
    )
    human_capital_lag: float = param(
        0.1,
        0.0,
        1.0,
        "share/yr",
        "DESIGN.md (lagged effect)",
        "yearly adjustment of human capital toward services",
    )
    infrastructure_depreciation: float = param(
        0.05, 0.0, 1.0, "share/yr", ASSUMED, "yearly depreciation of infrastructure"
    )
    subsidy_output: float = param(
        0.15,
        0.0,
        5.0,
        "output per log subsidy",
        "seed 002 (protection pays in the short run)",
        "output gain of supported incumbents: 1 + subsidy_output x log(1 + subsidy rate)",
    )
    # -- pollution
    pollution_scale_elasticity: float = param(
        0.6, 0.0, 3.0, "elasticity", ASSUMED, "elasticity of pollution to GDP (scale effect)"
    )
    abatement_effect: float = param(
        0.15,
        0.0,
        5.0,
        "log points per unit",
        ASSUMED,
        "fall in log pollution per unit of abatement stock",
    )
    # -- firms
    incumbent_learning: float = param(
        0.3,
        0.0,
        1.0,
        "share of frontier growth",
        ASSUMED,
        "incumbents' productivity drift as a share of frontier growth",
    )
    initial_alive: float = param(
        0.85, 0.0, 1.0, "share of slots", ASSUMED, "firm slots occupied at set-up"
    )
    initial_firm_age_max: int = Field(
        20,
        ge=1,
        le=200,
        description="initial firm ages are uniform on 0..this-1 [years; 1..200; source: "
        + ASSUMED
        + "]",
    )
    entrant_capital: float = param(
        0.3,
        0.0,
        10.0,
        "share of steady-state capital",
        ASSUMED,
        "an entrant's capital relative to its steady state",
    )
    max_investment_rate: float = param(
        0.4, 0.0, 5.0, "fraction/yr", ASSUMED, "largest net investment rate of a firm"
    )
    # -- households
    income_shock_sd: float = param(
        0.03, 0.0, 1.0, "log points", ASSUMED, "SD of a citizen's yearly income shock"
    )
    skill_sd: float = param(
        0.4, 0.0, 3.0, "log points", ASSUMED, "SD of citizens' log skill (mean skill 1)"
    )


class Behaviour(_Section):
    """Behavioural parameters of leaders, firms and citizens (uncertainties)."""

    fixed_shares: Annotated[
        list[Frac] | None,
        doc(
            "shares summing to 1",
            "earmarked budgets (a lever)",
            "a mandated budget: every leader's shares of (investment, services, "
            "environment, subsidy, innovation) are fixed; leaders still choose borrowing "
            "and what to report; None: leaders choose their shares",
        ),
    ] = None

    @field_validator("fixed_shares", "initial_shares")
    @classmethod
    def _shares(cls, shares):
        if shares is not None:
            if len(shares) != len(USES):
                raise ValueError(f"needs {len(USES)} shares ({', '.join(USES)}), got {len(shares)}")
            if abs(sum(shares) - 1.0) > 1e-6:
                raise ValueError(f"shares must sum to 1, got {sum(shares):g}")
        return shares

    n_candidates: Annotated[
        int,
        Field(ge=2, le=4096),
        doc("plans", ASSUMED, "number of candidate budget plans each leader compares"),
    ] = 64
    choice_temperature: Annotated[
        Pos,
        doc(
            "utility units",
            "McFadden (1974) (softmax choice); model assumption",
            "temperature of the leaders' softmax choice among plans (bounded rationality)",
        ),
    ] = 0.15
    budget_inertia: Annotated[
        NonNeg,
        doc(
            "utility per squared share",
            "Wildavsky (1964) incremental budgeting",
            "cost of moving budget shares away from last year's",
        ),
    ] = 6.0
    borrowing_inertia: Annotated[
        NonNeg,
        doc("utility per squared budget share", ASSUMED, "cost of changing borrowing, per budget"),
    ] = 1.0
    career_value: Annotated[
        NonNeg, doc("utility units", ASSUMED, "value of promotion relative to local welfare")
    ] = 3.0
    discount: Annotated[Frac, doc("per year", ASSUMED, "leaders' yearly discount factor")] = 0.85
    perception_noise: Annotated[
        Sd, doc("log points", ASSUMED, "SD of how strongly a leader reads the promotion rule")
    ] = 0.2
    public_service_motivation: Annotated[
        Frac,
        doc(
            "utility per welfare unit",
            "DESIGN.md (intrinsic motivation); model assumption",
            "mean weight of local welfare in a leader's utility",
        ),
    ] = 0.35
    insider_local_weight: Annotated[
        NonNeg,
        doc(
            "multiplier",
            "Persson & Zhuravskaya (2016) J. Eur. Econ. Assoc. 14",
            "extra weight insiders put on local welfare",
        ),
    ] = 1.5
    manipulation_cost: Annotated[
        Pos,
        doc(
            "utility per squared fraction",
            "Wallace (2016) Br. J. Polit. Sci. 46; model assumption",
            "quadratic cost of inflating reported growth",
        ),
    ] = 60.0
    max_manipulation: Annotated[
        Frac,
        doc(
            "fraction/yr",
            "calibration.md (reported minus true growth 2-3.5 pp); validation report",
            "most growth (and pollution) a leader can fake in a year: beyond it the "
            "report no longer squares with the figures statistics bureaus cross-check "
            "(electricity, freight, tax revenue)",
        ),
    ] = 0.045
    firm_investment_sensitivity: Annotated[
        NonNeg,
        doc(
            "per log point",
            "Zhu & Zhang (2017) policy predictability; model assumption",
            "response of firms' net investment rate to the log return gap",
        ),
    ] = 0.6
    expectation_adjustment: Annotated[
        Frac, doc("share/yr", ASSUMED, "yearly adjustment of citizens' expected income growth")
    ] = 0.3
    trust_gain_rate: Annotated[
        Frac,
        doc(
            "share/yr",
            "seed 002 (losses weigh more)",
            "speed at which trust rises toward higher satisfaction",
        ),
    ] = 0.05
    trust_loss_rate: Annotated[
        Frac,
        doc(
            "share/yr",
            "seed 002 (losses weigh more)",
            "speed at which trust falls toward lower satisfaction",
        ),
    ] = 0.12
    tacitus_threshold: Annotated[
        Frac,
        doc(
            "0..1",
            "seed 002 (the Tacitus trap)",
            "trust below which good news is discounted in proportion",
        ),
    ] = 0.35
    social_influence: Annotated[
        Frac, doc("share/yr", ASSUMED, "pull of a citizen's trust toward the network neighbours'")
    ] = 0.1
    central_credit: Annotated[
        NonNeg,
        doc(
            "multiplier",
            "Li (2004); Cunningham, Saich & Turiel (2020) hierarchical trust",
            "how much more citizens credit the centre for gains",
        ),
    ] = 1.0
    central_premium: Annotated[
        Frac,
        doc(
            "0..1",
            "Cunningham, Saich & Turiel (2020) (central vs township satisfaction)",
            "satisfaction premium of the centre over local government",
        ),
    ] = 0.2
    central_blame: Annotated[
        NonNeg,
        doc(
            "multiplier",
            "Li (2004); Cunningham, Saich & Turiel (2020)",
            "how much of losses citizens blame on the centre",
        ),
    ] = 0.15
    scandal_trust_shock: Annotated[
        Frac, doc("0..1", ASSUMED, "fall in trust in local government in a scandal year")
    ] = 0.05
    petition_threshold: Annotated[
        Frac, doc("0..1", ASSUMED, "satisfaction below which citizens may petition")
    ] = 0.3
    petition_propensity: Annotated[
        Frac, doc("probability", ASSUMED, "propensity to petition (scaled by the shortfall)")
    ] = 0.05
    citizen_noise: Annotated[
        float,
        Field(ge=0.0, le=10.0),
        doc("logit units", ASSUMED, "SD of the idiosyncratic part of a citizen's satisfaction"),
    ] = 0.5
    # -- leaders
    initial_shares: list[Frac] = Field(
        default_factory=lambda: [0.3, 0.3, 0.15, 0.15, 0.1],
        description="budget shares (investment, services, environment, subsidy, innovation) "
        f"the first leaders inherit [shares summing to 1; source: {ASSUMED}]",
    )
    plan_concentration: float = param(
        2.0, 1e-3, 100.0, "Dirichlet concentration", ASSUMED, "spread of the candidate budget plans"
    )
    plan_lean_floor: float = param(
        0.1,
        0.0,
        0.2,
        "share",
        ASSUMED,
        "least share of each use in the candidate plans that lean to one use",
    )
    borrowing_levels: list[Frac] = Field(
        default_factory=lambda: [0.0, 0.0, 0.01, 0.02, 0.03, 0.05],
        min_length=1,
        description="borrowing levels candidate plans draw from, equally likely [share of "
        f"GDP; source: {ASSUMED}]",
    )
    motivation_shape: float = param(
        2.0,
        1e-3,
        100.0,
        "Beta shape",
        "Persson & Zhuravskaya (2016); " + ASSUMED,
        "leaders' motivation is public_service_motivation x 2 x Beta(shape, shape)",
    )
    natural_scale: NaturalScale = Field(  # type: ignore[valid-type]
        NaturalScale(),
        description="one notable change of each indicator and welfare quantity "
        "[indicator units; source: indicator table (incentsim.indicators)]",
    )
    # -- evaluators' yardsticks
    scale_smoothing: float = param(
        0.3,
        0.0,
        1.0,
        "share/yr",
        ASSUMED,
        "yearly weight of the new cross-prefecture SD in an indicator's scale",
    )
    scale_floor: ScaleFloor = Field(  # type: ignore[valid-type]
        ScaleFloor(),
        description="least peer SD evaluators divide each scored indicator by "
        "[indicator units; source: indicator table (incentsim.indicators)]",
    )
    initial_scale: InitialScale = Field(  # type: ignore[valid-type]
        InitialScale(),
        description="peer SD evaluators assume for each scored indicator before the first "
        "year [indicator units; source: indicator table (incentsim.indicators)]",
    )
    # -- firms
    firm_confidence_base: float = param(
        0.5,
        0.0,
        10.0,
        "multiplier",
        "Zhu & Zhang (2017) policy predictability; " + ASSUMED,
        "firms' confidence is this plus their trust in local government",
    )
    firm_expectation_adjustment: float = param(
        0.5,
        0.0,
        1.0,
        "share/yr",
        ASSUMED,
        "yearly adjustment of expected private growth toward the last year's",
    )
    initial_firm_trust: float = param(
        0.6, 0.0, 1.0, "0..1", ASSUMED, "firms' trust in local government at set-up"
    )
    firm_trust_base: float = param(
        0.7, 0.0, 1.0, "0..1", ASSUMED, "trust firms converge to without support or upheaval"
    )
    firm_trust_subsidy: float = param(
        0.5,
        0.0,
        10.0,
        "per subsidy rate",
        ASSUMED,
        "rise in firms' target trust per unit of subsidy rate",
    )
    firm_trust_turnover_loss: float = param(
        0.25,
        0.0,
        1.0,
        "0..1",
        "DESIGN.md (turnover lowers policy predictability)",
        "fall in firms' target trust in a year the leader changes",
    )
    firm_trust_scandal_loss: float = param(
        0.3, 0.0, 1.0, "0..1", ASSUMED, "fall in firms' target trust in a scandal year"
    )
    firm_trust_adjustment: float = param(
        0.2, 0.0, 1.0, "share/yr", ASSUMED, "yearly adjustment of firms' trust to its target"
    )
    survey_trust_weight: float = param(
        2.0,
        0.0,
        100.0,
        "logit per unit trust",
        ASSUMED,
        "weight of trust in a firm's survey rating",
    )
    survey_neutral_trust: float = param(
        0.5, 0.0, 1.0, "0..1", ASSUMED, "trust at which a firm's rating is neutral"
    )
    survey_subsidy_weight: float = param(
        2.0,
        0.0,
        100.0,
        "logit per subsidy rate",
        ASSUMED,
        "weight of subsidies in a firm's survey rating",
    )
    survey_productivity_weight: float = param(
        0.5,
        0.0,
        100.0,
        "logit per log point",
        ASSUMED,
        "weight of a firm's productivity relative to its prefecture in its rating",
    )
    # -- citizens
    satisfaction_base: float = param(
        1.1, -20.0, 20.0, "logit", ASSUMED, "satisfaction index at reference services and pollution"
    )
    satisfaction_services: float = param(
        2.0, 0.0, 100.0, "logit per unit", ASSUMED, "satisfaction per unit of service quality"
    )
    satisfaction_income: float = param(
        6.0,
        0.0,
        100.0,
        "logit per fraction",
        "seed 002 (performance against expectations)",
        "satisfaction per unit of income growth above expectation",
    )
    satisfaction_pollution: float = param(
        1.2, 0.0, 100.0, "logit per unit", ASSUMED, "fall in satisfaction per unit of pollution"
    )
    initial_satisfaction: float = param(
        0.65, 0.0, 1.0, "0..1", ASSUMED, "citizens' satisfaction at set-up"
    )
    initial_trust_local: float = param(
        0.6,
        0.0,
        1.0,
        "0..1",
        "Cunningham, Saich & Turiel (2020), township trust",
        "mean trust in local government at set-up",
    )
    initial_trust_local_sd: float = param(
        0.1, 0.0, 1.0, "0..1", ASSUMED, "SD of trust in local government at set-up"
    )
    initial_trust_central: float = param(
        0.85,
        0.0,
        1.0,
        "0..1",
        "Cunningham, Saich & Turiel (2020), central trust",
        "mean trust in the central government at set-up",
    )
    initial_trust_central_sd: float = param(
        0.05, 0.0, 1.0, "0..1", ASSUMED, "SD of trust in the central government at set-up"
    )
    petition_scale: float = param(
        4.0,
        0.0,
        100.0,
        "multiplier",
        ASSUMED,
        "petition probability is petition_scale x propensity x shortfall / threshold",
    )


_WEIGHT_FIELDS: dict[str, Any] = {k: (Frac, 0.0) for k in WEIGHTED}
Weights = create_model(
    "Weights",
    __base__=_Section,
    __doc__="Weights of a weighted promotion rule on each indicator (sum to 1).",
    **_WEIGHT_FIELDS,
)

#: ``promotion.veto`` keys (from the indicator table)
VetoKey = Literal[tuple(VETO)]  # type: ignore[valid-type]


class Promotion(_Section):
    """The promotion rule and how the evaluation is run (lever)."""

    rule: Literal[tuple(PROMOTION_RULES.names())] = "gdp_tournament"  # type: ignore[valid-type]
    weights: Weights = Weights.model_validate({"growth": 1.0})  # type: ignore[valid-type]
    resident_weight: Frac = 0.5
    growth_target: Annotated[float, Field(ge=-0.5, le=1.0)] = 0.08
    target_escalation: Annotated[float, Field(ge=-0.5, le=0.5)] = 0.025
    patronage_strength: NonNeg = 3.0
    veto: dict[VetoKey, float] = Field(default_factory=dict)  # type: ignore[valid-type]
    noise: NonNeg = 0.3
    memory: Frac = 1.0
    #: share of a year's outcomes still credited to the predecessor after one year in
    #: post; the incumbent is credited with ``1 - attribution_lag ** years_in_post``
    attribution_lag: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.7
    capacity: Frac = 0.13
    min_percentile: Frac = 0.3


class Tenure(_Section):
    """Terms, turnover and appointment (lever)."""

    term_length: Annotated[int, Field(ge=1, le=30)] = 5
    early_turnover_hazard: Prob = 0.06
    reappointment_prob: Prob = 0.25
    rotation_prob: Prob = 0.5
    insider_prob: Prob = 0.4
    connected_prob: Prob = 0.3
    promotion_age_limit: Annotated[int, Field(ge=30, le=90)] = 58
    retirement_age: Annotated[int, Field(ge=30, le=90)] = 60
    appointment_age_mean: Annotated[float, Field(ge=25, le=80)] = 45.0
    appointment_age_sd: Annotated[float, Field(ge=0, le=20)] = 3.5
    min_appointment_age: float = param(
        30.0, 18.0, 80.0, "years", ASSUMED, "youngest age a new leader is appointed at"
    )

    @model_validator(mode="after")
    def _ages(self):
        if self.promotion_age_limit > self.retirement_age:
            raise ValueError(
                f"promotion_age_limit ({self.promotion_age_limit}) must not exceed "
                f"retirement_age ({self.retirement_age})"
            )
        return self


def _accountability_model() -> type[BaseModel]:
    fields: dict[str, Any] = {m.name: (m.Params | None, None) for m in MECHANISMS}
    return create_model(
        "Accountability",
        __config__=ConfigDict(extra="forbid", strict=True),
        __doc__="Accountability mechanisms in force, by name (lever).",
        **fields,
    )


Accountability = _accountability_model()


class Scenario(_Section):
    """A complete, validated scenario."""

    name: str = "default"
    description: str = ""
    world: World = World()
    economy: Economy = Economy()
    behaviour: Behaviour = Behaviour()
    promotion: Promotion = Promotion()
    tenure: Tenure = Tenure()
    accountability: Accountability = Accountability()  # type: ignore[valid-type]

    def mechanisms(self) -> list[tuple[str, Any]]:
        """Enabled mechanisms as ``(name, params)`` in registry order."""
        out = []
        for name in MECHANISMS.names():
            p = getattr(self.accountability, name)
            if p is not None and p.enabled:
                out.append((name, p))
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (JSON/YAML-safe) that validates back to this scenario
        (without the parameters of promotion rules other than its own)."""
        d = self.model_dump(mode="json", exclude_none=True)
        for name in PROMOTION_RULES[self.promotion.rule].foreign_params():
            d["promotion"].pop(name, None)
        return d


# --------------------------------------------------------------------------- loading

SECTIONS = {
    "world": World,
    "economy": Economy,
    "behaviour": Behaviour,
    "promotion": Promotion,
    "tenure": Tenure,
}


def read_yaml_mapping(path: str | Path, what: str) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping (a sweep or problem spec); a missing
    file, a parse error or a non-mapping is a :class:`ScenarioError` naming ``what``."""
    p = Path(path)
    src = str(p)
    if not p.is_file():
        raise ScenarioError([("<file>", shipped.not_found(p, what))], source=src)
    try:
        data = yaml.safe_load(p.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ScenarioError(
            [("<file>", "cannot parse: " + " ".join(str(exc).split()))], source=src
        ) from None
    if not isinstance(data, dict):
        raise ScenarioError([("<root>", f"a {what} must be a mapping")], source=src)
    return data


def read_base_scenario(
    value: Any, spec_dir: Path | None, label: str, problems: list[tuple[str, str]]
) -> dict[str, Any]:
    """Read the base scenario a sweep or problem spec names (relative paths are looked up
    beside the spec first); a problem is appended under ``label``, not raised."""
    path = Path(str(value))
    if not path.is_absolute() and spec_dir is not None and (spec_dir / path).exists():
        path = spec_dir / path
    try:
        return read_file(path)
    except ScenarioError as exc:
        problems.extend((f"{label} {p}", m) for p, m in exc.problems)
        return {}


def read_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML or TOML scenario file into a dict (no validation yet); a bare name such
    as ``gdp_tournament`` that is not a file names a shipped scenario."""
    p = shipped.resolve(path, "scenario")
    if not p.is_file():
        raise ScenarioError([("<file>", shipped.not_found(p, "scenario"))], source=str(p))
    try:
        if p.suffix == ".toml":
            data = tomllib.loads(p.read_text())
        elif p.suffix in (".yaml", ".yml"):
            data = yaml.safe_load(p.read_text())
        else:
            raise ScenarioError(
                [("<file>", f"unsupported extension {p.suffix!r}; use .yaml, .yml or .toml")],
                source=str(p),
            )
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        msg = " ".join(str(exc).split())
        raise ScenarioError([("<file>", f"cannot parse: {msg}")], source=str(p)) from None
    if data is None or data == {}:
        raise ScenarioError(
            [
                (
                    "<file>",
                    "the file sets nothing (it is empty or only comments); "
                    "a scenario file needs at least one setting",
                )
            ],
            source=str(p),
        )
    if not isinstance(data, dict):
        raise ScenarioError([("<root>", "a scenario must be a mapping")], source=str(p))
    if "name" not in data:
        data["name"] = p.stem
    return data


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``key.path=value`` (value read as YAML: ``3``, ``0.5``, ``true``, ``[a]``)."""
    if "=" not in text:
        raise ScenarioError([(text, "an override must look like key.path=value")])
    key, _, raw = text.partition("=")
    key = key.strip()
    if not key:
        raise ScenarioError([(text, "an override needs a key before '='")])
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        value = raw
    return key, value


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return a copy of ``data`` with dotted-key overrides applied."""
    out = copy.deepcopy(data)
    for dotted, value in (overrides or {}).items():
        parts = str(dotted).split(".")
        node = out
        for i, part in enumerate(parts[:-1]):
            nxt = node.get(part)
            if nxt is None:
                nxt = node[part] = {}
            elif not isinstance(nxt, dict):
                raise ScenarioError(
                    [(".".join(parts[: i + 1]), f"is a value, cannot set {dotted!r} inside it")]
                )
            node = nxt
        node[parts[-1]] = value
    return out


def _layer_scale(data: dict[str, Any]) -> dict[str, Any]:
    """Put the ``world.scale`` preset under any explicit ``world`` keys."""
    world = data.get("world")
    if not isinstance(world, dict):
        return data
    scale = world.get("scale", World.model_fields["scale"].default)
    if isinstance(scale, str) and scale in SCALES:
        data = dict(data)
        data["world"] = {**SCALES[scale], **world}
    return data


#: fields taken out of the schema because nothing in the model read them, with why: a
#: scenario, override or spec that still sets one fails validation with this reason
#: instead of a bare "unknown key" (tests/test_dead_fields.py finds such fields)
REMOVED = {
    "economy.initial_soe_share": "no rule ever gave state-owned firms a behaviour of "
    "their own, so the share of them changed nothing a run produces",
    **{
        f"behaviour.natural_scale.{k}": f"leaders' welfare does not weigh {what} and no "
        "mechanism read this scale, so it changed nothing a run produces"
        for k, what in (
            ("growth", "reported growth (its scale is natural_scale.growth_true)"),
            ("firm_survey", "the firm survey"),
            ("stability", "petitions"),
        )
    },
}


def _allowed_keys(loc: tuple) -> list[str] | None:
    model: Any = Scenario
    for part in loc[:-1]:
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return None
        ann = fields[part].annotation
        args = [a for a in getattr(ann, "__args__", ()) if a is not type(None)]
        model = args[0] if args and isinstance(args[0], type) else ann
    fields = getattr(model, "model_fields", None)
    return list(fields) if fields else None


def _format_errors(exc: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for err in exc.errors():
        kind = err["type"]
        # the last element of an unknown key's location is the user's key, whatever it
        # looks like; pydantic's own markers are dropped from the rest
        user_key = tuple(err["loc"][-1:]) if kind == "extra_forbidden" else ()
        loc = tuple(
            p
            for p in err["loc"][: len(err["loc"]) - len(user_key)]
            if not (isinstance(p, str) and (p.startswith("function-") or p == "[key]"))
        )
        loc += user_key
        path = ".".join(str(p) for p in loc) or "<root>"
        if kind == "extra_forbidden" and path in REMOVED:
            msg = f"removed from the schema: {REMOVED[path]}; delete this key"
        elif kind == "extra_forbidden":
            allowed = _allowed_keys(loc)
            msg = "unknown key" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
        elif kind == "literal_error":
            msg = f"got {err['input']!r}; {err['msg'][0].lower()}{err['msg'][1:]}"
        elif kind in ("finite_number",):
            msg = f"must be a finite number, got {err['input']!r}"
        else:
            text = err["msg"]
            if text.startswith("Value error, "):
                text = text[len("Value error, ") :]
            shown = err.get("input")
            msg = text if isinstance(shown, (dict, list)) else f"{text} (got {shown!r})"
        problems.append((path, msg))
    return problems


def _size_problems(sc: Scenario) -> list[tuple[str, str]]:
    """Sizes that validate field by field but together would not fit in memory
    (:mod:`incentsim.sizes`)."""
    problem = memory_problem(sc.world, sc.behaviour.n_candidates)
    return [("world", problem)] if problem else []


def _rule_problems(sc: Scenario) -> list[tuple[str, str]]:
    rule_cls = PROMOTION_RULES[sc.promotion.rule]
    return [(f"promotion.{sub}", msg) for sub, msg in rule_cls.check(sc.promotion)]


def validate(data: Mapping[str, Any], source: str | None = None) -> Scenario:
    """Validate a scenario mapping (already layered) and return a :class:`Scenario`."""
    if not isinstance(data, Mapping):
        raise ScenarioError([("<root>", "a scenario must be a mapping")], source=source)
    layered = _layer_scale(dict(data))
    try:
        sc = Scenario.model_validate(layered)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(exc), source=source) from None
    problems = _rule_problems(sc) + _size_problems(sc)
    if problems:
        raise ScenarioError(problems, source=source)
    return sc


def load_scenario(
    scenario: str | Path | Mapping[str, Any] | Scenario, overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Load and validate a scenario from a path, a mapping or a Scenario.

    ``overrides`` maps dotted keys (``"tenure.term_length"``) to values and is
    applied on top before validation; an override naming an unknown key is an
    error like any other.
    """
    source = None
    if isinstance(scenario, Scenario):
        data = scenario.to_dict()
    elif isinstance(scenario, (str, Path)):
        source = str(scenario)
        data = read_file(scenario)
    elif isinstance(scenario, Mapping):
        data = copy.deepcopy(dict(scenario))
    else:
        raise ScenarioError([("<root>", f"cannot load a scenario from {type(scenario).__name__}")])
    data = apply_overrides(data, overrides)
    return validate(data, source=source)


def flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten a nested mapping to dotted keys (lists kept as values)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out
