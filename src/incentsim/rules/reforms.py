"""The seeds' reforms (DESIGN §8) as accountability mechanisms.

Each is a reform a real government introduced at a date: in the model it starts
in the first recorded year (year 1; the burn-in runs without it, so a run with the
reform starts from the same state as one without) and reaches its full
``strength`` after ``rollout_years`` (a linear roll-out). While rolling out it
costs ``setup_cost`` of the prefecture's tax revenue a year, and
``running_cost`` x its current level for as long as it is in force; both come
out of the next year's discretionary budget (as fiscal transfers do).

At ``strength`` 0 a reform does nothing at all: every hook then returns the
neutral value (multiplier 1, addition 0) and no random number is drawn.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

import numpy as np
from pydantic import Field

from incentsim.rules.accountability import (
    MECHANISMS,
    Mechanism,
    MechanismParams,
    _ScoreBlend,
    detect_inflation,
)
from incentsim.seeding import MemberStreams


def _share(default: float, what: str) -> Any:
    """A fraction in [0, 1] with its meaning and unit."""
    return Field(default, ge=0.0, le=1.0, description=what)


def _amount(default: float, what: str, high: float = 1e6) -> Any:
    """A non-negative amount up to ``high`` with its meaning and unit."""
    return Field(default, ge=0.0, le=high, description=what)


class ReformParams(MechanismParams):
    """What every reform has: a strength, a roll-out and a budget cost."""

    strength: float = _share(
        1.0, "share of the reform in force at full roll-out (coverage; 0 = no reform), fraction"
    )
    rollout_years: int = Field(
        3, ge=1, le=30, description="years from the first recorded year to full strength, years"
    )
    setup_cost: float = _share(0.0, "set-up cost in each roll-out year, share of tax revenue")
    running_cost: float = _share(
        0.0, "running cost while in force (x current level), share of tax revenue a year"
    )


class _Reform(Mechanism):
    """A reform rolled out from the first recorded year; ``level`` is its current
    strength (0 before year 1, ``strength`` from ``rollout_years`` on)."""

    Params: ClassVar[type[ReformParams]] = ReformParams
    params: ReformParams
    neutral: ClassVar[dict[str, Any] | None] = {"strength": 0.0}
    #: per prefecture where ensemble members' strengths differ
    level: float | np.ndarray = 0.0

    def phase(self, year: int) -> float | np.ndarray:
        """The share of ``strength`` in force in ``year`` (per prefecture where ensemble
        members' roll-outs differ)."""
        years = self.params.rollout_years
        if np.ndim(years):
            return np.clip(year / years, 0.0, 1.0)
        return float(np.clip(year / years, 0.0, 1.0))

    def new_year(self, model):
        self.level = self.params.strength * self.phase(model.year)

    def transfers(self, model):
        p = self.params
        year = model.year + 1  # transfers fund next year's budget
        setup: float | np.ndarray
        if np.ndim(p.rollout_years):  # per prefecture where members' roll-outs differ
            setup = np.where((1 <= year) & (year <= p.rollout_years), p.setup_cost, 0.0)
        else:
            setup = p.setup_cost if 1 <= year <= p.rollout_years else 0.0
        share = p.strength * (setup + p.running_cost * self.phase(year))
        return -share * model.state.revenue


@MECHANISMS.register
class ServiceHalls(_Reform):
    """One-window public service halls, process re-engineering and e-government.

    Rule: where halls run (share ``level`` of the prefecture), a yuan of services
    spending buys ``1 + efficiency_gain x level`` times the service quality (a
    window of 6-10 staff does the work formerly done by more than 40; window work
    is a small part of service budgets, so the gain on all services is far
    smaller than the staff saving), and citizens' satisfaction index gains
    ``satisfaction_gain x level`` (published procedures, time limits and
    eligibility; many steps in one visit). Trust follows satisfaction and
    petitions fall as satisfaction rises. Building the halls and the e-government
    system costs ``setup_cost`` of revenue in each roll-out year (pilots in 2005,
    every sub-district by 2008: three years); running costs are offset by the
    staff saved.
    In force from the first recorded year, at full strength after ``rollout_years``.
    """

    name = "service_halls"
    description = "One-window public service halls and e-government: more, faster service"
    source = (
        "seed 003: Xicheng District, Beijing, public service halls 2005-08 (windows "
        "of 6-10 staff doing the work of 40+); cost and satisfaction sizes assumed"
    )

    class Params(ReformParams):
        setup_cost: float = _share(
            0.02,
            "set-up cost (halls, e-government system) in each roll-out year, share of tax revenue",
        )
        efficiency_gain: float = _amount(
            0.1, "rise in service quality bought per yuan at full strength, fraction", 1.0
        )
        satisfaction_gain: float = _amount(
            0.15, "rise in citizens' satisfaction index at full strength, logit points", 2.0
        )

    params: Params

    def service_efficiency(self, model):
        return 1.0 + self.params.efficiency_gain * self.level

    def trust_news(self, model):
        return self.params.satisfaction_gain * self.level


@MECHANISMS.register
class CadreCapacity(_Reform, _ScoreBlend):
    """Skill training of cadres chosen from residents' needs, feedback in evaluation.

    Rule: training chosen from farmers' needs surveys, skill certification and
    village service centres make the prefecture's cadres more competent in
    services: a yuan of services spending buys ``1 + competence_gain x level``
    times the service quality, built up over the roll-out (the training
    campaign; the competence stays with the cadres when the leader changes).
    Residents' feedback is weighted in the evaluation, so allocation follows
    residents' stated priorities: score <- (1 - w) x score + w x z(satisfaction)
    with ``w = feedback_weight x level`` (as :class:`CitizenSurvey`). Training
    and the county cadres posted to villages cost ``running_cost`` of revenue a
    year. Qingyuan's rural income grew 9.1 % a year (2,910 to 3,459 yuan,
    2004-06), close to the national rural trend of those years, so the model
    adds no direct income effect.
    In force from the first recorded year, at full strength after ``rollout_years``.
    """

    name = "cadre_capacity"
    description = (
        "Cadre skill training from residents' needs surveys; residents' feedback in evaluation"
    )
    source = (
        "seed 004: Qingyuan County, Zhejiang, cadre skill building 2004-06 (345 village "
        "service centres, 182 county cadres in villages); effect sizes assumed"
    )
    observes = ("satisfaction",)
    indicator = "satisfaction"

    class Params(ReformParams):
        running_cost: float = _share(
            0.01,
            "training and village service centres while in "
            "force (x current level), share of tax revenue a "
            "year",
        )
        competence_gain: float = _amount(
            0.15, "rise in service quality bought per yuan with fully trained cadres, fraction", 1.0
        )
        feedback_weight: float = _share(
            0.3,
            "weight of residents' feedback (satisfaction) "
            "in the evaluation score at full strength, "
            "fraction",
        )

    params: Params

    def blend_weight(self) -> float | np.ndarray:
        return self.params.feedback_weight * self.level

    def service_efficiency(self, model):
        return 1.0 + self.params.competence_gain * self.level


@MECHANISMS.register
class BigDataMonitoring(_Reform):
    """Automatic, real-time collection of tax, electricity and registry data.

    Rule: where statistics are collected automatically (share ``level``),
    anomalies in reported growth are flagged: a leader who inflated growth by m
    is caught with probability ``detection x level x m / (m + 0.01)`` (as an
    audit: the report is corrected, a scandal follows, dismissal with
    ``dismissal_prob``); leaders anticipate it, so the marginal cost of
    inflating statistics is multiplied by ``1 + deterrence x detection x
    level``. Pollution self-reports lose their slack: under-reporting is cut by
    the share ``level`` (automated monitoring raised reported pollution by about
    35 % where it replaced self-reports). The platform costs ``setup_cost`` of
    revenue in each roll-out year (integrated portal 2014, cloud platform 2015,
    blockchain 2017) and ``running_cost`` a year after.
    In force from the first recorded year, at full strength after ``rollout_years``.
    """

    name = "big_data_monitoring"
    description = "Automated real-time performance data: faking costs more and is flagged"
    source = (
        "seed 002, workshop session 4 (Niu Junyu; Changsheng district, Foshan, 2014-17); "
        "Greenstone, He, Jia & Liu (2022) AER:I: +35 % reported pollution"
    )
    stochastic = True

    class Params(ReformParams):
        setup_cost: float = _share(
            0.01, "set-up cost of the data platform in each roll-out year, share of tax revenue"
        )
        running_cost: float = _share(
            0.002, "running cost while in force (x current level), share of tax revenue a year"
        )
        detection: float = _share(
            0.5, "chance a large inflation of growth is flagged at full strength, probability"
        )
        deterrence: float = _amount(
            8.0, "rise in the marginal cost of faking per unit of detection, multiplier"
        )
        dismissal_prob: float = _share(
            0.1, "chance a leader whose figures are flagged is dismissed, probability"
        )
        detection_scale: float = Field(
            0.01,
            ge=1e-6,
            le=1.0,
            description="inflation at which a flag is half as likely "
            "as for a large one, fraction of GDP growth (as statistical_audit)",
        )

    params: Params

    def manipulation_cost(self) -> float | np.ndarray:
        return 1.0 + self.params.deterrence * self.params.detection * self.level

    def after_reports(self, model):
        active = self.level != 0.0  # per prefecture where ensemble members differ
        if not np.any(active):
            return
        p = self.params
        rng = self.rng if np.all(active) else cast(MemberStreams, self.rng).only(np.asarray(active))
        detect_inflation(model, p.detection * self.level, p.detection_scale, p.dismissal_prob, rng)
        st = model.state
        st.underreport = st.underreport * (1.0 - self.level)
        st.pollution_growth_reported = np.where(
            active, st.pollution_growth - st.underreport, st.pollution_growth_reported
        )


@MECHANISMS.register
class RegulatoryConsistency(_Reform):
    """Central rules for enforcement narrow local discretion to shield incumbents.

    Rule: a share ``level`` of local enforcement discretion is replaced by
    common central rules, so the chance that a failing firm is kept alive by
    local support is multiplied by ``1 - level`` (a level playing field:
    unproductive firms exit, their slots go to entrants at the frontier). Rules
    no longer change with the leader, so firms' trust moves toward a level
    higher by ``level x (confidence_gain + turnover loss x leader turnover)``:
    the trust a change of leader used to cost is kept. No budget cost by default
    (rule-making and coordination platforms, not spending); roll-out five years
    (a medium-term reform agenda).
    In force from the first recorded year, at full strength after ``rollout_years``.
    """

    name = "regulatory_consistency"
    description = "Central enforcement rules: fewer protected incumbents, more creative destruction"
    source = (
        "seed 002, workshop session 3 (Ladegaard, World Bank): excessive local "
        "discretion hinders creative destruction; effect sizes assumed"
    )

    class Params(ReformParams):
        strength: float = _share(
            0.5,
            "share of local enforcement discretion replaced by "
            "central rules at full roll-out, fraction",
        )
        rollout_years: int = Field(
            5, ge=1, le=30, description="years from the first recorded year to full strength, years"
        )
        confidence_gain: float = _share(
            0.05, "rise in the level firms' trust moves toward at full strength, 0..1 trust"
        )

    params: Params

    def protection_factor(self, model):
        return 1.0 - self.level

    def firm_confidence(self, model):
        loss = model.behaviour.firm_trust_turnover_loss
        gain = self.params.confidence_gain + loss * model.state.turnover
        return self.level * gain
