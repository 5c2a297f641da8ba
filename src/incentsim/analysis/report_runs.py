"""The runs an ``incentsim report`` covers: selected by id or as the most recent
``incentsim compare`` (:func:`last_compare`), loaded and grouped by scenario
(:class:`Group`, :func:`load_groups`), with notes on runs skipped or pooled.

Bad input (an unknown run id, no runs) is a :class:`ReportError`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any


class ReportError(Exception):
    """Bad input: one line on stderr, exit status 2."""


# --------------------------------------------------------------------------- selecting runs


def parse_ids(tokens: Sequence[str]) -> list[int]:
    """Run ids from tokens like ``12``, ``12-20`` (inclusive) or ``3,5,9-11``
    (:func:`incentsim.runs.ranges.parse_run_ids`); a bad token is a :class:`ReportError`."""
    from incentsim.errors import ScenarioError
    from incentsim.runs.ranges import parse_run_ids

    if not tokens:
        return []
    try:
        return parse_run_ids(list(tokens), what="run ids")
    except ScenarioError as exc:
        raise ReportError(exc.one_line()) from None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def last_compare(runs_dir: Path) -> tuple[list[int], list[str]]:
    """Run ids and scenario order of the most recent ``incentsim compare``.

    ``compare`` records them in ``<runs dir>/_compare/last.json`` (runs it reused from
    earlier commands included). Without that file (older runs directories):
    ``compare`` tags each run's ``info.json`` with ``compare`` (the scenario names,
    comma-joined, in command-line order) and the executor tags it with ``invocation``
    (one id per command). The latest run carrying ``compare`` names the invocation;
    every run of it is taken. Runs without an ``invocation`` tag fall back to the
    latest run per (scenario, seed) of that ``compare`` group.
    """
    last = _read_json(runs_dir / "_compare" / "last.json")
    if isinstance(last, dict) and last.get("run_ids"):  # written by compare, reused runs too
        return [int(i) for i in last["run_ids"]], list(last.get("scenarios") or [])
    try:
        dirs = sorted((int(n) for n in os.listdir(runs_dir) if n.isdigit()), reverse=True)
    except OSError:
        raise ReportError(f"no runs directory {runs_dir}") from None
    target = None
    members: list[tuple[int, dict]] = []
    for rid in dirs:
        info = _read_json(runs_dir / str(rid) / "info.json")
        if not isinstance(info, dict) or not info.get("compare"):
            continue
        if target is None:
            target = (info["compare"], info.get("invocation"))
        if info["compare"] == target[0] and (
            target[1] is None or info.get("invocation") == target[1]
        ):
            members.append((rid, info))
    if target is None:
        raise ReportError(f"no runs of an 'incentsim compare' in {runs_dir}")
    if target[1] is None:  # untagged: latest run per scenario and seed
        seen: dict[tuple[Any, Any], int] = {}
        for rid, info in members:  # newest first
            seen.setdefault((info.get("scenario"), info.get("seed")), rid)
        ids = sorted(seen.values())
    else:
        ids = sorted(rid for rid, _ in members)
    return ids, [n for n in target[0].split(",") if n]


# --------------------------------------------------------------------------- data


class Group:
    """The completed runs of one scenario."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ids: list[int] = []
        self.seeds: list[int] = []
        self.summaries: list[dict[str, float]] = []
        self.timeseries: list[Any] = []
        self.leaders: list[Any] = []
        self.configs: list[dict] = []
        self.infos: list[dict] = []
        self.runs: list[dict] = []

    def latest_per_seed(self) -> dict[int, int]:
        """Seed -> index of its latest run (the highest id), whatever order the runs
        were listed in; seeds in order."""
        latest: dict[int, int] = {}
        for i in sorted(range(len(self.ids)), key=self.ids.__getitem__):
            latest[self.seeds[i]] = i
        return dict(sorted(latest.items()))

    def by_seed(self, key: str) -> dict[int, float]:
        """Seed -> summary ``key`` of its latest run (what pairing across scenarios uses)."""
        return {
            s: float(self.summaries[i].get(key, math.nan))
            for s, i in self.latest_per_seed().items()
        }


