"""Tracked batches (issue 16): K members stored as K runs with the files Sacred writes,
finished members kept whatever happens to the others."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pandas as pd
import pytest

import incentsim.ensemble as ens
import incentsim.runs.atomic as atomic
from incentsim.runs.experiment import SafeFileStorageObserver, finished_run, make_experiment
from incentsim.runs.results import load_runs
from incentsim.runs.tracking import OPTIONS, Member, run_tracked_batch
from incentsim.scenario import load_scenario

#: what differs between two runs of the same member: when, which process, which run
VOLATILE = {"start_time", "stop_time", "heartbeat", "host"}


def _sacred_run(runs: Path, sc, seed: int, info: dict) -> Path:
    """The reference: the run as Sacred itself starts and stores it."""
    ex = make_experiment({})
    obs = SafeFileStorageObserver(str(runs))
    ex.observers.append(obs)
    ex.run(config_updates={**sc.to_dict(), "seed": seed}, info=dict(info), options=dict(OPTIONS))
    return Path(obs.dir)


def _json(d: Path, name: str) -> dict:
    return json.loads((d / name).read_text())


def test_a_batch_writes_the_files_sacred_writes(tmp_path, tiny):
    sc = load_scenario(tiny)
    info = {"sweep": "demo", "point": 2}
    ref = _sacred_run(tmp_path / "ref", sc, 4, info)
    out = run_tracked_batch([Member(sc, 3, info), Member(sc, 4, info)], tmp_path / "batch")
    assert [o.run_id for o in out] == ["1", "2"] and all(o.error is None for o in out)
    got = tmp_path / "batch" / "2"
    assert {p.name for p in got.iterdir()} == {p.name for p in ref.iterdir()}
    assert _json(got, "config.json") == _json(ref, "config.json")
    assert _json(got, "info.json") == _json(ref, "info.json")
    run, ref_run = _json(got, "run.json"), _json(ref, "run.json")
    assert {k: v for k, v in run.items() if k not in VOLATILE} == {
        k: v for k, v in ref_run.items() if k not in VOLATILE
    }
    assert run["host"].keys() == ref_run["host"].keys()
    metrics, ref_metrics = _json(got, "metrics.json"), _json(ref, "metrics.json")
    assert metrics.keys() == ref_metrics.keys()
    for name, m in metrics.items():
        assert m["steps"] == ref_metrics[name]["steps"]
        assert m["values"] == ref_metrics[name]["values"]
    for art in ("timeseries.parquet", "leaders.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(got / art), pd.read_parquet(ref / art))
    runs, _ = load_runs(tmp_path / "batch")
    assert list(runs.status) == ["COMPLETED", "COMPLETED"] and list(runs.seed) == [3, 4]
    assert finished_run(tmp_path / "batch", _json(got, "info.json")["task_key"]) == "2"


def test_a_failing_member_fails_alone(tmp_path, tiny, monkeypatch):
    real = ens.run_members

    def model(sc, seeds, progress=None):  # stepped together, then alone to find who failed
        if 1 in seeds:
            raise FloatingPointError("member 1 diverged")
        return real(sc, seeds, progress)

    monkeypatch.setattr(ens, "run_members", model)
    sc = load_scenario(tiny)
    done = []
    out = run_tracked_batch(
        [Member(sc, s) for s in range(3)], tmp_path, on_done=lambda i, o: done.append(i)
    )
    assert [o.error is None for o in out] == [True, False, True]
    assert isinstance(out[1].error, FloatingPointError)
    assert sorted(done) == [0, 1, 2]
    runs, _ = load_runs(tmp_path)
    assert list(runs.status) == ["COMPLETED", "FAILED", "COMPLETED"]
    assert "member 1 diverged" in runs.fail_reason[1]


def test_an_interruption_keeps_finished_members_and_marks_the_one_in_flight(
    tmp_path, tiny, monkeypatch
):
    real = ens.run_members

    def model(sc, seeds, progress=None):
        if 2 in seeds:
            raise KeyboardInterrupt
        return real(sc, seeds, progress)

    monkeypatch.setattr(ens, "run_members", model)
    other = copy.deepcopy(tiny)
    other["world"]["horizon"] = 5  # another group, planned after the first
    members = [Member(load_scenario(tiny), s) for s in (0, 1)]
    members += [Member(load_scenario(other), s) for s in (2, 3)]  # in flight together
    members.append(Member(load_scenario(tiny), 9))
    with pytest.raises(KeyboardInterrupt):
        run_tracked_batch(members, tmp_path)
    runs, _ = load_runs(tmp_path)
    # 0 and 1 (with 9, same group) done first; 2 and 3 stepped together, both in flight
    assert sorted(runs.seed) == [0, 1, 2, 3, 9]
    status = dict(zip(runs.seed, runs.status, strict=True))
    assert [status[s] for s in (0, 1, 9, 2, 3)] == ["COMPLETED"] * 3 + ["INTERRUPTED"] * 2
    assert len(list((tmp_path / "_done").glob("*.json"))) == 3
    assert not list(tmp_path.rglob("*.tmp"))


def test_metrics_text_is_what_json_writes(tiny):
    import datetime
    import math

    from incentsim import simulate
    from incentsim.runs.tracking import metrics_text

    ts = simulate(tiny, seed=1).timeseries
    when = datetime.datetime(2026, 12, 2, 10, 0, 0, 123456).isoformat()
    metrics = {
        name: {
            "steps": [int(y) for y in ts["year"]],
            "timestamps": [when] * len(ts),
            "values": [float(v) for v in ts[name]],
        }
        for name in ts.columns[1:]
    }
    metrics["odd"] = {"steps": [1, 2], "timestamps": [when] * 2, "values": [math.nan, -1e-300]}
    metrics["empty"] = {"steps": [], "timestamps": [], "values": []}
    assert metrics_text(metrics) == json.dumps(metrics, sort_keys=True, indent=2)
    assert metrics_text({}) == json.dumps({}, sort_keys=True, indent=2)


def _frame() -> pd.DataFrame:
    """Columns of every kind a run's tables have, with awkward values."""
    import numpy as np

    return pd.DataFrame(
        {
            "year": np.arange(1, 7, dtype=np.int64),
            "x": [0.1, np.nan, -0.0, np.inf, 1e-300, 3.0],
            "flag": [True, False, True, True, False, False],
            "count": np.array([3, 3, 3, 1, 0, 2], dtype=np.int32),
            "share": np.array([0.5, 0.25, 0.5, 0.5, 0.0, 1.0], dtype=np.float32),
        }
    )


