"""The validation suite: estimators on data with a known answer, verdict rules, and
``incentsim validate --quick`` end to end (report structure; verdicts follow from
the estimates — not that the model passes every fact)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from incentsim.analysis.validation import facts as fx
from incentsim.analysis.validation.econometrics import Estimate, fe_ols, paired_contrast
from incentsim.analysis.validation.runs import prepare_panel


def synthetic_panel(
    cycle: float = 0.0,
    promo_slope: float = 0.0,
    n_seeds: int = 4,
    n_pref: int = 30,
    n_years: int = 30,
    term: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """A leader-year panel with a known budget cycle and a known promotion slope.

    Investment spending growth = prefecture effect + year effect + ``cycle`` in the
    penultimate year (years_to_evaluation == 0) + noise. Promotion among evaluated
    leaders is logistic in the term-average relative growth with slope
    ``promo_slope`` per pp.
    """
    rng = np.random.default_rng(seed)
    rows = []
    leader = 0
    for s in range(n_seeds):
        year_fx = rng.normal(0, 0.05, n_years)
        for i in range(n_pref):
            pref_fx = rng.normal(0, 0.05)
            tenure = int(rng.integers(0, term))
            leader += 1
            rel_sum, k = 0.0, 0
            for t in range(n_years):
                tenure += 1
                rel = rng.normal(0, 0.03)
                rel_sum += rel
                k += 1
                yte = term - tenure
                evaluated = yte == 0
                promoted = False
                if evaluated:
                    z = -2.0 + promo_slope * 100 * rel_sum / k
                    promoted = rng.random() < 1 / (1 + np.exp(-z))
                rows.append(
                    dict(
                        seed=s,
                        arm="synthetic",
                        year=t + 1,
                        prefecture=i,
                        province=i // 5,
                        leader_id=leader,
                        tenure_year=tenure,
                        years_to_evaluation=yte,
                        years_in_post=tenure,
                        term_length=term,
                        age=rng.normal(49, 3),
                        insider=rng.random() < 0.4,
                        connected=rng.random() < 0.3,
                        investment_spending_growth=pref_fx
                        + year_fx[t]
                        + cycle * evaluated
                        + rng.normal(0, 0.2),
                        services_spending_growth=rng.normal(0, 0.2),
                        gdp_growth_reported=0.08 + rel,
                        relative_growth_reported=rel,
                        log_gdp=rng.normal(7, 0.5),
                        evaluated=evaluated,
                        promoted=promoted,
                        dismissed=False,
                        public_services_share=rng.uniform(0.1, 0.3),
                    )
                )
                if evaluated:
                    tenure, rel_sum, k = 0, 0.0, 0
                    leader += 1
    return prepare_panel(pd.DataFrame(rows))


# ------------------------------------------------------------------ estimators


def test_fe_ols_matches_dummy_regression_on_unbalanced_panel():
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(1)
    n_u, n_t = 12, 9
    d = pd.DataFrame([(u, t) for u in range(n_u) for t in range(n_t)], columns=["u", "t"])
    d = d.sample(frac=0.8, random_state=2).reset_index(drop=True)  # unbalanced
    d["x"] = rng.normal(size=len(d)) + 0.1 * d["u"]
    d["y"] = 0.7 * d["x"] + 0.3 * d["u"] - 0.2 * d["t"] + rng.normal(size=len(d))
    ours = fe_ols(d, "y", ["x"], ["u", "t"], "u")
    ref = smf.ols("y ~ x + C(u) + C(t)", d).fit()
    assert ours["coef"]["x"] == pytest.approx(ref.params["x"], rel=1e-6)


def test_paired_contrast_known_answer():
    a = pd.Series([1.0, 2.0, 3.0, 4.0])
    b = pd.Series([0.5, 1.4, 2.6, 3.5])
    e = paired_contrast(a, b)
    assert e.value == pytest.approx(0.5)
    assert e.ci_low < 0.5 < e.ci_high and e.p < 0.05 and e.n == 4


# ------------------------------------------------------------------ verdict rules


def test_sign_rule():
    F = fx.BudgetCycle  # expected > 0
    assert F.verdict(Estimate(1.0, 0.5, 1.5, 0.01, 100))
    assert not F.verdict(Estimate(1.0, -0.5, 2.5, 0.2, 100))  # not significant
    assert not F.verdict(Estimate(-1.0, -1.5, -0.5, 0.01, 100))  # wrong sign
    assert not F.verdict(Estimate(float("nan"), 0, 0, float("nan"), 0))
    G = fx.CycleDampedByLongTerms  # expected < 0
    assert G.verdict(Estimate(-1.0, -1.5, -0.5, 0.001, 100))
    assert not G.verdict(Estimate(1.0, 0.5, 1.5, 0.001, 100))


def test_not_positive_rule():
    F = fx.Table1Balanced
    assert F.verdict(Estimate(-0.5, -1.0, 0.0, 0.06, 100))
    assert F.verdict(Estimate(0.3, -0.1, 0.7, 0.2, 100))
    assert F.verdict(Estimate(-0.5, -0.9, -0.1, 0.01, 100))
    assert not F.verdict(Estimate(0.5, 0.1, 0.9, 0.01, 100))


def test_every_fact_is_registered_with_metadata():
    ids = [f.id for f in fx.FACTS]
    assert len(ids) == len(set(ids))
    # DESIGN §6 facts 1-8, then one per reform of DESIGN §8 (9-12)
    assert {f.number for f in fx.FACTS} == set(range(1, 13))
    for f in fx.FACTS:
        assert f.source and f.claim and f.scenarios and f.statistic
        assert f.expected_sign in (-1, 1) and f.rule in ("sign", "not_positive")


# ------------------------------------------------------- facts on known-answer panels


def test_budget_cycle_detected_in_synthetic_panel():
    p = synthetic_panel(cycle=0.15)
    r = fx.evaluate_fact(fx.BudgetCycle, {"gdp_tournament": p}, {})
    e = r["estimate"]
    assert r["reproduced"]
    assert e["ci_low"] < 15.0 < e["ci_high"]  # the known cycle, in percentage points


def test_no_budget_cycle_in_null_panel():
    p = synthetic_panel(cycle=0.0, seed=3)
    r = fx.evaluate_fact(fx.BudgetCycle, {"gdp_tournament": p}, {})
    assert not r["reproduced"]
    assert r["estimate"]["ci_low"] < 0.0 < r["estimate"]["ci_high"]


def test_cycle_dampening_detected():
    strong = synthetic_panel(cycle=0.2, seed=4)
    weak = synthetic_panel(cycle=0.05, seed=5).assign(arm="long_terms")
    weak = prepare_panel(weak)
    r = fx.evaluate_fact(
        fx.CycleDampedByLongTerms, {"gdp_tournament": strong, "long_terms": weak}, {}
    )
    assert r["reproduced"]
    assert r["estimate"]["ci_low"] < -15.0 < r["estimate"]["ci_high"]


def test_promotion_slope_detected_and_null():
    yes = fx.evaluate_fact(
        fx.PromotionOnRelativeGrowth,
        {"gdp_tournament": synthetic_panel(promo_slope=0.8, seed=6)},
        {},
    )
    no = fx.evaluate_fact(
        fx.PromotionOnRelativeGrowth,
        {"gdp_tournament": synthetic_panel(promo_slope=0.0, seed=7)},
        {},
    )
    assert yes["reproduced"] and yes["estimate"]["ci_low"] < 0.8 < yes["estimate"]["ci_high"]
    assert not no["reproduced"]


def test_missing_arm_is_a_failed_fact_not_a_crash():
    r = fx.evaluate_fact(fx.CycleDampedByLongTerms, {"gdp_tournament": synthetic_panel()}, {})
    assert not r["reproduced"] and "missing" in r["estimate"]["detail"]["error"]


def test_table1_has_published_rows():
    rows = fx.table1({"china_2000s": synthetic_panel(cycle=0.1)})
    assert len(rows) == 6
    assert rows[0]["published_coef"] == 1.118 and rows[0]["published_t"] == 1.81
    assert np.isfinite(rows[0]["sim_coef"])
    assert not np.isfinite(rows[1]["sim_coef"])  # balanced arm not run


def test_pooled_runs_carry_their_seed_and_arm():
    """One arm's runs of different lengths (one empty) are stacked in order, each row
    with its run's seed, as a copy per run with the columns set would give."""
    from incentsim.analysis.validation.runs import _pooled

    runs = [
        (3, pd.DataFrame({"x": [1.0, 2.0]})),
        (0, pd.DataFrame({"x": []})),
        (7, pd.DataFrame({"x": [5.0]})),
    ]
    expected = pd.concat([t.assign(seed=s, arm="a") for s, t in runs], ignore_index=True)
    got = _pooled("a", runs)
    pd.testing.assert_frame_equal(got, expected)
    assert got["seed"].tolist() == [3, 3, 7]


