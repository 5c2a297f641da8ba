"""Sacred-tracked simulation runs: the documented entry point.

``python -m incentsim.experiment with CONFIG seed=3`` is Sacred's own command line
for the incentsim experiment, and ``from incentsim.experiment import run_tracked, ex``
works as the README says. The code lives in :mod:`incentsim.runs.experiment`.
"""

import sys

from incentsim.runs.experiment import (
    DEFAULT_RUNS_DIR,
    RUNS_DIR_ENV,
    SECTIONS,
    SafeFileStorageObserver,
    StorageError,
    code_fingerprint,
    code_version,
    default_config,
    default_runs_dir,
    ensure_runs_dir,
    ensure_writable_dir,
    ex,
    finished_run,
    make_experiment,
    mark_done,
    process_start_ticks,
    record,
    run_tracked,
    scenario_of,
    task_key,
)

__all__ = [
    "DEFAULT_RUNS_DIR",
    "RUNS_DIR_ENV",
    "SECTIONS",
    "SafeFileStorageObserver",
    "StorageError",
    "code_fingerprint",
    "code_version",
    "default_config",
    "default_runs_dir",
    "ensure_runs_dir",
    "ensure_writable_dir",
    "ex",
    "finished_run",
    "make_experiment",
    "mark_done",
    "process_start_ticks",
    "record",
    "run_tracked",
    "scenario_of",
    "task_key",
]

if __name__ == "__main__":  # pragma: no cover
    from incentsim.runs.experiment import _sacred_main

    _sacred_main(sys.argv)
