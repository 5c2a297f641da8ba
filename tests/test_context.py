"""Mechanisms see a narrow context, not the model: the model implements it, nothing in
the rules imports the model (not even for type checking), and a mechanism runs on a
tiny hand-made context with exact, scripted results."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from incentsim.model import IncentModel
from incentsim.rules.accountability import MECHANISMS
from incentsim.rules.context import MechanismContext
from incentsim.scenario import Scenario

RULES_DIR = Path(__file__).resolve().parents[1] / "src" / "incentsim" / "rules"


class TinyContext:
    """Two provinces of two prefectures, written by hand."""

    def __init__(self, **state):
        self.year, self.n_provinces, self.per_province, self.n_prefectures = 3, 2, 2, 4
        zeros = np.zeros(4)
        fields = dict(
            manipulation=zeros,
            underreport=zeros,
            growth_true=zeros,
            growth_reported=zeros,
            pollution_growth=zeros,
            pollution_growth_reported=zeros,
            satisfaction_mean=zeros,
            last_score=zeros,
            revenue=zeros,
            turnover=np.zeros(4, bool),
            scandal=np.zeros(4, bool),
        )
        fields.update({k: np.asarray(v) for k, v in state.items()})
        self.state = type("State", (), {})()
        for k, v in fields.items():
            setattr(self.state, k, v.copy())
        self.growth_target = np.full(4, 0.1)
        self.manipulation_cost_multiplier = 1.0
        self.scandals: list = []
        self.redressed: list = []

    @property
    def behaviour(self):
        return Scenario().behaviour

    def province_percentile(self, x):
        g = np.asarray(x, float).reshape(2, 2)
        return (g.argsort(axis=1).argsort(axis=1) / 1.0).ravel()

    def register_scandal(self, caught, dismissal_prob, rng):
        self.scandals.append((caught.copy(), dismissal_prob))

    def redress_petitions(self, share, rng):
        self.redressed.append(share)


def make(name, **params):
    cls = MECHANISMS[name]
    return cls(cls.Params(**params), np.random.default_rng(0))


def test_the_model_and_the_hand_made_context_both_implement_the_protocol(tiny):
    assert isinstance(IncentModel(tiny, seed=0), MechanismContext)
    assert isinstance(TinyContext(), MechanismContext)


def test_no_rules_module_imports_the_model_even_for_type_checking():
    for path in RULES_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.module != "incentsim.model", path.name
            if isinstance(node, ast.Import):
                assert all(a.name != "incentsim.model" for a in node.names), path.name


def test_audit_on_a_tiny_context_catches_only_the_liars():
    ctx = TinyContext(manipulation=[0.0, 1e6, 0.0, 1e6])
    make("statistical_audit", intensity=1.0, dismissal_prob=0.4).after_reports(ctx)
    ((caught, prob),) = ctx.scandals
    assert caught.tolist() == [False, True, False, True] and prob == 0.4


def test_public_ranking_news_follows_the_province_rank():
    ctx = TinyContext(satisfaction_mean=[0.2, 0.9, 0.7, 0.1])
    news = make("public_ranking", news_weight=0.2).trust_news(ctx)
    np.testing.assert_allclose(news, 0.2 * (np.array([0, 1, 1, 0]) - 0.5))


def test_performance_transfers_move_money_to_the_better_ranked():
    ctx = TinyContext(last_score=[1.0, 2.0, 5.0, 3.0], revenue=[10.0, 10.0, 20.0, 20.0])
    out = make("performance_transfers", share=0.1).transfers(ctx)
    np.testing.assert_allclose(out, [-1.0, 1.0, 2.0, -2.0])


def test_petition_channel_settles_petitions_through_the_context():
    ctx = TinyContext()
    make("petition_channel", redress=0.3).after_petitions(ctx)
    assert ctx.redressed == [0.3]


def test_annual_assessment_inflates_most_near_the_target_and_less_under_audits():
    """pressure * exp(-z**2 / 2) / cost multiplier, z = (true - target) / tolerance, added
    to the report and the manipulation; capped; nothing added to a corrected report."""
    true = np.array([0.1, 0.15, 0.0, 0.1])
    ctx = TinyContext(
        growth_true=true,
        growth_reported=true + 0.01,
        manipulation=[0.01, 0.01, 0.01, 0.01],
        scandal=[False, False, False, True],
    )
    ctx.state.growth_reported[3] = 0.1  # the audit corrected this one
    ctx.manipulation_cost_multiplier = 2.0
    make("target_responsibility", pressure=0.04, tolerance=0.05).after_reports(ctx)
    extra = 0.04 * np.exp(-0.5 * np.array([0.0, 1.0, 2.0]) ** 2) / 2.0
    np.testing.assert_allclose(ctx.state.manipulation[:3], 0.01 + extra)
    np.testing.assert_allclose(ctx.state.growth_reported[:3], true[:3] + 0.01 + extra)
    assert ctx.state.growth_reported[3] == 0.1 and ctx.state.manipulation[3] == 0.01
    big = TinyContext(growth_true=true, growth_reported=true, manipulation=np.zeros(4))
    make("target_responsibility", pressure=0.1, tolerance=0.05).after_reports(big)
    cap = Scenario().behaviour.max_manipulation
    assert big.state.manipulation.max() == cap


@pytest.mark.parametrize("name", MECHANISMS.names())
def test_every_mechanism_runs_every_hook_on_the_tiny_context(name):
    """No hook reaches past the context (an attribute error would show it)."""
    ctx = TinyContext(manipulation=[0.01] * 4, satisfaction_mean=[0.5, 0.6, 0.7, 0.8])
    mech = make(name)
    mech.new_year(ctx)
    for hook in (
        "service_efficiency",
        "pollution_factor",
        "protection_factor",
        "trust_news",
        "firm_confidence",
        "transfers",
    ):
        value = np.broadcast_to(getattr(mech, hook)(ctx), (4,))
        assert np.isfinite(value).all(), (name, hook)
    mech.after_reports(ctx)
    mech.after_petitions(ctx)
    evaluated = np.array([True, False, False, True])
    assert mech.midterm_candidates(ctx, evaluated).shape == (4,)
    assert mech.reshuffled(ctx, np.array([0, 1, 2, 3])).shape == (4,)
