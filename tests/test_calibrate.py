"""incentsim calibrate: spec validation, the MSM statistics on a known linear model, the
cache that makes an estimation resumable, and parameter recovery on a tiny world."""

from __future__ import annotations

import dataclasses
import json
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import ROOT, incentsim

from incentsim.design.estimation import msm
from incentsim.design.estimation.calibrate import _panel
from incentsim.design.estimation.recovery import coverage, synthetic_spec
from incentsim.design.estimation.spec import load_spec
from incentsim.scenario import ScenarioError

TINY = (
    "{world.scale: small, world.n_provinces: 4, world.prefectures_per_province: 5, "
    "world.horizon: 20, world.burn_in: 5, world.firms_per_prefecture: 40, "
    "world.citizens_per_prefecture: 60}"
)
GOOD = f"""
name: tiny
base: {ROOT / "configs" / "gdp_tournament.yaml"}
set: {TINY}
seeds: 0-3
parameters:
  promotion.capacity: {{start: 0.13, bounds: [0.05, 0.4]}}
  tenure.early_turnover_hazard: {{start: 0.06, bounds: [0.0, 0.4]}}
moments: [promotion_rate, promotion_gradient, spell_mean, exit_hazard, spell_short]
max_evaluations: 30
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "spec.yaml"
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    "change, says",
    [
        (("max_evaluations: 30", "max_evaluations: 30\ncolour: red"), "colour: unknown key"),
        (
            ("start: 0.13, bounds: [0.05, 0.4]", "start: 0.5, bounds: [0.05, 0.4]"),
            "0.5 is outside bounds",
        ),
        (("bounds: [0.0, 0.4]", "bounds: [0.0, 1.4]"), "tenure.early_turnover_hazard.bounds"),
        (("spell_mean,", "spell_average,"), "unknown moment 'spell_average'"),
        (("spell_mean,", "table1_gdp_2010s,"), "is a 2008-15 target, not 2000-07"),
        (("promotion.capacity:", "tenure.term_length:"), "is a lever under study"),
        (("promotion.capacity:", "promotion.capacityy:"), "promotion.capacityy"),
    ],
)
def test_bad_spec_is_one_line_exit_2_before_running(tmp_path, change, says):
    spec = write(tmp_path, GOOD.replace(*change))
    r = incentsim("calibrate", spec, "--out", tmp_path / "out")
    assert r.returncode == 2, r.stderr
    assert says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "out").exists()  # nothing ran, nothing written


def test_every_problem_is_reported_at_once(tmp_path):
    text = GOOD.replace("spell_mean,", "nope,").replace("seeds: 0-3", "seeds: 0-3\nfoo: 1")
    with pytest.raises(ScenarioError) as e:
        load_spec(write(tmp_path, text))
    paths = [p for p, _ in e.value.problems]
    assert "foo" in paths and "moments" in paths


class LinearSim:
    """m(θ) = A θ + b exactly (no simulation), with a fixed simulation SE."""

    def __init__(self, spec, A, b, sim_se):
        self.spec, self.A, self.b, self.sim_se, self.count = spec, A, b, sim_se, 0

    def __call__(self, values):
        self.count += 1
        x = np.array([values[p.path] for p in self.spec.parameters])
        return msm.Evaluation(self.A @ x + self.b, self.sim_se.copy(), 0.0, False)


def linear_spec(tmp_path, A, b, truth, se):
    spec = load_spec(write(tmp_path, GOOD))
    m = A @ truth + b
    targets = [
        dataclasses.replace(t, value=float(v), se=float(s), band=(v - 2 * s, v + 2 * s))
        for t, v, s in zip(spec.targets, m, se)
    ]
    return dataclasses.replace(spec, targets=targets)


def test_msm_on_a_linear_model_recovers_and_matches_the_sandwich(tmp_path):
    rng = np.random.default_rng(1)
    A, b = rng.normal(size=(5, 2)), rng.normal(size=5)
    truth = np.array([0.2, 0.1])
    se, sim_se = np.array([0.1, 0.2, 0.1, 0.3, 0.2]), np.full(5, 0.05)
    spec = linear_spec(tmp_path, A, b, truth, se)
    sim = LinearSim(spec, A, b, sim_se)
    best = msm.minimise(spec, sim)
    x = np.array([best["values"][p.path] for p in spec.parameters])
    assert x == pytest.approx(truth, abs=1e-4)
    ev = sim(best["values"])
    G = msm.jacobian(spec, sim, best["values"], ev.values)
    assert G == pytest.approx(A, rel=1e-6)
    res = msm.inference(spec, best["values"], ev, G)
    W = np.diag(1 / se**2)
    B = np.linalg.inv(A.T @ W @ A)
    V = B @ A.T @ W @ np.diag(se**2 + sim_se**2) @ W @ A @ B
    assert [p["se"] for p in res["parameters"]] == pytest.approx(np.sqrt(np.diag(V)), rel=1e-4)
    assert res["J"] == pytest.approx(0.0, abs=1e-6) and res["J_df"] == 3
    assert all(abs(f["diff_in_se"]) < 1e-3 for f in res["fit"])


def test_weakly_identified_parameter_is_flagged(tmp_path):
    A = np.array([[1.0, 0.0], [2.0, 0.0], [0.5, 1e-4], [1.0, 0.0], [0.0, 1e-4]])
    spec = linear_spec(tmp_path, A, np.zeros(5), np.array([0.2, 0.1]), np.full(5, 0.1))
    sim = LinearSim(spec, A, np.zeros(5), np.full(5, 0.01))
    vals = {p.path: v for p, v in zip(spec.parameters, (0.2, 0.1))}
    ev = sim(vals)
    res = msm.inference(spec, vals, ev, msm.jacobian(spec, sim, vals, ev.values))
    pinned = {p["parameter"]: p["pinned_down"] for p in res["parameters"]}
    assert pinned == {"promotion.capacity": True, "tenure.early_turnover_hazard": False}


def test_cache_skips_a_torn_line_and_keys_on_code_and_seeds(tmp_path):
    cache = msm.MomentCache(tmp_path / "c.jsonl")
    cache.put("a", {"values": [1.0], "ses": [0.1]})
    with open(tmp_path / "c.jsonl", "a") as f:
        f.write('{"key": "b", "val')  # a crash mid-write
    again = msm.MomentCache(tmp_path / "c.jsonl")
    assert again.get("a")["values"] == [1.0] and again.get("b") is None
    spec = load_spec(write(tmp_path, GOOD))
    sim = msm.SimulatedMoments(spec, tmp_path, again, run_panel=None)
    k = sim.key({"promotion.capacity": 0.2, "tenure.early_turnover_hazard": 0.1})
    sim.spec = dataclasses.replace(spec, seeds=[0, 1, 2, 4])
    assert sim.key({"promotion.capacity": 0.2, "tenure.early_turnover_hazard": 0.1}) != k


@pytest.mark.slow
def test_parameter_recovery_and_resume(tmp_path):
    """Targets simulated at a known point on other seeds (100-103) are recovered, at two
    truths: every estimate is within 3 of its standard errors of the truth (a 99.7 %
    interval: four such checks all pass with probability 0.99 when the standard errors are
    right, where four 95 % intervals all cover only with 0.81; the 95 % coverage of many
    replications is reported in docs/calibration/) and its 95 % interval is narrower than
    half the parameter's range. A second run on the same cache simulates nothing and gives
    the same estimate."""
    spec = load_spec(write(tmp_path, GOOD))
    run_panel = partial(
        _panel, runs_dir=tmp_path / "runs", executor="serial", jobs=1, scheduler=None, name="tiny"
    )
    from incentsim.design.estimation.calibrate import run

    # truths where the promotion rate still responds to capacity: with 5 prefectures a
    # province, capacity above 0.2 adds slots that few eligible candidates can fill
    for i, truth in enumerate(
        (
            {"promotion.capacity": 0.15, "tenure.early_turnover_hazard": 0.15},
            {"promotion.capacity": 0.08, "tenure.early_turnover_hazard": 0.05},
        )
    ):
        syn = synthetic_spec(spec, truth, [100, 101, 102, 103], run_panel)
        res = run(syn, tmp_path / f"out{i}", tmp_path / "runs", executor="serial", quiet=True)
        for c in coverage(res, truth):
            assert abs(c["error_in_se"]) <= 3 and c["pinned_down"], (truth, c)
    n_runs = len(list((tmp_path / "runs").glob("[0-9]*")))
    again = run(syn, tmp_path / "out1", tmp_path / "runs", executor="serial", quiet=True)
    assert len(list((tmp_path / "runs").glob("[0-9]*"))) == n_runs
    assert again["parameters"] == res["parameters"]
    lines = (tmp_path / "out1" / "cache.jsonl").read_text().splitlines()
    assert all("values" in json.loads(line) for line in lines)


def test_posterior_draws_are_per_seed_within_bounds_and_only_where_they_apply(tmp_path):
    from incentsim.design.estimation.posterior import draw, read_estimates, with_draw
    from incentsim.scenario import load_scenario

    est = read_estimates(ROOT / "docs" / "calibration" / "china_2000s" / "estimates.json")
    d0, d0again, d1 = draw(est, 0), draw(est, 0), draw(est, 1)
    assert d0 == d0again and d0 != d1
    many = np.array([list(draw(est, s).values()) for s in range(300)])
    assert (many >= est["bounds"][:, 0]).all() and (many <= est["bounds"][:, 1]).all()
    free = [i for i, (lo, hi) in enumerate(est["bounds"]) if lo < est["mean"][i] < hi]
    sd = np.sqrt(np.diag(est["cov"]))[free]
    assert np.abs(np.median(many[:, free], axis=0) - est["mean"][free]).max() < 0.5 * sd.max()
    china = with_draw(load_scenario(ROOT / "configs" / "china_2000s.yaml"), est, 3)
    assert china.tenure.early_turnover_hazard == pytest.approx(
        draw(est, 3)["tenure.early_turnover_hazard"]
    )
    stylized = with_draw(load_scenario(ROOT / "configs" / "gdp_tournament.yaml"), est, 3)
    assert stylized.accountability.mixed_evaluation is None  # not given a mechanism
    bad = tmp_path / "e.json"
    bad.write_text("{}")
    with pytest.raises(ScenarioError, match="cannot read estimates"):
        read_estimates(bad)


def test_compare_with_posterior_draws_runs_each_seed_with_its_draw(tmp_path):
    from cli_helpers import FAST

    def compare(estimates, *more):
        return incentsim(
            "compare",
            ROOT / "configs" / "china_2000s.yaml",
            ROOT / "configs" / "china_2010s.yaml",
            "--seeds",
            "2",
            *FAST,
            "--posterior",
            estimates,
            "--runs-dir",
            tmp_path / "runs",
            *more,
        )

    r = compare(ROOT / "docs" / "calibration" / "china_2000s" / "estimates.json", "--jobs", "1")
    assert r.returncode == 0, r.stderr
    assert "draw s of the estimates" in r.stdout
    hazards = {
        json.loads(p.read_text())["tenure"]["early_turnover_hazard"]
        for p in (tmp_path / "runs").glob("[0-9]*/config.json")
    }
    assert len(hazards) == 2  # one draw per seed, shared by both scenarios
    page = tmp_path / "report.html"
    rep = incentsim("report", "--compare-last", "--runs-dir", tmp_path / "runs", "--out", page)
    assert rep.returncode == 0, rep.stderr
    text = page.read_text()
    assert "draw s of the estimated parameters" in text and "parameter uncertainty" in text
    assert "pooled under one name" not in text  # the draws are not a pooling mistake
    bad = compare(tmp_path / "none.json")
    assert bad.returncode == 2 and "cannot read estimates" in bad.stderr


def test_simulate_with_posterior_runs_the_seeds_draw_shared_across_scenarios():
    from cli_helpers import FAST_OVERRIDES as tiny

    from incentsim.api import simulate
    from incentsim.design.estimation.posterior import draw, read_estimates

    path = ROOT / "docs" / "calibration" / "china_2000s" / "estimates.json"
    est = read_estimates(path)
    a = simulate(ROOT / "configs" / "china_2000s.yaml", seed=5, overrides=tiny, posterior=path)
    b = simulate(ROOT / "configs" / "china_2010s.yaml", seed=5, overrides=tiny, posterior=est)
    c = simulate(ROOT / "configs" / "china_2000s.yaml", seed=6, overrides=tiny, posterior=est)
    want = draw(est, 5)["tenure.early_turnover_hazard"]
    assert a.scenario.tenure.early_turnover_hazard == pytest.approx(want)
    assert b.scenario.tenure.early_turnover_hazard == pytest.approx(want)
    assert c.scenario.tenure.early_turnover_hazard != pytest.approx(want)
    plain = simulate(ROOT / "configs" / "china_2000s.yaml", seed=5, overrides=tiny)
    assert plain.scenario.tenure.early_turnover_hazard != pytest.approx(want)
    again = simulate(ROOT / "configs" / "china_2000s.yaml", seed=5, overrides=tiny, posterior=est)
    assert again.timeseries.equals(a.timeseries)  # the same draw, the same run


def test_calibrate_command_writes_estimates_and_a_sacred_run(tmp_path):
    spec = write(
        tmp_path,
        GOOD.replace("seeds: 0-3", "seeds: 0-1").replace(
            "max_evaluations: 30", "max_evaluations: 3"
        ),
    )
    r = incentsim("calibrate", spec, "--out", tmp_path / "out", "--no-inference", "--jobs", "1")
    assert r.returncode == 0, r.stderr
    assert "eval   1" in r.stderr  # progress lines
    res = json.loads((tmp_path / "out" / "estimates.json").read_text())
    assert [f["moment"] for f in res["fit"]] == [
        "promotion_rate",
        "promotion_gradient",
        "spell_mean",
        "exit_hazard",
        "spell_short",
    ]
    assert res["timing"]["evaluations"] >= 3
    runs = tmp_path / "out" / "runs"
    calib = [
        json.loads(p.read_text())
        for p in runs.glob("[0-9]*/run.json")
        if json.loads(p.read_text())["experiment"]["name"] == "incentsim-calibrate"
    ]
    assert len(calib) == 1 and calib[0]["status"] == "COMPLETED"
    assert {"estimates.json", "fit.csv"} <= set(calib[0]["artifacts"])


def test_shipped_calibration_specs_are_valid():
    for path in sorted((ROOT / "specs").glob("calibrate_*.yaml")):
        spec = load_spec(path)
        assert len(spec.targets) >= len(spec.parameters) >= 1
        spec.scenario()  # the starts make a valid scenario


@pytest.mark.parametrize(
    "option, says",
    [
        (("--runs-dir", "FILE/runs"), "cannot create runs directory"),
        (("--out", "FILE/out"), "cannot create output directory"),
        (("--jobs", "0"), "--jobs must be at least 1"),
        (("-j", "-3"), "--jobs must be at least 1"),
    ],
)
def test_bad_runs_dir_out_or_jobs_is_one_line_exit_2_before_running(tmp_path, option, says):
    (tmp_path / "FILE").write_text("a file, not a directory")
    spec = write(tmp_path, GOOD)
    flag, value = option
    args = [flag, value.replace("FILE", str(tmp_path / "FILE"))]
    r = incentsim("calibrate", spec, "--out", tmp_path / "o", *args, "--no-inference")
    assert r.returncode == 2, r.stderr
    assert says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "o" / "cache.jsonl").exists()  # nothing ran


def test_runs_dir_option_is_the_shared_one_with_out_runs_as_the_fallback(monkeypatch):
    from incentsim.design.estimation.calibrate import build_parser
    from incentsim.interfaces.cli_options import runs_dir_of

    text = build_parser().format_help()
    assert "where runs are tracked (default: $INCENTSIM_RUNS_DIR or OUT/runs)" in " ".join(
        text.split()
    )
    # the shared executor options (help text formats them differently on 3.12 and 3.13)
    assert build_parser().parse_args(["s", "-j", "3"]).jobs == 3
    assert "incentsim runs list --runs-dir OUT/runs\n" in text  # how to browse them
    out = Path("results/calibration/x")
    monkeypatch.delenv("INCENTSIM_RUNS_DIR", raising=False)
    assert runs_dir_of(build_parser().parse_args(["s"]), out / "runs") == out / "runs"
    given = build_parser().parse_args(["s", "--runs-dir", "elsewhere"])
    assert runs_dir_of(given, out / "runs") == Path("elsewhere")
    monkeypatch.setenv("INCENTSIM_RUNS_DIR", "/shared/runs")
    assert runs_dir_of(build_parser().parse_args(["s"]), out / "runs") == Path("/shared/runs")
    assert runs_dir_of(given, out / "runs") == Path("elsewhere")
