"""Ensembles (issue 16): members validated first, grouped by what the model can share,
split by memory, stepped by run_group, each member equal to its solo run."""

import copy
import gc
import weakref
from pathlib import Path

import pandas as pd
import pytest

import incentsim
from incentsim import simulate
from incentsim.ensemble import (
    group_key,
    member_agents,
    member_memory,
    plan,
    resolve,
    simulate_ensemble,
)
from incentsim.errors import ScenarioError
from incentsim.indicators import SCORED
from incentsim.scenario import load_scenario


def _members(tiny):
    other = copy.deepcopy(tiny)
    other["world"]["firms_per_prefecture"] = 30  # another world size: another group
    seven = copy.deepcopy(tiny)
    seven["tenure"] = {"term_length": 7}  # a lever: same group
    return [(tiny, 0), (other, 1), (seven, 2), (tiny, 3)]


def test_members_equal_their_solo_runs_in_member_order(tiny):
    members = _members(tiny)
    results = simulate_ensemble(members)
    assert [r.seed for r in results] == [0, 1, 2, 3]
    for (sc, seed), res in zip(members, results):
        solo = simulate(sc, seed=seed)
        pd.testing.assert_frame_equal(res.timeseries, solo.timeseries, check_exact=True)
        pd.testing.assert_frame_equal(res.leaders, solo.leaders, check_exact=True)
        assert res.scenario == solo.scenario


def test_changing_a_members_frames_leaves_the_others_unchanged(tiny):
    results = simulate_ensemble([(tiny, seed) for seed in range(3)])
    before = [(r.timeseries.copy(), r.leaders.copy()) for r in results]
    first = results[0]
    first.timeseries.iloc[:, 1:] = -1.0
    first.timeseries.loc[0, "year"] = -1
    first.leaders.iloc[0] = first.leaders.iloc[-1]
    first.timeseries["year"] += 100
    del first.leaders[first.leaders.columns[0]]
    for r, (ts, leaders) in zip(results[1:], before[1:]):
        pd.testing.assert_frame_equal(r.timeseries, ts, check_exact=True)
        pd.testing.assert_frame_equal(r.leaders, leaders, check_exact=True)


def test_a_finished_model_is_freed_without_the_garbage_collector(tiny, monkeypatch):
    import incentsim.api as api

    models = []
    model_cls = api.IncentModel

    def built(sc, seed):
        model = model_cls(sc, seed)
        models.append(weakref.ref(model))
        return model

    monkeypatch.setattr(api, "IncentModel", built)
    enabled = gc.isenabled()
    gc.disable()  # only reference counts may free it
    try:
        results = simulate_ensemble([(tiny, seed) for seed in range(3)])
        assert len(models) == 1
        assert models[0]() is None
    finally:
        if enabled:
            gc.enable()
    assert [r.seed for r in results] == [0, 1, 2]


def test_grouping_by_world_size_not_by_lever(tiny):
    scs = [sc for sc, _ in resolve(_members(tiny))]
    assert group_key(scs[0]) == group_key(scs[2]) == group_key(scs[3])
    assert group_key(scs[0]) != group_key(scs[1])
    assert plan(scs) == [[0, 2, 3], [1]]


def test_a_group_over_the_memory_budget_is_split_never_refused(tiny):
    scs = [load_scenario(tiny)] * 5
    per = member_memory(scs[0])
    assert per > 0
    assert plan(scs, budget=2 * per) == [[0, 1], [2, 3], [4]]
    assert plan(scs, budget=1) == [[0], [1], [2], [3], [4]]  # one member alone still runs
    assert plan(scs, max_size=3) == [[0, 1, 2], [3, 4]]


def test_a_group_is_cut_at_most_agents(tiny):
    """``max_agents`` caps the firms and citizens of a group; a member above it runs alone."""
    scs = [load_scenario(tiny)] * 5
    w = scs[0].world
    agents = w.n_provinces * w.prefectures_per_province
    agents *= w.firms_per_prefecture + w.citizens_per_prefecture
    assert member_agents(scs[0]) == agents
    assert plan(scs, max_agents=2 * agents + 1) == [[0, 1], [2, 3], [4]]
    assert plan(scs, max_agents=agents - 1) == [[0], [1], [2], [3], [4]]
    assert plan(scs, max_size=2, max_agents=3 * agents) == [[0, 1], [2, 3], [4]]


