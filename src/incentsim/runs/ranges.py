"""Seed and run-id lists: the one parser behind every ``--seeds``, every spec's
``seeds:`` and every list of run ids.

A specification is a count ``N`` (seeds ``0..N-1``; seeds only), an inclusive
range ``A-B``, or a comma-separated list of numbers and ranges (``0,3,7-9``); a
spec file may also give a YAML list. Every number is checked against its bounds,
and none may appear twice (a duplicated seed would repeat a run and shrink a
confidence interval to nothing), before any run starts. Problems are raised as one
:class:`~incentsim.errors.ScenarioError` naming the option.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from incentsim.errors import ScenarioError

#: largest seed: Sacred seeds numpy's legacy ``RandomState`` with the run's seed,
#: which takes 32 bits (``numpy.random.SeedSequence`` itself needs a non-negative int)
MAX_SEED = 2**32 - 1
#: largest run id (run directories are numbered from 1)
MAX_RUN_ID = 10**12
#: most seeds or run ids one specification may expand to
MAX_ITEMS = 1_000_000


def parse_seeds(spec: Any, *, what: str = "seeds") -> list[int]:
    """``10`` -> 0..9; ``0-19`` -> 0..19; ``0,3,7`` -> [0, 3, 7]; ``5-5`` -> [5];
    a list ``[0, "3-5"]`` -> [0, 3, 4, 5]."""
    return _parse(spec, what, noun="seed", upper=MAX_SEED, count_ok=True)


def parse_run_ids(spec: Any, *, what: str = "run ids") -> list[int]:
    """``12``, ``12-20`` (inclusive), ``3,5,9-11`` or a list of such tokens."""
    return _parse(spec, what, noun="run id", upper=MAX_RUN_ID, count_ok=False)


def check_seed(seed: Any, *, what: str = "seed") -> int:
    """``seed`` as an int if it is a whole number in ``0..MAX_SEED``, else a ScenarioError."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ScenarioError(
            [(what, f"a seed is a whole number from 0 to {MAX_SEED}, got {seed!r}")]
        )
    return int(seed)


def _parse(spec: Any, what: str, *, noun: str, upper: int, count_ok: bool) -> list[int]:
    usage = (
        f"use a count (10), a range (0-19) or a list (0,3,7) of whole numbers 0..{upper}"
        if count_ok
        else f"use ids like 12, 12-20 or 3,5,9 (whole numbers up to {upper})"
    )

    def fail(msg: str):
        raise ScenarioError([(what, msg)])

    if isinstance(spec, bool) or spec is None:
        fail(f"bad {noun} specification {spec!r}: {usage}")
    if isinstance(spec, (list, tuple)):
        parts = [q for p in spec for q in str(p).split(",")]
    elif count_ok and (isinstance(spec, int) or str(spec).strip().isdigit()):
        n = int(spec)
        if n < 1:
            fail(f"a {noun} count must be at least 1, got {n}")
        return _expanded([(0, n - 1)], what, noun, upper)
    else:
        parts = str(spec).split(",")
    spans = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        a, sep, b = (x.strip() for x in part.partition("-"))
        if not a.isdigit() or (sep and not b.isdigit()):
            fail(f"bad {noun} {part!r}: {usage}")
        lo, hi = int(a), int(b) if sep else int(a)
        if hi < lo:
            fail(f"bad {noun} range {part!r}: it runs backwards ({lo} > {hi})")
        spans.append((lo, hi))
    if not spans:
        fail(f"no {noun}s given: {usage}")
    return _expanded(spans, what, noun, upper)


def _expanded(spans: list[tuple[int, int]], what: str, noun: str, upper: int) -> list[int]:
    problems = []
    too_big = [hi for _, hi in spans if hi > upper]
    if too_big:
        problems.append((what, f"{noun} {max(too_big)} is above the largest allowed, {upper}"))
    total = sum(hi - lo + 1 for lo, hi in spans)
    if total > MAX_ITEMS:
        problems.append((what, f"{total:,} {noun}s exceed the limit of {MAX_ITEMS:,}"))
    if problems:
        raise ScenarioError(problems)
    items = [i for lo, hi in spans for i in range(lo, hi + 1)]
    twice = sorted(k for k, c in Counter(items).items() if c > 1)
    if twice:
        shown = ", ".join(map(str, twice[:10])) + (" ..." if len(twice) > 10 else "")
        raise ScenarioError(
            [(what, f"{noun}(s) {shown} given more than once (each would repeat the same run)")]
        )
    return items
