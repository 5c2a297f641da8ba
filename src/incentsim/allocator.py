"""Keeping freed memory for the next year's arrays (glibc's ``malloc``).

A model year makes and frees thousands of temporary numpy arrays of 0.1-10 MB (a
small ensemble's forecasts alone are (prefectures x plans) arrays of 0.25 MB).
With glibc's default settings, arrays above 128 kB come from fresh ``mmap`` pages
until one is freed, and the heap's top is handed back to the system whenever more
than about twice the largest array freed so far is free: the next year's arrays
then fault their pages in again, and the kernel zeroes every page. A 16-member
ensemble at small scale took 36,000 page faults in its 50 years, about 10 % of its
CPU time (measured; ``docs/reference/performance.md``).

:func:`keep_freed_memory`, called once per process when the first model is built,
raises both thresholds: arrays up to :data:`MMAP_THRESHOLD` come from the heap, and
up to :data:`TRIM_THRESHOLD` of freed heap is kept for reuse. Nothing computed
changes, only where the memory comes from. Settings of the user's own
(``MALLOC_*`` environment variables, ``GLIBC_TUNABLES``) are left alone, and
other C libraries (no ``mallopt``) are left as they are.
"""

from __future__ import annotations

import ctypes
import os

#: ``mallopt`` parameters (glibc's malloc.h)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
#: arrays below this size come from the heap (glibc's largest threshold on 64-bit)
MMAP_THRESHOLD = 32 * 2**20
#: free heap kept for reuse before the top is handed back to the system
TRIM_THRESHOLD = 64 * 2**20

_tuned: bool | None = None


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds once per process (module docstring).
    Returns whether they are raised."""
    global _tuned
    if _tuned is None:
        _tuned = _user_settings() is False and _mallopt(
            (M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD)
        )
    return _tuned


def _user_settings() -> bool:
    """Whether the user set glibc's malloc themselves (their settings win)."""
    env = os.environ
    return any(k.startswith("MALLOC_") for k in env) or "malloc" in env.get("GLIBC_TUNABLES", "")


def _mallopt(*settings: tuple[int, int]) -> bool:
    """Apply ``(parameter, value)`` settings with the C library's ``mallopt``, if it has
    one (glibc); False where it has none or refuses one."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):  # not glibc (macOS, Windows, ...)
        return False
    return all([mallopt(param, value) == 1 for param, value in settings])