def test_every_member_is_validated_before_anything_runs(tiny, monkeypatch):
    import incentsim.ensemble as ens

    ran = []
    monkeypatch.setattr(ens, "run_group", lambda *a, **k: ran.append(a) or [])
    bad = copy.deepcopy(tiny)
    bad["tenure"] = {"term_lenght": 5}
    with pytest.raises(ScenarioError) as err:
        simulate_ensemble([(tiny, 0), (bad, 1), (tiny, -4)])
    paths = [p for p, _ in err.value.problems]
    assert any(p.startswith("members[1].tenure") for p in paths)
    assert any(p.startswith("members[2]") for p in paths)
    assert not ran


def test_progress_counts_member_years_of_the_whole_ensemble(tiny):
    calls = []
    simulate_ensemble(_members(tiny)[:2], progress=lambda d, t: calls.append((d, t)))
    assert calls == [(i, 20) for i in range(1, 21)]


def test_code_fingerprint_covers_every_module_of_the_model(tmp_path):
    import shutil

    from incentsim.runs.experiment import fingerprint_of, model_files

    src = Path(incentsim.__file__).parent
    names = {str(f.relative_to(src)) for f in model_files(src)}
    for module in ("model.py", "economy.py", "personnel.py", "recording.py", "indicators.py"):
        assert module in names
    assert {"seeding.py", "scenario.py", "agents/leader.py", "rules/reforms.py"} <= names
    assert not any(n.startswith(("interfaces/", "analysis/", "design/")) for n in names)
    copy_root = tmp_path / "incentsim"
    shutil.copytree(src, copy_root, ignore=shutil.ignore_patterns("__pycache__"))
    before = fingerprint_of(copy_root)
    assert before == fingerprint_of(src)
    for module in ("recording.py", "indicators.py"):
        f = copy_root / module
        f.write_text(f.read_text() + "\n# changed\n")
        after = fingerprint_of(copy_root)
        assert after != before
        before = after


def _every_mechanism(tiny):
    from incentsim.rules.accountability import MECHANISMS

    sc = copy.deepcopy(tiny)
    sc["promotion"] = {"rule": "patronage"}
    sc["accountability"] = {name: {} for name in MECHANISMS.names()}
    return sc


@pytest.mark.parametrize("mechanisms", [False, True], ids=["no mechanism", "every mechanism"])
def test_members_stepped_as_one_model_equal_their_solo_runs(tiny, mechanisms):
    from incentsim.api import run_members

    sc = load_scenario(_every_mechanism(tiny) if mechanisms else tiny)
    seeds = [3, 0, 11]
    for seed, res in zip(seeds, run_members(sc, seeds), strict=True):
        solo = simulate(sc, seed=seed)
        assert res.seed == seed
        pd.testing.assert_frame_equal(res.timeseries, solo.timeseries, check_exact=True)
        pd.testing.assert_frame_equal(res.leaders, solo.leaders, check_exact=True)


def test_a_group_steps_each_scenario_once_with_all_its_seeds(tiny, monkeypatch):
    import incentsim.api as api

    built = []
    model_cls = api.IncentModel
    monkeypatch.setattr(
        api, "IncentModel", lambda sc, seed: built.append(seed) or model_cls(sc, seed)
    )
    lean = copy.deepcopy(tiny)
    lean["behaviour"] = {"borrowing_levels": [0.0, 0.02]}  # not vectorised: another model
    members = [(tiny, 0), (lean, 0), (tiny, 5), (lean, 9), (tiny, 2)]
    results = simulate_ensemble(members)
    assert built == [[0, 5, 2], [0, 9]]
    for (sc, seed), res in zip(members, results, strict=True):
        solo = simulate(sc, seed=seed)
        pd.testing.assert_frame_equal(res.timeseries, solo.timeseries, check_exact=True)
        pd.testing.assert_frame_equal(res.leaders, solo.leaders, check_exact=True)


