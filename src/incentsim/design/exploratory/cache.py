"""Untracked simulations whose summaries are cached on disk.

An optimisation evaluates thousands of candidates x seeds. Storing each as a
Sacred run (metrics, two parquet artifacts, about 300 kB and twice the run time
at small scale) would make the runs directory the bottleneck, so
``incentsim optimize`` runs them as :class:`CachedTask`: the simulation runs
without Sacred and its summary (``<outcome>_mean`` / ``<outcome>_final``) is
written to ``<runs_dir>/_evals/<key>.json`` (with the simulation's CPU time,
``cpu_seconds``), where ``key`` is
:func:`incentsim.runs.experiment.task_key` — a hash of the resolved scenario (the
candidate), the seed and the simulation code's fingerprint. The optimisation
itself is the tracked run: its record holds every evaluation as a table.

A summary file is written whole or not at all
(:func:`~incentsim.runs.experiment.written_atomically`), only once its simulation has
finished, so an interrupted optimisation keeps exactly the evaluations that
finished and a re-run reads them back instead of simulating again. The tasks run
wherever :func:`incentsim.runs.executors.execute` sends them (process pool, Dask).
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from incentsim.runs.executors import Task, TaskResult
from incentsim.runs.experiment import StorageError, written_atomically

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

    def run(
        self,
        runs_dir: str | Path,
        skip_done: bool = False,  # noqa: ARG002
        keep_timeseries: bool = False,  # noqa: ARG002 - no timeseries is kept
        progress: Callable[[int, int], None] | None = None,
    ) -> TaskResult:
        from incentsim.api import simulate

        name = self.scenario.get("name", "")
        cached = read_cached(runs_dir, self.key)
        if cached is not None:
            return TaskResult(self.key, self.seed, name, summary=cached, skipped=True)
        cpu = time.process_time()
        try:
            summary = simulate(self.scenario, seed=self.seed, progress=progress).summary()
        except Exception as exc:  # noqa: BLE001 - reported per task, like tracked runs
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            return TaskResult(self.key, self.seed, name, error=last)
        path = cache_path(runs_dir, self.key)
        try:
            path.parent.mkdir(exist_ok=True)
            with written_atomically(path) as tmp:
                tmp.write_text(
                    json.dumps(
                        {
                            "seed": self.seed,
                            "summary": summary,
                            "cpu_seconds": time.process_time() - cpu,
                        }
                    )
                )
        except OSError as exc:
            raise StorageError(f"cannot write evaluation {path}: {exc.strerror or exc}") from None
        return TaskResult(self.key, self.seed, name, summary=summary)
