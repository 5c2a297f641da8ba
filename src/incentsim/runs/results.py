"""Tracked runs as tidy pandas frames, for notebooks and the command line.

::

    from incentsim.runs.results import load_runs
    runs, metrics = load_runs("results/runs", scenario="gdp_tournament", status="COMPLETED")

``runs``: one row per run — ``run_id``, ``status``, ``start_time``, ``stop_time``,
``duration_s``, ``scenario``, ``variant``, ``config_hash``, ``rule``, ``mechanisms``,
``seed``, ``sweep``, ``point``, ``artifacts``, ``path``, every config key flattened to
a dotted column (``tenure.term_length``) and every summary outcome
(``gdp_growth_true_mean``, ``..._final``). ``metrics``: long per-year values —
``run_id``, ``scenario``, ``variant``, ``seed``, ``outcome``, ``year``, ``value``.

Runs of one scenario name with other settings (``--set``, a sweep point) are another
*variant*: ``variant`` is ``<scenario>@<config_hash>``, the hash of the whole
configuration but the seed. Group by ``variant``, not ``scenario``, unless pooling
different configurations is what you mean.

An index under ``<runs>/_index/`` caches what was parsed, keyed by the
modification times of each run's files; only new or changed runs are re-read.
The index is rewritten atomically; an unwritable runs directory just skips it.

``status`` is Sacred's (``COMPLETED``, ``FAILED``, ``INTERRUPTED``,
``RUNNING``) except that a run still marked ``RUNNING`` whose process is gone
(killed with ``kill -9``, a machine that went down) is reported as
``INCOMPLETE`` (see :func:`run_state`); a resumed sweep re-runs it.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from incentsim.errors import ScenarioError, UnknownRun
from incentsim.runs.atomic import written_atomically
from incentsim.scenario import flatten

INDEX_DIR = "_index"
INDEX_VERSION = 3
#: a RUNNING run on another host whose heartbeat (every 10 s) is older than this
#: many seconds is taken to be dead
STALE_AFTER_S = 300.0
_FILES = ("run.json", "info.json", "metrics.json", "config.json")
METRIC_COLUMNS = ["run_id", "outcome", "year", "value"]


class Runs(NamedTuple):
    """``runs`` (one row per run) and ``metrics`` (long, per year)."""

    runs: pd.DataFrame
    metrics: pd.DataFrame


def _key(run_dir: Path) -> str | None:
    parts = []
    for f in _FILES:
        try:
            st = os.stat(run_dir / f)
            parts.append(f"{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            parts.append("-")
    return "|".join(parts)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _pid_alive(pid: int, start: int | None) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # exists (another user's process) / cannot tell
    if start is not None:  # the pid may have been reused by a later process
        from incentsim.runs.experiment import process_start_ticks

        now = process_start_ticks(int(pid))
        if now is not None and now != int(start):
            return False
    return True


def run_state(run: dict[str, Any], now: datetime | None = None) -> str | None:
    """Status of a run from its ``run.json`` dict, with ``INCOMPLETE`` for a run
    still marked ``RUNNING`` (or ``QUEUED``) whose writing process is gone.

    On the same host the recorded process id (and its start time) decides; for a
    run written by another host, a heartbeat older than :data:`STALE_AFTER_S`.
    """
    status = run.get("status")
    if status not in ("RUNNING", "QUEUED"):
        return status
    host = run.get("host") or {}
    pid = host.get("pid")
    if pid is not None and host.get("hostname") == socket.gethostname():
        return status if _pid_alive(pid, host.get("pid_start")) else "INCOMPLETE"
    beat = run.get("heartbeat") or run.get("start_time")
    if not beat:
        return status
    try:
        last = datetime.fromisoformat(beat)
    except (TypeError, ValueError):
        return status
    now = now or datetime.now(UTC).replace(tzinfo=None)  # Sacred writes UTC
    return "INCOMPLETE" if (now - last).total_seconds() > STALE_AFTER_S else status


def config_hash(config: dict[str, Any]) -> str:
    """Short stable hash of a run's configuration without its seed: equal for runs of
    the same settings, different as soon as one setting differs."""
    blob = json.dumps({k: v for k, v in config.items() if k != "seed"}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:6]


def _parse(run_id: int, run_dir: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    run = _read_json(run_dir / "run.json") or {}
    info = _read_json(run_dir / "info.json") or {}
    config = _read_json(run_dir / "config.json") or {}
    start, stop = run.get("start_time"), run.get("stop_time")
    duration = None
    if start and stop:
        try:
            duration = (
                datetime.fromisoformat(stop) - datetime.fromisoformat(start)
            ).total_seconds()
        except ValueError:
            duration = None
    row: dict[str, Any] = {
        "run_id": run_id,
        "status": run.get("status"),
        "start_time": start,
        "stop_time": stop,
        "duration_s": duration,
        "scenario": info.get("scenario", config.get("name")),
        "rule": info.get("rule", (config.get("promotion") or {}).get("rule")),
        "mechanisms": ",".join(info.get("mechanisms", [])),
        "seed": config.get("seed", info.get("seed")),
        "sweep": info.get("sweep"),
        "point": info.get("point"),
        "task_key": info.get("task_key"),
        "artifacts": ",".join(run.get("artifacts", [])),
        "fail_reason": (str(run.get("fail_trace", [""])[-1]).strip() or None)
        if run.get("fail_trace")
        else None,
        "path": str(run_dir),
        "_liveness": json.dumps(
            {k: run.get(k) for k in ("status", "heartbeat", "start_time", "host")}, default=str
        )
        if run.get("status") in ("RUNNING", "QUEUED")
        else None,
    }
    cfg = {k: v for k, v in config.items() if k != "seed"}
    row["config_hash"] = config_hash(cfg)
    row["variant"] = f"{row['scenario']}@{row['config_hash']}"
    for k, v in flatten(cfg).items():
        row[k] = json.dumps(v) if isinstance(v, (dict, list)) else v
    for k, v in (info.get("summary") or {}).items():
        row[k] = v
    metrics = _read_json(run_dir / "metrics.json") or {}
    frames = []
    for name, m in metrics.items():
        steps, values = m.get("steps", []), m.get("values", [])
        if steps:
            frames.append(
                pd.DataFrame({"run_id": run_id, "outcome": name, "year": steps, "value": values})
            )
    long = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=METRIC_COLUMNS)
    return row, long


def _run_dirs(root: Path) -> dict[int, Path]:
    """The run directories under ``root``: numbered, with a stored ``run.json`` (a directory
    a batch opened but was killed before storing the run's start is not a run, as for
    :func:`run_dir`)."""
    try:
        names = os.listdir(root)
    except OSError:
        return {}
    return {int(n): root / n for n in names if n.isdigit() and (root / n / "run.json").is_file()}


def _atomic_parquet(df: pd.DataFrame, path: Path) -> None:
    with written_atomically(path) as tmp:
        df.to_parquet(tmp, index=False)


def _load_index(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    idx = root / INDEX_DIR
    try:
        runs = pd.read_parquet(idx / "runs.parquet")
        metrics = pd.read_parquet(idx / "metrics.parquet")
        if int(runs.attrs.get("version", INDEX_VERSION)) != INDEX_VERSION:
            raise ValueError
        if not {"run_id", "key", "record"} <= set(runs.columns):
            raise ValueError
        return runs, metrics
    except Exception:  # noqa: BLE001 - a missing or corrupt index is rebuilt
        return (
            pd.DataFrame(
                {
                    "run_id": pd.Series(dtype="int64"),
                    "key": pd.Series(dtype=str),
                    "record": pd.Series(dtype=str),
                }
            ),
            pd.DataFrame(
                {
                    c: pd.Series(dtype=t)
                    for c, t in zip(METRIC_COLUMNS, ("int64", str, "int64", "float64"))
                }
            ),
        )


def refresh_index(path: str | Path = "results/runs") -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Bring the index of ``path`` up to date; return (index rows, metrics, n re-parsed)."""
    root = Path(path)
    dirs = _run_dirs(root)
    old_runs, old_metrics = _load_index(root)
    keys = {rid: _key(d) for rid, d in dirs.items()}
    cached = dict(zip(old_runs["run_id"].astype(int), old_runs["key"]))
    fresh = [rid for rid in dirs if cached.get(rid) != keys[rid]]
    keep = [rid for rid in dirs if rid not in fresh]
    kept_runs = old_runs[old_runs["run_id"].isin(keep)]
    kept_metrics = old_metrics[old_metrics["run_id"].isin(keep)]
    new_rows, new_metrics = [], []
    for rid in sorted(fresh):
        row, long = _parse(rid, dirs[rid])
        new_rows.append({"run_id": rid, "key": keys[rid], "record": json.dumps(row, default=str)})
        if len(long):
            new_metrics.append(long)
    runs = pd.concat(
        [kept_runs, pd.DataFrame(new_rows, columns=["run_id", "key", "record"])], ignore_index=True
    ).sort_values("run_id", ignore_index=True)
    metrics = (
        pd.concat([kept_metrics, *new_metrics], ignore_index=True)
        if new_metrics
        else kept_metrics.reset_index(drop=True)
    )
    metrics = metrics.astype({"run_id": "int64", "year": "int64", "value": "float64"})
    changed = bool(fresh) or len(kept_runs) != len(old_runs)
    if changed and root.is_dir():
        try:
            (root / INDEX_DIR).mkdir(exist_ok=True)
            runs.attrs["version"] = INDEX_VERSION
            _atomic_parquet(metrics, root / INDEX_DIR / "metrics.parquet")
            _atomic_parquet(runs, root / INDEX_DIR / "runs.parquet")
        except OSError:
            pass  # read-only runs directory: still answer, just without caching
    return runs, metrics, len(fresh)


