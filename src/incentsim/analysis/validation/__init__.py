"""The validation suite behind ``incentsim validate`` (the command: ``command``).

* :mod:`~incentsim.analysis.validation.facts` — the stylized facts of DESIGN.md §6 (registry);
* :mod:`~incentsim.analysis.validation.calibration` — the calibration moments of calibration.md;
* :mod:`~incentsim.analysis.validation.econometrics` — estimators (FE OLS, logit, paired contrasts);
* :mod:`~incentsim.analysis.validation.runs` — scenario arms and running them over seeds;
* :mod:`~incentsim.analysis.validation.report` — Markdown / HTML / JSON report.
"""