def test_a_failure_in_a_vectorised_group_is_charged_to_its_member(tiny, monkeypatch):
    import incentsim.ensemble as ens

    real = ens.run_group

    def vectorised(scenarios, seeds, progress=None, *, started=None, finished=None):
        for j in range(len(seeds)):  # every member in flight at once, as one population
            started(j)
        if 1 in seeds:
            raise FloatingPointError("seed 1 diverged")
        results = real(scenarios, seeds, progress)
        for j, res in enumerate(results):
            finished(j, res)
        return results

    monkeypatch.setattr(ens, "run_group", vectorised)
    sc = load_scenario(tiny)
    started, finished, failed = [], {}, {}
    ens.step_members(
        [sc] * 3,
        [0, 1, 2],
        started=started.append,
        finished=finished.__setitem__,
        failed=failed.__setitem__,
    )
    assert sorted(finished) == [0, 2] and list(failed) == [1]
    assert isinstance(failed[1], FloatingPointError)
    assert started[:3] == [0, 1, 2] and sorted(started[3:]) == [0, 1, 2]  # then one by one
    with pytest.raises(FloatingPointError):  # without a failed hook: raised
        ens.step_members([sc] * 2, [0, 1])


# ---------------------------------------------------------------- members differing in parameters

#: a world where every field of VARYING is read: a weighted rule and the mechanisms whose
#: intensities the shipped studies vary
_STUDY_MECHANISMS = (
    "statistical_audit",
    "citizen_survey",
    "big_data_monitoring",
    "mixed_evaluation",
    "irregular_turnover",
    "target_responsibility",
    "firm_survey",
    "performance_transfers",
    "lifelong_accountability",
    "vertical_environmental_management",
    "public_ranking",
    "petition_channel",
    "service_halls",
    "cadre_capacity",
    "regulatory_consistency",
)
#: another valid value of the fields of VARYING the shipped studies vary (the others:
#: :func:`_other_value`)
_OTHER = {
    "economy.local_shock_sd": 0.09,
    "economy.frontier_growth": 0.06,
    "behaviour.career_value": 4.0,
    "behaviour.public_service_motivation": 0.45,
    "behaviour.manipulation_cost": 30.0,
    "promotion.capacity": 0.3,
    "tenure.term_length": 3,
    "tenure.early_turnover_hazard": 0.2,
    "tenure.reappointment_prob": 0.7,
    "tenure.appointment_age_mean": 50.0,
    "accountability.statistical_audit.intensity": 0.0,
    "accountability.citizen_survey.weight": 0.1,
    "accountability.big_data_monitoring.strength": 0.0,  # no draws in this member
    "accountability.mixed_evaluation.performance_weight": 0.2,
    "accountability.irregular_turnover.midterm_candidate_prob": 0.4,
    "accountability.irregular_turnover.reshuffle_share": 0.6,
    "accountability.target_responsibility.pressure": 0.05,
    # values far enough from the studied world's to matter in its ten years
    "economy.environmental_entry_cost": 0.0,  # 1.0 happens to change no entry here
    "behaviour.natural_scale.satisfaction": 0.05,
    "economy.entry_barrier_min": 1.0,
    "behaviour.borrowing_inertia": 0.0,
    "accountability.statistical_audit.detection_scale": 1.0,
    "accountability.lifelong_accountability.environment_weight": 5.0,
    "accountability.vertical_environmental_management.pressure": 5.0,
    "accountability.public_ranking.reputation": 5.0,
    "accountability.petition_channel.redress": 1.0,
    "economy.entry_barrier_max": 1.0,
    "behaviour.max_manipulation": 0.001,
    "promotion.min_percentile": 0.95,
    "tenure.rotation_prob": 1.0,
    "tenure.insider_prob": 1.0,
    "tenure.promotion_age_limit": 45,
    "tenure.retirement_age": 50,
    "tenure.min_appointment_age": 50.0,
    "accountability.statistical_audit.dismissal_prob": 1.0,
    "accountability.big_data_monitoring.dismissal_prob": 1.0,
    "accountability.big_data_monitoring.detection_scale": 1.0,
    "behaviour.petition_threshold": 0.9,
    "behaviour.initial_satisfaction": 0.05,
    "behaviour.tacitus_threshold": 0.0,  # members with and without the trap
    "economy.compliance_floor": 1.0,  # binds: no compliance cost
    **{f"behaviour.scale_floor.{k}": 10.0 for k in SCORED},  # binds
}
#: settings of both members that let a field matter in the ten years of the tiny world
_ALSO = {
    "promotion.resident_weight": {"promotion.rule": "hybrid"},
    "promotion.patronage_strength": {"promotion.rule": "patronage"},
    "promotion.growth_target": {"promotion.rule": "growth_target"},
    "promotion.target_escalation": {"promotion.rule": "growth_target"},
    "tenure.retirement_age": {"tenure.promotion_age_limit": 45},
    "tenure.rotation_prob": {"tenure.early_turnover_hazard": 0.5},
    "economy.entry_barrier_max": {"economy.environmental_entry_cost": 1.0},
    "economy.entry_barrier_min": {
        "economy.environmental_entry_cost": 1.0,
        "economy.reference_environment": 0.001,
    },
    "accountability.petition_channel.redress": {"behaviour.petition_threshold": 0.9},
    "behaviour.petition_scale": {"behaviour.petition_threshold": 0.9},
    "promotion.min_percentile": {"promotion.capacity": 0.3},  # binds: more promoted
    **{
        f"behaviour.{scale}.{k}": {"promotion.weights": {"growth": 0.7, k: 0.3}}
        for scale in ("scale_floor", "initial_scale")
        for k in ("environment", "services", "debt")  # scored by the rule only
    },
    **{
        f"accountability.big_data_monitoring.{f}": {
            "accountability.big_data_monitoring.rollout_years": 1,
            "accountability.big_data_monitoring.detection": 1.0,
            "accountability.statistical_audit.intensity": 0.0,
        }
        for f in ("dismissal_prob", "detection_scale")
    },
}
_WEIGHTS = {"growth": 0.4, "environment": 0.2, "services": 0.1, "firm_survey": 0.3}


