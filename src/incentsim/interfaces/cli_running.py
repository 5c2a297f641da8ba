"""How ``incentsim run``, ``compare`` and ``sweep`` run scenarios: every scenario file
validated before anything runs (two files of one name told apart), tasks executed
through :func:`incentsim.runs.executors.execute` with tqdm progress bars on stderr,
and failed runs reported (exit status 1).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from incentsim.interfaces.cli_options import progress_enabled, runs_dir_of


def load_scenarios(configs: Sequence[str], overrides: dict[str, Any]):
    """Validate every config first (one ScenarioError per file, all before running)."""
    from incentsim.scenario import load_scenario

    scenarios = [load_scenario(c, overrides) for c in configs]
    names = [s.name for s in scenarios]
    for i, (s, c) in enumerate(zip(scenarios, configs)):
        if names.count(s.name) > 1:  # two files with one name: tell them apart
            scenarios[i] = (
                load_scenario(s, {"name": f"{s.name}[{Path(c).stem}]"})
                if Path(c).stem != s.name
                else load_scenario(s, {"name": f"{s.name}#{i + 1}"})
            )
    return scenarios


class _Progress:
    """tqdm bars over runs (and years when runs are in this process)."""

    def __init__(self, total_runs: int, enabled: bool, years: int | None) -> None:
        from tqdm import tqdm

        self.enabled = enabled
        self.runs = tqdm(
            total=total_runs,
            desc="runs",
            unit="run",
            disable=not enabled,
            file=sys.stderr,
            position=0,
            leave=True,
        )
        self.years = (
            tqdm(
                total=years,
                desc="years",
                unit="yr",
                disable=not enabled,
                file=sys.stderr,
                position=1,
                leave=False,
            )
            if years
            else None
        )
        self.failed = 0

    def year(self, done: int, total: int) -> None:
        if self.years is not None:
            if done == 1:
                self.years.reset(total=total)
            self.years.update(1)

    def result(self, r) -> None:
        self.failed += 0 if r.ok else 1
        self.runs.update(1)
        if self.failed:
            self.runs.set_postfix(failed=self.failed)

    def close(self) -> None:
        if self.years is not None:
            self.years.close()
        self.runs.close()


def execute_tasks(args, tasks, *, skip_done=False):
    """Run ``tasks`` where ``--executor``/``--scheduler``/``--jobs`` say, tracked in the
    runs directory, with progress bars; the results in task order."""
    from incentsim.runs.executors import execute

    executor = "dask" if getattr(args, "scheduler", None) else args.executor
    serial = executor == "serial" or (executor == "local" and (args.jobs == 1 or len(tasks) <= 1))
    years = None
    if serial and tasks:
        w = tasks[0].scenario["world"]
        years = int(w["burn_in"]) + int(w["horizon"])
    bar = _Progress(len(tasks), progress_enabled(args), years)
    try:
        return execute(
            tasks,
            runs_dir_of(args),
            executor=executor,
            jobs=args.jobs,
            scheduler=args.scheduler,
            skip_done=skip_done,
            on_result=bar.result,
            year_progress=bar.year,
            keep_timeseries=True,
        )
    finally:
        bar.close()


def report_failures(results) -> int:
    """Print the failed runs (the first ten) on stderr; exit status 1 if any failed."""
    failed = [r for r in results if not r.ok]
    for r in failed[:10]:
        print(f"FAILED {r.scenario} seed {r.seed}: {r.error}", file=sys.stderr)
    if len(failed) > 10:
        print(f"... and {len(failed) - 10} more failed runs", file=sys.stderr)
    return 1 if failed else 0
