"""What ``incentsim optimize`` optimises: the objectives of a problem and how a
candidate design is scored on them.

An *objective* is an outcome of the spec with a direction (``maximize`` /
``minimize``) and an ``epsilon``. A *candidate* is a point in lever space. It is
scored with common random numbers: every candidate runs with the same seeds
(the spec's ``seeds``, its replicates) and, with ``--robust``, over the same
sample of the uncertainties. The score of one (candidate, uncertainty scenario)
is the mean over seeds; without ``--robust`` the uncertainties keep the base
scenario's values and that mean is the objective.

With ``--robust`` the objective is a robustness measure over the uncertainty
sample (a Latin hypercube of ``robust.scenarios`` points, seeded by
``sample_seed``), as the EMA workbench's ``robust_optimize`` defines them, per
outcome:

* ``mean`` — the mean over the sample (direction kept);
* ``percentile`` — a bad case: the ``p``-th percentile for an outcome to
  maximise, the ``(100 - p)``-th for one to minimise (default p = 10; direction
  kept);
* ``regret`` — the worst shortfall against the *base design* (the spec's base
  scenario with its own lever values) in the same uncertainty scenario and seeds:
  ``max_j (base_j - x_j)`` for an outcome to maximise, ``max_j (x_j - base_j)`` to
  minimise; always minimised, negative when the candidate beats the base design in
  every scenario (regret from a fixed reference alternative, McPhail et al. 2018,
  Earth's Future 6:169).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from incentsim.design.exploratory.problem import OutcomeSpec, Problem
from incentsim.design.exploratory.runner import Model, evaluate_points, run_scenarios

MEASURES = ("mean", "percentile", "regret")


@dataclass(frozen=True)
class Objective:
    """One optimised quantity: an outcome, possibly through a robustness measure."""

    outcome: OutcomeSpec
    measure: str | None = None  # None: mean over seeds (not robust)
    percentile: float = 10.0

    @property
    def column(self) -> str:
        if self.measure is None:
            return self.outcome.column
        tag = f"p{self.q:g}" if self.measure == "percentile" else self.measure
        return f"{self.outcome.column}_{tag}"

    @property
    def direction(self) -> str:
        return "minimize" if self.measure == "regret" else self.outcome.direction

    @property
    def epsilon(self) -> float:
        if self.outcome.epsilon is None:
            raise ValueError(f"outcome {self.outcome.name!r} declares no epsilon")
        return float(self.outcome.epsilon)

    @property
    def q(self) -> float:
        """The percentile taken (a bad case whatever the direction)."""
        p = self.percentile
        return p if self.outcome.direction == "maximize" else 100.0 - p

    def score(self, values: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
        """Rows: candidates; columns: uncertainty scenarios -> one value per candidate."""
        if self.measure in (None, "mean"):
            return values.mean(axis=1)
        if self.measure == "percentile":
            return np.percentile(values, self.q, axis=1)
        if base is None:
            raise ValueError("regret needs the base values")
        sign = 1.0 if self.outcome.direction == "maximize" else -1.0
        return (sign * (base[None, :] - values)).max(axis=1)

    def better(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether ``a`` is strictly better than ``b`` (elementwise)."""
        return a > b if self.direction == "maximize" else a < b


def objectives_of(
    problem: Problem, measure: str | None = None, percentile: float = 10.0
) -> list[Objective]:
    """One objective per outcome of ``problem`` with a direction (not ``info``)."""
    return [Objective(o, measure, percentile) for o in problem.outcomes if o.direction != "info"]


def dominated(points: np.ndarray, front: np.ndarray, objectives: Sequence[Objective]) -> np.ndarray:
    """How many rows of ``front`` Pareto-dominate each row of ``points`` (at least as
    good on every objective, strictly better on one)."""
    out = np.zeros(len(points), dtype=int)
    for i, x in enumerate(points):
        geq = np.ones(len(front), dtype=bool)
        gt = np.zeros(len(front), dtype=bool)
        for k, ob in enumerate(objectives):
            geq &= ~ob.better(np.full(len(front), x[k]), front[:, k])
            gt |= ob.better(front[:, k], np.full(len(front), x[k]))
        out[i] = int(np.sum(geq & gt))
    return out


def uncertainty_sample(problem: Problem, n: int) -> list[dict[str, Any]]:
    """A Latin hypercube of ``n`` points over the problem's uncertainties."""
    from incentsim.design.exploratory.discovery import lhs_points

    return lhs_points(dataclasses.replace(problem, parameters=problem.uncertainties), n)


