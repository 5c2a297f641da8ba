"""Analysis and reporting of runs.

* :mod:`~incentsim.analysis.intervals` — means with t-intervals over seeds (the one
  interval helper);
* :mod:`~incentsim.analysis.plots` — figures in the house style and the one PNG encoder;
* :mod:`~incentsim.analysis.scenario_report` — ``incentsim report``, the HTML file
  comparing scenarios; its parts: :mod:`~incentsim.analysis.report_runs` (the runs,
  grouped by scenario), :mod:`~incentsim.analysis.report_table` (the outcome table),
  :mod:`~incentsim.analysis.report_figures` and :mod:`~incentsim.analysis.report_html`
  (the page);
* :mod:`~incentsim.analysis.validation` — ``incentsim validate``: stylized facts and
  calibration moments against the empirical record.
"""
