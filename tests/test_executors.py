"""Executors: results are bit-identical whatever the executor or number of workers,
and every run is tracked. Dask runs on a local cluster on loopback only."""

from __future__ import annotations

import json
import math
import os
import platform
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import FAST, FAST_OVERRIDES, ROOT, incentsim as run_cli

from incentsim import allocator, load_scenario
from incentsim.ensemble import member_agents
from incentsim.runs import executors
from incentsim.runs.executors import Task, _dask_client, execute
from incentsim.runs.results import load_runs


def _tasks():
    a = load_scenario(ROOT / "configs" / "gdp_tournament.yaml", FAST_OVERRIDES)
    b = load_scenario(ROOT / "configs" / "citizen_satisfaction.yaml", FAST_OVERRIDES)
    return [Task.of(sc, s) for sc in (a, b) for s in range(3)]


def _same(x: float, y: float) -> bool:
    return x == y or (math.isnan(x) and math.isnan(y))


@pytest.mark.slow
def test_bit_identical_across_executors_and_worker_counts(tmp_path):
    tasks = _tasks()
    out = {
        "serial": execute(tasks, tmp_path / "serial", executor="serial"),
        "pool2": execute(tasks, tmp_path / "pool2", executor="local", jobs=2, batch_size=2),
        "dask2": execute(tasks, tmp_path / "dask2", executor="dask", jobs=2, batch_size=2),
        "dask1": execute(tasks, tmp_path / "dask1", executor="dask", jobs=1, batch_size=4),
    }
    ref = out["serial"]
    assert all(r.ok for rs in out.values() for r in rs)
    for name, rs in out.items():
        assert [r.seed for r in rs] == [t.seed for t in tasks]
        for r, r0 in zip(rs, ref):
            assert r.summary.keys() == r0.summary.keys()
            assert all(_same(r.summary[k], r0.summary[k]) for k in r0.summary), name
            pd.testing.assert_frame_equal(r.timeseries, r0.timeseries, check_exact=True)
        # each run was tracked by Sacred in that executor's runs dir
        d = tmp_path / name
        done = sorted(int(p.name) for p in d.iterdir() if p.name.isdigit())
        assert done == list(range(1, len(tasks) + 1))
        for r in rs:
            run = json.loads((d / r.run_id / "run.json").read_text())
            assert run["status"] == "COMPLETED"
            info = json.loads((d / r.run_id / "info.json").read_text())
            assert info["seed"] == r.seed and info["task_key"] == r.key


@pytest.mark.slow
def test_cli_compare_on_dask_equals_serial(tmp_path):
    common = [
        "compare",
        ROOT / "configs" / "gdp_tournament.yaml",
        ROOT / "configs" / "balanced_scorecard.yaml",
        "--seeds",
        "2",
        *FAST,
    ]
    serial = run_cli(
        *common, "--executor", "serial", "--runs-dir", tmp_path / "r1", "--out", tmp_path / "o1"
    )
    dask = run_cli(
        *common,
        "--executor",
        "dask",
        "-j",
        "2",
        "--runs-dir",
        tmp_path / "r2",
        "--out",
        tmp_path / "o2",
    )
    assert serial.returncode == 0 and dask.returncode == 0, dask.stderr[-2000:]
    table = "table.csv"
    assert (tmp_path / "o1" / table).read_text() == (tmp_path / "o2" / table).read_text()
    assert len([p for p in (tmp_path / "r2").iterdir() if p.name.isdigit()]) == 4


