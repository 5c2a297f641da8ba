"""``incentsim bench`` reports every required number, with sane values (small scale, no timing
asserts)."""

import json
import math

import numpy as np
import pytest

from incentsim.agents import fastrng
from incentsim.interfaces import bench

REQUIRED = [
    "setup_s",
    "seconds_per_year",
    "agent_updates_per_s",
    "population_updates_per_s",
    "leader_ms_per_year",
    "decide_ms_per_year",
    "evaluate_ms_per_year",
    "peak_memory_mib",
    "total_run_s",
    "naive_speedup",
    "copy_bandwidth_gb_s",
    "bandwidth_bound_updates_per_s",
    "bandwidth_fraction",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "bench.json"
    assert (
        bench.main(
            [
                "--scale",
                "small",
                "--years",
                "3",
                "--naive-size",
                "600",
                "--naive-years",
                "1",
                "--ensemble",
                "2",
                "--json",
                str(path),
            ]
        )
        == 0
    )
    return json.loads(path.read_text())


def test_every_field_is_reported(report):
    for key in REQUIRED:
        assert key in report, key
        value = report[key]
        assert isinstance(value, float) and math.isfinite(value) and value > 0, key
    assert set(report["targets"]) == set(bench.TARGETS)
    assert report["machine"]["cpus"] >= 1
    for load in (report["machine"]["load_average"], report["load_average_before"]):
        assert len(load) == 3 and all(x >= 0 for x in load)


def test_values_are_consistent(report):
    assert report["scale"] == "small"
    assert report["agents"] == report["firms"] + report["citizens"] == 30 * (150 + 300)
    assert report["years_simulated"] == report["burn_in"] + 3
    assert report["timeseries_rows"] == 3
    assert report["total_run_s"] >= report["setup_s"]
    assert report["population_s_per_year"] <= report["seconds_per_year"]
    per_s = report["agents"] / report["seconds_per_year"]
    assert report["agent_updates_per_s"] == pytest.approx(per_s)
    assert 0 < report["bandwidth_fraction"] < 1
    assert 20 < report["bytes_per_agent"]["mean"] < 200
    assert 50 < report["peak_memory_mib"] < 4096
    assert report["naive"]["agents"] >= 500


def test_table_prints(capsys, report):
    text = bench.table(report)
    assert "speed-up vs naive" in text and "peak memory" in text and "load average" in text


def test_results_do_not_depend_on_threads(monkeypatch):
    """Each chunk has its own stream: 1 or 2 threads, the same numbers."""
    import incentsim

    monkeypatch.setattr(fastrng, "CHUNK_AGENTS", 1000)
    runs = []
    for threads in ("1", "2"):
        monkeypatch.setenv("INCENTSIM_THREADS", threads)
        res = incentsim.simulate(seed=3, overrides={"world.horizon": 3, "world.burn_in": 1})
        runs.append(res.timeseries)
    np.testing.assert_array_equal(runs[0].to_numpy(), runs[1].to_numpy())


def test_fast_draws_have_the_right_distribution():
    bg = np.random.SFC64(0)
    z = fastrng.normals(bg, 400_001)
    u = fastrng.uniforms(bg, 400_001)
    assert z.dtype == u.dtype == np.float32 and len(z) == len(u) == 400_001
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01 and abs((z**4).mean() - 3) < 0.05
    assert abs((z > 1.96).mean() - 0.025) < 0.002
    assert 0 < u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.003


def test_uniforms_are_the_top_23_bits_of_each_word_plus_a_half():
    """Each 64-bit word gives two uniforms ``((u >> 9) + 0.5) / 2**23``, exactly (the
    draws every frozen reference depends on), odd counts included."""
    raw = np.random.SFC64(7).random_raw(50_001).view(np.uint32)
    expect = ((raw >> 9).astype(np.float64) + 0.5) / 2.0**23
    u = fastrng.uniforms(np.random.SFC64(7), 100_001)
    np.testing.assert_array_equal(u.astype(np.float64), expect[:100_001])


def test_ensemble_fields_and_identity(report):
    """``--ensemble 2``: both ways measured in one invocation, every member equal to its
    solo run (timeseries and leader panel)."""
    assert report["ensemble_size"] == 2
    assert report["ensemble_identical"] is True
    for key in ("ensemble_speedup", "ensemble_runs_per_core_s", "solo_runs_per_core_s"):
        assert isinstance(report[key], float) and math.isfinite(report[key]) and report[key] > 0
    ratio = report["ensemble_runs_per_core_s"] / report["solo_runs_per_core_s"]
    assert report["ensemble_speedup"] == pytest.approx(ratio)
    assert 0 < report["memory_per_member_mib"] < report["ensemble_peak_memory_mib"]
    assert "identical to solo runs" in bench.table(report)


def test_identity_fails_when_a_member_differs(monkeypatch):
    import incentsim.ensemble as ens

    real = ens.run_members

    def drifting(sc, seeds, progress=None):  # a member stepped together drifts
        out = real(sc, seeds, progress)
        out[-1].timeseries.loc[0, "gdp_growth_true"] += 1e-12
        return out

    monkeypatch.setattr(ens, "run_members", drifting)
    out = bench.measure_ensemble("small", 1, 0, 2)
    assert out["ensemble_identical"] is False


def test_without_the_source_tree_the_naive_reference_is_skipped(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bench, "REPO", tmp_path)  # as from an installed wheel
    r = bench.run("small", 1, in_process=True)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "naive reference not measured" in err[0]
    assert r["naive"] is None and r["naive_speedup"] is None
    assert r["targets"]["naive_speedup"]["met"] is None
    assert "not installed" in bench.table(r)


def test_the_timed_ensemble_follows_a_warm_up_ensemble(monkeypatch):
    """Neither way is timed cold: an ensemble of K other seeds runs first (the first
    ensemble of a process pays the heap's first pages: 6-10 % of its CPU at small scale)."""
    import incentsim.ensemble as ens

    real = ens.simulate_ensemble
    calls: list[list[int]] = []

    def recording(pairs, *args, **kwargs):
        calls.append([s for _, s in pairs])
        return real(pairs, *args, **kwargs)

    monkeypatch.setattr(ens, "simulate_ensemble", recording)
    out = bench.measure_ensemble("small", 1, 5, 3)
    assert calls == [[8, 9, 10], [5, 6, 7]]
    assert out["ensemble_identical"] is True
