"""load_runs returns what was run, filters, and keeps an index."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from cli_helpers import FAST_OVERRIDES, ROOT

import incentsim
import incentsim.runs.results as results_module
from incentsim.outcomes import OUTCOME_NAMES
from incentsim.runs.experiment import run_tracked
from incentsim.runs.results import load_run, load_runs, read_artifact, refresh_index

CONFIGS = [ROOT / "configs" / "gdp_tournament.yaml", ROOT / "configs" / "long_terms.yaml"]


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("runs")
    for cfg in CONFIGS:
        for seed in (0, 1):
            run_tracked(cfg, seed, d, overrides=FAST_OVERRIDES, info={"sweep": "demo"})
    return d


def test_load_runs_returns_what_was_run(runs_dir):
    runs, metrics = load_runs(runs_dir)
    assert len(runs) == 4
    assert sorted(zip(runs.scenario, runs.seed)) == [
        ("gdp_tournament", 0),
        ("gdp_tournament", 1),
        ("long_terms", 0),
        ("long_terms", 1),
    ]
    assert (runs.status == "COMPLETED").all()
    assert set(runs[runs.scenario == "long_terms"]["tenure.term_length"]) == {7}
    assert (runs["world.horizon"] == 5).all() and (runs.sweep == "demo").all()
    res = incentsim.simulate(CONFIGS[1], seed=1, overrides=FAST_OVERRIDES)
    row = runs[(runs.scenario == "long_terms") & (runs.seed == 1)].iloc[0]
    for k, v in res.summary().items():
        assert row[k] == pytest.approx(v, nan_ok=True)
    m = metrics[metrics.run_id == row.run_id]
    assert set(m.outcome) == set(OUTCOME_NAMES)
    assert len(m) == len(OUTCOME_NAMES) * len(res.timeseries)
    wide = m.pivot(index="year", columns="outcome", values="value").reset_index()
    pd.testing.assert_series_equal(
        wide["trust_local"], res.timeseries["trust_local"], check_names=False
    )
    pd.testing.assert_frame_equal(
        read_artifact(runs_dir, row.run_id, "timeseries.parquet"), res.timeseries
    )
    one = load_run(runs_dir, row.run_id)
    assert one["config"]["seed"] == 1 and set(one["artifacts"]) >= {"leaders.parquet"}


def test_filters(runs_dir):
    runs, metrics = load_runs(runs_dir, scenario="long_terms", seed=0)
    assert len(runs) == 1 and set(metrics.run_id) == set(runs.run_id)
    assert len(load_runs(runs_dir, rule=["gdp_tournament"]).runs) == 4
    assert len(load_runs(runs_dir, tenure__term_length=7).runs) == 2
    assert len(load_runs(runs_dir, filters={"tenure.term_length": 5}).runs) == 2
    assert len(load_runs(runs_dir, status="completed").runs) == 4
    assert len(load_runs(runs_dir, since="2999-01-01").runs) == 0
    assert len(load_runs(runs_dir, until=pd.Timestamp.now().strftime("%Y-%m-%d")).runs) == 4
    assert len(load_runs(runs_dir, seed=lambda s: s > 0).runs) == 2


def test_index_reparses_only_new_or_changed_runs(tmp_path, runs_dir):
    d = tmp_path / "runs"
    shutil.copytree(runs_dir, d)
    shutil.rmtree(d / "_index", ignore_errors=True)
    assert refresh_index(d)[2] == 4
    assert (d / "_index" / "runs.parquet").exists()
    assert refresh_index(d)[2] == 0  # nothing changed: nothing re-read
    run_tracked(CONFIGS[0], 5, d, overrides=FAST_OVERRIDES)
    assert refresh_index(d)[2] == 1
    shutil.rmtree(d / "1")
    runs, metrics = load_runs(d)
    assert sorted(runs.run_id) == [2, 3, 4, 5] and 1 not in set(metrics.run_id)


def test_thousands_of_runs_are_parsed_once(tmp_path, runs_dir, monkeypatch):
    """The index caches what was parsed: a second load of 1,000 unchanged runs re-parses
    none of them (the speed itself is a benchmark figure, not a timed test)."""
    d = tmp_path / "many"
    d.mkdir()
    for i in range(1, 1001):
        shutil.copytree(runs_dir / "1", d / str(i))
    parsed = []
    real_parse = results_module._parse
    monkeypatch.setattr(
        results_module, "_parse", lambda rid, path: parsed.append(rid) or real_parse(rid, path)
    )
    runs, metrics = load_runs(d)
    assert len(parsed) == 1000
    runs2, metrics2 = load_runs(d)
    assert len(parsed) == 1000, "the second load re-parsed runs"
    assert len(runs) == len(runs2) == 1000
    assert len(metrics2) == 1000 * len(OUTCOME_NAMES) * 5
    pd.testing.assert_frame_equal(
        runs.drop(columns="_liveness", errors="ignore"),
        runs2.drop(columns="_liveness", errors="ignore"),
    )


def test_a_run_directory_whose_run_json_is_not_yet_stored_is_not_a_run(tmp_path, runs_dir):
    # a tracked batch makes a run's directory when the run opens and stores its run.json at
    # the next sync point; killed in between (kill -9), the directory holds no run.json.
    # Like load_run (UnknownRun), the listing does not count it: no run with no status
    d = tmp_path / "runs"
    shutil.copytree(runs_dir, d)
    (d / "9").mkdir()
    (d / "9" / "config.json.tmp").write_text("{}")
    runs, _ = load_runs(d)
    assert sorted(runs.run_id) == [1, 2, 3, 4] and runs.status.notna().all()
    (d / "9" / "run.json").write_text((d / "1" / "run.json").read_text())
    (d / "9" / "config.json").write_text((d / "1" / "config.json").read_text())
    assert 9 in set(load_runs(d)[0].run_id)  # stored later: listed from then on
