"""One table of indicators: the schema, the upper level, the model and the leaders'
forecasts all derive from :data:`incentsim.indicators.INDICATORS`."""

from __future__ import annotations

import typing

import numpy as np

from incentsim import indicators as table
from incentsim.agents.leader import WELFARE
from incentsim.economy import forecast
from incentsim.model import IncentModel
from incentsim.scenario import Behaviour, Promotion, VetoKey, Weights


def test_schema_sections_follow_the_table():
    assert tuple(Weights.model_fields) == table.WEIGHTED
    assert set(typing.get_args(VetoKey)) == set(table.VETO)
    beh = Behaviour()
    assert tuple(beh.scale_floor.model_dump()) == table.SCORED
    assert tuple(beh.initial_scale.model_dump()) == table.SCORED
    assert {
        i.name: i.scale_floor for i in table.INDICATORS if i.scored
    } == beh.scale_floor.model_dump()
    assert set(WELFARE) <= set(beh.natural_scale.model_dump())
    assert Promotion().weights.growth == 1.0


def test_every_row_is_consistent():
    for i in table.INDICATORS:
        assert i.unit and i.description and i.forecast, i.name
        if i.scored:
            assert i.scale_floor and i.initial_scale and i.natural_scale, i.name
    assert set(table.WEIGHTED) <= set(table.SCORED)
    assert set(table.VETO.values()) <= set(table.SCORED)


def test_the_model_computes_and_leaders_forecast_every_indicator(tiny):
    model = IncentModel(tiny, seed=0)
    model.step()
    assert tuple(model.indicators()) == table.NAMES
    st = model.state
    pred = forecast(
        st,
        model.plans,
        st.budget_share,
        model.config.economy,
        model.config.behaviour,
        st.expected_growth,
        st.expected_income_growth,
    )
    assert set(table.SCORED) <= set(pred)
    for k in table.SCORED:
        assert pred[k].shape == model.plans.shape[:2], k
        assert np.isfinite(pred[k]).all(), k
