"""Sweeps: designs, seeds syntax, and a resumed sweep that does not repeat finished runs."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from cli_helpers import FAST_OVERRIDES, ROOT, incentsim as run_cli

from incentsim.design.sweep import load_spec, parse_seeds, tasks_of
from incentsim.scenario import ScenarioError


def _spec(tmp_path, **over):
    spec = {
        "name": "t",
        "base": str(ROOT / "configs" / "gdp_tournament.yaml"),
        "method": "grid",
        "seeds": 2,
        "set": dict(FAST_OVERRIDES),
        "levers": {"tenure.term_length": [3, 7]},
    }
    spec.update(over)
    p = tmp_path / "spec.yaml"
    p.write_text(yaml.safe_dump(spec))
    return p


@pytest.mark.parametrize(
    "text, seeds",
    [
        ("5", [0, 1, 2, 3, 4]),
        ("0-3", [0, 1, 2, 3]),
        ("0,3,7", [0, 3, 7]),
        ("7-7", [7]),
        ("1-2,9", [1, 2, 9]),
        (3, [0, 1, 2]),
    ],
)
def test_parse_seeds(text, seeds):
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize("bad", ["0", "x", "3-1", "", True])
def test_parse_seeds_rejects(bad):
    with pytest.raises(ScenarioError):
        parse_seeds(bad)


def test_grid_is_the_product_of_levers(tmp_path):
    spec = load_spec(
        _spec(
            tmp_path,
            levers={
                "tenure.term_length": [3, 5, 7],
                "accountability.statistical_audit.intensity": {"min": 0.0, "max": 0.6, "steps": 4},
            },
        )
    )
    design = spec.design()
    assert len(design) == 12
    assert sorted(
        {d["accountability.statistical_audit.intensity"] for d in design}
    ) == pytest.approx([0.0, 0.2, 0.4, 0.6])
    points, tasks = tasks_of(spec)
    assert len(tasks) == 12 * 2
    assert all(p.scenario.tenure.term_length == p.levers["tenure.term_length"] for p in points)
    assert len({t.key for t in tasks}) == 24  # every point x seed is distinct


def test_lhs_is_stratified_within_ranges(tmp_path):
    spec = load_spec(
        _spec(
            tmp_path,
            method="lhs",
            samples=10,
            levers={
                "behaviour.career_value": {"min": 1.0, "max": 5.0},
                "tenure.term_length": {"min": 3, "max": 8, "int": True},
            },
        )
    )
    design = spec.design()
    assert len(design) == 10
    cv = np.array([d["behaviour.career_value"] for d in design])
    assert ((cv >= 1) & (cv <= 5)).all()
    # one sample in each tenth of the range (Latin hypercube)
    assert sorted(np.floor((cv - 1) / 4 * 10).astype(int)) == list(range(10))
    assert all(
        isinstance(d["tenure.term_length"], int) and 3 <= d["tenure.term_length"] <= 8
        for d in design
    )
    assert spec.design() == design  # the same design every time (sample_seed)


def test_spec_problems_are_reported_together(tmp_path):
    with pytest.raises(ScenarioError) as exc:
        load_spec(_spec(tmp_path, method="random", levers={"tenure.term_length": "x"}, bogus=1))
    paths = [p for p, _ in exc.value.problems]
    assert "method" in paths and "bogus" in paths and "levers.tenure.term_length" in paths
    spec = load_spec(_spec(tmp_path, levers={"tenure.term_lenght": [3]}))
    with pytest.raises(ScenarioError, match="term_lenght"):
        spec.points()


def test_resumed_sweep_does_not_repeat_finished_runs(tmp_path):
    runs = tmp_path / "runs"
    spec = _spec(tmp_path)
    first = run_cli("sweep", spec, "--runs-dir", runs, "--out", tmp_path / "out", "-j", "2")
    assert first.returncode == 0, first.stderr
    assert "4 run now, 0 already finished" in first.stdout
    run_dirs = sorted(p.name for p in runs.iterdir() if p.name.isdigit())
    assert run_dirs == ["1", "2", "3", "4"]
    stamps = {d: (runs / d / "run.json").stat().st_mtime_ns for d in run_dirs}

    again = run_cli(
        "sweep", spec, "--runs-dir", runs, "--out", tmp_path / "out", "--executor", "serial"
    )
    assert again.returncode == 0, again.stderr
    assert "0 run now, 4 already finished (skipped)" in again.stdout
    assert sorted(p.name for p in runs.iterdir() if p.name.isdigit()) == run_dirs
    assert {d: (runs / d / "run.json").stat().st_mtime_ns for d in run_dirs} == stamps

    # one more seed: only the new (point, seed) pairs run
    more = run_cli(
        "sweep",
        spec,
        "--seeds",
        "3",
        "--runs-dir",
        runs,
        "--out",
        tmp_path / "out",
        "--executor",
        "serial",
    )
    assert "2 run now, 4 already finished" in more.stdout, more.stdout + more.stderr
    infos = [json.loads((p / "info.json").read_text()) for p in runs.iterdir() if p.name.isdigit()]
    assert sorted((i["point"], i["seed"]) for i in infos) == [
        (p, s) for p in (0, 1) for s in (0, 1, 2)
    ]
    assert all(i["sweep"] == "t" for i in infos)
    points = (tmp_path / "out" / "points.csv").read_text()
    assert "term_length" in points


def test_failed_run_is_rerun_on_resume(tmp_path):
    runs = tmp_path / "runs"
    spec = _spec(tmp_path, levers={"tenure.term_length": [5]}, seeds=1)
    assert (
        run_cli(
            "sweep", spec, "--runs-dir", runs, "--executor", "serial", "--out", tmp_path / "o"
        ).returncode
        == 0
    )
    run_json = runs / "1" / "run.json"
    data = json.loads(run_json.read_text())
    data["status"] = "FAILED"  # as if the run had died
    run_json.write_text(json.dumps(data))
    again = run_cli(
        "sweep", spec, "--runs-dir", runs, "--executor", "serial", "--out", tmp_path / "o"
    )
    assert "1 run now, 0 already finished" in again.stdout
    assert json.loads((runs / "2" / "run.json").read_text())["status"] == "COMPLETED"
