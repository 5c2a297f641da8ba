"""Untracked simulations whose summaries are cached on disk.

An optimisation evaluates thousands of candidates x seeds. Storing each as a
Sacred run (metrics, two parquet artifacts, about 300 kB and twice the run time
at small scale) would make the runs directory the bottleneck, so
``incentsim optimize`` runs them as :class:`CachedTask`: the simulation runs
without Sacred and its summary (``<outcome>_mean`` / ``<outcome>_final``) is
written to ``<runs_dir>/_evals/<key>.json`` (with the simulation's CPU time,
``cpu_seconds``: from the start of its stepping to its result; in an ensemble
stepped as one population, since the previous member's result), where ``key`` is
:func:`incentsim.runs.experiment.task_key` — a hash of the resolved scenario (the
candidate), the seed and the simulation code's fingerprint. The optimisation
itself is the tracked run: its record holds every evaluation as a table.

A summary file is written whole or not at all
(:func:`~incentsim.runs.experiment.written_atomically`), only once its simulation has
finished, so an interrupted optimisation keeps exactly the evaluations that
finished and a re-run reads them back instead of simulating again. The tasks run
wherever :func:`incentsim.runs.executors.execute` sends them (process pool, Dask),
in batches stepped as ensembles (:func:`incentsim.ensemble.step_members`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from incentsim.api import SimulationResult
from incentsim.runs.executors import Task, TaskResult, error_line
from incentsim.runs.experiment import StorageError, written_atomically
from incentsim.runs.ranges import check_seed
from incentsim.scenario import Scenario, load_scenario

CACHE_DIR = "_evals"


def cache_path(runs_dir: str | Path, key: str) -> Path:
    """Where the cached summary of task ``key`` is kept in ``runs_dir``."""
    return Path(runs_dir) / CACHE_DIR / f"{key}.json"


def read_cached(runs_dir: str | Path, key: str) -> dict[str, float] | None:
    """The cached summary of task ``key``, or ``None`` if it has not finished."""
    try:
        return json.loads(cache_path(runs_dir, key).read_text())["summary"]
    except (OSError, ValueError, KeyError):
        return None


@dataclass(frozen=True)
class CachedTask(Task):
    """A simulation run without Sacred, its summary cached under its task key."""

    @classmethod
    def run_many(
        cls,
        tasks: Sequence[Task],
        runs_dir: str | Path,
        skip_done: bool = False,  # noqa: ARG003 - a cached summary is always reused
        keep_timeseries: bool = False,  # noqa: ARG003 - no timeseries is kept
        progress: Callable[[int, int], None] | None = None,
        on_result: Callable[[int, TaskResult], None] | None = None,
        keep_leaders: bool = False,  # noqa: ARG003 - no leader panel is kept
    ) -> list[TaskResult | None]:
        """Read the cached summaries; step the other tasks as ensembles and cache each
        summary as soon as its simulation is done (a failure is reported per task)."""
        from incentsim.ensemble import step_members

        out: list[TaskResult | None] = [None] * len(tasks)

        def done(i: int, r: TaskResult) -> None:
            out[i] = r
            if on_result is not None:
                on_result(i, r)

        todo, members = _uncached(tasks, runs_dir, done)
        clock = {"last": time.process_time()}

        def started(j: int) -> None:
            clock["last"] = max(clock["last"], time.process_time())

        def finished(j: int, res: SimulationResult) -> None:
            t = tasks[todo[j]]
            now = time.process_time()
            summary = res.summary()
            _write_cached(runs_dir, t, summary, now - clock["last"])
            clock["last"] = now
            done(todo[j], TaskResult(t.key, t.seed, t.scenario.get("name", ""), summary=summary))

        def failed(j: int, exc: Exception) -> None:
            t = tasks[todo[j]]
            done(
                todo[j],
                TaskResult(t.key, t.seed, t.scenario.get("name", ""), error=error_line(exc)),
            )

        step_members(
            [sc for sc, _ in members],
            [seed for _, seed in members],
            progress,
            started=started,
            finished=finished,
            failed=failed,
        )
        return out


def _uncached(
    tasks: Sequence[Task], runs_dir: str | Path, done: Callable[[int, TaskResult], None]
) -> tuple[list[int], list[tuple[Scenario, int]]]:
    """The tasks to simulate (indices, validated scenario and seed); ``done`` gets the
    cached ones and the invalid ones."""
    todo, members = [], []
    for i, t in enumerate(tasks):
        name = t.scenario.get("name", "")
        cached = read_cached(runs_dir, t.key)
        if cached is not None:
            done(i, TaskResult(t.key, t.seed, name, summary=cached, skipped=True))
            continue
        try:
            members.append((load_scenario(t.scenario), check_seed(t.seed)))
        except Exception as exc:  # noqa: BLE001 - reported per task, like tracked runs
            done(i, TaskResult(t.key, t.seed, name, error=error_line(exc)))
            continue
        todo.append(i)
    return todo, members


def _write_cached(runs_dir: str | Path, task: Task, summary: dict, cpu_seconds: float) -> None:
    """Cache ``summary`` of ``task`` (atomically); StorageError if it cannot be written."""
    path = cache_path(runs_dir, task.key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with written_atomically(path) as tmp:
            tmp.write_text(
                json.dumps({"seed": task.seed, "summary": summary, "cpu_seconds": cpu_seconds})
            )
    except OSError as exc:
        raise StorageError(f"cannot write evaluation {path}: {exc.strerror or exc}") from None