#: the columns of an empty ``runs`` frame
_EMPTY_RUN_COLUMNS = [
    "run_id",
    "status",
    "start_time",
    "stop_time",
    "scenario",
    "variant",
    "rule",
    "seed",
]

#: every status a run can have: Sacred's, and INCOMPLETE for a run whose process died
RUN_STATUSES = ("COMPLETED", "FAILED", "INTERRUPTED", "INCOMPLETE", "RUNNING", "QUEUED", "TIMEOUT")


def _when(value: str | datetime, what: str) -> pd.Timestamp:
    """An ISO date (``2026-01-31``) or date-time as a Timestamp; a ScenarioError naming
    ``what`` for anything else."""
    if isinstance(value, datetime):
        return pd.Timestamp(value)
    try:
        return pd.Timestamp(datetime.fromisoformat(str(value).strip()))
    except ValueError:
        raise ScenarioError(
            [(what, f"{value!r} is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM")]
        ) from None


def _check_status(want: Any) -> None:
    for w in want if isinstance(want, (list, tuple, set, frozenset)) else [want]:
        if isinstance(w, str) and w.upper() not in RUN_STATUSES:
            raise ScenarioError(
                [("status", f"unknown status {w!r}; one of {', '.join(RUN_STATUSES)}")]
            )


