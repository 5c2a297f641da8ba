"""Where tracked runs execute: in-process, a local process pool, or Dask.

A :class:`Task` is one (resolved scenario, seed) pair. Tasks are sent in
batches that are stepped as ensembles (:func:`ensembles`: tasks of one class whose
scenarios share :func:`incentsim.ensemble.group_key`, within the memory budget); a
worker runs a batch with :meth:`Task.run_many` — for tracked tasks
:func:`incentsim.runs.tracking.run_tracked_batch`, so every task is one
Sacred-tracked run in ``runs_dir`` — and returns a compact
:class:`TaskResult` per task (run id, summary, optionally the timeseries and the leader
panel, so a caller need not read back what it just ran). A failing
simulation is reported in its result, not raised; a worker that dies has its
batch retried (process pool: once on a fresh pool; Dask: ``retries=2`` plus
the scheduler's own rescheduling), and tasks still unfinished are reported as
failed. Results depend only on (scenario, seed): bit-identical whatever the
executor or number of workers.

Interruptions: a ``KeyboardInterrupt`` in the calling process (Ctrl-C, or
SIGTERM converted by the command line) cancels what has not started, sends
SIGTERM to the pool's workers (which turn it into ``KeyboardInterrupt``, so
Sacred stores their runs as ``INTERRUPTED``, and then exit) and propagates.
The pool starts with interruptions held until every worker is up, so an
interruption never meets a worker half-started. Dask workers run tasks in
threads that signals cannot reach, so there the interruption is cooperative:
the caller sets a Dask ``Event``; each run in flight checks it after every
simulated year and stops as ``INTERRUPTED``, and batches start no further run (a
traceback Dask's own ``sync`` logs after such an interruption is hidden:
:mod:`incentsim.runs.dask_logs`). A
:class:`~incentsim.runs.experiment.StorageError` (runs directory unwritable or full)
is not a per-task failure: it stops the whole execution the same way.

Executors: ``serial`` (in this process, with a per-year progress callback),
``local`` (``concurrent.futures`` process pool, the default), ``dask``
(``scheduler=None``: a ``LocalCluster`` on 127.0.0.1; else the address of a
running ``dask scheduler``, e.g. ``tcp://10.0.0.5:8786``). With Dask, workers
write runs into ``runs_dir`` themselves, so it must be a path every worker can
reach (a shared filesystem); start workers with ``--nthreads 1``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import multiprocessing
import os
import signal
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed as cf_as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from incentsim.runs import interrupts
from incentsim.runs.dask_logs import hide_sync_cancel_race
from incentsim.runs.experiment import StorageError, finished_run, task_key
from incentsim.runs.ranges import check_seed
from incentsim.scenario import Scenario, load_scenario

if TYPE_CHECKING:
    from incentsim.runs.tracking import Outcome

EXECUTORS = ("local", "serial", "dask")


@dataclass(frozen=True)
class Task:
    """One simulation to run: a resolved scenario dict, a seed and extra info."""

    scenario: dict[str, Any]
    seed: int
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return task_key(self.scenario, self.seed)

    @classmethod
    def of(cls, scenario: Scenario, seed: int, **info: Any) -> Task:
        return cls(scenario.to_dict(), int(seed), dict(info))

    def run(
        self,
        runs_dir: str | Path,
        skip_done: bool = False,
        keep_timeseries: bool = True,
        progress: Callable[[int, int], None] | None = None,
        keep_leaders: bool = False,
    ) -> TaskResult:
        """Run this task alone: :meth:`run_many` of this one task."""
        (result,) = type(self).run_many(
            [self], runs_dir, skip_done, keep_timeseries, progress, keep_leaders=keep_leaders
        )
        assert result is not None
        return result

    @classmethod
    def run_many(
        cls,
        tasks: Sequence[Task],
        runs_dir: str | Path,
        skip_done: bool = False,
        keep_timeseries: bool = True,
        progress: Callable[[int, int], None] | None = None,
        on_result: Callable[[int, TaskResult], None] | None = None,
        keep_leaders: bool = False,
    ) -> list[TaskResult | None]:
        """Run ``tasks`` where a worker calls it, stepped as ensembles, each one tracked
        run (:func:`run_tasks`); a subclass may run them differently, e.g. untracked and
        cached: :class:`incentsim.design.exploratory.cache.CachedTask`.
        ``on_result(i, result)`` as each task is done; ``None`` for a task that was not
        (the batch was interrupted: ``KeyboardInterrupt`` propagates)."""
        return run_tasks(
            tasks, runs_dir, skip_done, keep_timeseries, progress, on_result, keep_leaders
        )


@dataclass
class TaskResult:
    """What came back for one task."""

    key: str
    seed: int
    scenario: str
    run_id: str | None = None
    summary: dict[str, float] | None = None
    timeseries: pd.DataFrame | None = None
    error: str | None = None
    skipped: bool = False  # finished before (resumed sweep): not run again
    leaders: pd.DataFrame | None = None  # the leader panel, when asked to keep it

    @property
    def ok(self) -> bool:
        return self.error is None


def _from_finished(
    task: Task, runs_dir: Path, run_id: str, keep_timeseries: bool, keep_leaders: bool = False
) -> TaskResult:
    import json

    d = runs_dir / run_id
    info = json.loads((d / "info.json").read_text())
    ts = pd.read_parquet(d / "timeseries.parquet") if keep_timeseries else None
    return TaskResult(
        task.key,
        task.seed,
        task.scenario.get("name", ""),
        run_id,
        info.get("summary"),
        ts,
        skipped=True,
        leaders=pd.read_parquet(d / "leaders.parquet") if keep_leaders else None,
    )


def run_task(
    task: Task,
    runs_dir: str | Path,
    skip_done: bool = False,
    keep_timeseries: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> TaskResult:
    """Run one task tracked in ``runs_dir`` (or reuse a finished run if ``skip_done``)."""
    (result,) = run_tasks([task], runs_dir, skip_done, keep_timeseries, progress)
    assert result is not None
    return result


def error_line(exc: BaseException) -> str:
    """The last line of ``exc``'s traceback: what a failed task reports."""
    return traceback.format_exception_only(type(exc), exc)[-1].strip()


