"""The scenario arms the facts need, and running them over seeds.

Every arm is a shipped config plus (for a few contrasts) dotted overrides. Each
(arm, seed) is one run. If :mod:`incentsim.experiment` provides ``run_tracked``
the run goes through it, so Sacred records it like any other run; otherwise
:func:`incentsim.simulate` is called directly (the *tracking seam* is
:func:`run_one`).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from incentsim.validation.moments import prepare_panel


def default_config_dir() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "configs" / "gdp_tournament.yaml").exists():
            return parent / "configs"
    return Path.cwd() / "configs"


@dataclass(frozen=True)
class Arm:
    """One scenario the facts compare: a config file and optional overrides."""

    name: str
    config: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""


#: every arm the suite may need, by name
ARMS: dict[str, Arm] = {a.name: a for a in (
    Arm("china_2000s", "china_2000s.yaml",
        description="historical baseline, prefecture leaders 2000-07 (estimated)"),
    Arm("china_2010s", "china_2010s.yaml",
        description="historical baseline 2008-15: china_2000s + the 2008-15 reforms"),
    Arm("gdp_tournament", "gdp_tournament.yaml",
        description="growth-only tournament (pre-2008; stands for 2000-07)"),
    Arm("balanced_scorecard", "balanced_scorecard.yaml",
        description="post-2008 scorecard (stands for 2008-15)"),
    Arm("long_terms", "long_terms.yaml", description="tournament with 7-year terms"),
    Arm("lifelong_accountability", "lifelong_accountability.yaml",
        description="tournament + lifelong accountability"),
    Arm("citizen_satisfaction", "citizen_satisfaction.yaml",
        description="ranked on resident satisfaction alone"),
    Arm("independent_audit", "independent_audit.yaml",
        description="tournament + strong statistical audits"),
    Arm("vertical_environment", "vertical_environment.yaml",
        description="tournament + central pollution monitoring and inspections"),
    Arm("environment_target", "gdp_tournament.yaml",
        {"promotion.rule": "balanced_scorecard",
         "promotion.weights": {"growth": 0.7, "environment": 0.3}},
        description="tournament scored 70 % growth + 30 % environment (same audits)"),
    Arm("balanced_weak_audit", "balanced_scorecard.yaml",
        {"accountability.statistical_audit.intensity": 0.05},
        description="balanced scorecard (growth weight 0.3) with the tournament's weak audits"),
    Arm("no_protection", "gdp_tournament.yaml", {"economy.protection_efficiency": 0.0},
        description="tournament where firm support cannot keep loss-makers alive"),
    Arm("service_halls", "service_halls.yaml",
        description="tournament + one-window public service halls (seed 003)"),
    Arm("cadre_capacity", "cadre_capacity.yaml",
        description="tournament + cadre skill training and residents' feedback (seed 004)"),
    Arm("big_data_monitoring", "big_data_monitoring.yaml",
        description="tournament + automated real-time performance data (seed 002)"),
    Arm("regulatory_consistency", "regulatory_consistency.yaml",
        description="tournament + central enforcement rules (seed 002)"),
)}


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


def _tracked_runner() -> Callable[..., Any] | None:
    try:
        from incentsim.experiment import run_tracked
    except Exception:  # experiment module absent or broken: fall back to simulate
        return None
    return run_tracked


def run_one(config: str, seed: int, overrides: Mapping[str, Any], tracked: bool = True,
            runs_dir: str | None = None, info: Mapping[str, Any] | None = None
            ) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    """One run; returns ``(leaders, timeseries, sacred_run_id or None)``. The tracking seam:
    :func:`incentsim.experiment.run_tracked` when available and ``tracked``, else
    :func:`incentsim.simulate`."""
    runner = _tracked_runner() if tracked else None
    if runner is not None:
        run_id, res = runner(config, seed=seed, runs_dir=runs_dir, overrides=dict(overrides),
                             info=dict(info or {}))
        return res.leaders, res.timeseries, str(run_id)
    from incentsim.api import simulate

    res = simulate(config, seed=seed, overrides=dict(overrides))
    return res.leaders, res.timeseries, None


def _job(args: tuple) -> tuple[str, int, pd.DataFrame, pd.DataFrame, str | None]:
    arm, config, seed, overrides, tracked, runs_dir = args
    leaders, ts, run_id = run_one(config, seed, overrides, tracked, runs_dir,
                                  info={"purpose": "incentsim validate", "arm": arm})
    return arm, seed, leaders, ts, run_id


def run_arms(arms: Iterable[str], seeds: Iterable[int], world: Mapping[str, Any] | None = None,
             config_dir: str | Path | None = None, workers: int | None = None,
             tracked: bool = True, progress: Callable[[int, int], None] | None = None,
             runs_dir: str | Path | None = None) -> RunData:
    """Run every arm on every seed (same seeds in every arm) and pool the output.

    ``world`` are extra overrides for every run (e.g. ``{"world.scale": "province"}``).
    Panels get ``seed`` and ``arm`` columns and a ``unit`` id (arm×seed×prefecture)
    unique across runs, for fixed effects and clustering.
    """
    cdir = Path(config_dir) if config_dir else default_config_dir()
    seeds = list(seeds)
    jobs = []
    for a in arms:
        arm = ARMS[a]
        ov = {**dict(world or {}), **dict(arm.overrides)}
        for s in seeds:
            jobs.append((a, str(cdir / arm.config), int(s), ov, tracked,
                         str(runs_dir) if runs_dir else None))
    workers = workers or min(2, os.cpu_count() or 1)
    out: list[tuple[str, int, pd.DataFrame, pd.DataFrame, str | None]] = []
    if workers > 1 and len(jobs) > 1:
        # spawn, not fork: the model steps populations on a thread pool, and forking a
        # multi-threaded process can deadlock
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as ex:
            for i, r in enumerate(ex.map(_job, jobs, chunksize=1)):
                out.append(r)
                if progress:
                    progress(i + 1, len(jobs))
    else:
        for i, j in enumerate(jobs):
            out.append(_job(j))
            if progress:
                progress(i + 1, len(jobs))
    panels: dict[str, list[pd.DataFrame]] = {}
    series: dict[str, list[pd.DataFrame]] = {}
    run_ids: dict[str, list[str]] = {}
    for arm, seed, leaders, ts, run_id in out:
        if run_id is not None:
            run_ids.setdefault(arm, []).append(run_id)
        p = leaders.copy()
        p["seed"] = seed
        p["arm"] = arm
        panels.setdefault(arm, []).append(p)
        t = ts.copy()
        t["seed"] = seed
        t["arm"] = arm
        series.setdefault(arm, []).append(t)
    return RunData(
        panels={a: prepare_panel(pd.concat(v, ignore_index=True)) for a, v in panels.items()},
        timeseries={a: pd.concat(v, ignore_index=True) for a, v in series.items()},
        settings={"seeds": seeds, "world": dict(world or {}), "config_dir": str(cdir)},
        tracked=bool(run_ids) and sum(map(len, run_ids.values())) == len(jobs),
        run_ids=run_ids,
    )