@pytest.mark.parametrize(
    "df",
    [
        _frame(),
        _frame().iloc[2:],  # an index that does not start at 0: not stored, as before
        _frame().assign(name=list("abcdef")),  # a string column: converted by pandas
        _frame().iloc[:0],
    ],
)
def test_write_parquet_stores_what_to_parquet_stored(tmp_path, df):
    import pyarrow.parquet as pq

    from incentsim.runs.frames import write_parquet

    write_parquet(df, tmp_path / "new.parquet")
    df.to_parquet(tmp_path / "old.parquet", index=False)
    new, old = pq.read_table(tmp_path / "new.parquet"), pq.read_table(tmp_path / "old.parquet")
    assert new.equals(old) and new.schema.equals(old.schema, check_metadata=True)
    expect = df.reset_index(drop=True)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "new.parquet"), expect)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "old.parquet"), expect)


def test_runs_stored_before_and_now_load_alike(tmp_path, tiny):
    """Runs stored with pandas' own Parquet writer (before) and now load the same."""
    import shutil

    from incentsim.runs.results import load_run, read_artifact

    run_tracked_batch([Member(load_scenario(tiny), 3)], tmp_path)
    shutil.copytree(tmp_path / "1", tmp_path / "2")
    for art in ("timeseries.parquet", "leaders.parquet"):  # as the code before wrote them
        pd.read_parquet(tmp_path / "1" / art).to_parquet(tmp_path / "2" / art, index=False)
        assert (tmp_path / "1" / art).read_bytes() != (tmp_path / "2" / art).read_bytes()
    now, before = load_run(tmp_path, 1), load_run(tmp_path, 2)
    pd.testing.assert_frame_equal(now["metrics"], before["metrics"])
    for art in ("timeseries.parquet", "leaders.parquet"):
        pd.testing.assert_frame_equal(
            read_artifact(tmp_path, 1, art), read_artifact(tmp_path, 2, art)
        )
    runs, _ = load_runs(tmp_path)
    assert list(runs.status) == ["COMPLETED"] * 2


