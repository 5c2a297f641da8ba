"""Tracked runs in batches: K (scenario, seed) members stepped as an ensemble, stored
as K Sacred runs.

Every member is one run directory written by
:class:`~incentsim.runs.experiment.SafeFileStorageObserver` with exactly the files
and fields of a run started through Sacred (``run.json``, ``config.json``,
``info.json``, ``metrics.json``, ``cout.txt``, the artifacts; ``_done/<task_key>``
when it completed), so ``incentsim runs``, :func:`incentsim.runs.results.load_runs`,
the runs app and resuming with ``task_key``/``finished_run`` see no difference.
What Sacred would redo for every run is done once per process and shared: the
experiment's description and its source files' digests, the host's description,
the command-line options; run ids are allocated from one listing of the runs
directory per batch; the per-year metrics are written as one table instead of
thousands of ``log_scalar`` calls, and ``run.json`` is written when the run starts
and when it ends (plus a heartbeat every :data:`BEAT_S` seconds), not at every event.

Lifecycle of a member (:func:`run_tracked_batch`): what its run stores is staged
and stored at the next sync point (after a simulated year, before a run is stored as
failed or interrupted, at the end of the batch) as one commit with every other run
started or finished since the last one (:class:`_Batch`): it appears ``RUNNING``
(with the writing process's id) after its first simulated year, and when its result
is ready its files, then ``_done`` and ``run.json`` ``COMPLETED``, are written with
interruptions held, so a finished member is never lost or half-stored. An
interruption (Ctrl-C, SIGTERM, a Dask stop) while members are being stepped stores
the finished ones, then each run in flight as ``INTERRUPTED``, and propagates; a
member whose simulation raises is stored as ``FAILED`` (when several members were
in flight, each is re-run alone so the failure is charged to the member that causes
it).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import json
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from incentsim.api import SimulationResult, outcome_values
from incentsim.ensemble import step_members
from incentsim.outcomes import OUTCOME_NAMES
from incentsim.runs import atomic, interrupts
from incentsim.runs.experiment import (
    _LOCK,
    SafeFileStorageObserver,
    StorageError,
    artifact_writers,
    default_config,
    ensure_runs_dir,
    make_experiment,
    mark_done,
    run_info,
    run_result,
)
from incentsim.scenario import Scenario

#: seconds between heartbeats of the runs in flight (Sacred's default beat interval)
BEAT_S = 10.0
#: the Sacred options every tracked run is started with
OPTIONS = {"--force": True, "--capture": "no", "--loglevel": "CRITICAL"}


@dataclass(frozen=True)
class Member:
    """One run of a batch: a validated scenario, a seed and extra ``info.json`` entries."""

    scenario: Scenario
    seed: int
    info: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """What became of one member: its run id, and its result or the exception it raised."""

    run_id: str | None = None
    result: SimulationResult | None = None
    error: BaseException | None = None
    summary: dict[str, float] | None = None  # as stored in info.json


@dataclass(frozen=True)
class _Shared:
    """What Sacred computes alike for every run of this process."""

    ex_info: dict[str, Any]
    host_info: dict[str, Any]
    meta_info: dict[str, Any]


@functools.cache
def _shared() -> _Shared:
    """The experiment, host and option descriptions Sacred gives a run of this process,
    taken from one run Sacred creates (and never starts)."""
    config = default_config()
    run = make_experiment()._create_run(config_updates=config, options=dict(OPTIONS))
    meta = {k: v for k, v in run.meta_info.items() if k != "config_updates"}
    return _Shared(dict(run.experiment_info), dict(run.host_info), meta)


def metrics_text(metrics: Mapping[str, Mapping[str, list]]) -> str:
    """``metrics.json`` as ``json.dumps(metrics, sort_keys=True, indent=2)`` writes it
    (Sacred's format), but with the C encoder for the lists of numbers and timestamps,
    which the indenting encoder would format one Python call per element; a list shared
    by several metrics (the years, the timestamps) is formatted once."""
    texts: dict[int, str] = {}  # id of a list -> its text (the lists live while we run)
    parts = []
    for name in sorted(metrics):
        fields = []
        for k, v in sorted(metrics[name].items()):
            text = texts.get(id(v))
            if text is None:
                text = texts[id(v)] = _list_text(v)
            fields.append(f"    {json.dumps(k)}: {text}")
        parts.append(f"  {json.dumps(name)}: {{\n" + ",\n".join(fields) + "\n  }")
    return "{\n" + ",\n".join(parts) + "\n}" if parts else "{}"


def _list_text(values: list) -> str:
    """A list of numbers or plain strings at the third level of indentation (the C
    encoder puts the line breaks and indentation between the items)."""
    if not values:
        return "[]"
    return "[\n      " + json.dumps(values, separators=(",\n      ", ": "))[1:-1] + "\n    ]"


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)  # Sacred writes naive UTC


class _Batch:
    """The runs of one batch: started, beating, completed, interrupted or failed.

    What a member's run stores is staged in one :class:`~incentsim.runs.atomic.Commit`
    that is applied at the next *sync point*: after a simulated year, before a run is
    stored as failed or interrupted, at the end. So the runs that start and finish
    between two simulated years (all K of a vectorised group; in a sequential one,
    the run that ends and the one that starts) share their flushes to disk; a run
    appears (``RUNNING``) after its first simulated year. Interruptions are held
    while a commit is prepared and applied.
    """

    def __init__(
        self, runs_dir: Path, members: Sequence[Member], figures: bool, on_done: Callable | None
    ):
        self.runs_dir, self.members, self.figures = runs_dir, members, figures
        self.on_done = on_done
        self.shared = _shared()
        self.commit = atomic.Commit()
        self.starting: dict[int, datetime.datetime] = {}  # stepped, not yet stored
        self.open: dict[int, SafeFileStorageObserver] = {}  # stored as RUNNING
        self.stored: list[tuple[int, SafeFileStorageObserver, Outcome]] = []  # staged
        self.out: dict[int, Outcome] = {}
        self.next_id: int | None = None
        self.last_beat = time.monotonic()
        self.applying: threading.Thread | None = None  # a start commit, in the background
        self.apply_error: OSError | None = None

    def start(self, i: int) -> None:
        """Member ``i`` is being stepped (its run is stored at the next sync point)."""
        if i not in self.open and i not in self.starting:
            self.starting[i] = _utcnow()

    def _open(self, i: int, when: datetime.datetime) -> None:
        """Stage member ``i``'s run as ``RUNNING`` (its directory is made now)."""
        m = self.members[i]
        config = {**m.scenario.to_dict(), "seed": int(m.seed)}
        obs = SafeFileStorageObserver(str(self.runs_dir))
        obs.first_id = self.next_id
        try:
            with atomic.staged(self.commit, 1):  # beside finished runs' files
                obs.started_event(
                    ex_info=dict(self.shared.ex_info),
                    command="main",
                    host_info=self.shared.host_info,
                    start_time=when,
                    config=config,
                    meta_info={**self.shared.meta_info, "config_updates": config},
                    _id=None,
                )
        except OSError as exc:
            raise StorageError(
                f"cannot write run in {obs.dir or self.runs_dir}: {exc.strerror or exc}"
            ) from None
        obs.info = dict(m.info)
        self.open[i] = obs
        self.next_id = int(Path(obs.dir).name) + 1

    def finish(self, i: int, res: SimulationResult) -> None:
        """Stage member ``i``'s result: its files, then (a later phase) the done marker
        and ``run.json`` ``COMPLETED``."""
        with interrupts.held():
            self.settle()
            if i in self.starting:
                self._open(i, self.starting.pop(i))
            obs = self.open.pop(i)
            run_id = Path(obs.dir).name
            info = {**self.members[i].info, **run_info(res)}
            stop = _utcnow()
            with atomic.staged(self.commit, 1), contextlib.suppress(OSError):
                self._store(obs, res, info, stop)  # an error is noted: FAILED below
            with atomic.staged(self.commit, 2):
                # the marker before run.json: a run never reads COMPLETED without it, so
                # a process killed between the two renames leaves a run that is redone
                if not obs.write_errors:
                    mark_done(self.runs_dir, info["task_key"], run_id)
                obs.completed_event(stop_time=stop, result=run_result(info["summary"]))
            self.stored.append((i, obs, Outcome(run_id, res, summary=info["summary"])))

    def sync(self, background: bool = False) -> None:
        """A sync point: store the runs started and finished since the last one. With
        ``background``, a commit of runs that only started (it need not be durable, and
        waits on the disk) is applied by a thread while the members are stepped on; the
        next use of the commit or of a run's files waits for it (:meth:`settle`)."""
        if not (self.starting or self.stored):
            if not background:
                self.settle()
            return
        with interrupts.held():
            self.settle()
            for i, when in sorted(self.starting.items()):
                self._open(i, when)
            self.starting.clear()
            if background and not self.stored:
                self.applying = threading.Thread(target=self._apply_started, daemon=True)
                self.applying.start()
                return
            try:  # runs that only started need not be durable yet: the next commit is
                self.commit.apply(durable=bool(self.stored))
            except OSError as exc:
                raise self._storage_error(exc) from None
            stored, self.stored = self.stored, []
            broken = [obs for _, obs, _ in stored if obs.write_errors]
            for i, obs, outcome in stored:
                if not obs.write_errors:
                    self._done(i, outcome)
            if broken:
                raise StorageError(
                    f"run {Path(broken[0].dir).name} in {self.runs_dir} is incomplete, "
                    f"{broken[0].write_errors[0]}"
                )

    def _apply_started(self) -> None:
        try:
            self.commit.apply(durable=False)
        except OSError as exc:
            self.apply_error = exc

    def settle(self) -> None:
        """Wait for a commit applied in the background; :class:`StorageError` if it
        failed."""
        if self.applying is None:
            return
        self.applying.join()
        self.applying, exc, self.apply_error = None, self.apply_error, None
        if exc is not None:
            raise self._storage_error(exc)

    def _storage_error(self, exc: OSError) -> StorageError:
        return StorageError(f"cannot store runs in {self.runs_dir}: {exc.strerror or exc}")

    def _store(self, obs, res: SimulationResult, info: dict, stop) -> None:
        """Metrics, artifacts, info and the heartbeat of a finished member's run."""
        years = [int(y) for y in res.timeseries["year"]]
        stamps = [stop.isoformat()] * len(years)
        values = outcome_values(res.timeseries).tolist()
        metrics = {
            name: {"steps": years, "timestamps": stamps, "values": v}
            for name, v in zip(OUTCOME_NAMES, values, strict=True)
        }
        text = metrics_text(metrics)  # as Sacred's log_metrics would write it
        obs.save_artifact("metrics.json", lambda p: p.write_text(text))
        for name, write in artifact_writers(res, figures=self.figures).items():
            obs.save_artifact(name, write)  # straight into the run directory
            obs.run_entry["artifacts"].append(name)
        obs.info = info
        obs.save_json(info, "info.json")
        obs.run_entry["heartbeat"] = stop.isoformat()

    def fail(self, i: int, exc: BaseException) -> None:
        """Store member ``i``'s run as ``FAILED`` with the traceback of ``exc``."""
        self.sync()
        obs = self.open.pop(i)
        trace = traceback.format_exception(type(exc), exc, exc.__traceback__)
        with interrupts.held(), contextlib.suppress(OSError):
            obs.failed_event(fail_time=_utcnow(), fail_trace=trace)
        self._done(i, Outcome(Path(obs.dir).name, error=exc))

    def interrupt(self) -> None:
        """Store what finished, then every run in flight as ``INTERRUPTED``."""
        with interrupts.held():
            with contextlib.suppress(OSError):  # StorageError: the runs stay incomplete
                self.settle()
            with contextlib.suppress(OSError):
                self.sync()
            for obs in self.open.values():
                with contextlib.suppress(OSError):
                    obs.interrupted_event(interrupt_time=_utcnow(), status="INTERRUPTED")
            self.open.clear()

    def beat(self) -> None:
        """After a simulated year: a sync point (the start of runs stored in the
        background), and every :data:`BEAT_S` seconds a heartbeat in the ``run.json`` of
        each run in flight (how another host tells a long run from a dead one)."""
        self.sync(background=True)
        if time.monotonic() - self.last_beat < BEAT_S:
            return
        self.last_beat = time.monotonic()
        now = _utcnow().isoformat()
        with interrupts.held():
            self.settle()
            for obs in self.open.values():
                obs.run_entry["heartbeat"] = now
                with contextlib.suppress(OSError):
                    obs.save_json(obs.run_entry, "run.json")

    def beating(self, progress: Callable[[int, int], None] | None) -> Callable[[int, int], None]:
        """``progress`` that also beats (:meth:`beat`)."""

        def step(done: int, total: int) -> None:
            self.beat()
            if progress is not None:
                progress(done, total)

        return step

    def _done(self, i: int, outcome: Outcome) -> None:
        self.out[i] = outcome
        if self.on_done is not None:
            self.on_done(i, outcome)


def run_tracked_batch(
    members: Sequence[Member],
    runs_dir: str | Path,
    *,
    figures: bool = False,
    progress: Callable[[int, int], None] | None = None,
    on_done: Callable[[int, Outcome], None] | None = None,
    max_size: int | None = None,
) -> list[Outcome]:
    """Run ``members`` as ensembles (:func:`incentsim.ensemble.plan`), each a tracked run
    in ``runs_dir``; their :class:`Outcome` in member order.

    ``progress(done, total)`` counts the member-years of the batch; ``max_size`` caps
    the members stepped together;
    ``on_done(i, outcome)`` is called as each member is stored. A failing member is an
    ``Outcome`` with ``error`` (its run ``FAILED``); a ``KeyboardInterrupt`` stores
    the runs in flight as ``INTERRUPTED`` and propagates, and so does a
    :class:`~incentsim.runs.experiment.StorageError`. Thread-safe (batches in one
    process are serialised).
    """
    runs = ensure_runs_dir(runs_dir)
    with _LOCK, interrupts.held():
        batch = _Batch(runs, members, figures, on_done)
        try:
            with interrupts.delivered():  # the hooks hold them while they store a run
                step_members(
                    [m.scenario for m in members],
                    [m.seed for m in members],
                    batch.beating(progress),
                    started=batch.start,
                    finished=batch.finish,
                    failed=batch.fail,
                    max_size=max_size,
                )
            batch.sync()
        except BaseException:
            batch.interrupt()
            raise
    return [batch.out[i] for i in range(len(members))]