def run_tasks(
    tasks: Sequence[Task],
    runs_dir: str | Path,
    skip_done: bool = False,
    keep_timeseries: bool = True,
    progress: Callable[[int, int], None] | None = None,
    on_result: Callable[[int, TaskResult], None] | None = None,
    keep_leaders: bool = False,
) -> list[TaskResult | None]:
    """Run ``tasks`` as one tracked batch in ``runs_dir``
    (:func:`incentsim.runs.tracking.run_tracked_batch`), reusing a run finished before
    (``skip_done``) or by a first attempt of this invocation (``info["invocation"]``).
    A failing simulation or an invalid scenario is reported in its result; the results
    hold the timeseries (``keep_timeseries``) and the leader panel (``keep_leaders``)
    of each run."""
    from incentsim.runs.tracking import Member, run_tracked_batch

    runs_dir = Path(runs_dir)
    out: list[TaskResult | None] = [None] * len(tasks)

    def done(i: int, result: TaskResult) -> None:
        out[i] = result
        if on_result is not None:
            on_result(i, result)

    todo, members = [], []
    for i, t in enumerate(tasks):
        finished = _finished_before(t, runs_dir, skip_done)
        if finished is not None:
            done(i, _from_finished(t, runs_dir, finished, keep_timeseries, keep_leaders))
            continue
        try:
            members.append(Member(load_scenario(t.scenario), check_seed(t.seed), t.info))
        except Exception as exc:  # noqa: BLE001 - reported per task
            done(i, TaskResult(t.key, t.seed, t.scenario.get("name", ""), error=error_line(exc)))
            continue
        todo.append(i)

    def stored(j: int, o: Outcome) -> None:
        t = tasks[todo[j]]
        name = t.scenario.get("name", "")
        if o.error is not None:
            done(todo[j], TaskResult(t.key, t.seed, name, error=error_line(o.error)))
            return
        assert o.result is not None
        ts = o.result.timeseries if keep_timeseries else None
        leaders = o.result.leaders if keep_leaders else None
        done(todo[j], TaskResult(t.key, t.seed, name, o.run_id, o.summary, ts, leaders=leaders))

    if members:
        run_tracked_batch(members, runs_dir, progress=progress, on_done=stored)
    return out