def test_summary_means_are_pandas_means_bit_for_bit(tiny):
    import numpy as np

    from incentsim import simulate
    from incentsim.api import SimulationResult
    from incentsim.outcomes import OUTCOME_NAMES

    res = simulate(tiny, seed=2)
    ts = res.timeseries.copy()
    rng = np.random.default_rng(0)
    names = list(OUTCOME_NAMES)
    ts.loc[rng.random(len(ts)) < 0.3, names[0]] = np.nan  # missing years are left out
    ts[names[1]] = np.nan  # no year at all: nan
    ts[names[2]] = rng.standard_normal(len(ts)) * 1e-300
    ts[names[3]] = rng.standard_normal(len(ts)) * 1e300
    for frame in (res.timeseries, ts):
        got = SimulationResult(res.scenario, 2, frame, res.leaders).summary()
        want = {}
        for name in names:
            want[f"{name}_mean"] = float(frame[name].mean())
            want[f"{name}_final"] = float(frame[name].iloc[-1])
        assert list(got) == list(want)
        assert all(np.array_equal(got[k], want[k], equal_nan=True) for k in want)


def test_a_vectorised_batch_flushes_its_runs_start_once_and_its_results_durably(
    tmp_path, tiny, monkeypatch
):
    """K members stepped together: their start is one commit with one flush (the files,
    before their renames: never torn; the renames reach the disk with the next flush),
    their results another with three (files; artifacts renamed; run.json COMPLETED and
    the done markers renamed), so nothing finished is ever lost."""
    real, flushes = atomic._syncfs, []

    def syncfs(path):
        tmp = [p for p in Path(tmp_path).rglob("*.tmp") if p.parent.name.isdigit()]
        flushes.append(sorted(p.name for p in tmp))  # the runs' files waiting for renames
        return real(path)

    monkeypatch.setattr(atomic, "_syncfs", syncfs)
    sc = load_scenario(tiny)
    if atomic._LIBC is None:
        pytest.skip("no syncfs here")
    run_tracked_batch([Member(sc, 0), Member(sc, 1)], tmp_path)
    assert len(flushes) == 4
    started, results = flushes[0], flushes[1]
    assert {n.split(".")[1] for n in started} == {"run", "config"}  # run.json, config.json
    assert {n.split(".")[1] for n in results} >= {"run", "metrics", "info", "leaders"}
    runs, _ = load_runs(tmp_path)
    assert list(runs.status) == ["COMPLETED"] * 2


def test_outcome_values_are_the_outcome_columns_in_order(tiny):
    import numpy as np

    from incentsim import simulate
    from incentsim.api import outcome_values
    from incentsim.outcomes import OUTCOME_NAMES

    ts = simulate(tiny, seed=1).timeseries
    shuffled = ts[list(reversed(ts.columns))]  # the order of the frame's columns is not used
    values = outcome_values(shuffled)
    assert values.flags.c_contiguous and values.shape == (len(OUTCOME_NAMES), len(ts))
    for row, name in zip(values, OUTCOME_NAMES, strict=True):
        assert np.array_equal(row, ts[name].to_numpy(np.float64), equal_nan=True)
    with pytest.raises(KeyError, match=OUTCOME_NAMES[3]):
        outcome_values(ts.drop(columns=OUTCOME_NAMES[3]))


def test_a_run_reads_completed_only_once_its_done_marker_is_there(tmp_path, tiny, monkeypatch):
    """Whenever the process is killed (here: after every rename), a run whose
    ``run.json`` says COMPLETED is one re-running the study skips, so the runs it redoes
    are exactly those not COMPLETED (the marker used to come second: a kill between
    the two renames left a COMPLETED run that was run again)."""
    real, seen = os.replace, []

    def replace(src, dst):
        real(src, dst)
        dst = Path(dst)
        if dst.name == "run.json" and _json(dst.parent, "run.json")["status"] == "COMPLETED":
            seen.append(finished_run(tmp_path, _json(dst.parent, "info.json")["task_key"]))

    monkeypatch.setattr(atomic.os, "replace", replace)
    sc = load_scenario(tiny)
    run_tracked_batch([Member(sc, 0), Member(sc, 1)], tmp_path)
    assert seen == ["1", "2"]


