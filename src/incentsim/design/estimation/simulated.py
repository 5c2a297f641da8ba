"""Simulated leader-year panels pooled over seeds, and their moments.

Every simulation is a Sacred-tracked run executed by :func:`incentsim.runs.executors.execute`
(serial, process pool or Dask, like sweeps) with ``skip_done``: a (scenario, seed) already
completed in the runs directory with the same code is read back instead of run again, so
an interrupted estimation resumes where it stopped and two parameter points never share
a run unless they are the same scenario. Common random numbers: every parameter point is
simulated on the same seeds, so differences between points are not seed noise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from incentsim.analysis.validation.moments import prepare_panel
from incentsim.runs.executors import Task, TaskResult, execute
from incentsim.scenario import Scenario


class SimulationFailed(RuntimeError):
    """A run of the estimation failed; the message names the seed and the error."""


def simulated_panel(
    scenario: Scenario,
    seeds: Sequence[int],
    runs_dir: str | Path,
    *,
    executor: str = "local",
    jobs: int | None = None,
    scheduler: str | None = None,
    info: dict | None = None,
    on_result: Callable[[TaskResult], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run ``scenario`` on every seed (tracked; finished runs reused) and return the
    pooled prepared leader-year panel and the pooled timeseries (``seed`` columns)."""
    tasks = [Task.of(scenario, s, **(info or {})) for s in seeds]
    results = execute(
        tasks,
        runs_dir,
        executor=executor,
        jobs=jobs,
        scheduler=scheduler,
        skip_done=True,
        keep_timeseries=True,
        keep_leaders=True,
        on_result=on_result,
    )
    bad = [r for r in results if not r.ok]
    if bad:
        raise SimulationFailed(f"seed {bad[0].seed}: {bad[0].error}")
    panels, series = [], []
    for r in results:
        # kept for finished runs
        assert r.run_id is not None and r.timeseries is not None and r.leaders is not None
        panels.append(r.leaders.assign(seed=r.seed, arm=scenario.name))
        series.append(r.timeseries.assign(seed=r.seed, arm=scenario.name))
    return (
        prepare_panel(pd.concat(panels, ignore_index=True)),
        pd.concat(series, ignore_index=True),
    )