def _finished_before(task: Task, runs_dir: Path, skip_done: bool) -> str | None:
    """The finished run that stands for ``task``: any (``skip_done``), or one of this
    invocation (a retried batch does not repeat what its first attempt finished)."""
    if not (skip_done or task.info.get("invocation")):
        return None
    return finished_run(runs_dir, task.key, None if skip_done else task.info.get("invocation"))


_IN_TASK = False
_STOPPING = False


def _worker_signal(signum, frame):  # noqa: ARG001
    global _STOPPING
    if _STOPPING:
        return  # already stopping: let Sacred finish writing INTERRUPTED
    _STOPPING = signum
    if _IN_TASK:
        raise KeyboardInterrupt  # Sacred stores the run in flight as INTERRUPTED
    os._exit(128 + signum)  # idle worker: just go


def _init_worker(ready) -> None:
    """Process-pool worker: SIGTERM or SIGINT interrupts the run in flight cleanly;
    ``ready`` tells the pool this worker is up."""
    signal.signal(signal.SIGTERM, _worker_signal)
    signal.signal(signal.SIGINT, _worker_signal)
    ready.release()


def run_batch(
    batch: Sequence[Task],
    runs_dir: str,
    skip_done: bool = False,
    keep_timeseries: bool = True,
    stop_event: str | None = None,
    keep_leaders: bool = False,
) -> list[TaskResult | None]:
    """Worker entry point: run a batch of tasks as ensembles (importable by Dask workers).

    A pool worker that was interrupted exits once its runs in flight are stored as
    ``INTERRUPTED``: it does not go back to the pool's queue, whose lock an
    interrupted sibling may have taken with it. ``stop_event`` names a Dask
    ``Event`` that interrupts the batch when set (Dask workers only); the tasks it
    did not finish are then ``None``.
    """
    keep = (keep_timeseries, keep_leaders)
    if stop_event:
        return _run_batch_on_dask(batch, runs_dir, skip_done, keep, stop_event)
    global _IN_TASK
    _IN_TASK = True
    try:
        return _run_many(batch, runs_dir, skip_done, keep)
    except KeyboardInterrupt:
        if _STOPPING:
            os._exit(128 + _STOPPING)
        raise
    finally:
        _IN_TASK = False


def _run_many(
    batch: Sequence[Task],
    runs_dir: str | Path,
    skip_done: bool,
    keep: tuple[bool, bool],
    progress: Callable[[int, int], None] | None = None,
    on_result: Callable[[int, TaskResult], None] | None = None,
) -> list[TaskResult | None]:
    """``batch`` run by its tasks' class (:meth:`Task.run_many`; one class per batch);
    ``keep``: whether the results hold the timeseries and the leader panel."""
    keep_timeseries, keep_leaders = keep
    return type(batch[0]).run_many(
        batch, runs_dir, skip_done, keep_timeseries, progress, on_result, keep_leaders
    )


def _run_batch_on_dask(batch, runs_dir, skip_done, keep, stop_event):
    """A batch on a Dask worker; once ``stop_event`` is set, the runs in flight are
    stored as ``INTERRUPTED`` and no further run starts. The interruption never
    leaves the task (a ``KeyboardInterrupt`` would shut the worker down)."""
    out: list[TaskResult | None] = [None] * len(batch)
    with _DaskStop(stop_event) as stop:
        if stop.is_set():
            return out
        with contextlib.suppress(KeyboardInterrupt):
            _run_many(batch, runs_dir, skip_done, keep, stop.check, out.__setitem__)
    return out


