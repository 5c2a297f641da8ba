"""Accountability mechanisms: off equals baseline bit for bit; each does what it says."""

import copy

import numpy as np
import pandas as pd
import pytest

import incentsim
from incentsim.rules.accountability import MECHANISMS
from incentsim.rules.promotion import INDICATORS, EvalContext

REQUIRED = {"statistical_audit", "lifelong_accountability", "vertical_environmental_management",
            "public_ranking", "citizen_survey", "firm_survey", "performance_transfers",
            "petition_channel", "service_halls", "cadre_capacity", "big_data_monitoring",
            "regulatory_consistency", "mixed_evaluation", "irregular_turnover"}

#: for each mechanism, parameters under which it must do nothing at all
ZERO = {
    "statistical_audit": {"intensity": 0.0},
    "lifelong_accountability": {"debt_weight": 0.0, "environment_weight": 0.0,
                                "stewardship": 0.0},
    "public_ranking": {"news_weight": 0.0, "reputation": 0.0},
    "citizen_survey": {"weight": 0.0},
    "firm_survey": {"weight": 0.0},
    "performance_transfers": {"share": 0.0},
    "petition_channel": {"weight": 0.0, "redress": 0.0},
    "service_halls": {"strength": 0.0},
    "cadre_capacity": {"strength": 0.0},
    "big_data_monitoring": {"strength": 0.0},
    "regulatory_consistency": {"strength": 0.0},
    "mixed_evaluation": {"performance_weight": 1.0, "connection_weight": 0.0,
                         "seniority_weight": 0.0, "ability_weight": 0.0},
    "irregular_turnover": {"midterm_candidate_prob": 0.0, "reshuffle_share": 0.0},
}


def run(scenario, seed=3):
    r = incentsim.simulate(scenario, seed=seed)
    return r.timeseries, r.leaders


def with_mech(tiny, name, **params):
    sc = copy.deepcopy(tiny)
    sc["accountability"] = {name: params}
    return sc


def test_registry_complete_and_documented():
    assert REQUIRED <= set(MECHANISMS.names())
    for cls in MECHANISMS:
        assert cls.description and cls.source and "Rule:" in (cls.__doc__ or ""), cls.name


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_disabled_mechanism_equals_baseline_exactly(tiny, name):
    base_ts, base_panel = run(tiny)
    ts, panel = run(with_mech(tiny, name, enabled=False))
    pd.testing.assert_frame_equal(ts, base_ts)
    pd.testing.assert_frame_equal(panel, base_panel)


@pytest.mark.parametrize("name", sorted(ZERO))
def test_zero_strength_mechanism_equals_baseline_exactly(tiny, name):
    base_ts, _ = run(tiny)
    ts, _ = run(with_mech(tiny, name, **ZERO[name]))
    pd.testing.assert_frame_equal(ts, base_ts)


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_enabled_mechanism_changes_something(tiny, name):
    base_ts, _ = run(tiny)
    ts, _ = run(with_mech(tiny, name))
    assert not ts.equals(base_ts)


def _ctx():
    ind = {k: np.array([0.0, 1.0]) for k in INDICATORS}
    return ind, EvalContext(peer_mean={k: 0.5 for k in ind}, scale={k: 1.0 for k in ind})


@pytest.mark.parametrize("name,indicator", [("citizen_survey", "satisfaction"),
                                            ("firm_survey", "firm_survey"),
                                            ("petition_channel", "stability")])
def test_survey_mechanisms_blend_their_indicator_into_the_score(name, indicator):
    cls = MECHANISMS[name]
    ind, ctx = _ctx()
    score = np.array([1.0, -1.0])
    full = cls(cls.Params(weight=1.0), np.random.default_rng(0)).adjust_score(score, ind, ctx)
    np.testing.assert_allclose(full, ctx.z(ind, indicator))
    half = cls(cls.Params(weight=0.5), np.random.default_rng(0)).adjust_score(score, ind, ctx)
    np.testing.assert_allclose(half, 0.5 * score + 0.5 * ctx.z(ind, indicator))


def test_audit_raises_the_cost_of_faking():
    cls = MECHANISMS["statistical_audit"]
    weak = cls(cls.Params(intensity=0.1), np.random.default_rng(0)).manipulation_cost()
    strong = cls(cls.Params(intensity=0.9), np.random.default_rng(0)).manipulation_cost()
    assert 1.0 < weak < strong


def test_audit_catches_and_corrects_inflated_reports():
    model = incentsim.IncentModel({"accountability": {"statistical_audit": {
        "intensity": 1.0, "dismissal_prob": 1.0}}}, seed=0)
    st = model.state
    st.manipulation = np.full(model.n_prefectures, 0.5)  # huge lies: caught with p ~ 0.98
    st.growth_true = np.full(model.n_prefectures, 0.05)
    st.growth_reported = st.growth_true + st.manipulation
    model.mechanisms[0].after_reports(model)
    assert st.scandal.mean() > 0.9
    np.testing.assert_array_equal(st.growth_reported[st.scandal], 0.05)
    assert np.array_equal(st.scandal_dismissal, st.scandal)


def test_vertical_management_makes_pollution_reports_true(tiny):
    sc = with_mech(tiny, "vertical_environmental_management")
    sc["promotion"] = {"rule": "balanced_scorecard",
                       "weights": {"growth": 0.5, "environment": 0.5}}
    panel = incentsim.simulate(sc, seed=1).leaders
    assert (panel.pollution_underreport == 0).all()
    sc["accountability"] = {}
    assert (incentsim.simulate(sc, seed=1).leaders.pollution_underreport > 0).any()


def test_every_mechanism_class_is_registered_and_in_the_schema():
    from incentsim.rules.accountability import Mechanism
    from incentsim.scenario import Accountability

    def concrete(cls):
        for sub in cls.__subclasses__():
            yield from ([sub] if sub.name else []) + list(concrete(sub))

    defined = {c.name for c in concrete(Mechanism)}
    assert defined == set(MECHANISMS.names()) == set(Accountability.model_fields)