def _studied(tiny):
    sc = copy.deepcopy(tiny)
    sc["promotion"] = {"rule": "balanced_scorecard"}
    sc["accountability"] = {name: {} for name in _STUDY_MECHANISMS}
    return sc


def _with(data, path, value):
    out = copy.deepcopy(data)
    *parents, leaf = path.split(".")
    node = out
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value
    return out


def _assert_members_equal_solo(scenarios, seeds):
    from incentsim.api import run_members

    scs = [load_scenario(sc) for sc in scenarios]
    results = run_members(scs, seeds)
    for sc, seed, res in zip(scs, seeds, results, strict=True):
        solo = simulate(sc, seed=seed)
        assert res.scenario == sc and res.seed == seed
        pd.testing.assert_frame_equal(res.timeseries, solo.timeseries, check_exact=True)
        pd.testing.assert_frame_equal(res.leaders, solo.leaders, check_exact=True)
    return results


def _other_value(path, base):
    """Another valid value of field ``path`` than its value in scenario ``base``."""
    if path in _OTHER:
        return _OTHER[path]
    from incentsim.varying import _get

    value = _get(load_scenario(base), path)
    if isinstance(value, int):
        return value - 1
    return 0.8 * value if value else 0.05


def _varying_fields():
    from incentsim.varying import VARYING

    return [p for p in VARYING if not p.startswith("promotion.weights")]


def test_the_weights_are_varying_fields():
    from incentsim.agents.leader import WELFARE
    from incentsim.varying import NATURAL_SCALES, VARYING

    assert {f"promotion.weights.{k}" for k in ("growth", *_WEIGHTS)} <= set(VARYING)
    assert set(_OTHER) <= set(VARYING)
    assert set(NATURAL_SCALES) == set(WELFARE)  # every natural scale that is read


