"""The moment estimators on synthetic panels whose answers are known by construction,
read through the real-panel path (CSV and Stata, column mapping), and ``incentsim
moments`` on bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import incentsim
from scipy.special import expit

from incentsim.analysis.validation import moments as mm
from incentsim.analysis.validation.targets import BY_ID, TARGETS
from incentsim.design.estimation.panel import PanelError, parse_mapping, read_panel

N_PROV, PER, YEARS = 4, 5, 20
GROWTH = np.array([0.04, 0.07, 0.09, 0.11, 0.14])  # one value per quintile
PROMOTED_YEARS = np.array([1, 2, 4, 6, 10])  # of 20 years, by quintile
SPELLS = [2, 1, 4, 5, 3, 2, 3]  # cycled to fill each prefecture


def leader_ids(offset: int) -> list[int]:
    """Leaders of one prefecture over YEARS: spells cycling through SPELLS from offset."""
    out, leader, k = [], offset * 1000, offset
    while len(out) < YEARS:
        out += [leader] * SPELLS[k % len(SPELLS)]
        leader, k = leader + 1, k + 1
    return out[:YEARS]


def known_panel() -> pd.DataFrame:
    """Each province-year holds the five GROWTH values (rotated among prefectures), so a
    prefecture's quintile is known; the prefecture in quintile q is promoted in the first
    PROMOTED_YEARS[q] years of every twenty."""
    rows = []
    for prov in range(N_PROV):
        for j in range(PER):
            pref = prov * PER + j
            leaders = leader_ids(pref)
            for y in range(YEARS):
                q = (j + y + prov) % PER
                rows.append(
                    {
                        "city": f"c{pref}",
                        "prov": prov,
                        "yr": 2000 + y,
                        "sec": leaders[y],
                        "prom": int(y < PROMOTED_YEARS[q]),
                        "gdp_g": 100 * GROWTH[q],
                        "age_": 48 + q,
                    }
                )
    return pd.DataFrame(rows)


def expected_spells() -> list[int]:
    """Completed spells: drop the first (left-censored) and the one running at the end."""
    out = []
    for pref in range(N_PROV * PER):
        ids = leader_ids(pref)
        runs = [len(list(g)) for _, g in __import__("itertools").groupby(ids)]
        out += runs[1:-1] if len(runs) > 1 else []
    return out


MAP = "prefecture=city,province=prov,year=yr,leader=sec,promoted=prom,growth=gdp_g,age=age_"


@pytest.fixture(scope="module", params=["csv", "dta"])
def panel(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("panel") / f"panel.{request.param}"
    df = known_panel()
    if request.param == "csv":
        df.to_csv(path, index=False)
    else:
        df.to_stata(path, write_index=False)
    p, used = read_panel(path, parse_mapping(MAP), percent=True)
    assert used["growth"] == "gdp_g" and used["leader"] == "sec"
    return p


def test_promotion_by_quintile_is_known(panel):
    est = mm.compute(panel)
    for q in range(1, 6):
        assert est[f"promotion_q{q}"].value == pytest.approx(PROMOTED_YEARS[q - 1] / YEARS)
    assert est["promotion_gradient"].value == pytest.approx(
        (PROMOTED_YEARS[4] - PROMOTED_YEARS[0]) / YEARS
    )
    assert est["promotion_rate"].value == pytest.approx(PROMOTED_YEARS.mean() / YEARS)
    assert est["promotion_rate"].se > 0


def test_growth_age_and_spells_are_known(panel):
    est = mm.compute(panel)
    assert est["growth_mean"].value == pytest.approx(GROWTH.mean())
    assert est["growth_dispersion"].value == pytest.approx(GROWTH.std())
    assert est["leader_age"].value == pytest.approx(50.0)
    spells = np.array(expected_spells())
    assert est["spell_mean"].value == pytest.approx(spells.mean())
    assert est["spell_median"].value == pytest.approx(np.median(spells))
    assert est["spell_short"].value == pytest.approx((spells < 2).mean())
    assert est["spell_long"].value == pytest.approx((spells >= 5).mean())
    changes = sum(len(set(leader_ids(p))) - 1 for p in range(N_PROV * PER))
    assert est["exit_hazard"].value == pytest.approx(changes / (N_PROV * PER * (YEARS - 1)))


def test_a_real_panel_is_clustered_by_prefecture(panel):
    est = mm.compute(panel)
    assert est["growth_mean"].detail["n_clusters"] == N_PROV * PER
    assert est["spell_mean"].detail["n_clusters"] == N_PROV * PER


def pooled_runs(n_runs: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """``n_runs`` simulated runs of the known world, each with its own level of growth
    (a shock every prefecture of the run shares) and prefecture-year noise."""
    base = known_panel().rename(
        columns={
            "city": "prefecture",
            "prov": "province",
            "yr": "year",
            "sec": "leader_id",
            "prom": "promoted",
            "age_": "age",
        }
    )
    shocks = rng.normal(0, 0.02, n_runs)
    runs = []
    for s in range(n_runs):
        noise = rng.normal(0, 0.01, len(base))
        growth = base["gdp_g"] / 100 + shocks[s] + noise
        runs.append(base.drop(columns="gdp_g").assign(gdp_growth_reported=growth, seed=s))
    return mm.prepare_panel(pd.concat(runs, ignore_index=True).assign(arm="sim")), shocks


def test_moments_of_pooled_runs_are_clustered_by_run():
    """A run's prefectures share its shocks: the SE of the pooled mean growth is the
    spread of the runs' levels over sqrt(runs), not the prefecture noise (clustered by
    prefecture it was about a fifth of that)."""
    n_runs = 12
    p, shocks = pooled_runs(n_runs, np.random.default_rng(7))
    est = mm.compute(p, ["growth_mean", "spell_mean", "growth_dispersion"])
    run_means = p.groupby("seed")["gdp_growth_reported"].mean()
    spread = run_means.std(ddof=1) / np.sqrt(n_runs)
    assert 0.95 * spread < est["growth_mean"].se < 1.05 * spread
    assert shocks.std(ddof=1) / np.sqrt(n_runs) == pytest.approx(spread, rel=0.05)
    by_prefecture = mm.fe_ols(p, "gdp_growth_reported", [], [], "unit")["se"]["const"]
    assert by_prefecture < 0.3 * spread
    for e in est.values():
        assert e.detail["n_clusters"] == n_runs


def test_spells_and_quintiles_of_a_panel_are_computed_once_inside_reusing(panel):
    """Inside ``reusing`` the spells and quintiles of one panel object are computed once
    (so the five spell and six quintile moments share them), equal to a fresh computation;
    another panel object, or a call outside the block, computes them again."""
    other = panel.copy()
    with mm.reusing():
        s, q = mm.spells(panel), mm.quintile(panel)
        assert mm.spells(panel) is s and mm.quintile(panel) is q
        assert mm.spells(other) is not s and mm.quintile(other) is not q
        with mm.reusing():  # an inner block has its own
            assert mm.spells(panel) is not s
        assert mm.spells(panel) is s
    assert mm.spells(panel) is not s
    pd.testing.assert_frame_equal(s, mm.spells(panel), check_exact=True)
    pd.testing.assert_series_equal(q, mm.quintile(panel), check_exact=True)
    alone = {k: m.compute(panel) for k, m in mm.MOMENTS.items() if not mm.missing_columns(panel, m)}
    shared = mm.compute(panel, list(alone))
    assert {k: e.to_dict() for k, e in shared.items()} == {k: e.to_dict() for k, e in alone.items()}


def test_prepare_panel_leaves_its_input_as_it_was():
    raw = known_panel().rename(
        columns={"city": "prefecture", "prov": "province", "yr": "year", "sec": "leader_id"}
    )
    raw["gdp_growth_reported"] = raw.pop("gdp_g") / 100
    raw["promoted"] = raw.pop("prom").astype(bool)
    raw = raw.sample(frac=1.0, random_state=0)  # not in (prefecture, year) order
    before = raw.copy()
    prepared = mm.prepare_panel(raw)
    pd.testing.assert_frame_equal(raw, before, check_exact=True)
    assert {"unit", "seed_year", "term_id", "lag_gdp_growth"} <= set(prepared.columns)
    assert prepared["promoted"].dtype == float


def test_moments_needing_absent_columns_say_so(panel):
    est = mm.compute(panel)
    assert "penultimate" in est["table1_gdp"].detail["error"]
    assert "ability" in est["ability_selection"].detail["error"]


def test_expanding_mean_is_pandas_expanding_mean_bit_for_bit():
    """The term-to-date mean of prepare_panel equals pandas' per-group expanding mean
    exactly, with missing and infinite values, runs of equal values, tiny values of one
    sign and groups of one row."""
    rng = np.random.default_rng(7)
    n = 5000
    x = rng.normal(0.01, 0.05, n)
    x[rng.random(n) < 0.1] = np.nan
    x[rng.random(n) < 0.03] = np.inf
    x[rng.random(n) < 0.03] = -np.inf
    x[rng.random(n) < 0.2] = 0.1
    x[::13] = 1e-18 * rng.random(len(x[::13]))
    x[::17] = -1e-18 * rng.random(len(x[::17]))
    groups = np.cumsum(rng.random(n) < 0.25)
    expected = pd.Series(x).groupby(groups).transform(lambda s: s.expanding().mean())
    got = mm.expanding_mean(x, groups)
    np.testing.assert_array_equal(got, expected.to_numpy())
    assert mm.expanding_mean(np.zeros(0), np.zeros(0, int)).shape == (0,)


def test_logit_slope_recovers_known_curve():
    """Promotion frequencies at five growth levels follow expit(a + b z) to 1/4000, so the
    logit slope per SD of relative growth is b within rounding."""
    a, b, n = -2.3, -0.35, 4000
    rows = []
    z_levels = (GROWTH - GROWTH.mean()) / GROWTH.std()
    for q, z in enumerate(z_levels):
        k = round(n * expit(a + b * z))
        for i in range(n):
            rows.append(
                {
                    "prefecture": i % 40,
                    "province": 0,
                    "year": 1000 * q + i // 40,
                    "leader_id": i,
                    "promoted": int(i < k),
                    "gdp_growth_reported": z,
                }
            )
    p = mm.prepare_panel(pd.DataFrame(rows))
    # relative growth is z itself (a single province-year per row group holds one level):
    p["relative_growth_reported"] = p["gdp_growth_reported"] * GROWTH.std()
    est = mm.promotion_logit_slope(p)
    assert est.value == pytest.approx(b, abs=0.01)


def test_table1_coefficient_is_exact_without_noise():
    """Growth = prefecture effect + year effect + 1.5 pp in the penultimate year."""
    rows, rng = [], np.random.default_rng(0)
    fe = rng.normal(0.09, 0.02, 30)
    ye = rng.normal(0, 0.01, 12)
    for pref in range(30):
        for y in range(12):
            pen = int((y + pref) % 5 == 3)
            rows.append(
                {
                    "prefecture": pref,
                    "province": pref // 10,
                    "year": y,
                    "leader_id": pref * 100 + (y + pref) // 5,
                    "penultimate": pen,
                    "gdp_growth_reported": fe[pref] + ye[y] + 0.015 * pen,
                }
            )
    est = mm.table1_gdp(mm.prepare_panel(pd.DataFrame(rows)))
    assert est.value == pytest.approx(1.5, abs=1e-6)


def test_every_target_names_a_known_estimator():
    from incentsim.analysis.validation.calibration import SIMULATION_ONLY

    for t in TARGETS:
        assert t.moment in mm.MOMENTS or t.moment in SIMULATION_ONLY, t.id
        lo, hi = t.band
        assert lo <= hi and t.weight_se() > 0 or t.kind == "input", t.id
    assert BY_ID["promotion_logit_slope"].se == 0.06
    assert BY_ID["table1_gdp"].matched(1.118) and not BY_ID["table1_gdp"].matched(2.5)


@pytest.mark.parametrize(
    "bad, says",
    [
        ("promoted=nope", "mapped column(s) not in the panel: promoted=nope"),
        ("colour=prom", "unknown field 'colour'"),
        ("promoted", "must look like field=column"),
        ("promoted=prom,promoted=prom", "mapped twice"),
    ],
)
def test_bad_mapping_is_one_line_exit_2(tmp_path, bad, says):
    path = tmp_path / "p.csv"
    known_panel().to_csv(path, index=False)
    r = incentsim("moments", path, "--map", MAP.replace("promoted=prom", bad))
    assert r.returncode == 2, r.stderr
    assert says in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_missing_required_field_and_bad_file(tmp_path):
    path = tmp_path / "p.csv"
    known_panel().to_csv(path, index=False)
    with pytest.raises(PanelError, match="required field"):
        read_panel(path, parse_mapping("prefecture=city,year=yr"))
    r = incentsim("moments", tmp_path / "none.csv")
    assert r.returncode == 2 and "no such panel file" in r.stderr
    df = known_panel()
    df.loc[3, "prom"] = 2
    df.to_csv(path, index=False)
    r = incentsim("moments", path, "--map", MAP)
    assert r.returncode == 2 and "promoted must be 0/1" in r.stderr


def test_moments_command_prints_the_known_values(tmp_path):
    path = tmp_path / "p.csv"
    known_panel().to_csv(path, index=False)
    r = incentsim("moments", path, "--map", MAP, "--percent", "--json")
    assert r.returncode == 0, r.stderr
    import json

    got = {m["id"]: m["data"]["value"] for m in json.loads(r.stdout)["moments"]}
    assert got["promotion_q5"] == pytest.approx(0.5)
    assert got["growth_mean"] == pytest.approx(GROWTH.mean())


@pytest.mark.parametrize("jobs", ["0", "-2"])
def test_jobs_below_one_is_one_line_exit_2(tmp_path, jobs):
    path = tmp_path / "p.csv"
    known_panel().to_csv(path, index=False)
    r = incentsim("moments", path, "--map", MAP, "--jobs", jobs)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == "incentsim moments: --jobs must be at least 1"
