"""The validation suite behind ``incentsim validate`` (see :mod:`incentsim.validate`).

* :mod:`~incentsim.validation.facts` — the stylized facts of DESIGN.md §6 (registry);
* :mod:`~incentsim.validation.calibration` — the calibration moments of calibration.md;
* :mod:`~incentsim.validation.stats` — estimators (FE OLS, logit, paired contrasts);
* :mod:`~incentsim.validation.runs` — scenario arms and running them over seeds;
* :mod:`~incentsim.validation.report` — Markdown / HTML / JSON report.
"""