def load_groups(
    runs_dir: Path, ids: Sequence[int], order: Sequence[str] = ()
) -> tuple[list[Group], list[str]]:
    """Load completed runs ``ids`` grouped by scenario (``order`` first, then by
    first appearance); also notes on what was skipped."""
    from incentsim.runs.results import UnknownRun, load_run

    groups: dict[str, Group] = {n: Group(n) for n in order}
    notes: list[str] = []
    skipped: list[str] = []
    for rid in ids:
        try:
            r = load_run(runs_dir, rid)
        except UnknownRun:
            raise ReportError(f"unknown run id {rid} in {runs_dir}") from None
        status = r["run"].get("status")
        if status != "COMPLETED":
            skipped.append(f"{rid} ({status})")
            continue
        info, cfg = r["info"] or {}, r["config"] or {}
        name = info.get("scenario") or cfg.get("name") or "unnamed"
        g = groups.setdefault(name, Group(name))
        _add_run(g, runs_dir, rid, r)
    if skipped:
        notes.append(
            f"Skipped {len(skipped)} run(s) that did not complete: "
            + ", ".join(skipped[:20])
            + (" ..." if len(skipped) > 20 else "")
        )
    out = [g for g in groups.values() if g.ids]
    if not out:
        raise ReportError("no completed runs to report" + (f" ({notes[0]})" if notes else ""))
    for g in out:
        notes.extend(_pooling_notes(g))
    return out, notes


def _add_run(g: Group, runs_dir: Path, rid: int, r: dict) -> None:
    """Append run ``rid`` (loaded as ``r``) to ``g``: seed, summary, time series,
    leader panel, config, info."""
    import pandas as pd

    from incentsim.runs.results import read_artifact

    info, cfg = r["info"] or {}, r["config"] or {}
    seed = cfg.get("seed", info.get("seed"))
    ts = r["metrics"]
    if "timeseries.parquet" in r["artifacts"]:
        ts = read_artifact(runs_dir, rid, "timeseries.parquet")
    leaders = (
        read_artifact(runs_dir, rid, "leaders.parquet")
        if "leaders.parquet" in r["artifacts"]
        else pd.DataFrame()
    )
    g.ids.append(rid)
    g.seeds.append(int(seed) if seed is not None else -1)
    g.summaries.append(info.get("summary") or {})
    g.timeseries.append(ts)
    g.leaders.append(leaders)
    g.configs.append(cfg)
    g.infos.append(info)
    g.runs.append(r["run"])


def posterior_of(g: Group) -> str | None:
    """The estimates every run of ``g`` drew its parameters from (``compare
    --posterior`` tags its runs with them), or ``None``."""
    tags = {info.get("posterior") for info in g.infos}
    return tags.pop() if len(tags) == 1 and None not in tags else None


def _pooling_notes(g: Group) -> list[str]:
    """Notes on a group that pools differing configurations or repeats seeds."""
    from incentsim.scenario import flatten

    notes = []
    flat = [flatten({k: v for k, v in c.items() if k != "seed"}) for c in g.configs]
    differ = sorted(
        {k for f in flat[1:] for k in set(f) | set(flat[0]) if f.get(k) != flat[0].get(k)}
    )
    drawn = posterior_of(g)
    if drawn:
        notes.append(
            f"{g.name}: seed s ran with draw s of the estimated parameters in {drawn} "
            f"(differing across seeds: {', '.join(differ) or 'none'}); its intervals and "
            "paired differences carry parameter uncertainty as well as seed noise."
        )
    elif differ:
        variants = len({json.dumps(f, sort_keys=True, default=str) for f in flat})
        notes.append(
            f"{g.name}: the runs have {variants} different configurations "
            f"(differing in {', '.join(differ[:6])}{' ...' if len(differ) > 6 else ''}"
            "); they are pooled under one name. Report runs of one configuration "
            "per scenario name to compare like with like."
        )
    dup = len(g.seeds) - len(set(g.seeds))
    if dup:
        notes.append(
            f"{g.name}: {dup} seed(s) appear in more than one run; every run "
            "counts as a replication, pairing uses the latest run per seed."
        )
    return notes