def _match(df: pd.DataFrame, column: str, want: Any) -> pd.Series:
    col = df[column] if column in df.columns else pd.Series([None] * len(df), index=df.index)
    if callable(want):
        return col.map(lambda v: bool(want(v)))
    if isinstance(want, (list, tuple, set, frozenset)):
        return col.isin(list(want))
    if isinstance(want, str) and column in ("status",):
        return col.astype(str).str.upper() == want.upper()
    return col == want


def load_runs(
    path: str | Path = "results/runs",
    *,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    ids: Iterable[int | str] | None = None,
    filters: dict[str, Any] | None = None,
    **more: Any,
) -> Runs:
    """Load tracked runs from ``path`` as tidy frames ``Runs(runs, metrics)``.

    Filters: ``since``/``until`` (ISO date or datetime, on ``start_time``),
    ``ids``, and any column by keyword — ``scenario="gdp_tournament"``,
    ``rule=["hybrid", "seniority"]`` (a list means any of), ``status="completed"``,
    ``sweep="terms"`` or a callable predicate. Dotted config columns go in
    ``filters={"tenure.term_length": 7}`` or as ``tenure__term_length=7``. A date that
    is not ISO, or a status not in :data:`RUN_STATUSES`, is a
    :class:`~incentsim.errors.ScenarioError`.
    """
    since_ts = _when(since, "since") if since is not None else None
    until_ts = _when(until, "until") if until is not None else None
    if isinstance(until, str) and len(until.strip()) <= 10:  # a date: include the whole day
        until_ts += pd.Timedelta(days=1)
    wanted = dict(filters or {})
    wanted.update({k.replace("__", "."): v for k, v in more.items()})
    _check_status(wanted.get("status"))
    index, metrics, _ = refresh_index(path)
    runs = _runs_frame(index)
    mask = pd.Series(True, index=runs.index)
    for col, want in wanted.items():
        if want is not None:
            mask &= _match(runs, col, want)
    if ids is not None:
        mask &= runs["run_id"].isin([int(i) for i in ids])
    if since_ts is not None:
        mask &= runs["start_time"] >= since_ts
    if until_ts is not None:
        mask &= runs["start_time"] < until_ts
    runs = runs[mask].reset_index(drop=True)
    return Runs(runs, _metrics_of(runs, metrics))