def test_an_atomic_write_nested_in_another_is_staged_onto_the_final_name(tmp_path):
    # an artifact writer that itself writes atomically (a figure saved with save_png)
    # writes onto the outer write's temporary file; both are staged in one commit
    commit = atomic.Commit()
    dest = tmp_path / "outcomes.png"
    with atomic.staged(commit), atomic.written_atomically(dest) as tmp:
        atomic.write_bytes(tmp, b"figure")
    assert not dest.exists()  # staged: visible once the commit is applied
    commit.apply()
    assert dest.read_bytes() == b"figure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outcomes.png"]


def test_run_files_are_the_json_text_sacred_writes(tmp_path, tiny, monkeypatch):
    """run.json and config.json are written as json.dumps(..., sort_keys=True, indent=2)
    writes them, whether a batch or Sacred stores the run and whatever its end; the parts
    of run.json rendered once per run follow a part that is replaced."""
    import numpy as np

    real = ens.run_members

    def model(sc, seeds, progress=None):
        if 1 in seeds:
            raise FloatingPointError("member 1 diverged")
        return real(sc, seeds, progress)

    monkeypatch.setattr(ens, "run_members", model)
    sc = load_scenario(tiny)
    run_tracked_batch([Member(sc, s) for s in range(3)], tmp_path / "batch")
    _sacred_run(tmp_path / "ref", sc, 4, {"point": 1})
    files = list(tmp_path.glob("*/[0-9]*/*.json"))
    assert len(files) == 4 + 2 + 4 + 4  # the failed run: run.json and config.json
    for f in files:
        text = f.read_text()
        assert text == json.dumps(json.loads(text), sort_keys=True, indent=2), f

    obs = SafeFileStorageObserver(str(tmp_path / "obs"))
    config = {"seed": 1, "name": "x"}
    meta = {"command": "main", "config_updates": config}
    obs.started_event({"sources": [], "base_dir": "."}, "main", {}, _now(), config, meta, None)
    obs.run_entry["meta"] = {**meta, "options": {"--force": True}}  # a new part
    obs.run_entry["result"] = np.float64(0.5)  # not plain JSON: Sacred's flatten
    obs.save_json(obs.run_entry, "run.json")
    from sacred.serializer import flatten

    want = json.dumps(flatten(obs.run_entry), sort_keys=True, indent=2)
    assert (Path(obs.dir) / "run.json").read_text() == want
    assert _json(Path(obs.dir), "run.json")["meta"]["options"] == {"--force": True}


def _now():
    import datetime

    return datetime.datetime(2026, 12, 3, 5, 0, 0)


def test_a_commit_stages_writes_nested_repeated_and_side_by_side(tmp_path):
    commit = atomic.Commit()
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    with atomic.staged(commit):
        atomic.write_text(a, "1")
        atomic.write_text(a, "2")  # the same file again: the later write replaces it
        with atomic.written_atomically(b) as tmp, atomic.written_atomically(tmp) as inner:
            atomic.write_text(inner, "3")  # two levels of nesting
        atomic.write_text(a, "4")
    with atomic.staged(commit, 1):
        atomic.write_text(b, "5")  # a later phase: renamed after the first
    assert len(commit.renames) == 3
    commit.apply()
    assert a.read_text() == "4" and b.read_text() == "5"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json"]


def test_parquet_table_falls_back_to_pandas_without_its_private_column_arrays():
    import numpy as np
    import pyarrow as pa

    from incentsim.runs.frames import parquet_table

    class Frame(pd.DataFrame):  # a pandas whose DataFrame has no _iter_column_arrays
        _iter_column_arrays = None

    df = pd.DataFrame({"year": np.arange(3), "gdp": [1.0, 2.5, 3.0]})
    got = parquet_table(Frame(df))
    assert got.equals(pa.Table.from_pandas(df, preserve_index=False))
    assert got.to_pandas().equals(df)
