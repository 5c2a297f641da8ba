"""The seeds' reforms (DESIGN §8): roll-out, costs and hooks on scripted worlds; off or at
zero strength equal the baseline bit for bit; composable with every rule and mechanism;
bad parameters are one error with the dotted path; the registry alone puts every
mechanism into the schema, the explorer, sweep and problem specs and the docs."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from cli_helpers import FAST, ROOT, incentsim as run_cli

import incentsim
from incentsim.rules.accountability import MECHANISMS
from incentsim.rules.promotion import INDICATORS, PROMOTION_RULES, EvalContext
from incentsim.scenario import Scenario, ScenarioError, load_scenario

REFORMS = ("service_halls", "cadre_capacity", "big_data_monitoring", "regulatory_consistency")
FIRST_RELEASE = [m for m in MECHANISMS.names() if m not in REFORMS]


def make(name, **params):
    cls = MECHANISMS[name]
    return cls(cls.Params(**params), np.random.default_rng(0))


def at_year(mech, year, **state):
    mech.new_year(SimpleNamespace(year=year))
    return SimpleNamespace(
        year=year, state=SimpleNamespace(**state), behaviour=Scenario().behaviour
    )


def run(scenario, seed=2):
    r = incentsim.simulate(scenario, seed=seed)
    return r.timeseries, r.leaders


def with_reforms(base, **params):
    sc = copy.deepcopy(base)
    sc.setdefault("accountability", {}).update({name: dict(params) for name in REFORMS})
    return sc


# --------------------------------------------------------------------- declarations


def test_the_four_reforms_are_registered_with_bounded_documented_parameters():
    assert set(REFORMS) <= set(MECHANISMS.names())
    for name in REFORMS:
        cls = MECHANISMS[name]
        assert "Rule:" in cls.__doc__ and cls.description and "seed 00" in cls.source
        fields = {k: f for k, f in cls.Params.model_fields.items() if k != "enabled"}
        assert next(iter(fields)) == "strength"  # the explorer's slider
        for key, f in fields.items():
            bounds = {type(m).__name__ for m in f.metadata}
            assert {"Ge", "Le"} <= bounds, (name, key)
            assert f.description and "," in f.description, (name, key)  # meaning, unit


@pytest.mark.parametrize("name", REFORMS)
def test_rollout_starts_in_the_first_recorded_year_and_is_linear(name):
    mech = make(name, strength=0.8, rollout_years=4)
    levels = []
    for year in (-5, 0, 1, 2, 3, 4, 9):
        at_year(mech, year)
        levels.append(mech.level)
    np.testing.assert_allclose(levels, [0, 0, 0.2, 0.4, 0.6, 0.8, 0.8])


def test_costs_come_out_of_the_next_years_budget():
    mech = make(
        "big_data_monitoring", strength=0.5, rollout_years=2, setup_cost=0.04, running_cost=0.01
    )
    revenue = np.array([10.0, 20.0])
    cost = {
        year: -mech.transfers(SimpleNamespace(year=year, state=SimpleNamespace(revenue=revenue)))
        for year in (-3, -1, 0, 1, 2, 7)
    }
    np.testing.assert_array_equal(cost[-3], 0.0)  # burn-in: no reform, no cost
    np.testing.assert_array_equal(cost[-1], 0.0)  # budget of year 0: still none
    np.testing.assert_allclose(cost[0], 0.5 * (0.04 + 0.01 * 0.5) * revenue)  # year 1
    np.testing.assert_allclose(cost[1], 0.5 * (0.04 + 0.01) * revenue)  # year 2, full
    np.testing.assert_allclose(cost[2], 0.5 * 0.01 * revenue)  # running cost only
    np.testing.assert_allclose(cost[7], 0.5 * 0.01 * revenue)


# ------------------------------------------------------------------- hooks, scripted


def test_service_halls_buy_more_service_per_yuan_and_raise_satisfaction():
    mech = make(
        "service_halls", strength=1.0, rollout_years=2, efficiency_gain=0.2, satisfaction_gain=0.3
    )
    model = at_year(mech, 1)
    assert mech.service_efficiency(model) == pytest.approx(1.1)
    assert mech.trust_news(model) == pytest.approx(0.15)
    model = at_year(mech, 2)
    assert mech.service_efficiency(model) == pytest.approx(1.2)
    assert mech.trust_news(model) == pytest.approx(0.3)


def test_cadre_capacity_adds_competence_and_weighs_residents_feedback():
    mech = make(
        "cadre_capacity", strength=1.0, rollout_years=2, competence_gain=0.2, feedback_weight=0.4
    )
    ind = {k: np.array([0.0, 1.0]) for k in INDICATORS}
    ctx = EvalContext(peer_mean={k: 0.5 for k in ind}, scale={k: 0.25 for k in ind})
    score = np.array([1.0, -1.0])
    at_year(mech, 0)
    np.testing.assert_array_equal(mech.adjust_score(score, ind, ctx), score)
    model = at_year(mech, 1)
    assert mech.service_efficiency(model) == pytest.approx(1.1)
    np.testing.assert_allclose(
        mech.adjust_score(score, ind, ctx), 0.8 * score + 0.2 * ctx.z(ind, "satisfaction")
    )


def test_big_data_raises_the_cost_of_faking_and_removes_pollution_slack(tiny):
    model = incentsim.IncentModel(
        {
            **tiny,
            "accountability": {
                "big_data_monitoring": {
                    "strength": 1.0,
                    "rollout_years": 2,
                    "detection": 1.0,
                    "dismissal_prob": 1.0,
                }
            },
        },
        seed=0,
    )
    mech, st, n = model.mechanisms[0], model.state, model.n_prefectures
    model.year = 1
    mech.new_year(model)
    assert mech.manipulation_cost() == pytest.approx(1.0 + 8.0 * 0.5)
    st.manipulation = np.zeros(n)
    st.underreport = np.full(n, 0.02)
    st.pollution_growth = np.full(n, 0.05)
    mech.after_reports(model)
    np.testing.assert_allclose(st.underreport, 0.01)  # half of the slack gone
    np.testing.assert_allclose(st.pollution_growth_reported, 0.04)
    assert not st.scandal.any()  # honest growth reports are never flagged
    model.year = 2
    mech.new_year(model)
    st.manipulation = np.full(n, 0.5)  # huge lies: flagged with p ~ 0.98
    st.growth_true = np.full(n, 0.05)
    st.growth_reported = st.growth_true + st.manipulation
    mech.after_reports(model)
    np.testing.assert_array_equal(st.underreport, 0.0)
    np.testing.assert_array_equal(st.pollution_growth_reported, st.pollution_growth)
    assert st.scandal.mean() > 0.8
    np.testing.assert_array_equal(st.growth_reported[st.scandal], 0.05)


def test_regulatory_consistency_narrows_protection_and_keeps_firms_trust():
    mech = make("regulatory_consistency", strength=0.6, rollout_years=3, confidence_gain=0.1)
    model = at_year(mech, 3, turnover=np.array([False, True]))
    assert mech.protection_factor(model) == pytest.approx(0.4)
    loss = model.behaviour.firm_trust_turnover_loss
    np.testing.assert_allclose(mech.firm_confidence(model), [0.06, 0.6 * (0.1 + loss)])


# ----------------------------------------------------------------- whole runs, exact


def test_reforms_leave_the_burn_in_untouched_and_act_from_year_one(tiny):
    base = incentsim.IncentModel(tiny, seed=4)
    reformed = incentsim.IncentModel(with_reforms(tiny, strength=1.0), seed=4)
    for _ in range(tiny["world"]["burn_in"]):
        base.step()
        reformed.step()
    assert reformed.year == 0
    for key in ("gdp", "services", "firm_trust", "satisfaction_mean", "growth_reported"):
        np.testing.assert_array_equal(getattr(reformed.state, key), getattr(base.state, key))
    np.testing.assert_array_equal(reformed.citizens.trust_local, base.citizens.trust_local)
    base.step()
    reformed.step()
    assert not np.array_equal(reformed.state.services, base.state.services)


def test_full_strength_reforms_end_protection_and_pollution_slack(tiny):
    sc = with_reforms(tiny, strength=1.0, rollout_years=1)
    sc["promotion"] = {"rule": "balanced_scorecard", "weights": {"growth": 0.5, "environment": 0.5}}
    ts, panel = run(sc)
    assert (ts.protected_share == 0).all() and (panel.protected_share == 0).all()
    assert (panel.pollution_underreport == 0).all()
    sc["accountability"] = {}
    ts, panel = run(sc)
    assert (ts.protected_share > 0).any() and (panel.pollution_underreport > 0).any()


ALL_OTHERS = {
    "promotion": {"rule": "patronage"},
    "accountability": {name: {} for name in FIRST_RELEASE},
}


@pytest.mark.parametrize("variant", ["absent", "disabled", "zero_strength"])
def test_reforms_off_reproduce_every_other_mechanism_bit_for_bit(tiny, variant):
    sc = {**tiny, **copy.deepcopy(ALL_OTHERS)}
    base_ts, base_panel = run(sc)
    if variant == "disabled":
        sc = with_reforms(sc, enabled=False, strength=1.0)
    elif variant == "zero_strength":
        sc = with_reforms(sc, strength=0.0)
    ts, panel = run(sc)
    pd.testing.assert_frame_equal(ts, base_ts)
    pd.testing.assert_frame_equal(panel, base_panel)


@pytest.mark.parametrize("rule", PROMOTION_RULES.names())
def test_reforms_compose_with_every_rule_and_mechanism(tiny, rule):
    promo = {"rule": rule}
    if PROMOTION_RULES[rule].uses_weights:
        promo["weights"] = {"growth": 0.4, "environment": 0.2, "services": 0.2, "debt": 0.2}
    sc = {**tiny, "promotion": promo, "accountability": {name: {} for name in FIRST_RELEASE}}
    base_ts, _ = run(sc)
    ts, _ = run(with_reforms(sc))  # invariants are checked every simulated year
    assert len(ts) == tiny["world"]["horizon"] and not ts.equals(base_ts)
    assert np.isfinite(ts.drop(columns="selection_quality").to_numpy()).all()


# --------------------------------------------------------------------------- bad input

BAD = [
    ("service_halls", "strength", 1.5),
    ("service_halls", "efficiency_gain", -0.1),
    ("cadre_capacity", "feedback_weight", 2.0),
    ("cadre_capacity", "rollout_years", 0),
    ("big_data_monitoring", "detection", float("nan")),
    ("big_data_monitoring", "rollout_years", 2.5),
    ("regulatory_consistency", "confidence_gain", 1.01),
    ("regulatory_consistency", "setup_cost", "a lot"),
    ("service_halls", "windows", 8),
    ("regulatory_consistency", "strenght", 0.5),
]


@pytest.mark.parametrize("name,key,value", BAD)
def test_bad_reform_parameters_are_one_error_with_the_dotted_path(name, key, value):
    with pytest.raises(ScenarioError) as err:
        load_scenario({"accountability": {name: {key: value}}})
    assert [p for p, _ in err.value.problems] == [f"accountability.{name}.{key}"]


@pytest.mark.parametrize("name,key,value", [BAD[0], BAD[5], BAD[8]])
def test_cli_refuses_bad_reform_parameters_with_exit_2_and_writes_nothing(
    tmp_path, name, key, value
):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(yaml.safe_dump({"name": "bad", "accountability": {name: {key: value}}}))
    runs = tmp_path / "runs"
    proc = run_cli("run", cfg, "--runs-dir", runs, *FAST)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1
    assert f"accountability.{name}.{key}" in proc.stderr
    assert not runs.exists()


# ------------------------------------------------- the registry drives every interface


def test_every_mechanism_is_a_lever_of_sweep_and_problem_specs(tmp_path):
    from incentsim.design.exploratory.problem import load_problem
    from incentsim.design.sweep import load_spec
    from incentsim.interfaces.app import strength_field

    levers = {}
    for mech in MECHANISMS:
        field, _, lo, hi = strength_field(mech)
        levers[f"accountability.{mech.name}.{field}"] = (lo, hi)
    spec = tmp_path / "sweep.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "name": "all_levers",
                "base": str(ROOT / "configs" / "gdp_tournament.yaml"),
                "method": "lhs",
                "samples": 3,
                "seeds": 1,
                "levers": {k: {"min": lo, "max": hi} for k, (lo, hi) in levers.items()},
            }
        )
    )
    points = load_spec(spec).points()
    for pt in points:
        assert {name for name, _ in pt.scenario.mechanisms()} == set(MECHANISMS.names())
    problem = load_problem(
        {
            "name": "all_levers",
            "scenario": str(ROOT / "configs" / "gdp_tournament.yaml"),
            "levers": {k: {"type": "real", "range": [lo, hi]} for k, (lo, hi) in levers.items()},
            "outcomes": [{"name": "trust_local", "direction": "maximize"}],
        }
    )  # loads both ends
    assert len(problem.levers) == len(MECHANISMS)


def test_every_mechanism_is_in_the_docs_the_rules_command_and_the_explorer():
    from incentsim.interfaces.app import model_params
    from incentsim.rules.catalog import catalog_markdown

    page = (ROOT / "docs" / "rules.md").read_text()
    assert page == catalog_markdown(), "run: python -m incentsim.rules.catalog"
    params = model_params()
    for name in REFORMS:
        assert f"### `{name}`" in page
        assert params[f"on_{name}"]["type"] == "Checkbox"
        assert params[f"s_{name}"]["min"] == 0.0 and params[f"s_{name}"]["max"] == 1.0


# ------------------------------------------------------------- claims in `validate`


def _claims():
    from incentsim.analysis.validation import facts as fx

    return {f.id: f for f in fx.FACTS if f.number >= 9}


def test_each_reform_has_a_direction_claim_on_its_shipped_scenario():
    from incentsim.analysis.validation.runs import ARMS, default_config_dir

    claims = _claims()
    assert {f.scenarios[0] for f in claims.values()} == set(REFORMS)
    assert {(f.id, f.outcome, f.expected_sign) for f in claims.values()} == {
        ("9a", "satisfaction", 1),
        ("9b", "trust_local", 1),
        ("10a", "public_services", 1),
        ("10b", "satisfaction", 1),
        ("11a", "manipulation_gap", -1),
        ("12a", "protected_share", -1),
        ("12b", "firm_exit_rate", 1),
    }
    base = load_scenario(default_config_dir() / "gdp_tournament.yaml")
    for f in claims.values():
        reform, other = f.scenarios
        assert other == "gdp_tournament"
        sc = load_scenario(default_config_dir() / ARMS[reform].config)
        assert {name for name, _ in sc.mechanisms()} == (
            {name for name, _ in base.mechanisms()} | {reform}
        )
        assert sc.promotion == base.promotion and sc.tenure == base.tenure


@pytest.mark.parametrize("effect,reproduced", [(0.02, True), (-0.02, False)])  # sign counts
def test_reform_claims_follow_a_known_paired_difference(effect, reproduced):
    from incentsim.analysis.validation import facts as fx

    rng = np.random.default_rng(5)
    for f in _claims().values():
        seeds = np.repeat(np.arange(20), 10)
        base = pd.DataFrame({"seed": seeds, f.outcome: rng.normal(0.5, 0.01, len(seeds))})
        for col in f.extra:
            base[col] = rng.normal(0.5, 0.01, len(seeds))
        reform = base.copy()
        reform[f.outcome] += f.expected_sign * effect + rng.normal(0, 0.002, len(seeds))
        r = fx.evaluate_fact(
            f, {s: None for s in f.scenarios}, {f.scenarios[0]: reform, "gdp_tournament": base}
        )
        assert r["reproduced"] == reproduced, (f.id, r["estimate"])
        # the estimate is the known difference (seed means of 10 rows: noise SD ~0.0006)
        assert abs(r["estimate"]["value"] - f.expected_sign * effect) < 0.002, f.id


def test_reform_package_plus_is_the_package_plus_the_seeds_reforms():
    package = load_scenario(ROOT / "configs" / "reform_package.toml").to_dict()
    plus = load_scenario(ROOT / "configs" / "reform_package_plus.toml").to_dict()
    added = {name: plus["accountability"].pop(name) for name in REFORMS}
    for d in (package, plus):
        del d["name"], d["description"]
    assert plus == package
    assert all(p["enabled"] and p["strength"] > 0 for p in added.values())
    assert added["cadre_capacity"]["feedback_weight"] == 0.0  # the survey already counts


def test_the_readme_table_script_reads_costs_and_differences_right():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "reforms_experiment", ROOT / "experiments" / "reforms.py"
    )
    exp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(exp)
    # service halls: 2 % of revenue in each of 3 roll-out years, nothing after
    assert exp.budget_cost("service_halls", 40) == pytest.approx(0.02 * 3 / 40)
    # cadre capacity: 1 % a year once rolled out (1/3, 2/3 in its first two years)
    assert exp.budget_cost("cadre_capacity", 40) == pytest.approx(0.01 * (38 + 1) / 40)
    assert exp.budget_cost("regulatory_consistency", 40) == 0.0
    rows = [
        {
            "scenario": name,
            "outcome": o,
            "stat": "average",
            "diff": 0.01,
            "diff_low": 0.005,
            "diff_high": 0.015,
            "n": 20,
        }
        for name in REFORMS
        for o in exp.SHOWN
    ]
    text = exp.markdown(pd.DataFrame(rows), seeds=20, horizon=40)
    row = next(line for line in text.splitlines() if "`big_data_monitoring`" in line)
    assert "+0.010 [+0.005, +0.015]" in row  # satisfaction, as is
    assert "+1.00 [+0.50, +1.50]" in row  # manipulation gap, in pp
    assert "20 seeds" in text and "province" in text