@pytest.mark.parametrize("path", _varying_fields())
def test_members_differing_in_a_parameter_equal_their_solo_runs(tiny, path):
    """Members differing in ``path`` each equal their run alone; the value matters (the
    member with the other value and the same seed as another differs from it)."""
    base = _studied(tiny)
    for also, value in _ALSO.get(path, {}).items():
        base = _with(base, also, value)
    other = _with(base, path, _other_value(path, base))
    assert load_scenario(other) != load_scenario(base)
    results = _assert_members_equal_solo([base, other, base], [3, 3, 11])
    assert not results[0].leaders.equals(results[1].leaders) or not results[0].timeseries.equals(
        results[1].timeseries
    )


def test_members_differing_in_promotion_weights_equal_their_solo_runs(tiny):
    base = _studied(tiny)
    other = _with(base, "promotion.weights", _WEIGHTS)  # firms are surveyed in one member only
    _assert_members_equal_solo([other, base, other], [1, 2, 3])


def test_a_sweep_differing_in_everything_at_once_is_one_model(tiny):
    """term_vs_audit points and every varying field at once, each member equal to its run
    alone; all of them in one vector_key group."""
    from incentsim.ensemble import vector_key

    base = _studied(tiny)
    points = [
        _with(_with(base, "tenure.term_length", t), "accountability.statistical_audit.intensity", a)
        for t in (3, 5, 7)
        for a in (0.0, 0.3)
    ]
    everything = copy.deepcopy(base)
    for path in _varying_fields():
        if "promotion.rule" not in _ALSO.get(path, {}):  # another rule's parameter
            everything = _with(everything, path, _other_value(path, base))
    members = [*points, _with(everything, "promotion.weights", _WEIGHTS)]
    assert len({vector_key(load_scenario(sc)) for sc in members}) == 1
    _assert_members_equal_solo(members, list(range(len(members))))


@pytest.mark.parametrize(
    "path, value",
    [
        ("behaviour.borrowing_levels", [0.0, 0.02]),
        ("behaviour.fixed_shares", [0.2] * 5),
        ("promotion.rule", "gdp_tournament"),
        ("promotion.veto", {"debt_to_gdp": 0.5}),
        ("accountability.mixed_evaluation.believed_performance_weight", 0.5),
        ("accountability.citizen_survey.enabled", False),
        ("accountability.public_ranking", None),
        ("world.firms_per_prefecture", 30),
    ],
)
def test_members_differing_in_a_shared_field_are_never_one_model(tiny, path, value):
    from incentsim.ensemble import vector_key
    from incentsim.model import IncentModel

    base = load_scenario(_studied(tiny))
    other = load_scenario(_with(_studied(tiny), path, value))
    assert vector_key(other) != vector_key(base)
    with pytest.raises(ValueError, match="must share"):
        IncentModel([base, other], seed=[0, 1])


def test_a_group_steps_members_differing_in_parameters_as_one_model(tiny, monkeypatch):
    import incentsim.api as api

    built = []
    model_cls = api.IncentModel
    monkeypatch.setattr(
        api, "IncentModel", lambda sc, seed: built.append(seed) or model_cls(sc, seed)
    )
    seven = _with(tiny, "tenure.term_length", 7)
    lean = _with(tiny, "behaviour.borrowing_levels", [0.0, 0.02])  # not vectorised: another model
    members = [(tiny, 0), (seven, 0), (lean, 5), (tiny, 2)]
    results = simulate_ensemble(members)
    assert built == [[0, 0, 2], [5]]
    for (sc, seed), res in zip(members, results, strict=True):
        assert res.scenario == load_scenario(sc)
        solo = simulate(sc, seed=seed)
        pd.testing.assert_frame_equal(res.timeseries, solo.timeseries, check_exact=True)
        pd.testing.assert_frame_equal(res.leaders, solo.leaders, check_exact=True)