# ------------------------------------------------------------------ end to end


@pytest.mark.slow
def test_validate_quick_end_to_end(tmp_path):
    from incentsim.analysis.validation.calibration import MOMENTS
    from incentsim.analysis.validation.command import main

    out = tmp_path / "validation"
    code = main(["--quick", "--out", str(out), "--runs-dir", str(tmp_path / "runs")])
    for name in ("report.md", "report.html", "report.json"):
        assert (out / name).stat().st_size > 0
    res = json.loads((out / "report.json").read_text())
    assert code == (0 if res["all_facts_reproduced"] else 1)
    assert res["settings"]["mode"] == "quick" and res["settings"]["tracked"]
    by_id = {c.id: c for c in fx.FACTS}
    assert [f["id"] for f in res["facts"]] == list(by_id)
    # every estimator runs on the model's output (a failing one would only read as a
    # fact not reproduced)
    assert [f["id"] for f in res["facts"] if "error" in f["estimate"]["detail"]] == []
    assert [m["id"] for m in res["calibration"] if "error" in m["estimate"]["detail"]] == []
    assert all(r["sim_coef"] is not None for r in res["table1"])
    for f in res["facts"]:
        e = f["estimate"]
        est = Estimate(
            *(np.nan if e[k] is None else e[k] for k in ("value", "ci_low", "ci_high", "p")), e["n"]
        )
        assert f["reproduced"] == by_id[f["id"]].verdict(est), f["id"]
        if "error" not in e["detail"]:
            assert e["ci_low"] <= e["value"] <= e["ci_high"], f["id"]
    for s in res["fact_summary"]:
        claims = [f for f in res["facts"] if f["number"] == s["number"]]
        assert s["reproduced"] == all(c["reproduced"] for c in claims)
    assert [m["id"] for m in res["calibration"]] == [m.id for m in MOMENTS]
    for m in res["calibration"]:
        v, (lo, hi) = m["estimate"]["value"], m["band"]
        assert m["within"] == (v is not None and lo - 1e-9 <= v <= hi + 1e-9)
    assert len(res["table1"]) == 6
    md = (out / "report.md").read_text()
    assert "Table 1" in md and "Fact 8" in md and "Calibration" in md
    assert "data:image/png;base64," in (out / "report.html").read_text()


