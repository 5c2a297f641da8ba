"""Plain text of the command line: fixed-width tables, means with their 95 % intervals,
short numbers and compact lists of seeds and run ids.

Shared by ``incentsim run/compare/sweep/runs`` and the plug-in subcommands that print
tables (``sensitivity``, ``discover``, ``optimize``, ``moments``, ``calibrate``). The
module imports nothing heavy, so ``--help`` stays fast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def table(rows: list[list[str]], header: list[str]) -> str:
    """Plain fixed-width table (first column left-aligned, others right)."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(r):
        return "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(r, widths))
        ).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def ci95(values: Sequence[float]) -> tuple[float, float, int]:
    """Mean, half-width of the 95 % t-interval, n (non-finite values dropped), from
    the shared :func:`incentsim.analysis.intervals.mean_ci`."""
    from incentsim.analysis.intervals import mean_ci

    iv = mean_ci([math.nan if v is None else float(v) for v in values])
    return iv.mean, iv.high - iv.mean, iv.n


def plus_minus(mean: float, half: float, signed: bool = False) -> str:
    """``mean ± half`` to four significant digits (``n/a`` for a missing mean)."""
    if math.isnan(mean):
        return "n/a"
    m = f"{mean:+.4g}" if signed else f"{mean:.4g}"
    return m if math.isnan(half) else f"{m} ± {half:.2g}"


def short(v: Any) -> str:
    """A table cell: floats to four significant digits (``n/a`` for NaN), else ``str``."""
    if isinstance(v, float):
        return "n/a" if math.isnan(v) else f"{v:.4g}"
    return str(v)


def id_span(ids: Sequence[str | None]) -> str:
    """Run ids as ``3-8`` when consecutive, else a list (the first twelve)."""
    nums = sorted(int(i) for i in ids if i is not None and str(i).isdigit())
    if not nums:
        return "none"
    if nums == list(range(nums[0], nums[-1] + 1)):
        return f"{nums[0]}" if len(nums) == 1 else f"{nums[0]}-{nums[-1]}"
    return ",".join(map(str, nums[:12])) + (" ..." if len(nums) > 12 else "")


def seed_text(seeds: Sequence[int]) -> str:
    """Seeds as ``0-9`` when consecutive, else as a list."""
    if list(seeds) == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])
    return ",".join(map(str, seeds))
