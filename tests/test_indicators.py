"""One table of indicators: the schema, the upper level, the model and the leaders'
forecasts all derive from :data:`incentsim.indicators.INDICATORS`."""

from __future__ import annotations

import typing

import numpy as np
import pytest

from incentsim import indicators as table
from incentsim.agents import leader
from incentsim.agents.leader import WELFARE, _budget_drift, _drift
from incentsim.economy import Forecasts, forecast
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
    assert set(beh.natural_scale.model_dump()) == set(WELFARE) == set(table.NATURAL_SCALE)
    assert Promotion().weights.growth == 1.0


def test_every_row_is_consistent():
    for i in table.INDICATORS:
        assert i.unit and i.description and i.forecast, i.name
        if i.scored:
            assert i.scale_floor and i.initial_scale, i.name
        assert (i.natural_scale is not None) == (i.name in WELFARE), i.name
    assert set(table.WEIGHTED) <= set(table.SCORED)
    assert set(table.VETO.values()) <= set(table.SCORED)


def test_the_model_computes_and_leaders_forecast_every_indicator(tiny):
    model = IncentModel(tiny, seed=0)
    model.step()
    assert tuple(model.indicators()) == table.NAMES
    st = model.state
    pred = forecast(
        st,
        model.plan_columns,
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
    debt_now = -(st.debt / st.gdp).astype(np.float32)[:, None]  # made when read
    assert pred["debt_now"].dtype == np.float32 and np.array_equal(pred["debt_now"], debt_now)


def test_a_forecast_is_made_once_when_first_read_and_listed_before():
    made = []

    def survey():
        made.append("survey")
        return np.full((2, 3), 0.5)

    pred = Forecasts({"growth": np.zeros((2, 3))}, {"firm_survey": survey})
    assert list(pred) == ["growth", "firm_survey"] and "firm_survey" in pred and len(pred) == 2
    assert made == []
    wide = pred.widened()
    assert wide["growth"].dtype == np.float64 and made == []
    assert (wide["firm_survey"] == 0.5).all() and (pred["firm_survey"] == 0.5).all()
    assert made == ["survey"]
    pred["firm_survey"] = np.ones((2, 3))
    del pred["growth"]
    assert list(pred) == ["firm_survey"] and made == ["survey"]


def test_widened_forecasts_are_float64_and_narrow_reads_what_they_widen():
    """``widened`` gives float64 copies made when read; ``narrow`` gives the float32
    forecast they widen (the same numbers) until the entry is replaced or deleted."""
    single = Forecasts({"growth": np.float32([[0.1, 0.2]]), "debt": np.float32([[3.0]])}, {})
    pred = single.widened()
    assert pred.narrow("growth") is single["growth"]
    assert pred["growth"].dtype == np.float64
    assert np.array_equal(pred["growth"], single["growth"].astype(float))
    pred["connected"] = np.ones((1, 1))
    assert pred.narrow("connected") is pred["connected"]
    pred["growth"] = np.zeros((1, 2))
    assert pred.narrow("growth") is pred["growth"]
    del pred["debt"]
    with pytest.raises(KeyError):
        pred.narrow("debt")
    assert single.narrow("debt") is single["debt"]  # not widened: as read
    with pytest.raises(TypeError, match="no function makes it"):
        Forecasts({}, {"debt": None})["debt"]  # neither a function nor derive


def test_budget_inertia_gathered_from_the_plans_equals_it_computed(tiny):
    model = IncentModel(tiny, seed=[0, 1])
    st = model.state
    assert st.plan is None  # first year: the initial shares are no plan's
    model.step()
    assert st.plan is not None
    table, rows = _budget_drift(model)
    assert rows is not None and table[rows].shape == model.plans.shape[:2]
    assert np.array_equal(table[rows], _drift(model.plan_columns, st.shares))
    st.shares[0] = [0.3, 0.25, 0.2, 0.15, 0.1]  # set by hand: no plan's
    computed, rows = _budget_drift(model)
    assert rows is None and np.array_equal(computed, _drift(model.plan_columns, st.shares))


def _plans_after_three_years(tiny):
    """A two-member model of ``tiny`` stepped three years, and its leaders' plan
    utilities (``leader._plan_utility``: single-precision forecasts, forecasts, context,
    utility)."""
    model = IncentModel(tiny, seed=[3, 4])
    for _ in range(3):
        model.step()
    tr = leader._traits(model.leaders)
    career = leader._career_weight(model, tr)
    return model, leader._plan_utility(model, tr, career, tr["motivation"])


@pytest.mark.parametrize("rule", ["gdp_tournament", "hybrid", "seniority"])
def test_the_chosen_plans_forecasts_are_gathered_cast(tiny, rule):
    """The chosen plans' forecasts, gathered from the single-precision ones and then
    cast, are the numbers of casting every plan's and gathering."""
    tiny["promotion"] = {"rule": rule}
    model, (single, pred, _, util) = _plans_after_three_years(tiny)
    pred["uniform"] = np.full((1, util.shape[1]), 0.5)  # what broadcasts to the plans
    choice = np.random.default_rng(0).integers(0, util.shape[1], len(util))
    chosen = leader._chosen_forecasts(single, pred, util.shape, choice)
    assert set(chosen) == set(pred) and "connected" not in single
    rows = np.arange(len(choice))
    for k in pred:
        want = np.broadcast_to(np.asarray(pred[k], dtype=float), util.shape)[rows, choice]
        assert chosen[k].dtype == float and np.array_equal(chosen[k], want[:, None]), k


@pytest.mark.parametrize(
    "rule, accountability",
    [
        ("gdp_tournament", {}),
        ("balanced_scorecard", {}),
        ("growth_target", {}),
        ("seniority", {}),
        ("hybrid", {"citizen_survey": {"weight": 0.3}}),
    ],
)
def test_marginals_taken_at_once_are_each_indicators_own(tiny, rule, accountability):
    """The marginal scores of growth and environment, scored as the columns of one
    array (a row each returned), are the numbers of scoring each indicator moved up on its own."""
    tiny["promotion"] = {"rule": rule}
    tiny["accountability"] = accountability
    model, (single, pred, ctx, util) = _plans_after_three_years(tiny)
    choice = np.random.default_rng(1).integers(0, util.shape[1], len(util))
    chosen = leader._chosen_forecasts(single, pred, util.shape, choice)
    got = leader._marginals(model, chosen, ctx, ("growth", "environment"))
    score = model.evaluator.believed_score(chosen, ctx)
    for j, name in enumerate(("growth", "environment")):
        up = dict(chosen) | {name: chosen[name] + leader.FD_STEP}
        d = (model.evaluator.believed_score(up, ctx) - score) / leader.FD_STEP
        want = np.broadcast_to(np.maximum(d, 0.0), (len(util), 1))[:, 0]
        assert got[j].tobytes() == want.tobytes(), name
    assert rule == "seniority" or (got[0] > 0).any()