def test_pooled_contrast_se_counts_run_level_noise():
    """Each run has its own cycle (a run-level shock); the contrast's SE must reflect the
    spread of the seeds' differences, not the prefecture noise (prefecture clustering
    gave about a fifth of it)."""
    rng = np.random.default_rng(11)
    n_seeds = 10
    shocks = {
        "gdp_tournament": rng.normal(0, 0.1, n_seeds),
        "long_terms": rng.normal(0, 0.1, n_seeds),
    }
    panels = {}
    for k, (arm, u) in enumerate(shocks.items()):
        runs = [
            synthetic_panel(cycle=0.1 + u[s], n_seeds=1, seed=100 * k + s).assign(seed=s, arm=arm)
            for s in range(n_seeds)
        ]
        panels[arm] = prepare_panel(pd.concat(runs, ignore_index=True))
    e = fx.cycle_difference(panels, "gdp_tournament", "long_terms", "investment_spending_growth")
    diffs = 100 * (shocks["long_terms"] - shocks["gdp_tournament"])
    seed_se = diffs.std(ddof=1) / np.sqrt(n_seeds)
    assert 0.6 * seed_se < e.se < 1.6 * seed_se
    assert e.detail["n_clusters"] == n_seeds


@pytest.mark.parametrize(
    ("fact", "arm", "column"),
    [
        (fx.BudgetCycle, "gdp_tournament", "investment_spending_growth"),
        (fx.Table1GrowthOnly, "gdp_tournament", "gdp_growth_reported"),
        (fx.Table1Balanced, "balanced_scorecard", "gdp_growth_reported"),
        (fx.Table1ServicesGrowthOnly, "gdp_tournament", "innovation_spending_growth"),
        (fx.Table1ServicesBalanced, "balanced_scorecard", "innovation_spending_growth"),
    ],
)
def test_cycle_se_counts_run_level_noise(fact, arm, column):
    """Each run has its own cycle (a run-level shock all its prefectures share); the SE of
    the one-arm penultimate-year regressions must reflect the spread of the runs' cycles,
    not the prefecture noise (prefecture clustering gave about a fifth of it)."""
    rng = np.random.default_rng(12)
    n_seeds = 10
    u = rng.normal(0, 0.1, n_seeds)
    runs = [
        synthetic_panel(cycle=0.1 + u[s], n_seeds=1, seed=200 + s).assign(seed=s, arm=arm)
        for s in range(n_seeds)
    ]
    panel = prepare_panel(pd.concat(runs, ignore_index=True))
    panel[column] = panel["investment_spending_growth"]
    e = fact().estimate({arm: panel}, {})
    seed_se = 100 * u.std(ddof=1) / np.sqrt(n_seeds)
    assert 0.6 * seed_se < e.se < 1.6 * seed_se
    assert e.detail["n_clusters"] == n_seeds


