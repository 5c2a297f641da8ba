"""The user interfaces.

* :mod:`~incentsim.interfaces.cli` — the ``incentsim`` command line: its entry point and
  dispatch; each built-in command in a module of its own
  (:mod:`~incentsim.interfaces.cli_run`, :mod:`~incentsim.interfaces.cli_compare`,
  :mod:`~incentsim.interfaces.cli_sweep`, :mod:`~incentsim.interfaces.cli_runs`,
  :mod:`~incentsim.interfaces.cli_rules`), sharing its options
  (:mod:`~incentsim.interfaces.cli_options`), the running of scenarios
  (:mod:`~incentsim.interfaces.cli_running`) and plain-text tables
  (:mod:`~incentsim.interfaces.cli_text`);
* :mod:`~incentsim.interfaces.app` — the explorer in the browser (Mesa SolaraViz), and
  :mod:`~incentsim.interfaces.runs_app`, the runs browser;
* :mod:`~incentsim.interfaces.bench` — ``incentsim bench``, speed and scaling.
"""