def _kill_first_run_in_flight(runs: Path, killed: list[str], timeout: float = 120) -> None:
    """kill -9 the worker process of the first run seen running in ``runs``."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        for rj in runs.glob("[0-9]*/run.json"):
            try:
                run = json.loads(rj.read_text())
            except (OSError, ValueError):
                continue
            if run.get("status") == "RUNNING":
                os.kill(run["host"]["pid"], signal.SIGKILL)
                killed.append(rj.parent.name)
                return
        time.sleep(0.01)


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["local", "dask"])
def test_a_worker_killed_mid_batch_loses_no_run(tmp_path, executor):
    slow = {**FAST_OVERRIDES, "world.horizon": 120, "world.burn_in": 2}  # ~1 s a run
    sc = load_scenario(ROOT / "configs" / "gdp_tournament.yaml", slow)
    tasks = [Task.of(sc, s) for s in range(4)]
    runs, killed = tmp_path / "runs", []
    killer = threading.Thread(target=_kill_first_run_in_flight, args=(runs, killed))
    killer.start()
    res = execute(tasks, runs, executor=executor, jobs=2, batch_size=2)
    killer.join()
    assert killed, "no run was seen in flight"
    assert all(r.ok for r in res), [r.error for r in res]  # the lost batch was retried
    rs = load_runs(runs)[0]
    status = dict(zip(rs.run_id.astype(str), rs.status))
    assert status[killed[0]] == "INCOMPLETE"  # detected, not shown as running or finished
    completed = sorted(k for k, v in status.items() if v == "COMPLETED")
    assert sorted(r.run_id for r in res) == completed  # one finished run per task
    assert set(status.values()) <= {"COMPLETED", "INCOMPLETE", "INTERRUPTED"}
    ref = execute(tasks[:1], tmp_path / "ref", executor="serial")[0]
    assert all(_same(res[0].summary[k], v) for k, v in ref.summary.items())


def test_failing_task_is_reported_not_raised(tmp_path):
    good = _tasks()[0]
    bad = Task({**good.scenario, "world": {**good.scenario["world"], "horizon": -1}}, 0)
    res = execute([good, bad], tmp_path, executor="serial")
    assert res[0].ok and not res[1].ok
    assert "horizon" in res[1].error


def test_unknown_executor():
    with pytest.raises(ValueError, match="unknown executor"):
        execute([], "/tmp", executor="spark")


def test_batched_runs_equal_runs_one_at_a_time(tmp_path, monkeypatch):
    """A sweep's tasks stepped as ensembles (grouped by world size) give the summaries,
    timeseries and tracked runs that running them one at a time gives."""
    import incentsim.runs.tracking as tracking
    from incentsim.design.exploratory.cache import CachedTask

    tasks = _tasks()
    bigger = load_scenario(
        ROOT / "configs" / "gdp_tournament.yaml", {**FAST_OVERRIDES, "world.horizon": 4}
    )
    tasks.insert(2, Task.of(bigger, 7))  # another world: another ensemble
    sizes = []
    real = tracking.run_tracked_batch
    monkeypatch.setattr(
        tracking,
        "run_tracked_batch",
        lambda members, *a, **k: sizes.append(len(members)) or real(members, *a, **k),
    )
    one = execute(tasks, tmp_path / "one", executor="serial", batch_size=1)
    assert sizes == [1] * len(tasks)
    sizes.clear()
    batched = execute(tasks, tmp_path / "batched", executor="serial")
    assert sorted(sizes) == [1, 6]  # the six of one world together
    sizes.clear()
    # by default at most ENSEMBLE_AGENTS firms and citizens an ensemble: 2.5 members here
    agents = member_agents(load_scenario(tasks[0].scenario))
    monkeypatch.setattr(executors, "ENSEMBLE_AGENTS", 5 * agents // 2)
    execute(tasks, tmp_path / "by_agents", executor="serial")
    assert sorted(sizes) == [1, 2, 2, 2]
    cached = execute(
        [CachedTask(t.scenario, t.seed, t.info) for t in tasks],
        tmp_path / "cached",
        executor="serial",
    )
    for r0, r, c, t in zip(one, batched, cached, tasks):
        assert r0.ok and r.ok and c.ok and r.seed == r0.seed == c.seed == t.seed
        assert all(_same(r.summary[k], r0.summary[k]) for k in r0.summary)
        assert all(_same(c.summary[k], r0.summary[k]) for k in r0.summary)
        pd.testing.assert_frame_equal(r.timeseries, r0.timeseries, check_exact=True)
    runs = {
        k: load_runs(tmp_path / k).runs.set_index("seed", append=True) for k in ("one", "batched")
    }
    cols = [c for c in runs["one"].columns if c.endswith(("_mean", "_final"))]
    pd.testing.assert_frame_equal(runs["one"][cols], runs["batched"][cols], check_exact=True)
    assert set(runs["batched"].status) == {"COMPLETED"}
    assert len(list((tmp_path / "cached" / "_evals").glob("*.json"))) == len(tasks)


@pytest.mark.parametrize(
    "executor", ["serial", "local", pytest.param("dask", marks=pytest.mark.slow)]
)
def test_kept_leader_panels_are_the_stored_ones(tmp_path, executor):
    """``keep_leaders``: each result holds the leader panel its run stored (as read back
    from ``leaders.parquet``), sent back by the worker; a resumed run's is read from its
    directory; without it no panel is kept."""
    from incentsim.runs.results import read_artifact

    tasks = _tasks()[:3]
    res = execute(tasks, tmp_path, executor=executor, jobs=2, batch_size=2, keep_leaders=True)
    again = execute(tasks, tmp_path, executor=executor, skip_done=True, keep_leaders=True)
    plain = execute(tasks[:1], tmp_path / "plain", executor=executor)
    assert plain[0].ok and plain[0].leaders is None
    for r, r2 in zip(res, again):
        assert r.ok and not r.skipped and r2.skipped and r2.run_id == r.run_id
        stored = read_artifact(tmp_path, r.run_id, "leaders.parquet")
        assert len(stored) > 0
        pd.testing.assert_frame_equal(r.leaders, stored, check_exact=True)
        pd.testing.assert_frame_equal(r2.leaders, stored, check_exact=True)


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"
)
def test_a_local_dask_cluster_leaves_malloc_tuning_to_incentsim(monkeypatch):
    # distributed sets MALLOC_TRIM_THRESHOLD_ for its workers by writing it into the
    # parent's environment: incentsim.allocator then took it for the user's setting, in
    # the workers and in every later model of this process
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    client, cluster = _dask_client(None, 1)
    try:
        in_workers = client.run(
            lambda: (allocator.keep_freed_memory(), "MALLOC_TRIM_THRESHOLD_" in os.environ)
        )
    finally:
        client.close()
        cluster.close()
    assert "MALLOC_TRIM_THRESHOLD_" not in os.environ
    assert list(in_workers.values()) == [(True, False)]
