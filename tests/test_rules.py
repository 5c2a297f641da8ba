"""Promotion rules: declared metadata is true, and scripted tiny worlds rank as documented."""

import numpy as np
import pytest

from incentsim.economy import Forecasts
from incentsim.rules.promotion import INDICATORS, PROMOTION_RULES, EvalContext
from incentsim.scenario import load_scenario

REQUIRED = {
    "gdp_tournament",
    "growth_target",
    "balanced_scorecard",
    "citizen_satisfaction",
    "hybrid",
    "improvement",
    "patronage",
    "seniority",
    "random",
}
RULES = PROMOTION_RULES.names()


def params(rule, **extra):
    promo = {"rule": rule, **extra}
    if PROMOTION_RULES[rule].uses_weights and "weights" not in extra:
        promo["weights"] = {"growth": 0.25, "environment": 0.25, "services": 0.25, "debt": 0.25}
    return load_scenario({"promotion": promo}).promotion


def world(**overrides):
    """Four leaders in one province; growth 2..8 %, everything else equal."""
    ind = {k: np.zeros(4) for k in INDICATORS}
    ind["growth"] = np.array([0.02, 0.08, 0.05, 0.04])
    ind["age"] = np.array([50.0, 50.0, 50.0, 50.0])
    ind.update({k: np.asarray(v, float) for k, v in overrides.items()})
    return ind


def ctx(ind, baseline=None, target=0.06):
    return EvalContext(
        peer_mean={k: np.mean(v) for k, v in ind.items()},
        scale={k: 0.02 for k in ind},
        baseline=baseline or {k: np.zeros(4) for k in ind},
        target=target,
    )


def ranking(rule, ind, c=None, **extra):
    r = PROMOTION_RULES[rule](params(rule, **extra))
    return list(np.argsort(-r.score(ind, c or ctx(ind)), kind="stable"))


def test_registry_holds_every_required_rule_documented():
    assert REQUIRED <= set(RULES)
    for cls in PROMOTION_RULES:
        assert cls.description and cls.source, cls.name
        assert cls.__doc__ and "Rule:" in cls.__doc__, f"{cls.name} docstring states its rule"
        assert set(cls.observes) <= set(INDICATORS)


@pytest.mark.parametrize("rule", RULES)
def test_score_ignores_indicators_the_rule_does_not_observe(rule):
    r = PROMOTION_RULES[rule](params(rule))
    ind = world()
    rng = np.random.default_rng(0)
    base = r.score(ind, ctx(ind), rng=np.random.default_rng(1) if r.stochastic else None)
    for k in set(INDICATORS) - set(r.observes):
        moved = dict(ind)
        moved[k] = rng.normal(size=4) * 10
        c = ctx(ind)  # same peers: only the leader's own unobserved value moves
        again = r.score(moved, c, rng=np.random.default_rng(1) if r.stochastic else None)
        np.testing.assert_array_equal(base, again, err_msg=f"{rule} reacted to {k}")


@pytest.mark.parametrize("rule", RULES)
def test_declared_stochasticity_is_true(rule):
    r = PROMOTION_RULES[rule](params(rule))
    ind = world()
    a = r.score(ind, ctx(ind), rng=np.random.default_rng(1))
    b = r.score(ind, ctx(ind), rng=np.random.default_rng(2))
    assert (not np.array_equal(a, b)) == r.stochastic


def test_gdp_tournament_ranks_by_growth():
    assert ranking("gdp_tournament", world()) == [1, 2, 3, 0]


def test_growth_target_rewards_meeting_the_target_with_diminishing_gains():
    r = PROMOTION_RULES["growth_target"](params("growth_target"))
    ind = world(growth=[0.02, 0.06, 0.10, 0.14])
    s = r.score(ind, ctx(ind, target=0.06))
    assert s[1] == pytest.approx(0.5)  # exactly on target
    assert list(np.argsort(-s)) == [3, 2, 1, 0]
    assert s[2] - s[1] > s[3] - s[2]  # beating the target by more gains less


def test_balanced_scorecard_trades_growth_for_environment():
    ind = world(environment=[0.05, -0.05, 0.0, 0.0])
    assert ranking("gdp_tournament", ind)[0] == 1
    w = {"growth": 0.2, "environment": 0.8}
    assert ranking("balanced_scorecard", ind, weights=w)[0] == 0


def test_citizen_satisfaction_ranks_on_survey_alone():
    ind = world(satisfaction=[0.9, 0.5, 0.6, 0.7])
    assert ranking("citizen_satisfaction", ind) == [0, 3, 2, 1]