class _DaskStop:
    """The caller's interruption as seen from a Dask worker (a named ``Event``).

    A watcher thread long-polls the scheduler for the event, so a run checks a
    local flag after every simulated year at no cost. Losing the scheduler
    counts as an interruption: the caller is gone too.
    """

    POLL_S = 1.0  # the watcher's long-poll; it ends at most this long after the batch

    def __init__(self, name: str):
        from distributed import Event, get_client

        # the worker's client, bound here in the task's thread, serves the watcher too
        self._event = Event(name, client=get_client())
        self._flag, self._done = threading.Event(), threading.Event()
        self._watcher = threading.Thread(
            target=self._watch, daemon=True, name="incentsim-stop-watcher"
        )

    def __enter__(self) -> _DaskStop:
        try:  # a batch that starts after the interruption runs nothing
            if self._event.is_set():
                self._flag.set()
        except Exception:  # noqa: BLE001 - the scheduler is gone
            self._flag.set()
        self._watcher.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()

    def _watch(self) -> None:
        while not self._done.is_set():
            try:
                if self._event.wait(timeout=self.POLL_S):
                    break
            except Exception:  # noqa: BLE001 - the scheduler is gone
                break
        else:
            return
        self._flag.set()

    def is_set(self) -> bool:
        return self._flag.is_set()

    def check(self, done: int, total: int) -> None:  # noqa: ARG002 - a progress callback
        if self._flag.is_set():
            raise KeyboardInterrupt  # Sacred stores the run as INTERRUPTED


def default_jobs() -> int:
    """Worker processes by default: the CPU count, at most 8."""
    return max(1, min(os.cpu_count() or 1, 8))


def execute(
    tasks: Sequence[Task],
    runs_dir: str | Path,
    *,
    executor: str = "local",
    jobs: int | None = None,
    scheduler: str | None = None,
    batch_size: int | None = None,
    skip_done: bool = False,
    keep_timeseries: bool = True,
    keep_leaders: bool = False,
    on_result: Callable[[TaskResult], None] | None = None,
    year_progress: Callable[[int, int], None] | None = None,
) -> list[TaskResult]:
    """Run ``tasks`` and return their results in task order.

    ``skip_done``: tasks whose (scenario, seed) already completed in ``runs_dir``
    are not run again (their stored summary is returned, ``skipped=True``).
    ``keep_timeseries`` / ``keep_leaders``: each result holds its run's timeseries / leader
    panel as stored (sent back by its worker, or read for a run finished before).
    ``on_result`` is called as each result arrives (progress bars). ``batch_size``:
    most tasks stepped together as one ensemble; by default :data:`ENSEMBLE_SIZE` and
    about :data:`ENSEMBLE_AGENTS` firms and citizens an ensemble."""
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; use one of {', '.join(EXECUTORS)}")
    runs_dir = Path(runs_dir).resolve()
    invocation = uuid.uuid4().hex[:12]
    tasks = [dataclasses.replace(t, info={**t.info, "invocation": invocation}) for t in tasks]
    results: dict[int, TaskResult] = {}
    todo: list[int] = []
    for i, t in enumerate(tasks):
        done = finished_run(runs_dir, t.key) if skip_done else None
        if done is not None:
            results[i] = _from_finished(t, runs_dir, done, keep_timeseries, keep_leaders)
            if on_result:
                on_result(results[i])
        else:
            todo.append(i)
    jobs = jobs or default_jobs()
    if executor == "local" and (jobs == 1 or len(todo) <= 1):
        executor = "serial"
    groups = ensembles(tasks, todo, *_batch_limits(batch_size, executor, len(todo), jobs))

    def store(i: int, r: TaskResult) -> None:
        results[i] = r
        if on_result:
            on_result(r)

    keep = (keep_timeseries, keep_leaders)
    if executor == "serial":
        for g in groups:
            batch = [tasks[i] for i in g]
            _run_many(batch, runs_dir, skip_done, keep, year_progress, _at(store, g))
    else:
        run = _run_dask if executor == "dask" else _run_pool
        for idx_group, out in run(groups, tasks, str(runs_dir), jobs, scheduler, skip_done, keep):
            for i, r in zip(idx_group, out):
                store(i, r)
    return [results[i] for i in range(len(tasks))]


