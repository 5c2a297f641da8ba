"""The user interfaces.

* :mod:`~incentsim.interfaces.cli` — the ``incentsim`` command line (its options shared
  through :mod:`~incentsim.interfaces.cli_options`);
* :mod:`~incentsim.interfaces.app` — the explorer in the browser (Mesa SolaraViz), and
  :mod:`~incentsim.interfaces.runs_app`, the runs browser;
* :mod:`~incentsim.interfaces.bench` — ``incentsim bench``, speed and scaling.
"""
