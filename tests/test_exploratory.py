"""Exploratory modelling: problem specs, SALib sensitivity, PRIM discovery, EMA adapter.

The analyses are checked on stub models whose answer is known by construction
(injected through the same ``model`` hook the simulation uses), plus small real
runs through the tracked sweep machinery and the command line.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from cli_helpers import ROOT, incentsim

from incentsim.design.exploratory.problem import load_problem
from incentsim.scenario import ScenarioError

BASE = str(ROOT / "configs" / "balanced_scorecard.yaml")
TINY_SET = {
    "world.horizon": 3,
    "world.burn_in": 1,
    "world.n_provinces": 2,
    "world.prefectures_per_province": 3,
    "world.firms_per_prefecture": 40,
    "world.citizens_per_prefecture": 60,
}


def stub_spec(**extra):
    spec = {
        "name": "stub",
        "scenario": BASE,
        "levers": {
            "promotion.weights.growth": {
                "type": "share",
                "range": [0.1, 0.9],
                "name": "growth_weight",
            },
            "tenure.term_length": {"type": "integer", "range": [3, 8]},
            # the model ignores the description: a lever with no effect by construction
            "description": {"type": "categorical", "values": ["a", "b", "c"]},
        },
        "uncertainties": {"behaviour.career_value": {"type": "real", "range": [1.0, 5.0]}},
        "outcomes": [
            {"name": "trust_local", "direction": "maximize"},
            {"name": "gdp_growth_true", "direction": "maximize"},
        ],
        "seeds": 2,
    }
    spec.update(extra)
    return spec


def stub_model(point, seed):
    """trust is fully determined by the growth weight; growth mostly by term length."""
    rng = np.random.default_rng(seed)
    return {
        "trust_local": 0.9 - 0.5 * point["growth_weight"],
        "gdp_growth_true": 0.01 * point["term_length"]
        + 0.001 * point["career_value"]
        + 1e-5 * rng.normal(),
    }


# ----------------------------------------------------------------------------- spec


def test_spec_parameters_names_and_share_transform():
    p = load_problem(stub_spec())
    assert p.names == ["growth_weight", "term_length", "description", "career_value"]
    assert [q.role for q in p.parameters] == ["lever"] * 3 + ["uncertainty"]
    sc = p.scenario({**p.middle(), "growth_weight": 0.44})
    w = sc.promotion.weights
    total = w.growth + w.environment + w.services + w.debt + w.satisfaction + w.firm_survey
    assert w.growth == pytest.approx(0.44) and total == pytest.approx(1.0)
    # the others keep their base proportions 0.25 : 0.25 : 0.2
    assert w.environment / w.debt == pytest.approx(0.25 / 0.2)
    assert p.parameter("term_length").decode(8.99) == 8
    assert p.parameter("description").decode(2.5) == "c"


@pytest.mark.parametrize(
    "patch, path",
    [
        (
            {"levers": {"tenure.term_lenght": {"type": "integer", "range": [3, 8]}}},
            "levers.tenure.term_lenght",
        ),
        (
            {"levers": {"tenure.term_length": {"type": "integer", "range": [3, 80]}}},
            "levers.tenure.term_length",
        ),
        (
            {"levers": {"tenure.term_length": {"type": "reals", "range": [3, 8]}}},
            "levers.tenure.term_length.type",
        ),
        (
            {"levers": {"tenure.term_length": {"type": "real", "range": [8, 3]}}},
            "levers.tenure.term_length.range",
        ),
        ({"outcomes": [{"name": "trust", "direction": "maximize"}]}, "outcomes[0].name"),
        ({"outcomes": [{"name": "trust_local", "direction": "up"}]}, "outcomes[0].direction"),
        ({"seedz": 3}, "seedz"),
        (
            {
                "uncertainties": {
                    "behaviour.career_value": {
                        "type": "real",
                        "range": [1, 5],
                        "name": "growth_weight",
                    }
                }
            },
            "uncertainties.behaviour.career_value.name",
        ),
    ],
)
def test_bad_spec_reports_path(patch, path):
    with pytest.raises(ScenarioError) as err:
        load_problem(stub_spec(**patch))
    assert any(p.startswith(path) for p, _ in err.value.problems), err.value.problems


def test_share_needs_other_components():
    spec = stub_spec(scenario=str(ROOT / "configs" / "gdp_tournament.yaml"))
    with pytest.raises(ScenarioError, match="all 0"):
        load_problem(spec)


# ----------------------------------------------------------------------------- sensitivity


@pytest.mark.parametrize("method, n", [("morris", 30), ("sobol", 512)])
def test_sensitivity_known_by_construction(method, n):
    from incentsim.design.exploratory.sensitivity import run_sensitivity

    res = run_sensitivity(stub_spec(), method, n, model=stub_model)
    t = res.table()  # mu_star (Morris) or ST (Sobol), parameters x outcomes
    if method == "morris":
        # mu* = |effect| over the full range: 0.5 x 0.8 for trust; 0.01 x 5..6 for growth
        assert t.loc["growth_weight", "trust_local"] == pytest.approx(0.4, rel=1e-6)
        assert t.loc[["term_length", "description", "career_value"], "trust_local"].max() < 1e-9
        assert t.loc["description", "gdp_growth_true"] < 1e-3
        assert t["gdp_growth_true"].idxmax() == "term_length"
    else:
        ix = res.indices.set_index(["outcome", "parameter"])
        assert ix.loc[("trust_local", "growth_weight"), "ST"] == pytest.approx(1.0, abs=0.1)
        assert ix.loc[("trust_local", "growth_weight"), "S1"] == pytest.approx(1.0, abs=0.1)
        for q in ("term_length", "description", "career_value"):
            assert abs(ix.loc[("trust_local", q), "ST"]) < 0.02
        assert abs(ix.loc[("gdp_growth_true", "description"), "ST"]) < 0.02
        assert ix.loc[("gdp_growth_true", "term_length"), "ST"] > 0.9
        # every interval is reported and finite
        assert np.isfinite(res.indices[["S1_conf", "ST_conf"]].to_numpy()).all()


def test_sensitivity_figure_and_files(tmp_path):
    from incentsim.design.exploratory.sensitivity import run_sensitivity

    res = run_sensitivity(stub_spec(), "morris", 4, model=stub_model, out=tmp_path)
    for f in ("indices.csv", "points.csv", "runs.csv", "figure.png"):
        assert (tmp_path / f).stat().st_size > 0
    assert len(res.points) == 4 * (4 + 1) and len(res.runs) == 2 * len(res.points)


# ----------------------------------------------------------------------------- discovery


def test_discovery_recovers_known_box():
    from incentsim.design.exploratory.discovery import run_discovery

    def model(point, seed):  # noqa: ARG001
        good = point["growth_weight"] < 0.4 and point["career_value"] > 3.0
        return {"trust_local": 0.8 if good else 0.6, "gdp_growth_true": 0.0}

    res = run_discovery(stub_spec(seeds=1), "trust_local", 0.7, samples=400, model=model)
    assert res.coverage >= 0.8 and res.density >= 0.9
    box = res.box.set_index("parameter")
    assert set(res.restricted["parameter"]) == {"growth_weight", "career_value"}
    assert box.loc["growth_weight", "box_max"] == pytest.approx(0.4, abs=0.05)
    assert box.loc["career_value", "box_min"] == pytest.approx(3.0, abs=0.2)
    assert (res.restricted["qp"] < 0.05).all()


def test_discovery_threshold_outside_sample_is_an_error():
    from incentsim.design.exploratory.discovery import run_discovery

    with pytest.raises(ScenarioError, match="threshold"):
        run_discovery(stub_spec(seeds=1), "trust_local", 5.0, samples=20, model=stub_model)


# ----------------------------------------------------------------------------- real model


def tiny_spec(tmp_path: Path, **extra) -> Path:
    spec = {
        "name": "tiny_levers",
        "scenario": BASE,
        "set": dict(TINY_SET),
        "levers": {
            "tenure.term_length": {"type": "integer", "range": [3, 6]},
            "accountability.statistical_audit.intensity": {
                "type": "real",
                "range": [0.0, 0.6],
                "name": "audit",
            },
        },
        "outcomes": [
            {"name": "trust_local", "direction": "maximize"},
            {"name": "manipulation_gap", "direction": "minimize"},
        ],
        "seeds": 1,
        **extra,
    }
    p = tmp_path / "tiny.yaml"
    p.write_text(yaml.safe_dump(spec, sort_keys=False))
    return p


def test_real_model_tracked_resumable_and_loadable(tmp_path):
    from incentsim.design.exploratory.sensitivity import run_sensitivity
    from incentsim.runs.results import load_run, load_runs, read_artifact

    spec = tiny_spec(tmp_path)
    runs = tmp_path / "runs"
    res = run_sensitivity(spec, "morris", 2, runs_dir=runs, out=tmp_path / "out", executor="serial")
    assert res.indices["mu_star"].notna().all()
    members = load_runs(runs, sweep="tiny_levers", status="COMPLETED").runs
    sims = members[members["rule"].notna()]
    assert len(sims) == res.runs["run_id"].nunique() and len(sims) >= 3
    # every simulated point was the spec's scenario at that point
    assert set(sims["tenure.term_length"]) <= {3, 4, 5, 6}
    # the analysis itself is a run: config, info and artifacts
    rec = load_run(runs, res.run_id)
    assert rec["info"]["analysis"] == "sensitivity" and rec["config"]["method"] == "morris"
    assert set(rec["artifacts"]) >= {"problem.yaml", "indices.csv", "figure.png"}
    ind = read_artifact(runs, res.run_id, "indices.csv")
    assert list(ind["parameter"].unique()) == ["term_length", "audit"]
    # resume: the same analysis again runs no simulation
    before = len(load_runs(runs).runs)
    res2 = run_sensitivity(spec, "morris", 2, runs_dir=runs, executor="serial")
    assert len(load_runs(runs).runs) == before + 1  # only the new analysis record
    assert np.allclose(res2.indices["mu_star"], res.indices["mu_star"])


def test_import_incentsim_does_not_import_salib_or_ema():
    code = (
        "import sys, incentsim, incentsim.ema, incentsim.design.exploratory; "
        "print(any(m.split('.')[0] in ('SALib', 'ema_workbench') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_ema_adapter_perform_experiments(tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import ReplicatorModel, ScalarOutcome, perform_experiments

    import incentsim.ema

    spec = tiny_spec(
        tmp_path,
        seeds=2,
        uncertainties={"behaviour.career_value": {"type": "real", "range": [1.0, 5.0]}},
    )
    m = incentsim.ema.model(spec, runs_dir=tmp_path / "runs")
    assert isinstance(m, ReplicatorModel)
    assert [u.name for u in m.uncertainties] == ["career_value"]
    assert [lv.name for lv in m.levers] == ["term_length", "audit"]
    kinds = {o.name: o.kind for o in m.outcomes}
    assert kinds == {
        "trust_local": ScalarOutcome.MAXIMIZE,
        "manipulation_gap": ScalarOutcome.MINIMIZE,
    }
    experiments, outcomes = perform_experiments(m, scenarios=2, policies=1)
    assert len(experiments) == 2 and outcomes["trust_local"].shape == (2,)
    assert np.all((outcomes["trust_local"] > 0) & (outcomes["trust_local"] < 1))
    # 2 experiments x 2 seeds, each a tracked run
    from incentsim.runs.results import load_runs

    assert len(load_runs(tmp_path / "runs", sweep="tiny_levers").runs) == 4


# ----------------------------------------------------------------------------- command line


def test_cli_sensitivity_and_discover(tmp_path):
    spec = tiny_spec(tmp_path)
    runs = tmp_path / "runs"
    r = incentsim(
        "sensitivity",
        spec,
        "--method",
        "morris",
        "-n",
        "2",
        "--runs-dir",
        runs,
        "-j",
        "2",
    )
    assert r.returncode == 0, r.stderr
    assert "mu* ± 95% CI" in r.stdout and "term_length" in r.stdout
    # so few trajectories: a one-line warning that the intervals mean little
    assert (
        "incentsim sensitivity: warning: 2 Morris trajectories is few: the indices' "
        "95 % intervals mean little (use at least 10)"
    ) in r.stderr.splitlines()
    # no --out: the files follow the runs they summarise, <runs dir>/_sensitivity/<name>-<method>
    assert [p.parent.name for p in (runs / "_sensitivity").glob("*/figure.png")] == [
        f"{yaml.safe_load(spec.read_text())['name']}-morris"
    ]
    run_id = re.search(r"Analysis run: (\d+)", r.stdout).group(1)
    info = json.loads((runs / run_id / "info.json").read_text())
    assert info["analysis"] == "sensitivity" and info["member_runs"]

    # a threshold nobody reaches: one line, exit 2, and the sampled range in the message
    r = incentsim(
        "discover",
        spec,
        "--outcome",
        "trust_local",
        "--threshold",
        "2",
        "--samples",
        "12",
        "--runs-dir",
        runs,
        "--executor",
        "serial",
    )
    warning, *errors = r.stderr.strip().splitlines()
    assert warning == (
        "incentsim discover: warning: 12 sample points is few: PRIM's boxes "
        "and their coverage and density mean little (use at least 100)"
    )
    assert r.returncode == 2 and len(errors) == 1, r.stderr
    lo, hi = map(float, re.search(r"sample: (\S+) \.\. (\S+)\)", r.stderr).groups())
    # again with a threshold inside the range: every run is resumed, PRIM finds a box
    r = incentsim(
        "discover",
        spec,
        "--outcome",
        "trust_local",
        "--threshold",
        f"{(lo + hi) / 2:.6f}",
        "--samples",
        "12",
        "--runs-dir",
        runs,
        "--executor",
        "serial",
        "--out",
        tmp_path / "disc",
    )
    assert r.returncode == 0, r.stderr
    assert "coverage" in r.stdout and "density" in r.stdout
    assert (tmp_path / "disc" / "box.csv").is_file()


@pytest.mark.parametrize(
    "args, needle",
    [
        (["sensitivity", "nope.yaml"], "no such problem spec"),
        (["sensitivity", "{bad}", "--method", "sobol"], "levers.tenure.term_lenght"),
        (
            ["discover", "{bad}", "--outcome", "trust_local", "--threshold", "0.5"],
            "levers.tenure.term_lenght",
        ),
        (["discover", "{good}", "--outcome", "trustt", "--threshold", "0.5"], "unknown outcome"),
    ],
)
def test_cli_bad_input_exit_2(tmp_path, args, needle):
    good = tiny_spec(tmp_path)
    bad = tmp_path / "bad.yaml"
    data = yaml.safe_load(good.read_text())
    data["levers"]["tenure.term_lenght"] = data["levers"].pop("tenure.term_length")
    bad.write_text(yaml.safe_dump(data))
    args = [a.replace("{bad}", str(bad)).replace("{good}", str(good)) for a in args]
    r = incentsim(*args, "--runs-dir", tmp_path / "runs")
    assert r.returncode == 2, r.stderr
    assert needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").glob("[0-9]*"))


def test_shipped_specs_are_valid():
    for spec in sorted((ROOT / "specs").glob("*.yaml")):
        if spec.name.startswith("calibrate_"):  # calibration specs: tests/test_calibrate.py
            continue
        p = load_problem(spec)
        assert p.outcomes and p.parameters


@pytest.mark.parametrize("signum, code", [(None, 130), (15, 143)])
def test_exploratory_commands_exit_128_plus_the_signal(capsys, signum, code):
    # SIGTERM arrives as a KeyboardInterrupt carrying signum 15 (interfaces/cli.py); the
    # exploratory subcommands exit as the main command does: 130 for Ctrl-C, 143 for SIGTERM
    from incentsim.design.exploratory.sensitivity import run_cli

    def body(argv):
        exc = KeyboardInterrupt()
        if signum is not None:
            exc.signum = signum
        raise exc

    assert run_cli([], "sensitivity", body) == code
    assert "interrupted" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command, spec, more",
    [
        ("sensitivity", "trust_growth_levers", ()),
        ("discover", "trust_growth_levers", ("--outcome", "trust_local", "--threshold", "0.5")),
        ("optimize", "optimize_evaluation", ()),
    ],
)
def test_jobs_below_one_is_the_same_one_line_exit_2(tmp_path, command, spec, more):
    spec_path = ROOT / "specs" / f"{spec}.yaml"
    r = incentsim(command, spec_path, *more, "--jobs", "0", "--runs-dir", tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr == f"incentsim {command}: --jobs must be at least 1\n"
    assert not any(tmp_path.iterdir())  # nothing ran
