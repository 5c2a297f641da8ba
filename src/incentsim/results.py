"""Tracked runs as tidy pandas frames: the documented entry point.

``from incentsim.results import load_runs`` (README, notebooks) keeps working: this
module re-exports the public names of :mod:`incentsim.runs.results`, where the code
lives.
"""

from incentsim.runs.results import (
    INDEX_DIR,
    INDEX_VERSION,
    METRIC_COLUMNS,
    RUN_STATUSES,
    STALE_AFTER_S,
    Runs,
    config_hash,
    load_run,
    load_runs,
    read_artifact,
    refresh_index,
    run_dir,
    run_state,
    select,
)

__all__ = [
    "INDEX_DIR",
    "INDEX_VERSION",
    "METRIC_COLUMNS",
    "RUN_STATUSES",
    "Runs",
    "STALE_AFTER_S",
    "config_hash",
    "load_run",
    "load_runs",
    "read_artifact",
    "refresh_index",
    "run_dir",
    "run_state",
    "select",
]
