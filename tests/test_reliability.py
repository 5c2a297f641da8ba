"""Results on disk stay truthful: interruptions (SIGINT, SIGTERM, kill -9), four
concurrent writers, atomic artifacts, unwritable or full runs directories, and the
same outcomes whichever way a run is started."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from cli_helpers import FAST, FAST_OVERRIDES, ROOT, incentsim as run_cli

import incentsim
from incentsim.interfaces import cli
from incentsim.runs.executors import Task, execute
from incentsim.runs.experiment import (
    SafeFileStorageObserver,
    StorageError,
    ensure_runs_dir,
    run_tracked,
)
from incentsim.runs.results import load_run, load_runs, run_state

CONFIG = ROOT / "configs" / "gdp_tournament.yaml"
#: tiny world, but long enough (~1 s a run) to be caught mid-way
SLOW_RUN = {**FAST_OVERRIDES, "world.horizon": 120, "world.burn_in": 2}


def _cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def _spec(tmp_path: Path, seeds: int = 1) -> Path:
    """Six points of one seed each: every run its own scenario, differing in a field
    members of one model must share (``behaviour.n_candidates``: not vectorised), so runs are
    stepped one after another (members stepped as one model are all in flight)."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "name": "reliability",
                "base": str(CONFIG),
                "method": "grid",
                "seeds": seeds,
                "set": SLOW_RUN,
                "levers": {"behaviour.n_candidates": [60, 61, 62, 63, 65, 66]},
            }
        )
    )
    return spec


def _start_sweep(spec: Path, runs: Path, *extra: str, session: bool = False) -> subprocess.Popen:
    """``session``: in a process group of its own, as a terminal's foreground job."""
    script = Path(sys.executable).with_name("incentsim")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [
            str(script),
            "sweep",
            str(spec),
            "--runs-dir",
            str(runs),
            "--out",
            str(spec.parent / "out"),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
        start_new_session=session,
    )


