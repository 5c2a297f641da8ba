"""Accountability mechanisms: off equals baseline bit for bit; each does what it says."""

import copy

import numpy as np
import pandas as pd
import pytest

import incentsim
from incentsim.rules.accountability import MECHANISMS
from incentsim.rules.promotion import INDICATORS, EvalContext

#: mechanisms the project promises (the shared tests below run on every registered one)
REQUIRED = {
    "statistical_audit",
    "lifelong_accountability",
    "vertical_environmental_management",
    "public_ranking",
    "citizen_survey",
    "firm_survey",
    "performance_transfers",
    "petition_channel",
    "service_halls",
    "cadre_capacity",
    "big_data_monitoring",
    "regulatory_consistency",
    "mixed_evaluation",
    "irregular_turnover",
    "target_responsibility",
}
NAMES = MECHANISMS.names()
#: for each mechanism that declares one, parameters under which it must do nothing at all
ZERO = {cls.name: cls.neutral for cls in MECHANISMS if cls.neutral is not None}


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


@pytest.mark.parametrize("name", NAMES)
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


@pytest.mark.parametrize("name", NAMES)
def test_enabled_mechanism_changes_something(tiny, name):
    base_ts, _ = run(tiny)
    ts, _ = run(with_mech(tiny, name))
    assert not ts.equals(base_ts)


def _ctx():
    ind = {k: np.array([0.0, 1.0]) for k in INDICATORS}
    return ind, EvalContext(peer_mean={k: 0.5 for k in ind}, scale={k: 1.0 for k in ind})


@pytest.mark.parametrize(
    "name,indicator",
    [
        ("citizen_survey", "satisfaction"),
        ("firm_survey", "firm_survey"),
        ("petition_channel", "stability"),
    ],
)
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
    model = incentsim.IncentModel(
        {"accountability": {"statistical_audit": {"intensity": 1.0, "dismissal_prob": 1.0}}}, seed=0
    )
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
    sc["promotion"] = {"rule": "balanced_scorecard", "weights": {"growth": 0.5, "environment": 0.5}}
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


def test_only_the_mechanisms_without_a_neutral_setting_lack_one():
    assert {c.name for c in MECHANISMS if c.neutral is None} == {
        "vertical_environmental_management"
    }


class _CountingRng:
    """A generator that counts the draws made from it."""

    def __init__(self, rng):
        self.rng, self.draws = rng, 0

    def __getattr__(self, name):
        self.draws += 1
        return getattr(self.rng, name)


@pytest.mark.parametrize("name", NAMES)
def test_declared_stochasticity_is_true(tiny, name):
    model = incentsim.IncentModel(with_mech(tiny, name), seed=3)
    (mech,) = model.mechanisms
    mech.rng = counting = _CountingRng(mech.rng)
    for _ in range(tiny["world"]["burn_in"] + tiny["world"]["horizon"]):
        model.step()
    assert (counting.draws > 0) == type(mech).stochastic, (name, counting.draws)


@pytest.mark.parametrize("name", NAMES)
def test_declared_observations_are_true(name):
    """A mechanism's score adjustment reads only the indicators it declares."""
    cls = MECHANISMS[name]
    assert set(cls.observes) <= set(INDICATORS)
    mech = cls(cls.Params(), np.random.default_rng(0))
    ind, ctx = _ctx()
    score = np.array([1.0, -1.0])
    base = mech.adjust_score(score, ind, ctx)
    for k in set(INDICATORS) - set(cls.observes):
        moved = {**ind, k: np.array([7.0, -3.0])}
        np.testing.assert_array_equal(
            mech.adjust_score(score, moved, ctx), base, err_msg=f"{name} reads {k}"
        )


TOY = """
import numpy as np
from incentsim.rules.accountability import MECHANISMS, Mechanism, MechanismParams


@MECHANISMS.register
class ToyNudge(Mechanism):
    \"\"\"A toy mechanism registered by a test.

    Rule: residents read a constant piece of good news, ``news`` a year.
    \"\"\"

    name = "toy_nudge"
    description = "A toy mechanism registered by a test"
    source = "tests/test_mechanisms.py"
    neutral = {"news": 0.0}

    class Params(MechanismParams):
        news: float = 0.05

    def trust_news(self, model):
        return self.params.news


import sys, io, contextlib
from incentsim.scenario import Accountability, load_scenario
from incentsim.rules.catalog import catalog_markdown
from incentsim.interfaces import cli

assert "toy_nudge" in Accountability.model_fields
sc = load_scenario({"accountability": {"toy_nudge": {"news": 0.1}}})
assert [n for n, _ in sc.mechanisms()] == ["toy_nudge"]
assert "### `toy_nudge`" in catalog_markdown()
out = io.StringIO()
with contextlib.redirect_stdout(out):
    cli.main(["rules"])
assert "toy_nudge" in out.getvalue(), out.getvalue()
print("ok")
"""


def test_a_registered_toy_mechanism_appears_in_schema_cli_and_docs():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", TOY], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stderr