def test_table1_is_clustered_by_run():
    """Table 1's simulated t-statistics (and stars) pool runs whose cycles differ by
    run: the SE must be the spread of the runs' cycles, as in the facts 3a-3e."""
    rng = np.random.default_rng(13)
    n_seeds = 10
    panels = {}
    for arm in fx.TABLE1_REGIMES.values():
        u = rng.normal(0, 0.1, n_seeds)
        runs = [
            synthetic_panel(cycle=0.1 + u[s], n_seeds=1, seed=300 + s).assign(seed=s, arm=arm)
            for s in range(n_seeds)
        ]
        panel = prepare_panel(pd.concat(runs, ignore_index=True))
        panel["gdp_growth_reported"] = panel["investment_spending_growth"]
        panels[arm] = panel
    row = next(r for r in fx.table1(panels) if r["variable"] == "gdp_growth_reported")
    seed_se = fx.cycle_estimate(panels[row["arm"]], "gdp_growth_reported", "seed").se
    unit_se = fx.cycle_estimate(panels[row["arm"]], "gdp_growth_reported", "unit").se
    assert unit_se < 0.5 * seed_se  # the prefecture-clustered SE is far too small here
    assert row["sim_coef"] / row["sim_t"] == pytest.approx(seed_se)


@pytest.mark.parametrize("workers", ["0", "-1"])
def test_workers_below_one_is_one_line_exit_2_before_running(tmp_path, capsys, workers):
    from incentsim.analysis.validation.command import main

    out = tmp_path / "out"
    argv = ["--quick", "--workers", workers, "--out", str(out), "--runs-dir", str(tmp_path)]
    assert main(argv) == 2
    assert capsys.readouterr().err == "incentsim validate: --workers must be at least 1\n"
    assert not out.exists()  # nothing ran