def _wait_for_done(runs: Path, n: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Until ``n`` runs finished and a run started after that is running.

    With several workers, a run seen running when the ``n``-th finished may be
    about to finish too; only a run started afterwards is surely in flight.
    """
    t0, before = time.time(), None
    while time.time() - t0 < timeout:
        done = runs / "_done"
        if before is None and done.is_dir() and len(list(done.glob("*.json"))) >= n:
            before = {d.name for d in runs.iterdir() if d.name.isdigit()}
        if before is not None:
            for d in runs.iterdir():
                if d.name.isdigit() and d.name not in before:
                    try:
                        run = json.loads((d / "run.json").read_text())
                    except (OSError, ValueError):
                        continue
                    if run["status"] == "RUNNING" and not run.get("artifacts"):
                        return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError("runs did not finish in time")


def _statuses(runs: Path) -> dict[int, str]:
    rs, _ = load_runs(runs)
    return dict(zip(rs.run_id, rs.status))


def _check_completed_readable(runs: Path) -> int:
    """Every COMPLETED run has all its files, parseable; returns how many there are."""
    n = 0
    for rid, status in _statuses(runs).items():
        if status != "COMPLETED":
            continue
        n += 1
        r = load_run(runs, rid)
        assert set(r["artifacts"]) == {"timeseries.parquet", "leaders.parquet"}
        ts = pd.read_parquet(r["artifacts"]["timeseries.parquet"])
        assert len(ts) == SLOW_RUN["world.horizon"] == len(r["metrics"])
        assert r["info"]["summary"]
    return n


def _resume(spec: Path, runs: Path, expect_new: int, total: int) -> None:
    proc = run_cli("sweep", spec, "--runs-dir", runs, "--out", spec.parent / "out", "-j", "2")
    assert proc.returncode == 0, proc.stderr
    assert f"{expect_new} run now, {total - expect_new} already finished" in proc.stdout
    st = _statuses(runs)
    assert sum(s == "COMPLETED" for s in st.values()) == total


@pytest.mark.slow
@pytest.mark.parametrize(
    "sig, code, executor",
    [
        (signal.SIGINT, 130, "serial"),
        (signal.SIGTERM, 143, "serial"),
        (signal.SIGTERM, 143, "local"),
        (signal.SIGTERM, 143, "dask"),
    ],
)
def test_interrupted_sweep_keeps_finished_runs_and_resumes(tmp_path, sig, code, executor):
    spec, runs = _spec(tmp_path), tmp_path / "runs"
    proc = _start_sweep(spec, runs, "--executor", executor, "-j", "2")
    _wait_for_done(runs, 1, proc)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert "interrupted" in err and "Traceback" not in err
    st = _statuses(runs)
    assert set(st.values()) <= {"COMPLETED", "INTERRUPTED"}, st
    assert "INTERRUPTED" in st.values()  # the run(s) in flight, never COMPLETED
    completed = _check_completed_readable(runs)
    assert completed >= 1
    assert completed == len(list((runs / "_done").glob("*.json")))
    assert not list(runs.rglob("*.tmp"))
    _resume(spec, runs, expect_new=6 - completed, total=6)


@pytest.mark.slow
def test_terminal_ctrl_c_stops_a_dask_sweep_with_one_line(tmp_path):
    """A terminal's Ctrl-C reaches the whole process group, local Dask cluster included."""
    spec, runs = _spec(tmp_path), tmp_path / "runs"
    proc = _start_sweep(spec, runs, "--executor", "dask", "-j", "2", session=True)
    _wait_for_done(runs, 1, proc)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == [
        "incentsim sweep: interrupted; finished runs are kept: re-run the same sweep to "
        "complete it (finished runs are skipped)"
    ]
    st = _statuses(runs)
    assert set(st.values()) <= {"COMPLETED", "INTERRUPTED"} and "INTERRUPTED" in st.values(), st
    assert sum(s == "INTERRUPTED" for s in st.values()) <= 2  # at most one per worker
    _resume(spec, runs, expect_new=6 - _check_completed_readable(runs), total=6)


@pytest.mark.slow
def test_kill_9_leaves_one_incomplete_run_that_is_redone(tmp_path):
    spec, runs = _spec(tmp_path), tmp_path / "runs"
    proc = _start_sweep(spec, runs, "--executor", "serial")
    _wait_for_done(runs, 1, proc)
    time.sleep(0.2)
    proc.kill()
    proc.communicate(timeout=60)
    st = _statuses(runs)
    completed = _check_completed_readable(runs)
    others = {rid: s for rid, s in st.items() if s != "COMPLETED"}
    assert len(others) <= 1 and set(others.values()) <= {"INCOMPLETE"}, st
    # (a killed writer may leave a temporary file: nothing to assert about those)
    _resume(spec, runs, expect_new=6 - completed, total=6)
    assert all(s in ("COMPLETED", "INCOMPLETE") for s in _statuses(runs).values())


class _Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise _Stop(signum)


def _signal_from_another_thread(signum):
    """A process-directed signal as the OS may route it: to a thread other than main."""
    import threading

    t = threading.Thread(target=os.kill, args=(os.getpid(), signum))
    t.start()
    t.join()
    time.sleep(0.05)  # the main thread runs the handler at its next check


def test_held_signals_wait_for_the_end_of_the_hold_then_arrive_once():
    from incentsim.runs import interrupts

    old = signal.signal(signal.SIGTERM, _raise_stop)
    reached = []
    try:
        with pytest.raises(_Stop), interrupts.held():
            _signal_from_another_thread(signal.SIGTERM)
            _signal_from_another_thread(signal.SIGTERM)
            reached.append("end of hold")
        assert signal.getsignal(signal.SIGTERM) is _raise_stop  # handler restored
        with pytest.raises(_Stop), interrupts.held():
            with pytest.raises(_Stop), interrupts.delivered():  # let through inside a hold
                _signal_from_another_thread(signal.SIGTERM)
                reached.append("not reached")
            _signal_from_another_thread(signal.SIGTERM)  # held again afterwards
            reached.append("held again")
    finally:
        signal.signal(signal.SIGTERM, old)
    assert reached == ["end of hold", "held again"]


def test_run_state_tells_dead_from_running(tmp_path):
    import socket
    from datetime import datetime, timedelta

    host = socket.gethostname()
    me = {"status": "RUNNING", "host": {"hostname": host, "pid": os.getpid()}}
    assert run_state(me) == "RUNNING"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert (
        run_state({"status": "RUNNING", "host": {"hostname": host, "pid": dead.pid}})
        == "INCOMPLETE"
    )
    now = datetime(2030, 1, 1)
    far = {
        "status": "RUNNING",
        "host": {"hostname": "elsewhere", "pid": 1},
        "heartbeat": (now - timedelta(seconds=20)).isoformat(),
    }
    assert run_state(far, now) == "RUNNING"
    far["heartbeat"] = (now - timedelta(hours=1)).isoformat()
    assert run_state(far, now) == "INCOMPLETE"
    assert run_state({"status": "COMPLETED"}) == "COMPLETED"


@pytest.mark.slow
def test_four_concurrent_writers(tmp_path):
    runs = tmp_path / "runs"
    script = Path(sys.executable).with_name("incentsim")
    procs = [
        subprocess.Popen(
            [
                str(script),
                "run",
                str(CONFIG),
                "--seeds",
                f"{4 * k}-{4 * k + 3}",
                "--runs-dir",
                str(runs),
                "--executor",
                "serial",
                *FAST,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for k in range(4)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
    ids = [d.name for d in runs.iterdir() if d.name.isdigit()]
    assert len(ids) == len(set(ids)) == 16
    rs, metrics = load_runs(runs)
    assert len(rs) == 16 and set(rs.status) == {"COMPLETED"}
    assert sorted(rs.seed) == list(range(16))  # nothing overwritten: each seed is there
    for r in rs.itertuples():  # each run's files are its own
        cfg = json.loads((Path(r.path) / "config.json").read_text())
        info = json.loads((Path(r.path) / "info.json").read_text())
        assert cfg["seed"] == info["seed"] == r.seed
    assert metrics.run_id.nunique() == 16
    assert not list(runs.rglob("*.tmp"))


@pytest.mark.parametrize("syncfs", [True, False])
def test_every_file_is_written_by_rename(tmp_path, monkeypatch, syncfs):
    import incentsim.runs.atomic as exp

    if not syncfs:  # no Linux syncfs: each file and directory is flushed on its own
        monkeypatch.setattr(exp, "_LIBC", None)

    renamed: list[str] = []
    events: list[tuple[str, Path]] = []
    real, real_fsync = os.replace, exp._fsync

    def spy(src, dst):
        renamed.append(Path(dst).name)
        assert Path(src).name.startswith(".") and Path(src).parent == Path(dst).parent
        events.append(("replace", Path(src)))
        return real(src, dst)

    def fsync_spy(path):
        events.append(("fsync", Path(path)))
        return real_fsync(path)

    real_syncfs = exp._syncfs

    def syncfs_spy(path):  # one flush of the whole filesystem (a run stored as one commit)
        done = real_syncfs(path)
        if done:
            events.append(("syncfs", Path(path)))
        return done

    monkeypatch.setattr(exp.os, "replace", spy)
    monkeypatch.setattr(exp, "_fsync", fsync_spy)
    monkeypatch.setattr(exp, "_syncfs", syncfs_spy)
    rid, _ = run_tracked(CONFIG, 0, tmp_path, FAST_OVERRIDES)
    # durable: the temporary file reaches the disk before the rename, the directory after
    flushes = [(i, e) for i, e in enumerate(events) if e[0] != "replace"]
    for i, (what, src) in enumerate(events):
        if what == "replace":
            before = [e for j, e in flushes if j < i]
            after = [e for j, e in flushes if j > i]
            assert ("fsync", src) in before or any(w == "syncfs" for w, _ in before), src
            assert ("fsync", src.parent) in after or any(w == "syncfs" for w, _ in after), src
    files = {p.name for p in (tmp_path / rid).iterdir()} - {"cout.txt"}
    assert files == {
        "run.json",
        "config.json",
        "metrics.json",
        "info.json",
        "timeseries.parquet",
        "leaders.parquet",
    }
    assert files <= set(renamed)
    assert not list(tmp_path.rglob("*.tmp"))
    assert json.loads((tmp_path / rid / "run.json").read_text())["status"] == "COMPLETED"


def _fail_artifacts(monkeypatch, err=errno.ENOSPC):
    """Every artifact write fails (``save_artifact``: what ``save_file`` and a tracked
    batch both write artifacts with)."""

    def boom(self, name, write):
        self._note(f"cannot write {name}", OSError(err, os.strerror(err)))
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(SafeFileStorageObserver, "save_artifact", boom)


def test_full_disk_mid_run_is_never_completed(tmp_path, monkeypatch):
    _fail_artifacts(monkeypatch)
    with pytest.raises(StorageError, match="No space left"):
        run_tracked(CONFIG, 0, tmp_path, FAST_OVERRIDES)
    (rid,) = [d.name for d in tmp_path.iterdir() if d.name.isdigit()]
    run = json.loads((tmp_path / rid / "run.json").read_text())
    assert run["status"] == "FAILED" and "No space left" in run["fail_trace"][0]
    assert not (tmp_path / "_done").exists()  # a resumed sweep redoes it


def test_cli_full_disk_exits_2_with_one_line(tmp_path, monkeypatch):
    _fail_artifacts(monkeypatch)
    code, out, err = _cli(
        "sweep",
        _spec(tmp_path, seeds=2),
        "--runs-dir",
        tmp_path / "runs",
        "--executor",
        "serial",
        "--set",
        "world.horizon=5",
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "No space left on device" in err, err
    assert "Traceback" not in err


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A 400 kB tmpfs (needs root and a kernel that allows mounts; else skipped)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mnt)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("cannot mount a tmpfs here")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_really_full_disk_exits_2(tiny_tmpfs):
    (tiny_tmpfs / "filler").write_bytes(b"\0" * (400 * 1024 - 8192))
    proc = run_cli(
        "run",
        CONFIG,
        "--seeds",
        "2",
        "--runs-dir",
        tiny_tmpfs / "runs",
        "--executor",
        "serial",
        *FAST,
    )
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "No space left" in proc.stderr
    st = _statuses(tiny_tmpfs / "runs") if (tiny_tmpfs / "runs").exists() else {}
    assert "COMPLETED" not in st.values()


def test_read_only_runs_dir_exits_2(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    mounted = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(ro)], capture_output=True
        ).returncode
        == 0
    )
    if not mounted:
        if os.geteuid() == 0:
            pytest.skip("root without mount: every directory is writable")
        ro.chmod(0o500)
    try:
        with pytest.raises(StorageError, match="not writable"):
            ensure_runs_dir(ro)
        proc = run_cli("run", CONFIG, "--runs-dir", ro, *FAST)
        assert proc.returncode == 2
        assert len(proc.stderr.strip().splitlines()) == 1 and "not writable" in proc.stderr
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(ro)], capture_output=True)
        else:
            ro.chmod(0o700)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True), b.reset_index(drop=True), check_exact=True
    )


@pytest.mark.slow
def test_same_seed_same_outcomes_everywhere(tmp_path):
    seeds = [3, 11]
    ref = {
        s: incentsim.simulate(CONFIG, seed=s, overrides=FAST_OVERRIDES).timeseries for s in seeds
    }
    proc = run_cli(
        "run",
        CONFIG,
        "--seeds",
        "3,11",
        "--runs-dir",
        tmp_path / "cli",
        "--executor",
        "serial",
        *FAST,
    )
    assert proc.returncode == 0, proc.stderr
    rs, _ = load_runs(tmp_path / "cli")
    for r in rs.itertuples():
        _same(pd.read_parquet(Path(r.path) / "timeseries.parquet"), ref[r.seed])
    sc = incentsim.load_scenario(CONFIG, FAST_OVERRIDES)
    for executor in ("local", "dask"):
        out = execute(
            [Task.of(sc, s) for s in seeds],
            tmp_path / executor,
            executor=executor,
            jobs=2,
            batch_size=1,
        )
        for r in out:
            assert r.ok, r.error
            _same(r.timeseries, ref[r.seed])
            _same(
                pd.read_parquet(tmp_path / executor / r.run_id / "timeseries.parquet"), ref[r.seed]
            )
