"""EMA workbench adapter: ``incentsim.ema.model(spec)`` -> ``ReplicatorModel``.

::

    from ema_workbench import perform_experiments
    import incentsim.ema

    m = incentsim.ema.model("specs/trust_growth_levers.yaml")
    experiments, outcomes = perform_experiments(m, scenarios=20, policies=4)

The problem's uncertainties become EMA uncertainties and its levers EMA levers
(``RealParameter``/``IntegerParameter``/``CategoricalParameter``, named by the
parameter's Python name); outcomes become ``ScalarOutcome``s with the spec's
direction (``maximize`` -> ``ScalarOutcome.MAXIMIZE``, ...). The spec's seeds are
the model's replications: each experiment runs once per seed and each outcome is
the mean over seeds (``function=np.mean``). A ``share`` lever is an EMA
``RealParameter`` whose value is spread over the weight group when the scenario
is built (see :mod:`incentsim.design.exploratory.problem`). The spec's ``set`` and base
scenario are fixed.

Every run is a Sacred-tracked simulation in ``runs_dir`` (default
``$INCENTSIM_RUNS_DIR`` or ``results/runs``) tagged ``sweep=<problem name>``,
``analysis=ema``; ``track=False`` calls :func:`incentsim.simulate` instead. The
model's function is a picklable object, so EMA's ``MultiprocessingEvaluator``
works too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from incentsim.design.exploratory.problem import Problem, load_problem


class Runner:
    """The model function EMA calls: ``runner(seed=..., **parameter values)``."""

    def __init__(
        self, problem: Problem, runs_dir: str | Path | None = None, track: bool = True
    ) -> None:
        self.problem = problem
        self.runs_dir = None if runs_dir is None else str(runs_dir)
        self.track = track

    def __call__(self, seed: int = 0, **values: Any) -> dict[str, float]:
        p = self.problem
        point = {name: values[name] for name in p.names}
        sc = p.scenario(point)
        if self.track:
            from incentsim.runs.executors import Task, run_task
            from incentsim.runs.experiment import default_runs_dir

            runs = self.runs_dir or str(default_runs_dir())
            task = Task.of(
                sc,
                int(seed),
                sweep=p.name,
                analysis="ema",
                levers={k: _plain(v) for k, v in point.items()},
            )
            r = run_task(task, runs, skip_done=True, keep_timeseries=False)
            if not r.ok:
                raise RuntimeError(f"incentsim run failed: {r.error}")
            assert r.summary is not None  # a finished run has its summary
            summary = r.summary
        else:
            from incentsim.api import simulate

            summary = simulate(sc, seed=int(seed)).summary()
        return {o.column: o.of(summary) for o in p.outcomes}


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def parameters(problem: Problem, role: str) -> list:
    """EMA parameters for the problem's levers (``role='lever'``) or uncertainties."""
    from ema_workbench import CategoricalParameter, IntegerParameter, RealParameter

    out = []
    for p in problem.parameters:
        if p.role != role:
            continue
        if p.kind == "categorical":
            out.append(CategoricalParameter(p.name, list(p.values)))
        elif p.kind == "integer":
            out.append(IntegerParameter(p.name, *map(int, p.numeric_range)))
        else:
            out.append(RealParameter(p.name, *map(float, p.numeric_range)))
    return out


def model(
    spec: Any, *, runs_dir: str | Path | None = None, track: bool = True, name: str | None = None
):
    """An EMA workbench ``ReplicatorModel`` running incentsim for the problem ``spec``
    (a spec path, mapping or :class:`~incentsim.design.exploratory.problem.Problem`)."""
    import numpy as np
    from ema_workbench import ReplicatorModel, ScalarOutcome

    problem = load_problem(spec)
    kinds = {
        "maximize": ScalarOutcome.MAXIMIZE,
        "minimize": ScalarOutcome.MINIMIZE,
        "info": ScalarOutcome.INFO,
    }
    ident = name or (problem.name if problem.name.isidentifier() else "incentsim")
    m = ReplicatorModel(ident, function=Runner(problem, runs_dir, track))
    m.uncertainties = parameters(problem, "uncertainty")
    m.levers = parameters(problem, "lever")
    m.outcomes = [
        ScalarOutcome(o.column, kind=kinds[o.direction], function=np.mean) for o in problem.outcomes
    ]
    m.replications = [{"seed": int(s)} for s in problem.seeds]
    return m
