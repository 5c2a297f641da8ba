"""The search itself: the EMA workbench's ``optimize`` with epsilon-NSGA-II.

:func:`search` hands the problem's levers and objectives to
:func:`ema_workbench.em_framework.evaluators.optimize` (Platypus's ``EpsNSGAII``:
NSGA-II with an epsilon-box archive and adaptive restarts — Kollat & Reed 2006,
Adv. Water Resour. 29:792) through :class:`Evaluator`, an EMA evaluator whose
generations are scored by a :class:`~incentsim.design.exploratory.objectives.Scorer`
(so they run on the process pool or Dask, cached). The optimiser's random stream
is Python's ``random`` seeded with the spec's ``optimize.seed``; given cached
evaluations a re-run proposes the same candidates, which is how an interrupted
search resumes.

Convergence: the epsilon-box archive is stored every generation (EMA's archive
tarball); :func:`convergence` gives, per generation, the archive size,
epsilon-progress (EMA's count of archive improvements) and the hypervolume of
the archive (Platypus ``Hypervolume``), normalised by the final archive's range
on each objective (a zero range is widened to that objective's epsilon), so the
final archive scores close to the largest value and earlier ones less.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from incentsim.design.exploratory.objectives import Objective, Scorer
from incentsim.design.exploratory.problem import Problem

with warnings.catch_warnings():  # "ipyparallel not installed": not used here
    warnings.filterwarnings("ignore", message=".*ipyparallel")
    from ema_workbench.em_framework.evaluators import BaseEvaluator


class Evaluator(BaseEvaluator):
    """An EMA evaluator scoring each generation of candidates with a ``Scorer``."""

    def __init__(self, model: Any, problem: Problem, scorer: Scorer):
        super().__init__(model)
        self.problem, self.scorer = problem, scorer

    def initialize(self) -> None:
        """Nothing to start: the scorer's executor starts per generation."""

    def finalize(self) -> None:
        """Nothing to stop."""

    def evaluate_experiments(self, experiments, callback, **kwargs) -> None:  # noqa: ARG002
        exps = list(experiments)
        points = [candidate(self.problem, e.policy) for e in exps]
        scores = self.scorer(points)
        for e, (_, row) in zip(exps, scores.iterrows()):
            callback(e, {c: float(v) for c, v in row.items()})


def candidate(problem: Problem, policy: Any) -> dict[str, Any]:
    """An EMA policy -> a point of the problem (integers as int, reals as float)."""
    out = {}
    for p in problem.levers:
        v = policy[p.name]
        v = v.item() if hasattr(v, "item") else v
        out[p.name] = (
            round(v) if p.kind == "integer" else (v if p.kind == "categorical" else float(v))
        )
    return out


def ema_model(problem: Problem, objectives: Sequence[Objective]):
    """The workbench model: the problem's levers and one outcome per objective."""
    from ema_workbench import Model, ScalarOutcome

    from incentsim.design.exploratory.workbench import Runner, parameters

    kinds = {"maximize": ScalarOutcome.MAXIMIZE, "minimize": ScalarOutcome.MINIMIZE}
    ident = problem.name if problem.name.isidentifier() else "incentsim"
    # the function is what the workbench would call; the Evaluator scores instead
    m = Model(ident, function=Runner(problem, track=False))
    m.levers = parameters(problem, "lever")
    m.outcomes = [ScalarOutcome(o.column, kind=kinds[o.direction]) for o in objectives]
    return m


@dataclass
class SearchResult:
    """The epsilon-nondominated archive of a search and its convergence."""

    archive: pd.DataFrame  # the epsilon-nondominated set: levers and objectives
    convergence: pd.DataFrame  # per generation: nfe, archive size, eps-progress, hypervolume


def search(
    problem: Problem,
    objectives: Sequence[Objective],
    scorer: Scorer,
    *,
    nfe: int,
    population: int,
    seed: int,
) -> SearchResult:
    """Run epsilon-NSGA-II for ``nfe`` candidate evaluations; see the module docstring."""
    from platypus import EpsNSGAII

    model = ema_model(problem, objectives)
    with tempfile.TemporaryDirectory(prefix="incentsim-optimize-") as tmp:
        # the workbench draws its own nfe bar on stderr; the scorer's bar is ours
        with Evaluator(model, problem, scorer) as ev, contextlib.redirect_stderr(io.StringIO()):
            archive, runtime = ev.optimize(
                algorithm=EpsNSGAII,
                nfe=int(nfe),
                searchover="levers",
                epsilons=[o.epsilon for o in objectives],
                population_size=int(population),
                convergence_freq=int(population),
                logging_freq=1,
                rng=int(seed),
                filename="archives.tar.gz",
                directory=tmp,
            )
        conv = convergence(Path(tmp) / "archives.tar.gz", runtime, model, objectives, archive)
    return SearchResult(archive.reset_index(drop=True), conv)


def convergence(
    tarball: Path,
    runtime: pd.DataFrame,
    model: Any,
    objectives: Sequence[Objective],
    final: pd.DataFrame,
) -> pd.DataFrame:
    """Hypervolume and epsilon-progress of the archive, generation by generation."""
    from ema_workbench.em_framework.optimization import load_archives

    names = [o.column for o in objectives]
    rows: list[dict[str, Any]] = []
    hv = _hypervolume(final[names].to_numpy(float), objectives)
    for nfe, arch in sorted(load_archives(str(tarball)), key=lambda t: t[0]):
        if rows and rows[-1]["nfe"] == nfe:
            continue  # the final archive is stored twice
        rows.append(
            {
                "nfe": int(nfe),
                "archive_size": len(arch),
                "hypervolume": hv(arch[names].to_numpy(float)),
            }
        )
    out = pd.DataFrame(rows)
    prog = runtime.drop_duplicates("nfe", keep="last").set_index("nfe")["epsilon_progress"]
    out["epsilon_progress"] = prog.reindex(out["nfe"]).to_numpy()
    out.insert(0, "generation", range(len(out)))
    return out


def _hypervolume(reference: np.ndarray, objectives: Sequence[Objective]):
    """Platypus's hypervolume of a set of objective vectors, all turned into objectives
    to minimise and normalised to ``reference``'s range (the nadir of the reference is
    the reference point; a zero range is widened to the objective's epsilon)."""
    from platypus import Hypervolume, Problem, Solution

    sign = np.array([-1.0 if o.direction == "maximize" else 1.0 for o in objectives])
    ref = reference * sign
    lo, hi = ref.min(axis=0), ref.max(axis=0)
    hi = np.where(hi - lo < 1e-12, lo + np.array([o.epsilon for o in objectives]), hi)
    problem = Problem(1, len(objectives))
    problem.directions[:] = [Problem.MINIMIZE] * len(objectives)
    indicator = Hypervolume(minimum=list(lo), maximum=list(hi))

    def value(points: np.ndarray) -> float:
        sols = []
        for x in points * sign:
            s = Solution(problem)
            s.objectives[:] = list(x)
            s.evaluated, s.constraint_violation = True, 0.0
            sols.append(s)
        return float(indicator.calculate(sols)) if sols else 0.0

    return value
