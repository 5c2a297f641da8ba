"""Scenario validation: every problem reported at once, with its dotted path."""

from pathlib import Path

import pytest

import incentsim
from incentsim.scenario import ScenarioError, load_scenario, parse_override

CONFIGS = sorted(Path(__file__).resolve().parents[1].joinpath("configs").glob("*.*"))


def problems(data, overrides=None):
    with pytest.raises(ScenarioError) as info:
        load_scenario(data, overrides)
    return dict(info.value.problems)


def test_defaults_validate():
    sc = load_scenario({})
    assert sc.promotion.rule == "gdp_tournament"
    assert sc.tenure.term_length == 5
    assert sc.mechanisms() == []


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_configs_validate_and_say_what_they_stand_for(path):
    sc = load_scenario(path)
    assert sc.name == path.stem
    first = path.read_text().splitlines()[0]
    assert first.startswith("#") and len(first) > 30, "each config opens with a comment"


def test_the_scenarios_users_rely_on_are_shipped_in_both_formats():
    names = {p.name for p in CONFIGS}
    assert {
        f"{n}.yaml"
        for n in (
            "gdp_tournament",
            "balanced_scorecard",
            "citizen_satisfaction",
            "hybrid_hangzhou",
            "lifelong_accountability",
            "vertical_environment",
            "long_terms",
            "independent_audit",
            "public_ranking",
        )
    } <= names
    assert any(n.endswith(".toml") for n in names)
    package = load_scenario(Path(CONFIGS[0]).with_name("reform_package.toml"))
    assert package.promotion.rule == "balanced_scorecard"
    assert {
        "lifelong_accountability",
        "citizen_survey",
        "firm_survey",
        "vertical_environmental_management",
    } <= {name for name, _ in package.mechanisms()}


def test_all_problems_reported_at_once_with_paths():
    found = problems(
        {
            "promotion": {"rule": "gdp_tornament", "wieghts": {"growth": 1.0}},
            "tenure": {"term_length": -1, "insider_prob": 1.5},
            "accountability": {"statistical_audit": {"intensty": 1.0}, "foo": {}},
            "world": {"horizon": "long"},
        }
    )
    assert set(found) == {
        "promotion.rule",
        "promotion.wieghts",
        "tenure.term_length",
        "tenure.insider_prob",
        "accountability.statistical_audit.intensty",
        "accountability.foo",
        "world.horizon",
    }
    assert "gdp_tournament" in found["promotion.rule"]  # says what is allowed
    assert "allowed" in found["promotion.wieghts"] and "weights" in found["promotion.wieghts"]
    assert "statistical_audit" in found["accountability.foo"]
    assert "intensity" in found["accountability.statistical_audit.intensty"]


def test_unknown_key_at_depth():
    found = problems({"promotion": {"weights": {"growht": 0.5}}})
    assert list(found) == ["promotion.weights.growht"]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -0.1, 1.5])
def test_probability_out_of_range_or_not_finite(value):
    assert "tenure.reappointment_prob" in problems({"tenure": {"reappointment_prob": value}})


def test_wrong_types_are_not_coerced():
    found = problems({"tenure": {"term_length": "5"}, "world": {"n_provinces": 2.5}})
    assert set(found) == {"tenure.term_length", "world.n_provinces"}


def test_weights_must_sum_to_one_for_weighted_rules():
    found = problems(
        {"promotion": {"rule": "balanced_scorecard", "weights": {"growth": 0.5, "services": 0.3}}}
    )
    assert "promotion.weights" in found and "sum" in found["promotion.weights"]
    # a rule that does not use weights does not take them (issue 11: nothing ignored)
    found = problems({"promotion": {"rule": "seniority", "weights": {"growth": 0.5}}})
    assert list(found) == ["promotion.weights"] and "'seniority'" in found["promotion.weights"]


def test_age_limits_consistent():
    found = problems({"tenure": {"promotion_age_limit": 62, "retirement_age": 60}})
    assert "tenure" in found


def test_population_beyond_memory_is_refused():
    found = problems(
        {
            "world": {
                "n_provinces": 1000,
                "prefectures_per_province": 100,
                "firms_per_prefecture": 1000,
            }
        }
    )
    assert "world" in found and "above the limit" in found["world"]


def test_overrides_apply_and_are_validated():
    sc = load_scenario(
        {}, {"tenure.term_length": 7, "accountability.statistical_audit.intensity": 0.9}
    )
    assert sc.tenure.term_length == 7
    assert sc.accountability.statistical_audit.intensity == 0.9
    assert "promotion.weights.growht" in problems({}, {"promotion.weights.growht": 1.0})


def test_parse_override_reads_yaml_values():
    assert parse_override("tenure.term_length=7") == ("tenure.term_length", 7)
    assert parse_override("promotion.rule=hybrid") == ("promotion.rule", "hybrid")
    assert parse_override("accountability.citizen_survey.enabled=false")[1] is False
    with pytest.raises(ScenarioError):
        parse_override("no_equals_sign")


def test_scale_preset_layers_under_explicit_keys():
    sc = load_scenario({"world": {"scale": "national", "citizens_per_prefecture": 100}})
    assert (sc.world.n_provinces, sc.world.prefectures_per_province) == (31, 10)
    assert sc.world.firms_per_prefecture == 1000 and sc.world.citizens_per_prefecture == 100


def test_toml_and_yaml_files(tmp_path):
    (tmp_path / "a.toml").write_text("[tenure]\nterm_length = 3\n")
    (tmp_path / "b.yaml").write_text("tenure:\n  term_length: 4\n")
    assert load_scenario(tmp_path / "a.toml").tenure.term_length == 3
    assert load_scenario(tmp_path / "b.yaml").name == "b"
    (tmp_path / "c.yaml").write_text("tenure: [1, 2\n")
    assert "<file>" in problems(tmp_path / "c.yaml")
    assert "<file>" in problems(tmp_path / "missing.yaml")


def test_roundtrip_to_dict():
    sc = load_scenario("configs/public_ranking.yaml" if Path("configs").exists() else CONFIGS[0])
    assert load_scenario(sc.to_dict()) == sc


def test_bad_scenario_fails_before_any_simulation(monkeypatch):
    built = []
    monkeypatch.setattr(incentsim.api, "IncentModel", lambda *a, **k: built.append(1))
    with pytest.raises(ScenarioError):
        incentsim.simulate({"tenure": {"term_length": 0}})
    assert built == []


@pytest.mark.parametrize("key", ["[key]", "function-after", "plain"])
def test_an_unknown_key_is_named_even_when_it_looks_like_a_pydantic_marker(key):
    for data, path in [({key: 0}, key), ({"economy": {key: 0}}, f"economy.{key}")]:
        with pytest.raises(ScenarioError) as err:
            load_scenario(data)
        assert [p for p, _ in err.value.problems] == [path]


def _leaves(model, prefix=""):
    from pydantic import BaseModel

    for name, f in model.model_fields.items():
        sub = (
            f.annotation
            if isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel)
            else None
        )
        yield prefix + name, f
        if sub is not None:
            yield from _leaves(sub, f"{prefix}{name}.")


def test_every_behavioural_number_states_its_unit_and_source():
    from incentsim.scenario import Behaviour, Economy

    for section, model in (("economy", Economy), ("behaviour", Behaviour)):
        for path, f in _leaves(model, section + "."):
            text = f.description or ""
            assert "[" in text and "source:" in text, f"{path} lacks a unit or a source"
            assert text.split("[")[0].strip(), f"{path} lacks a description"
