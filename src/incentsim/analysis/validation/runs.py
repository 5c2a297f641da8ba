"""The scenario arms the facts need, and running them over seeds.

Every arm is a shipped config plus (for a few contrasts) dotted overrides. Each
(arm, seed) is one run, executed like every other batch of runs by
:func:`incentsim.runs.executors.execute` (the interruption-safe process pool): Sacred
records it in the runs directory, or, untracked, in a temporary one that is
removed once the runs are done. The workers send each run's timeseries and leader
panel back with its result: nothing is read back from disk.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from incentsim import shipped
from incentsim.analysis.validation.moments import prepare_panel


def default_config_dir() -> Path:
    """The shipped scenarios (the checkout's configs/ or the installed package data)."""
    folder = shipped.folder("scenario")
    assert folder is not None  # "scenario" is a kind of shipped file
    return folder


@dataclass(frozen=True)
class Arm:
    """One scenario the facts compare: a config file and optional overrides."""

    name: str
    config: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""


#: every arm the suite may need, by name
ARMS: dict[str, Arm] = {
    a.name: a
    for a in (
        Arm(
            "china_2000s",
            "china_2000s.yaml",
            description="historical baseline, prefecture leaders 2000-07 (estimated)",
        ),
        Arm(
            "china_2010s",
            "china_2010s.yaml",
            description="historical baseline 2008-15: china_2000s + the 2008-15 reforms",
        ),
        Arm(
            "gdp_tournament",
            "gdp_tournament.yaml",
            description="growth-only tournament (pre-2008; stands for 2000-07)",
        ),
        Arm(
            "balanced_scorecard",
            "balanced_scorecard.yaml",
            description="post-2008 scorecard (stands for 2008-15)",
        ),
        Arm("long_terms", "long_terms.yaml", description="tournament with 7-year terms"),
        Arm(
            "lifelong_accountability",
            "lifelong_accountability.yaml",
            description="tournament + lifelong accountability",
        ),
        Arm(
            "citizen_satisfaction",
            "citizen_satisfaction.yaml",
            description="ranked on resident satisfaction alone",
        ),
        Arm(
            "independent_audit",
            "independent_audit.yaml",
            description="tournament + strong statistical audits",
        ),
        Arm(
            "vertical_environment",
            "vertical_environment.yaml",
            description="tournament + central pollution monitoring and inspections",
        ),
        Arm(
            "environment_target",
            "gdp_tournament.yaml",
            {
                "promotion.rule": "balanced_scorecard",
                "promotion.weights": {"growth": 0.7, "environment": 0.3},
            },
            description="tournament scored 70 % growth + 30 % environment (same audits)",
        ),
        Arm(
            "balanced_weak_audit",
            "balanced_scorecard.yaml",
            {"accountability.statistical_audit.intensity": 0.05},
            description="balanced scorecard (growth weight 0.3) with the tournament's weak audits",
        ),
        Arm(
            "no_protection",
            "gdp_tournament.yaml",
            {"economy.protection_efficiency": 0.0},
            description="tournament where firm support cannot keep loss-makers alive",
        ),
        Arm(
            "service_halls",
            "service_halls.yaml",
            description="tournament + one-window public service halls (seed 003)",
        ),
        Arm(
            "cadre_capacity",
            "cadre_capacity.yaml",
            description="tournament + cadre skill training and residents' feedback (seed 004)",
        ),
        Arm(
            "big_data_monitoring",
            "big_data_monitoring.yaml",
            description="tournament + automated real-time performance data (seed 002)",
        ),
        Arm(
            "regulatory_consistency",
            "regulatory_consistency.yaml",
            description="tournament + central enforcement rules (seed 002)",
        ),
    )
}


@dataclass
class RunData:
    """Pooled output of all runs: leader-year panels and timeseries, by arm."""

    panels: dict[str, pd.DataFrame]
    timeseries: dict[str, pd.DataFrame]
    settings: dict[str, Any] = field(default_factory=dict)
    tracked: bool = False
    run_ids: dict[str, list[str]] = field(default_factory=dict)

    def arms(self) -> list[str]:
        return sorted(self.panels)


def run_arms(
    arms: Iterable[str],
    seeds: Iterable[int],
    world: Mapping[str, Any] | None = None,
    config_dir: str | Path | None = None,
    workers: int | None = None,
    tracked: bool = True,
    progress: Callable[[int, int], None] | None = None,
    runs_dir: str | Path | None = None,
) -> RunData:
    """Run every arm on every seed (same seeds in every arm) and pool the output.

    ``world`` are extra overrides for every run (e.g. ``{"world.scale": "province"}``).
    Panels get ``seed`` and ``arm`` columns and a ``unit`` id (arm×seed×prefecture)
    unique across runs, for fixed effects and clustering.
    """
    cdir = Path(config_dir) if config_dir else default_config_dir()
    seeds = list(seeds)
    if tracked:
        out = _execute(list(arms), seeds, world, cdir, workers, progress, runs_dir)
    else:
        with tempfile.TemporaryDirectory(prefix="incentsim-validate-") as tmp:
            out = _execute(list(arms), seeds, world, cdir, workers, progress, tmp)
    by_arm: dict[str, list[tuple[int, pd.DataFrame, pd.DataFrame]]] = {}
    run_ids: dict[str, list[str]] = {}
    for arm, seed, leaders, ts, run_id in out:
        if tracked:
            run_ids.setdefault(arm, []).append(run_id)
        by_arm.setdefault(arm, []).append((seed, leaders, ts))
    return RunData(
        panels={a: prepare_panel(_pooled(a, [(s, p) for s, p, _ in v])) for a, v in by_arm.items()},
        timeseries={a: _pooled(a, [(s, t) for s, _, t in v]) for a, v in by_arm.items()},
        settings={"seeds": seeds, "world": dict(world or {}), "config_dir": str(cdir)},
        tracked=tracked,
        run_ids=run_ids,
    )


def _pooled(arm: str, runs: list[tuple[int, pd.DataFrame]]) -> pd.DataFrame:
    """One arm's runs ``(seed, table)`` stacked, with ``seed`` and ``arm`` columns."""
    out = pd.concat([t for _, t in runs], ignore_index=True)
    out["seed"] = np.repeat([s for s, _ in runs], [len(t) for _, t in runs])
    out["arm"] = arm
    return out


def _execute(
    arms: list[str], seeds: list[int], world, cdir: Path, workers: int | None, progress, runs_dir
) -> list[tuple[str, int, pd.DataFrame, pd.DataFrame, str]]:
    """Run every (arm, seed) with :func:`incentsim.runs.executors.execute`; returns
    ``(arm, seed, leaders, timeseries, run_id)`` per run. A failed run stops
    validation with its error."""
    from incentsim.runs.executors import Task, execute
    from incentsim.runs.experiment import default_runs_dir
    from incentsim.scenario import load_scenario

    tasks = []
    for a in arms:
        sc = load_scenario(cdir / ARMS[a].config, {**dict(world or {}), **dict(ARMS[a].overrides)})
        tasks += [Task.of(sc, s, purpose="incentsim validate", arm=a) for s in seeds]
    done = [0]

    def _count(_result) -> None:
        done[0] += 1
        if progress:
            progress(done[0], len(tasks))

    runs = Path(runs_dir) if runs_dir else default_runs_dir()
    results = execute(
        tasks,
        runs,
        executor="local",
        jobs=workers or min(2, os.cpu_count() or 1),
        keep_leaders=True,  # the workers send the panels back: none is read from disk
        on_result=_count,
    )
    failed = [r for r in results if not r.ok]
    if failed:
        raise RuntimeError(f"{len(failed)} validation run(s) failed; first: {failed[0].error}")
    out = []
    for t, r in zip(tasks, results):
        # kept for finished runs
        assert r.run_id is not None and r.timeseries is not None and r.leaders is not None
        out.append((t.info["arm"], t.seed, r.leaders, r.timeseries, r.run_id))
    return out