def _batch_limits(
    batch_size: int | None, executor: str, n_tasks: int, jobs: int
) -> tuple[int, int | None]:
    """Most members and most firms and citizens (None: no limit) of an ensemble:
    ``batch_size`` if given, else :data:`ENSEMBLE_SIZE` and :data:`ENSEMBLE_AGENTS`, with
    enough batches to keep every worker of a pool busy."""
    if batch_size:
        return batch_size, None
    if executor == "serial":
        return ENSEMBLE_SIZE, ENSEMBLE_AGENTS
    return max(1, min(ENSEMBLE_SIZE, math.ceil(n_tasks / (jobs * 4)))), ENSEMBLE_AGENTS


def _at(store: Callable[[int, TaskResult], None], idx: list[int]):
    """``store`` for a batch: its ``j``-th task is task ``idx[j]``."""
    return lambda j, r: store(idx[j], r)


#: most tasks stepped together as one ensemble by default (fewer when memory is short,
#: to keep every worker of a pool busy, or by :data:`ENSEMBLE_AGENTS`)
ENSEMBLE_SIZE = 64

#: firms and citizens of one ensemble by default: the batch size that cost the least CPU
#: a member at each scale (2026-12-03, ``simulate_ensemble``, 2-vCPU Xeon): small
#: (13,500 agents a member) 9.2-9.8 ms a member at K = 48-96 against 11.1 at K = 16;
#: province (100,000) 46 ms at K = 8, 47-48 at K = 12-16, 52 at K = 4. So small-scale
#: studies step 59 members together, province-scale ones 8.
ENSEMBLE_AGENTS = 800_000


def ensembles(
    tasks: Sequence[Task], todo: Sequence[int], size: int, max_agents: int | None = None
) -> list[list[int]]:
    """The indices ``todo`` of ``tasks`` in batches stepped as ensembles: tasks of one
    class whose scenarios share :func:`incentsim.ensemble.group_key`, in order of first
    appearance, at most ``size`` in a batch, within the memory budget and, if given, of
    at most ``max_agents`` firms and citizens in all (:func:`incentsim.ensemble.plan`).
    A task whose scenario is invalid is a batch of its own (it fails there, reported in
    its result)."""
    from incentsim.ensemble import plan

    by_class: dict[type, list[tuple[int, Scenario]]] = {}
    out: list[list[int]] = []
    for i in todo:
        try:
            sc = load_scenario(tasks[i].scenario)
        except Exception:  # noqa: BLE001 - reported when the batch runs
            out.append([i])
            continue
        by_class.setdefault(type(tasks[i]), []).append((i, sc))
    for members in by_class.values():
        scenarios = [sc for _, sc in members]
        groups = plan(scenarios, max_size=size, max_agents=max_agents)
        out.extend([members[j][0] for j in g] for g in groups)
    return out


def _failed(idx_group: list[int], tasks: Sequence[Task], why: str) -> list[TaskResult]:
    return [
        TaskResult(tasks[i].key, tasks[i].seed, tasks[i].scenario.get("name", ""), error=why)
        for i in idx_group
    ]


def _run_pool(groups, tasks, runs_dir, jobs, scheduler, skip_done, keep) -> Iterable:
    """Process pool; a batch whose worker died is retried once on a fresh pool."""
    # forkserver: workers fork from a server that imported incentsim once (fast
    # start, no threads of this process inherited)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["incentsim.runs.executors"])
    pending = list(groups)
    for _attempt in range(2):
        if not pending:
            return
        lost = []
        with interrupts.held():
            pool, futs = _start_pool(ctx, pending, tasks, runs_dir, jobs, skip_done, keep)
        try:
            for fut in cf_as_completed(futs):
                g = futs[fut]
                try:
                    yield g, fut.result()
                except BrokenProcessPool:
                    lost.append(g)
                except StorageError:
                    raise
                except Exception as exc:  # noqa: BLE001
                    yield g, _failed(g, tasks, f"{type(exc).__name__}: {exc}")
        except BaseException:  # Ctrl-C, SIGTERM, StorageError, generator closed
            _stop_pool(pool)
            raise
        pool.shutdown(wait=True)
        pending = lost
    for g in pending:
        yield g, _failed(g, tasks, "worker process died twice; run again to retry")


_START_TIMEOUT = 120.0  # seconds for every worker of a pool to come up


