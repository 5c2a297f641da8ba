"""Helpers shared by the CLI tests: run the real `incentsim` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAST = [
    "--set",
    "world.horizon=5",
    "world.burn_in=2",
    "world.n_provinces=2",
    "world.prefectures_per_province=3",
    "world.firms_per_prefecture=40",
    "world.citizens_per_prefecture=60",
]
#: the same as a dict of overrides for incentsim.simulate
FAST_OVERRIDES = {
    "world.horizon": 5,
    "world.burn_in": 2,
    "world.n_provinces": 2,
    "world.prefectures_per_province": 3,
    "world.firms_per_prefecture": 40,
    "world.citizens_per_prefecture": 60,
}


def incentsim(
    *args: str, cwd: Path | None = None, env: dict | None = None, timeout: int = 600
) -> subprocess.CompletedProcess:
    """Run the installed console script (fallback: ``python -m incentsim.interfaces.cli``)."""
    script = Path(sys.executable).with_name("incentsim")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "incentsim.interfaces.cli"]
    full_env = {**os.environ, **(env or {})}
    full_env.pop("INCENTSIM_RUNS_DIR", None) if env is None else None
    return subprocess.run(
        cmd + [str(a) for a in args],
        cwd=cwd or ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def make_tracked_runs(
    runs_dir: Path, scenarios=("gdp_tournament", "balanced_scorecard"), seeds=(0, 1, 2)
) -> list[str]:
    """Track tiny runs of shipped scenarios over seeds in ``runs_dir`` (ids in order)."""
    from incentsim.runs.experiment import run_tracked

    return [
        run_tracked(sc, seed, runs_dir, FAST_OVERRIDES)[0] for sc in scenarios for seed in seeds
    ]
