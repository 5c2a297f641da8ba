"""Estimation on the real record: real leader-year panels, simulated moments, calibration.

* :mod:`~incentsim.design.estimation.panel` — read a researcher's leader-year panel (CSV or
  Stata) through a column mapping;
* :mod:`~incentsim.design.estimation.simulated` — pooled simulated panels over seeds (tracked
  runs on the sweep executors) and their moments;
* :mod:`~incentsim.design.estimation.moments_cmd` — ``incentsim moments``;
* :mod:`~incentsim.design.estimation.spec` — a calibration spec, validated before anything runs;
* :mod:`~incentsim.design.estimation.msm` — the simulated-moments objective and its statistics;
* :mod:`~incentsim.design.estimation.calibrate` — ``incentsim calibrate``.
"""
