"""The agents: prefecture leaders, and the firm and citizen populations held as columns.

Their yearly steps, the leaders' forecasts and the upper level's draws are compiled
(:data:`KERNELS`, built by setup.py): importing the package checks that all of them are
built, so a source tree whose kernels were never compiled fails here with one message
naming the missing kernel and the command, whichever module is imported first.
"""

import importlib

#: the compiled modules of this package (setup.py builds them)
KERNELS = (
    "_citizens_kernel",
    "_firms_kernel",
    "_forecast_kernel",
    "_draws_kernel",
    "_sums_kernel",
)


def _check_built() -> None:
    """Import every kernel; if one is missing, say which and how to build it."""
    try:
        for name in KERNELS:
            importlib.import_module(f"{__name__}.{name}")
    except ImportError as exc:  # a source tree whose kernels were never compiled
        raise ImportError(
            f"incentsim's compiled kernels are not built ({exc.name or exc}): run "
            "`pip install -e .` (or `python setup.py build_ext --inplace`) in the checkout"
        ) from exc


_check_built()
