"""Parameters the members of one model may differ in (issue 16: ensembles).

An :class:`~incentsim.model.IncentModel` of several members steps them as one
vectorised population. Members may differ in the numeric fields of :data:`VARYING`
(what the shipped sweeps, calibrations, optimisations and sensitivity designs vary);
they share every other field (:func:`shared_part`): the world, the promotion rule,
the mechanisms in force and their other parameters, and every structural choice.

:class:`MemberValues` holds each member's value of the fields that differ and gives
the model a field either as the one value all members share (the scalar of the
scenario, so a single run computes exactly what it always did) or as an array of
each row's member's value: per prefecture, per member, or per leader. A
:class:`SectionView` reads like a scenario section (``econ.local_shock_sd``) with
those arrays in place of the differing fields, so the laws of motion need no change
where their arrays are per prefecture; :func:`along` fits a per-prefecture value to
a (prefectures, plans) forecast array.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from incentsim.indicators import SCORED, WEIGHTED

if TYPE_CHECKING:
    from incentsim.scenario import Scenario

#: the economy's fields members may differ in: those read per prefecture, per member,
#: per firm or per citizen (every one)
ECONOMY = (
    "local_shock_sd",
    "local_shock_persistence",
    "growth_spillover",
    "national_shock_sd",
    "national_shock_persistence",
    "frontier_growth",
    "churn_spillover",
    "innovation_effect",
    "frontier_convergence",
    "entry_reference",
    "tax_rate",
    "interest_rate",
    "debt_repayment",
    "infrastructure_depreciation",
    "human_capital_lag",
    "protection_efficiency",
    "ability_effect",
    "human_capital_elasticity",
    "infrastructure_elasticity",
    "environmental_entry_cost",
    "entry_barrier_min",
    "entry_barrier_max",
    "public_investment_multiplier",
    "reference_investment",
    "other_spending_multiplier",
    "pollution_scale_elasticity",
    "abatement_effect",
    "pollution_spillover",
    "emission_intensity_decline",
    "prefecture_productivity_sd",
    "emission_intensity_sd",
    "initial_public_share",
    "initial_debt",
    "initial_infrastructure",
    "services_renewal",
    "reference_services",
    "abatement_renewal",
    "reference_environment",
    "innovation_renewal",
    "reference_innovation",
    "firm_productivity_sd",
    "entrant_productivity_sd",
    "incumbent_learning",
    "exit_threshold",
    "entry_rate",
    "entrant_capital",
    "initial_alive",
    "income_shock_sd",
    "skill_sd",
    "initial_growth",
    "fiscal_capacity_min",
    "fiscal_capacity_max",
    "environmental_compliance_cost",
    "compliance_floor",
    "subsidy_output",
    "capital_share",
    "hurdle_rate",
    "depreciation",
    "max_investment_rate",
    "initial_firm_age_max",
)
#: leaders', firms' and citizens' behaviour members may differ in (with the natural
#: scales and the indicator scales' floors and initial values: all but the number of
#: candidate plans, the borrowing levels they draw from and the budget shares, initial
#: or fixed)
BEHAVIOUR = (
    "career_value",
    "public_service_motivation",
    "manipulation_cost",
    "max_manipulation",
    "choice_temperature",
    "budget_inertia",
    "borrowing_inertia",
    "discount",
    "perception_noise",
    "insider_local_weight",
    "motivation_shape",
    "firm_investment_sensitivity",
    "firm_confidence_base",
    "firm_expectation_adjustment",
    "initial_firm_trust",
    "firm_trust_base",
    "firm_trust_subsidy",
    "firm_trust_turnover_loss",
    "firm_trust_scandal_loss",
    "firm_trust_adjustment",
    "scandal_trust_shock",
    "satisfaction_base",
    "satisfaction_services",
    "satisfaction_pollution",
    "satisfaction_income",
    "expectation_adjustment",
    "citizen_noise",
    "social_influence",
    "scale_smoothing",
    "trust_gain_rate",
    "trust_loss_rate",
    "tacitus_threshold",
    "central_credit",
    "central_premium",
    "central_blame",
    "petition_threshold",
    "petition_propensity",
    "petition_scale",
    "initial_satisfaction",
    "initial_trust_local",
    "initial_trust_local_sd",
    "initial_trust_central",
    "initial_trust_central_sd",
    "survey_trust_weight",
    "survey_neutral_trust",
    "survey_subsidy_weight",
    "survey_productivity_weight",
    "plan_concentration",
    "plan_lean_floor",
)
#: the natural scales members may differ in: all of them, those of leaders' welfare
#: (mechanisms read some of them too)
NATURAL_SCALES = ("growth_true", "services", "environment", "satisfaction", "debt", "innovation")
#: every number of the tenure section
TENURE = (
    "term_length",
    "early_turnover_hazard",
    "reappointment_prob",
    "rotation_prob",
    "insider_prob",
    "connected_prob",
    "promotion_age_limit",
    "retirement_age",
    "appointment_age_mean",
    "appointment_age_sd",
    "min_appointment_age",
)
#: mechanisms' parameters members may differ in (the mechanisms in force they share)
MECHANISM_PARAMETERS = (
    "statistical_audit.intensity",
    "statistical_audit.dismissal_prob",
    "statistical_audit.deterrence",
    "statistical_audit.detection_scale",
    "citizen_survey.weight",
    "firm_survey.weight",
    "performance_transfers.share",
    "big_data_monitoring.strength",
    "big_data_monitoring.detection",
    "big_data_monitoring.deterrence",
    "big_data_monitoring.dismissal_prob",
    "big_data_monitoring.detection_scale",
    "big_data_monitoring.setup_cost",
    "big_data_monitoring.running_cost",
    "mixed_evaluation.performance_weight",
    "irregular_turnover.midterm_candidate_prob",
    "irregular_turnover.reshuffle_share",
    "target_responsibility.pressure",
    "target_responsibility.tolerance",
    "mixed_evaluation.connection_weight",
    "mixed_evaluation.seniority_weight",
    "mixed_evaluation.ability_weight",
    "irregular_turnover.provincial_turnover_prob",
    "lifelong_accountability.debt_weight",
    "lifelong_accountability.environment_weight",
    "lifelong_accountability.stewardship",
    "vertical_environmental_management.coverage",
    "vertical_environmental_management.inspection_effect",
    "vertical_environmental_management.pressure",
    "public_ranking.news_weight",
    "public_ranking.reputation",
    "petition_channel.weight",
    "petition_channel.redress",
    *(
        f"{reform}.{f}"
        for reform in ("service_halls", "cadre_capacity", "regulatory_consistency")
        for f in ("strength", "setup_cost", "running_cost")
    ),
    *(
        f"{reform}.rollout_years"
        for reform in (
            "service_halls",
            "cadre_capacity",
            "regulatory_consistency",
            "big_data_monitoring",
        )
    ),
    "service_halls.efficiency_gain",
    "service_halls.satisfaction_gain",
    "cadre_capacity.competence_gain",
    "cadre_capacity.feedback_weight",
    "regulatory_consistency.confidence_gain",
)
#: the promotion rule's numbers members may differ in (the rule they share)
PROMOTION = (
    "capacity",
    "noise",
    "min_percentile",
    "memory",
    "attribution_lag",
    "resident_weight",
    "patronage_strength",
    "growth_target",
    "target_escalation",
)
#: the dotted fields in which members stepped as one model may differ
VARYING: tuple[str, ...] = (
    *(f"economy.{f}" for f in ECONOMY),
    *(f"behaviour.{f}" for f in BEHAVIOUR),
    *(f"behaviour.natural_scale.{f}" for f in NATURAL_SCALES),
    *(f"behaviour.{scale}.{k}" for scale in ("scale_floor", "initial_scale") for k in SCORED),
    *(f"promotion.{f}" for f in PROMOTION),
    *(f"promotion.weights.{k}" for k in WEIGHTED),
    *(f"tenure.{f}" for f in TENURE),
    *(f"accountability.{f}" for f in MECHANISM_PARAMETERS),
)
#: fields that only name or describe a scenario: nothing simulated reads them
LABELS = ("name", "description", "world.scale")


def _get(data: Any, path: str) -> Any:
    """The value at dotted ``path`` of a scenario (``None`` where a section is absent)."""
    for part in path.split("."):
        if data is None:
            return None
        data = data.get(part) if isinstance(data, dict) else getattr(data, part)
    return data


def shared_part(scenario: Scenario) -> str:
    """What members stepped as one model must share: the scenario (as JSON) without
    the fields of :data:`VARYING` and the labels (:data:`LABELS`)."""
    data = scenario.model_dump(mode="json")
    for path in (*VARYING, *LABELS):
        *parents, leaf = path.split(".")
        section = _get(data, ".".join(parents)) if parents else data
        if isinstance(section, dict):
            section.pop(leaf, None)
    return json.dumps(data, sort_keys=True)


def along(value: Any, like: np.ndarray) -> Any:
    """A per-prefecture ``value`` shaped to broadcast along the first axis of ``like``
    (a (prefectures, plans) forecast: one value per row); a scalar as it is."""
    if np.ndim(value) == 0:
        return value
    return np.reshape(value, (-1,) + (1,) * (np.ndim(like) - 1))


class SectionView:
    """A scenario section (or mechanism's parameters) whose differing fields read as
    arrays, one value per row; every other field reads from the section itself."""

    def __init__(self, section: Any, arrays: dict[str, Any]) -> None:
        self._section = section
        self._arrays = arrays

    def __getattr__(self, name: str) -> Any:
        arrays = self.__dict__["_arrays"]
        if name in arrays:
            return arrays[name]
        return getattr(self.__dict__["_section"], name)


class MemberValues:
    """Each member's value of the :data:`VARYING` fields in which the members of one
    model differ; refuses members that differ in anything else (:func:`shared_part`)."""

    def __init__(self, scenarios: Sequence[Scenario], member: np.ndarray) -> None:
        self.scenarios = list(scenarios)
        #: the member each prefecture belongs to
        self.member = member
        #: per-member values of the fields that differ (dotted path -> (members,) array)
        self.differing: dict[str, np.ndarray] = {}
        first_of: dict[int, int] = {}  # each scenario object's first member
        for i, sc in enumerate(scenarios):
            first_of.setdefault(id(sc), i)
        if len(first_of) == 1:  # one scenario, several seeds
            return
        first = shared_part(scenarios[0])
        for i in list(first_of.values())[1:]:  # each scenario object checked once
            if shared_part(scenarios[i]) != first:
                raise ValueError(
                    f"member {i} differs from member 0 in a field members stepped as one "
                    f"model must share (only {', '.join(VARYING)} may differ)"
                )
        for path in VARYING:
            values = [_get(sc, path) for sc in scenarios]
            if any(v != values[0] for v in values):
                self.differing[path] = np.array(values)

    def value(self, path: str, rows: np.ndarray | None = None) -> Any:
        """Field ``path``: the scenario's value when the members share it, else each
        row's member's value (``rows``: the member of each row; default the
        prefectures')."""
        if path not in self.differing:
            return _get(self.scenarios[0], path)
        return self.differing[path][self.member if rows is None else rows]

    def per_member(self, path: str) -> Any:
        """Field ``path``: the shared value, or one value per member."""
        return self.differing.get(path, _get(self.scenarios[0], path))

    def varies(self, *paths: str) -> bool:
        """Whether the members differ in any of the fields ``paths``."""
        return any(p in self.differing for p in paths)

    def section(self, path: str, rows: np.ndarray | None = None) -> Any:
        """Section ``path`` (``"economy"``, ``"accountability.citizen_survey"``) as
        :meth:`value` reads its fields: the section itself when no field of it differs,
        else a :class:`SectionView` (nested sections, ``promotion.weights``, too)."""
        section = _get(self.scenarios[0], path)
        prefix = path + "."
        inner = {p[len(prefix) :].split(".")[0] for p in self.differing if p.startswith(prefix)}
        if not inner:
            return section
        arrays = {}
        for name in inner:
            sub = prefix + name
            arrays[name] = (
                self.value(sub, rows) if sub in self.differing else self.section(sub, rows)
            )
        return SectionView(section, arrays)