class Scorer:
    """Scores candidates on the objectives; keeps every evaluation (the log).

    ``model`` (``(point, seed) -> {outcome: value}``) replaces the simulation, as in
    the other analyses. Simulations run untracked, cached by (candidate, seed,
    code) in the runs directory, on the executor given in ``run_options``.
    """

    def __init__(
        self,
        problem: Problem,
        objectives: Sequence[Objective],
        scenarios: Sequence[Mapping[str, Any]] | None,
        *,
        model: Model | None = None,
        bar: Any = None,
        **run_options: Any,
    ):
        self.robust = scenarios is not None
        self.problem = problem if self.robust else problem.levers_only()
        self.objectives = list(objectives)
        self.scenarios = [dict(s) for s in scenarios] if scenarios is not None else [{}]
        self.model, self.bar, self.run_options = model, bar, run_options
        self.generation = 0
        self.log: list[pd.DataFrame] = []
        self.scored: list[pd.DataFrame] = []
        self.base: dict[str, np.ndarray] | None = None
        if any(o.measure == "regret" for o in self.objectives):
            if model is not None:
                raise ValueError(
                    "regret needs the simulation (the base design is a "
                    "scenario, not a point of the stub model)"
                )
            self.base = self.base_design()

    # ------------------------------------------------------------- candidates
    def outcomes(self, points: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        """Mean over seeds of every outcome, per (candidate, uncertainty scenario)."""
        full = [{**pt, **u} for pt in points for u in self.scenarios]
        per_point, _ = evaluate_points(
            self.problem,
            full,
            self.model,
            track=False,
            bar=self.bar,
            analysis="optimize",
            **self.run_options,
        )
        per_point.insert(1, "candidate", np.repeat(np.arange(len(points)), len(self.scenarios)))
        per_point.insert(2, "scenario", np.tile(np.arange(len(self.scenarios)), len(points)))
        return per_point.drop(columns=["point", "run_ids"])

    def __call__(self, points: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        """Objective values of each candidate (one row per point). The global
        ``random`` state (the optimiser's) is left as it was, whatever the executor."""
        state = random.getstate()
        try:
            table = self.outcomes(points)
        finally:
            random.setstate(state)
        table.insert(0, "generation", self.generation)
        scores = self.score(table, len(points))
        cols = self.problem.outcome_names
        means = table.groupby("candidate", sort=True)[cols].mean().reset_index(drop=True)
        scored = pd.concat(
            [
                pd.DataFrame([dict(pt) for pt in points]),
                scores,
                means.drop(columns=[c for c in cols if c in scores]),
            ],
            axis=1,
        )
        scored.insert(0, "generation", self.generation)
        self.generation += 1
        self.log.append(table)
        self.scored.append(scored)
        return scores

    def score(self, table: pd.DataFrame, n: int) -> pd.DataFrame:
        out = {}
        for ob in self.objectives:
            col = ob.outcome.column
            values = table[col].to_numpy(float).reshape(n, len(self.scenarios))
            out[ob.column] = ob.score(values, None if self.base is None else self.base[col])
        return pd.DataFrame(out)

    def evaluations(self) -> pd.DataFrame:
        """Every (candidate, uncertainty scenario): outcome means over the seeds."""
        return pd.concat(self.log, ignore_index=True) if self.log else pd.DataFrame()

    def candidates(self) -> pd.DataFrame:
        """Every candidate scored: generation, levers, objectives, outcome means."""
        return pd.concat(self.scored, ignore_index=True) if self.scored else pd.DataFrame()

    # ------------------------------------------------------------- scenarios
    def of_scenarios(
        self, bases: Sequence[Mapping[str, Any]], overrides: Mapping[str, Any]
    ) -> list[dict[str, np.ndarray]]:
        """Each whole scenario (a dict, e.g. a shipped config) with ``overrides``, run
        over the uncertainty sample and the seeds: ``{outcome column: mean over seeds,
        per uncertainty scenario}``."""
        from incentsim.scenario import load_scenario

        p = self.problem
        keys = {q.name: q.key for q in p.uncertainties}
        scs = [
            load_scenario(b, {**overrides, **{keys[n]: x for n, x in u.items()}})
            for b in bases
            for u in self.scenarios
        ]
        res = run_scenarios(scs, p.seeds, track=False, bar=self.bar, **self.run_options)
        k = len(self.scenarios)
        return [
            {
                o.column: np.array(
                    [np.mean([o.of(r.summary) for r in row]) for row in res[i * k : (i + 1) * k]]
                )
                for o in p.outcomes
            }
            for i in range(len(bases))
        ]

    def base_design(self) -> dict[str, np.ndarray]:
        """The spec's base scenario with its ``set`` and its own lever values."""
        return self.of_scenarios([self.problem.base], self.problem.fixed)[0]

    def score_scenarios(self, bases: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        """Objective values, and every outcome's mean over the uncertainty sample, of
        whole scenarios (shipped configs) run with the spec's simulation settings
        (the ``world.*`` keys of its ``set``) and nothing else of it."""
        rows = []
        for v in self.of_scenarios(bases, _world(self.problem.fixed)):
            row = {
                ob.column: float(
                    ob.score(
                        v[ob.outcome.column][None, :],
                        None if self.base is None else self.base[ob.outcome.column],
                    )[0]
                )
                for ob in self.objectives
            }
            row.update({c: float(x.mean()) for c, x in v.items() if c not in row})
            rows.append(row)
        return pd.DataFrame(rows)


def _world(fixed: Mapping[str, Any]) -> dict[str, Any]:
    """The simulation settings of a spec's ``set`` (``world.*``: scale, horizon, sizes)."""
    return {k: v for k, v in fixed.items() if k.split(".")[0] == "world"}
