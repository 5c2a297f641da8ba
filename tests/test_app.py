"""The explorer's model factory and drawing, without a browser."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from incentsim import ScenarioError
from incentsim.interfaces import app
from incentsim.rules.accountability import MECHANISMS
from incentsim.rules.promotion import PROMOTION_RULES


def _initial(params: dict) -> dict:
    return {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def test_defaults_follow_the_config_file():
    d = app.control_defaults("configs/hybrid_hangzhou.yaml", seed=3)
    assert d["rule"] == "hybrid"
    assert d["w_growth"] == pytest.approx(0.5)
    assert d["on_statistical_audit"] is True
    assert d["s_statistical_audit"] == pytest.approx(0.05)
    assert d["on_lifelong_accountability"] is False
    assert d["seed"] == 3
    assert app.control_defaults(scale="province")["scale"] == "province"


def test_every_rule_and_mechanism_has_a_control():
    params = app.model_params()
    assert params["rule"]["values"] == PROMOTION_RULES.names()
    for mech in MECHANISMS:
        assert params[f"on_{mech.name}"]["type"] == "Checkbox"
        s = params[f"s_{mech.name}"]
        assert s["min"] <= s["value"] <= s["max"]


def test_controls_become_a_validated_scenario():
    controls = {
        "rule": "balanced_scorecard",
        "w_growth": 1.0,
        "w_environment": 1.0,
        "term_length": 7,
        "scale": "province",
        "on_statistical_audit": True,
        "s_statistical_audit": 0.9,
        "on_lifelong_accountability": False,
    }
    sc = app.scenario_from_controls("configs/lifelong_accountability.yaml", controls)
    assert sc.promotion.rule == "balanced_scorecard"
    assert sc.promotion.weights.growth == pytest.approx(0.5)
    assert sc.promotion.weights.environment == pytest.approx(0.5)
    assert sc.tenure.term_length == 7
    assert sc.world.n_provinces * sc.world.prefectures_per_province == 40
    assert sc.world.burn_in == app.EXPLORER_BURN_IN
    names = dict(sc.mechanisms())
    assert "lifelong_accountability" not in names
    assert names["statistical_audit"].intensity == pytest.approx(0.9)


def test_all_zero_weights_mean_growth_only():
    w = app.normalised_weights({f"w_{k}": 0.0 for k in ("growth", "debt")})
    assert w["growth"] == 1.0 and sum(w.values()) == 1.0


def test_bad_controls_are_a_scenario_error():
    with pytest.raises(ScenarioError):
        app.scenario_from_controls(None, {"rule": "no_such_rule"})


def test_model_ignores_mesas_scenario_and_reports_its_controls():
    from mesa.experimental.scenarios import Scenario as MesaScenario

    m = app.ExplorerModel(scenario=MesaScenario(), **_initial(app.model_params(seed=4)))
    assert m.config.promotion.rule == "gdp_tournament"
    assert m.seed_value == 4


def test_main_rejects_a_bad_config(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("promotion: {rule: nope}\n")
    assert app.main([str(bad), "--no-browser"]) == 2
    assert "promotion.rule" in capsys.readouterr().err


@pytest.mark.parametrize("scale", ["small", "province"])
def test_drawing_changes_with_steps(scale):
    """Each step redraws the plots and the network (responsiveness is a benchmark figure
    in docs/how-to/explorer.md, not a timed test: this machine is shared)."""
    m = app.ExplorerModel(**_initial(app.model_params(scale=scale)))
    ts0, net0 = app.timeseries_png(m), app.network_png(m)
    for _ in range(8):
        m.step()
        ts, net = app.timeseries_png(m), app.network_png(m)
        app.leaders_frame(m)
    assert len(m.records) >= 6
    assert np.abs(_pixels(ts) - _pixels(ts0)).sum() > 0
    assert np.abs(_pixels(net) - _pixels(net0)).sum() > 0


def test_every_network_outcome_draws():
    m = app.ExplorerModel(**_initial(app.model_params()))
    m.step()
    pics = {name: app.network_png(m, name) for name in app.NETWORK_OUTCOMES}
    assert len(set(pics.values())) > len(pics) // 2


def test_leaders_table_has_one_row_per_prefecture():
    m = app.ExplorerModel(**_initial(app.model_params()))
    for _ in range(3):
        m.step()
    df = app.leaders_frame(m)
    assert len(df) == m.n_prefectures
    assert {"tenure", "age", "insider", "score", "rank pct"} <= set(df.columns)
