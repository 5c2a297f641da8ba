"""The indicators: one table from which everything about them derives.

An indicator is what the upper level can see of a prefecture's year and score
a leader on. Each row of :data:`INDICATORS` declares it once: name, unit,
what it measures, which way is better, its natural scale if leaders' welfare
weighs it (one "notable change", in its own units: how intrinsic motivation
and the mechanisms' penalties weigh the welfare quantities against each
other; ``agents.leader.WELFARE``), the least peer standard
deviation evaluators divide by (``scale_floor``) and the scale they start
with, whether the upper level scores it over the term, whether a promotion
weight may be put on it, the veto key that caps it (``promotion.veto``), and
how a leader forecasts it. The scenario's ``Weights`` and ``VetoKey``, the
schema's ``behaviour.scale_floor``/``initial_scale``/``natural_scale``
sections, the upper level's scored list and the model's indicator values all
derive from it.

Every indicator is signed so that higher is better for the leader's record
(``environment`` is minus reported pollution growth, ``debt`` minus debt/GDP,
``stability`` minus petitions).

Adding an indicator: add a row here, compute it in
:meth:`incentsim.model.IncentModel.indicators` and forecast it in
:func:`incentsim.economy.forecast` (a test checks all three agree).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    """One row of the indicator table (see the module docstring)."""

    name: str
    unit: str
    description: str
    #: one notable change in the indicator's units, for the indicators leaders' welfare
    #: weighs (``agents.leader.WELFARE``; None: not weighed as welfare, and no field of
    #: ``behaviour.natural_scale``)
    natural_scale: float | None = None
    #: least peer SD evaluators divide by (scored indicators only)
    scale_floor: float | None = None
    #: peer SD evaluators assume before the first year is in
    initial_scale: float | None = None
    #: scored over the term by the upper level (enters ``EvalContext.z``)
    scored: bool = False
    #: may carry a promotion weight (a field of ``promotion.weights``)
    weighted: bool = False
    #: ``promotion.veto`` key capping minus this indicator, if any
    veto_key: str | None = None
    #: how a leader forecasts it for a candidate plan
    forecast: str = ""


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "growth",
        "fraction/yr",
        "reported real GDP growth",
        scale_floor=0.01,
        initial_scale=0.05,
        scored=True,
        weighted=True,
        forecast="expected private growth plus the plan's public output and support "
        "to firms (economy.forecast)",
    ),
    Indicator(
        "environment",
        "fraction/yr",
        "minus reported pollution growth",
        natural_scale=0.05,
        scale_floor=0.01,
        initial_scale=0.05,
        scored=True,
        weighted=True,
        veto_key="pollution_growth",
        forecast="first-order pollution growth from forecast growth and the "
        "abatement the plan buys",
    ),
    Indicator(
        "services",
        "index (1 = reference)",
        "public-service quality",
        natural_scale=0.2,
        scale_floor=0.02,
        initial_scale=0.1,
        scored=True,
        weighted=True,
        forecast="service quality renewed by the plan's spending",
    ),
    Indicator(
        "debt",
        "ratio",
        "minus local-government debt / GDP",
        natural_scale=0.1,
        scale_floor=0.02,
        initial_scale=0.05,
        scored=True,
        weighted=True,
        veto_key="debt_to_gdp",
        forecast="debt repaid at the repayment rate plus the plan's borrowing",
    ),
    Indicator(
        "satisfaction",
        "0..1",
        "mean resident satisfaction in a survey",
        natural_scale=0.1,
        scale_floor=0.01,
        initial_scale=0.05,
        scored=True,
        weighted=True,
        forecast="satisfaction index at forecast services, income surprise and pollution",
    ),
    Indicator(
        "firm_survey",
        "0..1",
        "mean business-environment rating of firms",
        scale_floor=0.01,
        initial_scale=0.05,
        scored=True,
        weighted=True,
        forecast="rating of the average firm at today's trust and the plan's subsidies",
    ),
    Indicator(
        "stability",
        "per 1,000 residents/yr",
        "minus petitions",
        scale_floor=0.2,
        initial_scale=1.0,
        scored=True,
        veto_key="petitions",
        forecast="today's petitions moved by the forecast change in satisfaction",
    ),
    Indicator("connected", "0/1", "connected to the provincial patron", forecast="known"),
    Indicator("age", "years", "the leader's age", forecast="age at the next evaluation"),
)

BY_NAME = {i.name: i for i in INDICATORS}
NAMES = tuple(i.name for i in INDICATORS)
#: indicators the upper level scores over a term
SCORED = tuple(i.name for i in INDICATORS if i.scored)
#: indicators a weighted promotion rule may weigh (the fields of ``promotion.weights``)
WEIGHTED = tuple(i.name for i in INDICATORS if i.weighted)
#: ``promotion.veto`` key -> the indicator it caps (minus the indicator <= limit)
VETO = {i.veto_key: i.name for i in INDICATORS if i.veto_key}

#: welfare quantities a leader weighs that are not indicators: true growth (fraction/yr)
#: and the innovation stock (index, 1 = reference)
WELFARE_ONLY = {"growth_true": 0.05, "innovation": 0.2}
#: default natural scales of the welfare quantities, indicators first
#: (``behaviour.natural_scale`` sets them; a test checks they are exactly leaders' welfare)
NATURAL_SCALE = {
    **{i.name: i.natural_scale for i in INDICATORS if i.natural_scale is not None},
    **WELFARE_ONLY,
}
