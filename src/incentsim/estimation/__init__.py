"""Estimation on the real record: real leader-year panels, simulated moments, calibration.

* :mod:`~incentsim.estimation.panel` — read a researcher's leader-year panel (CSV or
  Stata) through a column mapping;
* :mod:`~incentsim.estimation.simulated` — pooled simulated panels over seeds (tracked
  runs on the sweep executors) and their moments;
* :mod:`~incentsim.estimation.moments_cmd` — ``incentsim moments``;
* :mod:`~incentsim.estimation.spec` — a calibration spec, validated before anything runs;
* :mod:`~incentsim.estimation.msm` — the simulated-moments objective and its statistics;
* :mod:`~incentsim.estimation.calibrate` — ``incentsim calibrate``.
"""