def _start_pool(ctx, pending, tasks, runs_dir, jobs, skip_done, keep):
    """A process pool with every batch submitted and every worker up.

    Workers are started by the submissions (one per submission until the pool
    is full); waiting for each to report ready means none is still starting
    when an interruption arrives.
    """
    ready = ctx.Semaphore(0)
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(pending)),
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(ready,),
    )
    keep_timeseries, keep_leaders = keep
    futs = {
        pool.submit(
            run_batch,
            [tasks[i] for i in g],
            runs_dir,
            skip_done,
            keep_timeseries,
            keep_leaders=keep_leaders,
        ): g
        for g in pending
    }
    procs, up, t0 = _pool_processes(pool), 0, time.monotonic()
    while up < len(procs) and time.monotonic() - t0 < _START_TIMEOUT:
        if ready.acquire(timeout=0.1):
            up += 1
        elif not all(p.is_alive() for p in procs):
            break  # a worker died starting: the pool reports it as broken
    return pool, futs


def _pool_processes(pool: ProcessPoolExecutor) -> list:
    # concurrent.futures keeps its worker processes private; they are needed to
    # wait for them to start and to interrupt them
    return list((getattr(pool, "_processes", None) or {}).values())


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started; interrupt (SIGTERM) the runs in flight; wait.

    A worker still alive 30 s after the interruption is killed.
    """
    procs = _pool_processes(pool)
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        _signal(proc, signal.SIGTERM)
    for proc in procs:
        with contextlib.suppress(OSError, ValueError):
            proc.join(timeout=30)
        _signal(proc, signal.SIGKILL)


def _signal(proc, signum: int) -> None:
    try:
        if proc.is_alive():
            os.kill(proc.pid, signum)
    except (OSError, ValueError):
        pass


def _run_dask(groups, tasks, runs_dir, jobs, scheduler, skip_done, keep) -> Iterable:
    """Dask distributed: a given scheduler address, or a LocalCluster on loopback."""
    from distributed import Event, as_completed, wait

    client, cluster = _dask_client(scheduler, jobs)
    stop = f"incentsim-stop-{uuid.uuid4().hex}"
    futs = {}
    try:
        for g in groups:
            # a retried batch skips what its first attempt finished (task.info["invocation"])
            f = client.submit(
                run_batch,
                [tasks[i] for i in g],
                runs_dir,
                skip_done,
                keep[0],
                stop,
                keep_leaders=keep[1],
                retries=2,
                pure=False,
            )
            futs[f] = g
        for fut in as_completed(list(futs)):
            g = futs[fut]
            try:
                # a batch that lost the scheduler stops early: the rest is not run
                yield (
                    g,
                    [
                        r if r is not None else _failed([i], tasks, _LOST)[0]
                        for i, r in zip(g, fut.result())
                    ],
                )
            except StorageError:
                raise
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker after retries
                yield g, _failed(g, tasks, f"{type(exc).__name__}: {exc}")
    except BaseException:  # Ctrl-C, SIGTERM, StorageError, generator closed
        with interrupts.held():  # let the runs in flight store themselves as INTERRUPTED
            Event(stop, client=client).set()
            with contextlib.suppress(TimeoutError):
                wait(list(futs), timeout=_STOP_TIMEOUT)
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


_LOST = "stopped on its worker (lost the scheduler); run again to complete it"
_STOP_TIMEOUT = 60.0  # seconds to wait for Dask runs in flight to store themselves


def _dask_client(scheduler: str | None, jobs: int):
    """A Dask client of the scheduler at ``scheduler``, or of a new ``LocalCluster`` of
    ``jobs`` one-thread workers on loopback; ``(client, cluster or None)``."""
    import dask
    from distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.WARNING)
    hide_sync_cancel_race()
    if scheduler:
        return Client(scheduler, timeout="20s"), None
    # distributed's nanny writes its workers' MALLOC_TRIM_THRESHOLD_ into this
    # process's environment before spawning them; unset, the workers (and later models
    # here) keep incentsim.allocator's tuning instead of taking it for the user's own
    unset_trim = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
    with interrupts.ignored_by_children(), dask.config.set(unset_trim):
        cluster = LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
    return Client(cluster), cluster
