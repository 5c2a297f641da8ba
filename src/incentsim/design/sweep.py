"""Sweeps: a grid or Latin hypercube over declared lever ranges x seeds.

A sweep spec is YAML::

    name: term_vs_audit                  # runs are tagged info.sweep = name
    base: ../configs/gdp_tournament.yaml # scenario file, relative to the spec (optional)
    method: grid                         # grid | lhs
    samples: 16                          # lhs only: number of points
    sample_seed: 0                       # lhs only: seed of the design
    seeds: 0-9                           # a count (10 = 0..9), a range, or a list
    set:                                 # fixed overrides for every point (optional)
      world.horizon: 20
    levers:                              # dotted key -> values or a range
      tenure.term_length: [3, 5, 7]                   # listed values
      accountability.statistical_audit.intensity: {min: 0.0, max: 0.6, steps: 4}
      promotion.rule: [gdp_tournament, balanced_scorecard]

A range has ``min`` and ``max`` (and ``steps`` for a grid; ``int: true`` rounds).
Each point x seed is one tracked run; a point's identity is a stable hash of
the resolved scenario, the seed and the simulation code, so re-running a sweep
skips finished runs.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from incentsim import shipped
from incentsim.runs.ranges import parse_seeds
from incentsim.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    read_base_scenario,
    read_yaml_mapping,
)

SPEC_KEYS = {
    "name",
    "description",
    "base",
    "method",
    "samples",
    "sample_seed",
    "seeds",
    "set",
    "levers",
}


@dataclass
class Point:
    """One point of the design: its lever values and validated scenario."""

    index: int
    levers: dict[str, Any]
    scenario: Scenario


@dataclass
class SweepSpec:
    """A sweep: levers and their values, seeds, base scenario and fixed settings."""

    name: str
    method: str
    levers: dict[str, Any]
    seeds: list[int]
    base: dict[str, Any] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)
    samples: int = 10
    sample_seed: int = 0
    source: str | None = None

    def design(self) -> list[dict[str, Any]]:
        """Lever values of every point (grid product or Latin hypercube)."""
        keys = list(self.levers)
        if self.method == "grid":
            axes = [_grid_values(self.levers[k]) for k in keys]
            return [dict(zip(keys, combo)) for combo in itertools.product(*axes)]
        from scipy.stats import qmc

        if not keys:
            return [{}]
        unit = qmc.LatinHypercube(d=len(keys), seed=self.sample_seed).random(self.samples)
        out = []
        for row in unit:
            out.append({k: _lhs_value(self.levers[k], u) for k, u in zip(keys, row)})
        return out

    def points(self) -> list[Point]:
        """Validated points (every problem of every point in one ScenarioError)."""
        pts: list[Point] = []
        problems: list[tuple[str, str]] = []
        for i, values in enumerate(self.design()):
            overrides = {**self.fixed, **values}
            try:
                sc = load_scenario(self.base, overrides)
            except ScenarioError as exc:
                problems.extend((f"point {i} {p}", m) for p, m in exc.problems)
                continue
            pts.append(Point(i, values, sc))
        if problems:
            raise ScenarioError(problems[:20], source=self.source)
        return pts


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


def _is_range(v: Any) -> bool:
    return isinstance(v, dict) and "min" in v and "max" in v


def _grid_values(v: Any) -> list[Any]:
    if isinstance(v, list):
        return v
    steps = int(v.get("steps", 3))
    vals = np.linspace(float(v["min"]), float(v["max"]), steps)
    if v.get("int"):
        return sorted({int(round(x)) for x in vals})
    return [round(float(x), 10) for x in vals]


def _lhs_value(v: Any, u: float) -> Any:
    if isinstance(v, list):
        return _plain(v[min(int(u * len(v)), len(v) - 1)])
    lo, hi = float(v["min"]), float(v["max"])
    x = lo + u * (hi - lo)
    return int(round(x)) if v.get("int") else round(float(x), 10)


def load_spec(path: str | Path) -> SweepSpec:
    """Read and check a sweep spec, a path or the name of a shipped one (ScenarioError
    listing every problem)."""
    p = shipped.resolve(path, "sweep spec")
    src = str(p)
    data = read_yaml_mapping(p, "sweep spec")
    problems = [
        (k, f"unknown key; allowed: {', '.join(sorted(SPEC_KEYS))}")
        for k in data
        if k not in SPEC_KEYS
    ]
    method = data.get("method", "grid")
    if method not in ("grid", "lhs"):
        problems.append(("method", f"got {method!r}; use grid or lhs"))
    levers = _levers(data.get("levers") or {}, problems)
    base: dict[str, Any] = {}
    if data.get("base"):
        base = read_base_scenario(data["base"], p.parent, "base", problems)
    fixed = data.get("set") or {}
    if not isinstance(fixed, dict):
        problems.append(("set", "a mapping of dotted keys to values"))
        fixed = {}
    try:
        seeds = parse_seeds(data.get("seeds", 1))
    except ScenarioError as exc:
        problems.extend(exc.problems)
        seeds = []
    samples = data.get("samples", 10)
    if not isinstance(samples, int) or samples < 1:
        problems.append(("samples", "a positive integer"))
    if problems:
        raise ScenarioError(problems, source=src)
    return SweepSpec(
        name=str(data.get("name") or p.stem),
        method=method,
        levers=levers,
        seeds=seeds,
        base=base,
        fixed=fixed,
        samples=samples,
        sample_seed=int(data.get("sample_seed", 0)),
        source=src,
    )


def _levers(levers: Any, problems: list[tuple[str, str]]) -> dict[str, Any]:
    """The spec's levers (dotted key -> list of values or {min, max[, steps, int]})."""
    if not isinstance(levers, dict) or not levers:
        problems.append(
            ("levers", "declare at least one lever: dotted key -> list or {min, max[, steps]}")
        )
        return {}
    for k, v in levers.items():
        if isinstance(v, list):
            if not v:
                problems.append((f"levers.{k}", "an empty list of values"))
        elif _is_range(v):
            extra = set(v) - {"min", "max", "steps", "int"}
            if extra:
                problems.append((f"levers.{k}", f"unknown range keys {sorted(extra)}"))
            elif (
                not all(isinstance(v[b], (int, float)) for b in ("min", "max"))
                or v["min"] > v["max"]
            ):
                problems.append((f"levers.{k}", "min and max must be numbers, min <= max"))
        else:
            problems.append((f"levers.{k}", "give a list of values or {min, max[, steps]}"))
    return levers


def tasks_of(spec: SweepSpec, extra: dict[str, Any] | None = None):
    """Every point x seed as executor tasks (tagged with sweep name and point)."""
    from incentsim.runs.executors import Task

    pts = spec.points()
    if extra:
        pts = [Point(pt.index, pt.levers, load_scenario(pt.scenario, extra)) for pt in pts]
    tasks = [
        Task.of(
            pt.scenario,
            seed,
            sweep=spec.name,
            point=pt.index,
            levers={k: _plain(v) for k, v in pt.levers.items()},
        )
        for pt in pts
        for seed in spec.seeds
    ]
    return pts, tasks