def test_hybrid_interpolates_between_official_score_and_residents():
    ind = world(satisfaction=[0.9, 0.5, 0.6, 0.7])
    official = {"growth": 1.0}
    assert ranking("hybrid", ind, resident_weight=0.0, weights=official) == [1, 2, 3, 0]
    assert ranking("hybrid", ind, resident_weight=1.0, weights=official) == [0, 3, 2, 1]


def test_improvement_rewards_change_not_level():
    ind = world(growth=[0.10, 0.08, 0.06, 0.04])
    base = {k: np.zeros(4) for k in INDICATORS}
    base["growth"] = np.array([0.12, 0.08, 0.02, 0.03])
    c = ctx(ind, baseline=base)
    assert ranking("improvement", ind, c, weights={"growth": 1.0}) == [2, 3, 1, 0]


def test_patronage_connections_dominate():
    ind = world(connected=[1, 0, 0, 1])
    order = ranking("patronage", ind)
    assert set(order[:2]) == {0, 3} and order[0] == 3  # connected first, then by growth


def test_seniority_oldest_first():
    ind = world(age=[50, 57, 45, 52])
    assert ranking("seniority", ind) == [1, 3, 0, 2]


def test_random_is_a_fair_lottery_and_uninformative_to_forecast():
    r = PROMOTION_RULES["random"](params("random"))
    ind = world()
    assert np.all(r.score(ind, ctx(ind)) == 0.5)  # forecast: no action changes the odds
    rng = np.random.default_rng(0)
    wins = np.zeros(4)
    for _ in range(4000):
        wins[np.argmax(r.score(ind, ctx(ind), rng=rng))] += 1
    assert np.all(np.abs(wins / 4000 - 0.25) < 0.03)


def test_every_rule_class_is_registered():
    from incentsim.rules.promotion import PromotionRule

    defined = {c.name for c in PromotionRule.__subclasses__()}
    assert defined == set(RULES)


def test_reference_page_is_generated_from_the_registry():
    from pathlib import Path

    from incentsim.rules.catalog import catalog_markdown

    page = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
    assert page.read_text() == catalog_markdown(), "run: python -m incentsim.rules.catalog"
    for name in RULES:
        assert f"### `{name}`" in page.read_text()


def test_credit_rises_with_years_in_post_and_saturates():
    from incentsim.rules.evaluation import credit

    c = credit(np.arange(0, 9), 0.7)
    assert c[0] == 0.0 and np.all(np.diff(c) > 0) and c[-1] < 1.0
    # the last year of a 7-year term gains less credit over the year before than a 5-year one
    assert c[7] / c[6] < c[5] / c[4]
    assert np.all(credit(np.arange(1, 9), 0.0) == 1.0)


# ------------------------------------------------- rule-specific parameters belong to their rule

from cli_helpers import (  # noqa: E402
    FAST,
    FAST_OVERRIDES,
    incentsim as run_cli,  # noqa: E402
)

from incentsim.scenario import Promotion, ScenarioError  # noqa: E402

#: (rule, another rule's parameter) for every registered rule
FOREIGN = [(rule, p) for rule in RULES for p in sorted(PROMOTION_RULES[rule].foreign_params())]
#: (rule, its own parameter) for every registered rule
OWN = [(rule, p) for rule in RULES for p in PROMOTION_RULES[rule].own_params()]


def _explicit(param):
    """The parameter's default value, written out as a scenario would."""
    default = Promotion.model_fields[param].default
    return default.model_dump() if hasattr(default, "model_dump") else default


def test_every_rule_specific_parameter_is_a_promotion_field_of_some_rule():
    assert FOREIGN and OWN
    assert {p for _, p in OWN} <= set(Promotion.model_fields)
    assert {"patronage_strength", "resident_weight", "weights"} <= {p for _, p in OWN}
    for rule in RULES:
        cls = PROMOTION_RULES[rule]
        assert not set(cls.own_params()) & cls.foreign_params()


@pytest.mark.parametrize("rule,param", FOREIGN)
def test_another_rules_parameter_is_an_error_naming_it_and_its_rule(rule, param):
    owners = [r for r in RULES if param in PROMOTION_RULES[r].own_params()]
    with pytest.raises(ScenarioError) as err:
        load_scenario({"promotion": {"rule": rule, param: _explicit(param)}})
    found = dict(err.value.problems)
    assert list(found) == [f"promotion.{param}"]
    assert all(repr(o) in found[f"promotion.{param}"] for o in owners)
    assert repr(rule) in found[f"promotion.{param}"]


