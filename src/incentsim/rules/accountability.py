"""Accountability mechanisms: composable additions to the evaluation system.

Each mechanism is a small class with declared metadata, a ``Params`` model
(validated with the scenario) and a few hooks the model calls at fixed points
of the year. A hook a mechanism does not override does nothing, and a
mechanism that is absent (or ``enabled: false``) is never constructed, so a
scenario without it reproduces the baseline bit for bit. Every mechanism
draws random numbers only from its own stream.

Hooks (all optional; ``model`` is a narrow
:class:`~incentsim.rules.context.MechanismContext`, not the model itself):

``new_year(model)``
    update the mechanism's own state at the start of the year (roll-outs).
``adjust_score(score, ind, ctx)``
    change the evaluator's score (bottom-up information feeding the rule);
    leaders anticipate it because they forecast with the same evaluator.
``believed_score(score, ind, ctx)``
    the score as leaders believe evaluators adjust it (used when they forecast);
    by default the same as ``adjust_score``.
``manipulation_cost()``
    multiplier on the leader's marginal cost of inflating statistics (read
    each year after ``new_year``).
``service_efficiency(model)``
    multiplier on the public-service quality a yuan of services spending
    buys (leaders forecast with it).
``pollution_manipulable``
    whether reported pollution can be faked at all.
``decision_utility(model, pred)``
    extra utility for each leader x candidate allocation.
``pollution_factor(model)``
    multiplier on this year's pollution (inspections).
``protection_factor(model)``
    multiplier on the chance that a failing firm is kept alive by local support.
``after_reports(model)``
    act on the year's reports (audits).
``trust_news(model)``
    extra per-prefecture term in citizens' satisfaction index (published
    rankings as news; faster, more transparent service).
``firm_confidence(model)``
    per-prefecture addition to the level firms' trust in local government
    moves toward.
``transfers(model)``
    per-prefecture fiscal transfers added to next year's budget.
``after_petitions(model)``
    act on the year's petitions.
``midterm_candidates(model, evaluated)``
    leaders not up for evaluation who also compete for promotion this year.
``reshuffled(model, years_in_post)``
    leaders moved from their posts this year (besides the early-turnover hazard).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from incentsim.rules.context import MechanismContext
from incentsim.rules.registry import Registry
from incentsim.seeding import Draws, UniformDraws
from incentsim.varying import along

Prob = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0, le=1e6)]


class MechanismParams(BaseModel):
    """Common parameters: every mechanism can be switched off in place."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    enabled: bool = True