def _runs_frame(index: pd.DataFrame) -> pd.DataFrame:
    """One row per run from the index records, each status re-checked for liveness
    (never cached) and the start and stop times as datetimes."""
    records = [json.loads(s) for s in index["record"]]
    if not records:
        return pd.DataFrame(columns=_EMPTY_RUN_COLUMNS)
    runs = pd.DataFrame.from_records(records)
    runs["run_id"] = runs["run_id"].astype("int64")
    if "_liveness" in runs.columns:
        live = runs["_liveness"].map(
            lambda t: run_state(json.loads(t)) if isinstance(t, str) else None
        )
        runs["status"] = live.where(live.notna(), runs["status"])
        runs = runs.drop(columns="_liveness")
    for col in ("start_time", "stop_time"):
        runs[col] = pd.to_datetime(runs[col], errors="coerce")
    return runs


def _metrics_of(runs: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """The long per-year metrics of the selected ``runs``, labelled with their scenario,
    variant and seed, sorted by run, outcome and year."""
    cols = ["run_id", "scenario", "variant", "seed", "outcome", "year", "value"]
    if not len(runs):
        return pd.DataFrame(columns=cols)
    m = metrics[metrics["run_id"].isin(runs["run_id"])]
    m = m.merge(runs[["run_id", "scenario", "variant", "seed"]], on="run_id", how="left")
    return m[cols].sort_values(["run_id", "outcome", "year"], ignore_index=True)


def run_dir(path: str | Path, run_id: int | str) -> Path:
    """Directory of run ``run_id``; :class:`UnknownRun` if there is none."""
    d = Path(path) / str(run_id).strip()
    if not str(run_id).strip().isdigit() or not (d / "run.json").is_file():
        raise UnknownRun(f"no run {run_id!r} in {path}")
    return d


def load_run(path: str | Path, run_id: int | str) -> dict[str, Any]:
    """Everything Sacred wrote for one run: ``run``, ``config``, ``info``, ``metrics``
    (wide: ``year`` + outcomes) and ``artifacts`` (name -> path)."""
    d = run_dir(path, run_id)
    run = _read_json(d / "run.json")
    if run.get("status") in ("RUNNING", "QUEUED"):
        run["status"] = run_state(run)
    metrics = _read_json(d / "metrics.json") or {}
    wide = (
        pd.DataFrame({"year": next(iter(metrics.values()))["steps"]}) if metrics else pd.DataFrame()
    )
    for name, m in metrics.items():
        wide[name] = m["values"]
    return {
        "id": int(d.name),
        "dir": d,
        "run": run,
        "config": _read_json(d / "config.json"),
        "info": _read_json(d / "info.json"),
        "metrics": wide,
        "artifacts": {a: d / a for a in run.get("artifacts", [])},
    }


def read_artifact(path: str | Path, run_id: int | str, name: str) -> pd.DataFrame:
    """Read a Parquet/CSV artifact of a run (``timeseries.parquet``, ``leaders.parquet``)."""
    f = run_dir(path, run_id) / name
    if not f.is_file():
        raise UnknownRun(f"run {run_id} has no artifact {name!r}")
    return pd.read_parquet(f) if f.suffix == ".parquet" else pd.read_csv(f)


def select(runs: pd.DataFrame, **where: Callable[[Any], bool] | Any) -> pd.DataFrame:
    """Filter a ``runs`` frame like :func:`load_runs` does (for chaining in notebooks)."""
    mask = pd.Series(True, index=runs.index)
    for col, want in where.items():
        mask &= _match(runs, col.replace("__", "."), want)
    return runs[mask]
