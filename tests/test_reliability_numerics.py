"""Numerical safety: extreme but valid scenarios run to the end with every invariant
holding each year; a broken invariant stops the run naming year, prefecture and
quantity (in the API, in the tracked run and on the command line)."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pandas as pd
import pytest
from cli_helpers import FAST, FAST_OVERRIDES, ROOT

import incentsim
from incentsim.interfaces import cli
from incentsim.model import IncentModel, InvariantError
from incentsim.outcomes import OUTCOME_NAMES

CONFIG = ROOT / "configs" / "gdp_tournament.yaml"
ZERO_NOISE = {
    "promotion.noise": 0.0,
    "economy.national_shock_sd": 0.0,
    "economy.local_shock_sd": 0.0,
    "behaviour.citizen_noise": 0.0,
    "behaviour.perception_noise": 0.0,
    "economy.firm_productivity_sd": 0.0,
    "economy.entrant_productivity_sd": 0.0,
}
MAX_NOISE = {
    "promotion.noise": 1e6,
    "economy.national_shock_sd": 1.0,
    "economy.local_shock_sd": 1.0,
    "behaviour.citizen_noise": 10.0,
    "behaviour.perception_noise": 1.0,
    "economy.firm_productivity_sd": 1.0,
    "economy.entrant_productivity_sd": 1.0,
}
EXTREMES = {
    "one_prefecture_per_province": {"world.prefectures_per_province": 1, "world.n_provinces": 3},
    "a_single_prefecture": {"world.prefectures_per_province": 1, "world.n_provinces": 1},
    "term_of_one_year": {"tenure.term_length": 1},
    "hundred_year_horizon": {"world.horizon": 100},
    "no_firm_entry": {"economy.entry_rate": 0.0, "world.horizon": 40},
    "zero_noise": ZERO_NOISE,
    "maximal_noise": MAX_NOISE,
    "all_budget_to_investment": {"behaviour.fixed_shares": [1.0, 0.0, 0.0, 0.0, 0.0]},
    "all_budget_to_services": {"behaviour.fixed_shares": [0.0, 1.0, 0.0, 0.0, 0.0]},
    "all_budget_to_innovation": {"behaviour.fixed_shares": [0.0, 0.0, 0.0, 0.0, 1.0]},
    "everything_at_once": {
        "world.prefectures_per_province": 1,
        "world.n_provinces": 2,
        "tenure.term_length": 1,
        "economy.entry_rate": 0.0,
        "world.horizon": 100,
        **MAX_NOISE,
    },
}
CONFIGS = ["gdp_tournament.yaml", "balanced_scorecard.yaml"]


def _check_year(m: IncentModel) -> None:
    st, c, f = m.state, m.citizens, m.firms
    for name in (
        "gdp",
        "services",
        "pollution",
        "debt",
        "human_capital",
        "growth_true",
        "growth_reported",
        "firm_trust",
        "satisfaction_mean",
    ):
        assert np.isfinite(getattr(st, name)).all(), (m.year, name)
    assert np.allclose(st.shares.sum(axis=1), 1.0) and (st.shares >= 0).all(), m.year
    for name in ("trust_local", "trust_central"):
        x = getattr(c, name)
        assert ((x >= 0) & (x <= 1)).all(), (m.year, name)
    assert np.isfinite(f.capital).all() and (f.capital >= 0).all(), m.year


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("case", list(EXTREMES))
def test_extreme_scenarios_run_to_the_end(case, config):
    sc = incentsim.load_scenario(ROOT / "configs" / config, {**FAST_OVERRIDES, **EXTREMES[case]})
    for seed in (0, 1):
        m = IncentModel(sc, seed=seed)
        total = sc.world.burn_in + sc.world.horizon
        for _ in range(total):
            m.step()  # check_invariants() runs inside every step
            _check_year(m)
        assert len(m.records) == sc.world.horizon
        ts = pd.DataFrame.from_records(m.records, columns=["year", *OUTCOME_NAMES])
        rest = ts.drop(columns="selection_quality").to_numpy(dtype=float)
        assert np.isfinite(rest).all()  # selection_quality is NaN in years without promotions
        assert not np.isinf(ts["selection_quality"].to_numpy(dtype=float)).any()


def _break_gdp(monkeypatch, year=3, prefecture=4):
    real = IncentModel.check_invariants

    def corrupt(self):
        if self.year == year:
            self.state.gdp[prefecture] = np.nan
        return real(self)

    monkeypatch.setattr(IncentModel, "check_invariants", corrupt)


def test_broken_invariant_names_year_prefecture_quantity(monkeypatch):
    _break_gdp(monkeypatch)
    with pytest.raises(InvariantError) as err:
        incentsim.simulate(CONFIG, 0, FAST_OVERRIDES)
    e = err.value
    assert (e.year, e.prefecture, e.quantity) == (3, 4, "gdp")
    assert "year 3" in str(e) and "prefecture 4" in str(e) and "gdp" in str(e)


def test_broken_invariant_fails_the_tracked_run_and_the_cli(monkeypatch, tmp_path):
    _break_gdp(monkeypatch)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(
            ["run", str(CONFIG), "--runs-dir", str(tmp_path), "--executor", "serial", *FAST]
        )
    assert code == 1
    assert "invariant broken in year 3, prefecture 4: gdp = nan" in err.getvalue()
    (d,) = [p for p in tmp_path.iterdir() if p.name.isdigit()]
    run = json.loads((d / "run.json").read_text())
    assert run["status"] == "FAILED"
    assert "InvariantError" in run["fail_trace"][-1] and "year 3" in run["fail_trace"][-1]
    assert not (tmp_path / "_done").exists()