class Mechanism:
    """Base class; subclasses declare metadata, ``Params`` and hooks."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    source: ClassVar[str] = ""
    #: whether the mechanism draws random numbers
    stochastic: ClassVar[bool] = False
    #: indicators the mechanism reads (surveys are only run when something reads them)
    observes: ClassVar[tuple[str, ...]] = ()
    Params: ClassVar[type[MechanismParams]] = MechanismParams
    pollution_manipulable: ClassVar[bool] = True
    #: parameter values under which the mechanism, though enabled, changes nothing
    #: (a shared test runs them against the baseline bit for bit); ``None``: none exist
    neutral: ClassVar[dict[str, Any] | None] = None
    #: whether its parameters describe how the system worked (``incentsim calibrate`` may
    #: estimate them) rather than a reform under study
    estimable: ClassVar[bool] = False

    def __init__(self, params: MechanismParams, rng: Draws) -> None:
        self.params = params
        self.rng = rng

    def new_year(self, model: MechanismContext) -> None:
        return None

    def adjust_score(self, score, ind, ctx):
        return score

    def believed_score(self, score, ind, ctx):
        return self.adjust_score(score, ind, ctx)

    def manipulation_cost(self) -> float | np.ndarray:
        return 1.0

    def service_efficiency(self, model: MechanismContext) -> np.ndarray | float:
        return 1.0

    def decision_utility(self, model: MechanismContext, pred) -> np.ndarray | float:
        return 0.0

    def pollution_factor(self, model: MechanismContext) -> np.ndarray | float:
        return 1.0

    def protection_factor(self, model: MechanismContext) -> np.ndarray | float:
        return 1.0

    def after_reports(self, model: MechanismContext) -> None:
        return None

    def trust_news(self, model: MechanismContext) -> np.ndarray | float:
        return 0.0

    def firm_confidence(self, model: MechanismContext) -> np.ndarray | float:
        return 0.0

    def transfers(self, model: MechanismContext) -> np.ndarray | float:
        return 0.0

    def after_petitions(self, model: MechanismContext) -> None:
        return None

    def midterm_candidates(self, model: MechanismContext, evaluated: np.ndarray) -> np.ndarray:
        return np.zeros_like(evaluated)

    def reshuffled(self, model: MechanismContext, years_in_post: np.ndarray) -> np.ndarray:
        return np.zeros(len(years_in_post), dtype=bool)


MECHANISMS: Registry[type[Mechanism]] = Registry("accountability mechanism")


def detect_inflation(
    model: MechanismContext,
    intensity: float | np.ndarray,
    scale: float,
    dismissal_prob: float,
    rng: UniformDraws,
) -> None:
    """Catch inflated growth reports: a leader who inflated growth by m is caught with
    probability ``intensity * m / (m + scale)`` (bigger lies are easier to see; at
    ``scale`` the chance is half the intensity); a caught report is corrected, a
    scandal follows, and dismissal with ``dismissal_prob``."""
    m = model.state.manipulation
    p = intensity * m / (m + scale)
    caught = rng.random(m.shape) < p
    model.register_scandal(caught, dismissal_prob=dismissal_prob, rng=rng)


@MECHANISMS.register
class StatisticalAudit(Mechanism):
    """Independent assessors audit reported growth.

    Rule: each year a leader who inflated growth by m is caught with
    probability ``intensity * m / (m + detection_scale)`` (bigger lies are
    easier to see; at ``detection_scale`` the chance is half the intensity). A
    caught leader's report is corrected to the true figure, a scandal hits
    local trust, and the leader is dismissed with probability
    ``dismissal_prob``. Leaders anticipate it: the marginal cost of inflating
    statistics is multiplied by ``1 + deterrence * intensity``.
    """

    name = "statistical_audit"
    neutral = {"intensity": 0.0}
    description = "Independent assessors detect manipulated statistics"
    source = "Wallace (2016) Br. J. Polit. Sci. 46; NBS statistical inspections (2017)"
    stochastic = True

    class Params(MechanismParams):
        intensity: Prob = 0.6
        dismissal_prob: Prob = 0.3
        deterrence: NonNeg = 8.0
        detection_scale: Annotated[float, Field(gt=0.0, le=1.0)] = 0.01

    params: Params

    def manipulation_cost(self) -> float | np.ndarray:
        return 1.0 + self.params.deterrence * self.params.intensity

    def after_reports(self, model):
        p = self.params
        detect_inflation(model, p.intensity, p.detection_scale, p.dismissal_prob, self.rng)


@MECHANISMS.register
class LifelongAccountability(Mechanism):
    """Debt and environmental damage are traced back to the leader for life.

    Rule: the leader's utility loses ``debt_weight`` x (rise in debt/GDP per
    0.1 of GDP, squared: the chance that a debt build-up is traced back and
    punished grows with its size, so prudent borrowing goes unpunished and
    surges do not) + ``environment_weight`` x (pollution growth per 5 %)
    (``behaviour.natural_scale``), whatever the years left to
    evaluation or the leader's age: the damage follows the leader after
    departure, so short horizons no longer discount it. Debt is the main
    target (2014 Budget Law: officials answer for debt for life). Because the
    record of the tenure follows the leader, they also weigh local welfare
    as a steward would (``stewardship`` x the welfare index every leader's
    intrinsic motivation uses): the "long-run perspective" seed 002 expects
    lifelong accountability to encourage.
    """

    name = "lifelong_accountability"
    neutral = {"debt_weight": 0.0, "environment_weight": 0.0, "stewardship": 0.0}
    description = "Debt and environmental damage traced back to a leader after departure"
    source = (
        "CCP Central Committee (2015) lifelong accountability for ecological damage; "
        "Budget Law (2014) and State Council Document 43 (2014) on local debt; seed 002"
    )

    class Params(MechanismParams):
        debt_weight: NonNeg = 4.0
        environment_weight: NonNeg = 0.1
        stewardship: NonNeg = 2.0

    params: Params

    def decision_utility(self, model, pred):
        natural, p, welfare = model.behaviour.natural_scale, self.params, pred["welfare"]
        debt_rise = np.maximum(pred["debt_now"] - pred["debt"], 0.0)
        debt_rise /= along(natural.debt, debt_rise)
        pollution_rise = -pred["environment"] / along(natural.environment, pred["environment"])
        return (
            along(p.stewardship, welfare) * welfare
            - along(p.debt_weight, debt_rise) * debt_rise**2
            - along(p.environment_weight, pollution_rise) * pollution_rise
        )


@MECHANISMS.register
class VerticalEnvironmentalManagement(Mechanism):
    """Central monitoring of pollution and inspection campaigns.

    Rule: pollution is measured by central monitors, so reported pollution
    equals true pollution (no under-reporting); each year a share
    ``coverage`` of prefectures is inspected and their pollution that year
    falls by ``inspection_effect`` (plants shut or fixed while the team is
    there; about -9 % on PM2.5 in published evaluations); leaders anticipate
    a penalty ``pressure`` per 5 % of pollution growth.
    """

    name = "vertical_environmental_management"
    #: no neutral setting: central monitoring makes pollution reports true whatever the
    #: coverage of inspections
    description = "Central pollution monitoring and inspections; pollution data not manipulable"
    source = "Central Environmental Inspection (2016-); Greenstone, He, Jia & Liu (2022) AER:I"
    stochastic = True
    pollution_manipulable = False

    class Params(MechanismParams):
        coverage: Prob = 0.25
        inspection_effect: Prob = 0.09
        pressure: NonNeg = 0.2

    params: Params

    def decision_utility(self, model, pred):
        natural = model.behaviour.natural_scale
        return (
            along(self.params.pressure, pred["environment"])
            * pred["environment"]
            / along(natural.environment, pred["environment"])
        )

    def pollution_factor(self, model):
        inspected = self.rng.random(model.n_prefectures) < self.params.coverage
        return np.where(inspected, 1.0 - self.params.inspection_effect, 1.0)


@MECHANISMS.register
class PublicRanking(Mechanism):
    """Published rankings of prefectures, with comments, read by residents.

    Rule: each year the prefectures of a province are ranked on mean resident
    satisfaction and the ranking is published. Residents read the rank as news
    (``news_weight`` x (percentile - 0.5)); leaders value their published rank
    (``reputation`` per 0.1 of satisfaction), so the ranking adds a bottom-up
    incentive even when the promotion rule ignores residents.
    """

    name = "public_ranking"
    neutral = {"news_weight": 0.0, "reputation": 0.0}
    description = "Published rankings of localities with comments (PPGPA)"
    source = "UNDP PPGPA project (seed 001): publicity of rankings with comments"
    observes = ("satisfaction",)

    class Params(MechanismParams):
        news_weight: NonNeg = 0.1
        reputation: NonNeg = 0.5

    params: Params

    def decision_utility(self, model, pred):
        natural = model.behaviour.natural_scale
        return (
            along(self.params.reputation, pred["satisfaction"])
            * pred["satisfaction"]
            / along(natural.satisfaction, pred["satisfaction"])
        )

    def trust_news(self, model):
        pct = model.province_percentile(model.state.satisfaction_mean)
        return self.params.news_weight * (pct - 0.5)


class _ScoreBlend(Mechanism):
    """Blends one indicator into the evaluator's score with weight :meth:`blend_weight`."""

    indicator: ClassVar[str] = ""

    def blend_weight(self) -> float | np.ndarray:
        raise NotImplementedError

    def adjust_score(self, score, ind, ctx):
        w = along(self.blend_weight(), score)
        return (1.0 - w) * score + w * ctx.z(ind, self.indicator)


