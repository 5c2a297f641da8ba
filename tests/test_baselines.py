"""The historical baselines: china_2010s is china_2000s plus the 2008-15 reforms only, and
china_2000s is what simulate() runs without a scenario (the schema defaults unchanged)."""

from __future__ import annotations

import pandas as pd

import incentsim
from incentsim.analysis.validation.runs import default_config_dir
from incentsim.scenario import flatten, load_scenario, read_file

CONFIGS = default_config_dir()
#: what the 2008-15 reforms change (configs/china_2010s.yaml's header)
REFORM_KEYS = (
    "name",
    "description",
    "promotion.rule",
    "promotion.weights",
    "promotion.veto",
    "accountability.statistical_audit.intensity",
)
TINY = {
    "world.horizon": 4,
    "world.burn_in": 2,
    "world.n_provinces": 2,
    "world.prefectures_per_province": 3,
    "world.firms_per_prefecture": 40,
    "world.citizens_per_prefecture": 60,
}


def test_2010s_differs_from_2000s_only_in_the_reforms():
    a = flatten(load_scenario(CONFIGS / "china_2000s.yaml").to_dict())
    b = flatten(load_scenario(CONFIGS / "china_2010s.yaml").to_dict())
    changed = {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
    assert changed and all(k.startswith(REFORM_KEYS) for k in changed), sorted(changed)
    assert b["promotion.rule"] == "balanced_scorecard" and a["promotion.rule"] == "gdp_tournament"


def test_every_estimated_value_of_2000s_is_in_2010s_unchanged():
    a, b = (flatten(read_file(CONFIGS / f"china_{d}.yaml")) for d in ("2000s", "2010s"))
    for key, value in a.items():
        if not key.startswith(REFORM_KEYS):
            assert b[key] == value, key


def test_simulate_without_scenario_runs_china_2000s():
    default = incentsim.simulate(seed=1, overrides=TINY)
    explicit = incentsim.simulate(CONFIGS / "china_2000s.yaml", seed=1, overrides=TINY)
    assert default.scenario.name == "china_2000s"
    pd.testing.assert_frame_equal(default.timeseries, explicit.timeseries)
    pd.testing.assert_frame_equal(default.leaders, explicit.leaders)


def test_schema_defaults_stay_those_of_the_stylized_scenarios():
    sc = load_scenario({})
    assert sc.promotion.rule == "gdp_tournament"
    assert sc.accountability.mixed_evaluation is None
    assert sc.accountability.irregular_turnover is None
