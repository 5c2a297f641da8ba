"""Exploratory modelling: one declared problem, several methods.

* :mod:`.problem` — the problem spec (levers, uncertainties, outcomes, seeds);
* :mod:`.sensitivity` — SALib Sobol / Morris (``incentsim sensitivity``);
* :mod:`.discovery` — PRIM scenario discovery (``incentsim discover``);
* :mod:`.ema` — EMA workbench adapter (``incentsim.ema.model(spec)``);
* :mod:`.optimize` — many-objective search (``incentsim optimize``): :mod:`.objectives`
  (what is optimised, robustness measures), :mod:`.search` (EMA workbench epsilon-NSGA-II),
  :mod:`.tradeoffs` (figures), :mod:`.cache` (untracked evaluations cached on disk);
* :mod:`.runner` — evaluation through the tracked sweep machinery, analysis records.

SALib and the EMA workbench are imported only when an analysis runs.
"""

from incentsim.design.exploratory.problem import (
    OutcomeSpec,
    Parameter,
    Problem,
    load_problem,
    problem_from_dict,
)

__all__ = ["OutcomeSpec", "Parameter", "Problem", "load_problem", "problem_from_dict"]