class _BlendParams(MechanismParams):
    """What a weighted blend has: the weight of its indicator in the score."""

    weight: Prob = 0.0


class _WeightedBlend(_ScoreBlend):
    """A score blend whose weight is its ``weight`` parameter."""

    params: _BlendParams

    def blend_weight(self) -> float | np.ndarray:
        return self.params.weight


@MECHANISMS.register
class CitizenSurvey(_WeightedBlend):
    """A resident survey feeds the evaluation.

    Rule: score <- (1 - weight) * score + weight * z(satisfaction), where
    satisfaction is the survey mean among province peers.
    """

    name = "citizen_survey"
    neutral = {"weight": 0.0}
    description = "Resident satisfaction survey feeds the promotion score"
    source = "UNDP PPGPA (seed 001); Qingyuan farmers' feedback (seed 004)"
    observes = ("satisfaction",)
    indicator = "satisfaction"

    class Params(_BlendParams):
        weight: Prob = 0.3

    params: Params


@MECHANISMS.register
class FirmSurvey(_WeightedBlend):
    """A business-environment survey of firms feeds the evaluation.

    Rule: score <- (1 - weight) * score + weight * z(firm_survey).
    """

    name = "firm_survey"
    neutral = {"weight": 0.0}
    description = "Business-environment survey of firms feeds the promotion score"
    source = "World Bank subnational Doing Business; seed 002 (bottom-up accountability)"
    observes = ("firm_survey",)
    indicator = "firm_survey"

    class Params(_BlendParams):
        weight: Prob = 0.2

    params: Params


@MECHANISMS.register
class PerformanceTransfers(Mechanism):
    """Fiscal transfers tied to results.

    Rule: next year's budget gains ``share`` x revenue x 2 x (score percentile
    - 0.5): the province moves money from its worst to its best performers
    under the scenario's own rule.
    """

    name = "performance_transfers"
    neutral = {"share": 0.0}
    description = "Fiscal transfers tied to evaluation results"
    source = "Performance-based budgeting pilots (seed 002, session 2)"

    class Params(MechanismParams):
        share: Prob = 0.1

    params: Params

    def transfers(self, model):
        pct = model.province_percentile(model.state.last_score)
        return self.params.share * model.state.revenue * 2.0 * (pct - 0.5)


@MECHANISMS.register
class PetitionChannel(_WeightedBlend):
    """Petitions reach the upper level and get some grievances redressed.

    Rule: the score loses ``weight`` x z(petitions per 1,000 residents); a
    share ``redress`` of petitioners get their grievance settled, which lifts
    their satisfaction and, because the centre is credited, their trust in
    the central government.
    """

    name = "petition_channel"
    neutral = {"weight": 0.0, "redress": 0.0}
    description = "Petitions counted in evaluation; grievances partly redressed"
    source = "Letters and Visits (xinfang) system; Dimitrov (2015); Chen (2012)"
    stochastic = True
    observes = ("stability",)
    indicator = "stability"

    class Params(_BlendParams):
        weight: Prob = 0.2
        redress: Prob = 0.3

    params: Params

    def after_petitions(self, model):
        model.redress_petitions(self.params.redress, self.rng)
