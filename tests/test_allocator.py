"""glibc's malloc keeps freed memory between a model's years (incentsim.allocator)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from incentsim import allocator

glibc = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"
)

#: a script building a model, then printing whether the thresholds were raised, how many
#: of sixteen 1 MiB arrays came from fresh mmap pages, and whether the heap kept them
#: once freed (glibc's mallinfo2)
SCRIPT = """
import ctypes
import numpy as np
from incentsim import allocator
from incentsim.model import IncentModel

class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks",
        "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
IncentModel({"world": {"scale": "small"}}, seed=[0, 1])
before = libc.mallinfo2()
arrays = [np.ones(2**17) for _ in range(16)]
mapped = libc.mallinfo2().hblks - before.hblks
del arrays
kept = libc.mallinfo2().fordblks >= 16 * 2**20  # free, but still the heap's
print(allocator.keep_freed_memory(), mapped, kept)
"""


def run(env: dict[str, str]) -> list[str]:
    import os

    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout.split()


@glibc
def test_building_a_model_keeps_freed_memory_for_the_next_arrays():
    # a year's temporaries come from the heap and stay there once freed, so the next
    # year's reuse them instead of faulting fresh pages in (a small 16-member ensemble:
    # 28,000 page faults in 50 years with glibc's defaults, 2,400 kept; measured)
    assert run({}) == ["True", "0", "True"]
    assert run({"MALLOC_ARENA_MAX": "8"})[0] == "False"  # a setting of the user's own


def test_the_users_own_malloc_settings_win(monkeypatch):
    for name in [k for k in __import__("os").environ if k.startswith("MALLOC_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1")
    assert allocator._user_settings()
    monkeypatch.delenv("GLIBC_TUNABLES")
    assert not allocator._user_settings()
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1")
    assert allocator._user_settings()


def test_a_c_library_without_mallopt_is_left_alone(monkeypatch):
    class NoMallopt:
        def __init__(self, name):
            pass

    monkeypatch.setattr(allocator.ctypes, "CDLL", NoMallopt)
    assert allocator._mallopt((allocator.M_TRIM_THRESHOLD, 1)) is False
