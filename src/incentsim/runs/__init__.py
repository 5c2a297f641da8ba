"""Running and tracking simulations.

* :mod:`~incentsim.runs.experiment` — Sacred-tracked runs (``run_tracked``, the runs
  directory, the simulation-code fingerprint);
* :mod:`~incentsim.runs.executors` — where tracked runs execute: in-process, the one
  interruption-safe process pool, or Dask;
* :mod:`~incentsim.runs.interrupts` — holding Ctrl-C/SIGTERM over stretches that must finish;
* :mod:`~incentsim.runs.atomic` — the one atomic, durable file writer;
* :mod:`~incentsim.runs.results` — tracked runs as tidy pandas frames (``load_runs``);
* :mod:`~incentsim.runs.ranges` — the one parser of seed and run-id lists.

``incentsim.results`` and ``incentsim.experiment`` stay importable as documented.
"""
