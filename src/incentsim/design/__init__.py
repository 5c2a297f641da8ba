"""Experimental design: which runs to make.

* :mod:`~incentsim.design.sweep` — grids and Latin hypercubes over lever ranges x seeds;
* :mod:`~incentsim.design.exploratory` — problem specs, sensitivity (SALib), scenario
  discovery (PRIM), optimisation (EMA workbench) and the EMA workbench adapter
  (:mod:`~incentsim.design.exploratory.workbench`, documented as ``incentsim.ema``);
* :mod:`~incentsim.design.estimation` — moments of real panels and calibration by the
  method of simulated moments.
"""