@pytest.mark.parametrize("rule,param", OWN)
def test_a_rules_own_parameter_is_accepted_and_read(rule, param):
    """Declared metadata is true: changing the parameter changes the simulation."""
    sc = {
        "promotion": {
            "rule": rule,
            **({"weights": {"growth": 1.0}} if PROMOTION_RULES[rule].uses_weights else {}),
        }
    }
    base = load_scenario(sc, FAST_OVERRIDES)
    moved = {
        "weights": {"growth": 0.5, "environment": 0.5},
        "resident_weight": 0.9,
        "patronage_strength": 0.0,
        "growth_target": 0.2,
        "target_escalation": 0.2,
    }
    changed = load_scenario({"promotion": {**sc["promotion"], param: moved[param]}}, FAST_OVERRIDES)
    import incentsim

    a = incentsim.simulate(base, seed=3).leaders
    b = incentsim.simulate(changed, seed=3).leaders
    assert not a["score"].equals(b["score"]), f"{rule} ignores promotion.{param}"


@pytest.mark.parametrize("rule", RULES)
def test_a_scenario_of_every_rule_round_trips_through_to_dict(rule):
    sc = load_scenario({"promotion": {"rule": rule}})
    assert load_scenario(sc.to_dict()) == sc
    assert set(sc.to_dict()["promotion"]) & PROMOTION_RULES[rule].foreign_params() == set()


def test_cli_refuses_another_rules_parameter_in_one_line_exit_2():
    r = run_cli("run", "configs/gdp_tournament.yaml", *FAST, "promotion.patronage_strength=50")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "promotion.patronage_strength" in lines[0]
    assert "'patronage'" in lines[0] and "'gdp_tournament'" in lines[0]


def test_cli_lists_every_behavioural_number_with_its_source():
    from incentsim.scenario import Behaviour, Economy

    r = run_cli("rules", "--parameters")
    assert r.returncode == 0
    for section, model in (("economy", Economy), ("behaviour", Behaviour)):
        for name, info in model.model_fields.items():
            if info.description and "indicator table" not in info.description:
                assert f"`{section}.{name}`=" in r.stdout, name
    assert "`promotion.patronage_strength`: only for `patronage`" in r.stdout


def test_registry_get_returns_the_class_or_none():
    assert PROMOTION_RULES.get("gdp_tournament") is PROMOTION_RULES["gdp_tournament"]
    assert PROMOTION_RULES.get("no_such_rule") is None


def test_z_is_the_difference_over_the_scale_whatever_the_shapes_and_types():
    """Compiled or not, ``z`` gives the numbers (and type) of
    ``(value - peer mean) / scale``, and leaves the indicator and the context alone."""
    rng = np.random.default_rng(2)
    x, col, row = rng.normal(size=(6, 5)), rng.normal(size=(6, 1)), rng.uniform(1, 2, (1, 5))
    cases = [  # (value, peer mean, scale)
        (x, col, np.abs(col) + 0.5),  # the forecasts' context: columns
        (x[:, :1], col, np.abs(col) + 0.5),
        (x.astype(np.float32), col, np.abs(col) + 0.5),  # single-precision forecasts
        (np.asfortranarray(x), col, np.abs(col) + 0.5),
        (x[:, 0], col[:, 0], np.abs(col[:, 0]) + 0.5),  # the evaluation's: rows
        (x, col, row),  # a scale of another shape: broadcast past the difference
        (x.astype(np.float32), col.astype(np.float32), np.float64(0.3)),
        (x[:, 0], 0.1, 0.02),
        (0.5, 0.1, 0.02),
    ]
    for value, mean, scale in cases:
        want = (np.asarray(value) - mean) / scale
        before = np.copy(value)
        got = EvalContext(peer_mean={"growth": mean}, scale={"growth": scale}).z(
            {"growth": value}, "growth"
        )
        assert np.shape(got) == np.shape(want) and np.result_type(got) == want.dtype
        assert np.asarray(got).tobytes() == np.asarray(want).tobytes()
        assert np.array_equal(value, before)


def test_z_of_widened_forecasts_is_z_of_their_float64_values():
    """Forecasts widened from float32 (the leaders') give the bits of their float64
    values, compiled (read before widening) or not (scalars: from the float64, as float32
    less a Python float would stay float32)."""
    rng = np.random.default_rng(3)
    single = Forecasts({"growth": rng.normal(size=(6, 5)).astype(np.float32)}, {})
    col = rng.normal(size=(6, 1))
    for mean, scale in ((col, np.abs(col) + 0.5), (col, 0.3), (0.1, 0.3)):
        ctx = EvalContext(peer_mean={"growth": mean}, scale={"growth": scale})
        want = ctx.z({"growth": single["growth"].astype(float)}, "growth")
        got = ctx.z(single.widened(), "growth")
        assert got.dtype == np.float64 and got.tobytes() == want.tobytes()
