"""The career mechanisms of rules/careers.py do what their rules say (off: see
test_mechanisms.py, which runs every registered mechanism's off/zero/on checks)."""

from __future__ import annotations

import pandas as pd
import pytest

import incentsim
from incentsim.analysis.validation import moments as mm

SMALL = {"world.scale": "small", "world.horizon": 25}
#: 12 runs: the moments' intervals are clustered by run, t(runs - 1); on 6 (seeds 0-5) the
#: flat arm's gradient (+1.7 pp, +0.1 pp on 40 seeds) fell outside its run-clustered interval
SEEDS = range(12)


def panel(**mech):
    """Pooled prepared panel of the tournament over SEEDS with the given mechanisms."""
    ov = dict(SMALL)
    for name, params in mech.items():
        for k, v in params.items():
            ov[f"accountability.{name}.{k}"] = v
    ps = [
        incentsim.simulate("configs/gdp_tournament.yaml", seed=s, overrides=ov).leaders.assign(
            seed=s
        )
        for s in SEEDS
    ]
    return mm.prepare_panel(pd.concat(ps, ignore_index=True))


@pytest.fixture(scope="module")
def base():
    return panel()


def test_no_weight_on_performance_flattens_promotion_by_growth(base):
    flat = panel(
        mixed_evaluation={
            "performance_weight": 0.0,
            "connection_weight": 0.0,
            "ability_weight": 0.0,
        }
    )
    steep = mm.promotion_gradient(base)
    none = mm.promotion_gradient(flat)
    assert steep.ci_low > 0.05  # the tournament: a steep profile
    assert none.ci_low < 0 < none.ci_high  # growth plays no part
    assert mm.table1_gdp(flat).value < mm.table1_gdp(base).value  # less to gain by a surge


def test_evaluators_who_see_ability_promote_abler_leaders(base):
    seen = panel(
        mixed_evaluation={
            "performance_weight": 1.0,
            "connection_weight": 0.0,
            "ability_weight": 2.0,
        }
    )
    assert mm.ability_selection(seen).ci_low > 0
    assert mm.ability_selection(base).ci_low < 0.01 < mm.ability_selection(seen).value


def connection_gap(p):
    """Promotion rate of connected minus unconnected leaders up for evaluation, with a
    prefecture-clustered interval."""
    from incentsim.analysis.validation.econometrics import coef_estimate, fe_ols

    return coef_estimate(
        fe_ols(p[p["evaluated"] == 1], "promoted", ["connected"], [], "unit"), "connected"
    )


def test_connected_leaders_promoted_more_with_connection_weight(base):
    p = panel(
        mixed_evaluation={
            "performance_weight": 1.0,
            "connection_weight": 3.0,
            "ability_weight": 0.0,
        }
    )
    assert connection_gap(base).ci_low < 0 < connection_gap(base).ci_high
    assert connection_gap(p).ci_low > 0.05


def test_midterm_candidates_are_promoted_before_their_term_ends(base):
    def midterm(p):
        return int(((p["promoted"] == 1) & (p["evaluated"] == 0)).sum())

    assert midterm(base) == 0  # the stylized rule promotes only at the end of a term
    assert (
        midterm(panel(irregular_turnover={"midterm_candidate_prob": 0.5, "reshuffle_share": 0.0}))
        > 20
    )


def test_reshuffle_every_year_caps_spells_at_two_years():
    p = panel(
        irregular_turnover={
            "midterm_candidate_prob": 0.0,
            "provincial_turnover_prob": 1.0,
            "reshuffle_share": 1.0,
        }
    )
    s = mm.spells(p)
    assert len(s) > 100 and s["length"].max() <= 2


def run_pair(seed, **mixed):
    """Timeseries and leader panel of the tournament with mixed_evaluation set as given."""
    ov = dict(SMALL, **{f"accountability.mixed_evaluation.{k}": v for k, v in mixed.items()})
    r = incentsim.simulate("configs/gdp_tournament.yaml", seed=seed, overrides=ov)
    return r.timeseries, r.leaders


def gaps(**mixed) -> pd.Series:
    """Mean reported-minus-true growth of each seed in SEEDS."""
    return pd.Series([run_pair(s, **mixed)[0]["manipulation_gap"].mean() for s in SEEDS])


NO_GROWTH = {"performance_weight": 0.0, "connection_weight": 0.0, "ability_weight": 0.5}


@pytest.mark.parametrize("actual", [0.0, 0.4])
def test_belief_equal_to_the_actual_weight_changes_nothing(actual):
    mixed = dict(NO_GROWTH, performance_weight=actual)
    for seed in (0, 1):
        ts, leaders = run_pair(seed, **mixed)
        ts_b, leaders_b = run_pair(seed, **mixed, believed_performance_weight=actual)
        pd.testing.assert_frame_equal(ts, ts_b)
        pd.testing.assert_frame_equal(leaders, leaders_b)


def test_leaders_who_believe_growth_counts_inflate_it_though_it_does_not():
    from incentsim.analysis.validation.econometrics import mean_interval

    honest = gaps(**NO_GROWTH)
    some = gaps(**NO_GROWTH, believed_performance_weight=0.25)
    more = gaps(**NO_GROWTH, believed_performance_weight=0.5)
    assert (honest == 0.0).all()  # growth earns nothing, nobody fakes it
    assert (some > 0.0).all()
    assert mean_interval(more - some).ci_low > 0  # the stronger the belief, the more faking
