"""``incentsim report``: one self-contained HTML file comparing scenarios.

::

    incentsim compare configs/gdp_tournament.yaml configs/balanced_scorecard.yaml --seeds 10
    incentsim report --compare-last                 # the runs of that compare
    incentsim report 861-880 --out brief.html       # or any tracked runs, by id

Runs are grouped by scenario name (the first scenario is the reference). The
page says what was run (scenarios, what differs between them, seeds, run ids,
code version, every configuration as YAML), gives a table of each outcome's
average and final value with 95 % t-intervals over seeds and the paired
(same-seed) difference to the reference, and embeds the figures as PNG
(``data:`` URIs): outcomes over time and the leader panel (budget allocation
over the term, promotion against relative reported growth). It loads nothing
from outside the file and prints on paper.

Bad input (an unknown run id, no runs, an unwritable output) prints one line
on stderr and returns 2.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import math
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from incentsim.interfaces.cli_options import add_runs_dir

#: outcomes of the report's table, in order
TABLE_OUTCOMES = (
    "gdp_growth_true",
    "gdp_growth_reported",
    "manipulation_gap",
    "investment_rate",
    "tfp_growth",
    "public_services",
    "pollution",
    "debt_to_gdp",
    "satisfaction",
    "trust_local",
    "trust_central",
    "selection_quality",
)

#: outcomes of the time-series figure, in panel order
TIMESERIES_OUTCOMES = (
    "gdp_growth_true",
    "gdp_growth_reported",
    "investment_rate",
    "manipulation_gap",
    "trust_local",
    "trust_central",
    "pollution",
    "debt_to_gdp",
)

PROG = "incentsim report"


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

    def by_seed(self, key: str) -> dict[int, float]:
        return {s: float(m.get(key, math.nan)) for s, m in zip(self.seeds, self.summaries)}


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


# --------------------------------------------------------------------------- statistics


def outcome_table(groups: Sequence[Group], outcomes: Sequence[str] = TABLE_OUTCOMES):
    """Tidy table: per scenario, outcome and stat (``mean`` = average over the simulated
    years, ``final`` = last year) the mean over seeds with a 95 % t-interval, and the
    paired difference to the first scenario over the seeds both ran."""
    import pandas as pd

    from incentsim.analysis.intervals import mean_ci, paired_diff_ci

    ref = groups[0]
    rows = []
    for g in groups:
        for o in outcomes:
            for stat in ("mean", "final"):
                key = f"{o}_{stat}"
                vals = [float(m.get(key, math.nan)) for m in g.summaries]
                ci = mean_ci(vals)
                row = dict(
                    scenario=g.name,
                    outcome=o,
                    stat=stat,
                    value=ci.mean,
                    low=ci.low,
                    high=ci.high,
                    n=ci.n,
                )
                if g is not ref:
                    a, b = g.by_seed(key), ref.by_seed(key)
                    common = sorted(set(a) & set(b))
                    d = paired_diff_ci([a[s] for s in common], [b[s] for s in common])
                    row.update(diff=d.mean, diff_low=d.low, diff_high=d.high, diff_n=d.n)
                rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- figures


def figures(groups: Sequence[Group]) -> list[tuple[str, str, bytes]]:
    """(id, caption, PNG bytes) of the report's figures."""
    import matplotlib

    matplotlib.use("Agg")
    from incentsim.analysis import plots

    n_seeds = max(len(g.ids) for g in groups)
    out = []
    ts = {g.name: g.timeseries for g in groups}
    fig = plots.timeseries_figure(
        ts,
        TIMESERIES_OUTCOMES,
        ncols=4,
        title=f"Outcomes over time: mean over "
        f"{plots.seeds_text(n_seeds)} with 95 % confidence "
        f"band; {_scales_text(groups)}",
    )
    out.append(
        (
            "timeseries",
            "Outcomes over the simulated years. Lines: mean over seeds; "
            "bands: 95 % t-interval over seeds.",
            plots.png_bytes(fig),
        )
    )
    panels = {g.name: [f for f in g.leaders if len(f)] for g in groups}
    panels = {k: v for k, v in panels.items() if v}
    return out + (_panel_figures(panels) if panels else [])


def _panel_figures(panels: dict[str, list]) -> list[tuple[str, str, bytes]]:
    """The figures drawn from the leader-year panels: allocation over the term, promotion."""
    from incentsim.analysis import plots

    out = []
    fig = plots.allocation_figure(
        panels,
        by="years_to_evaluation",
        title="Budget allocation over the term: mean share over seeds with 95 % CI",
    )
    out.append(
        (
            "allocation",
            "Mean budget shares of sitting prefecture leaders by "
            "years left until their next evaluation (0 = the evaluation year). "
            "A political budget cycle shows as shares that change as the "
            "evaluation approaches. Bars: 95 % t-interval over seeds.",
            plots.png_bytes(fig),
        )
    )
    fig = plots.allocation_figure(
        panels, by="tenure_year", title="Budget allocation by year of the term"
    )
    out.append(
        (
            "allocation_tenure",
            "The same shares by year of the leader's term (1 = first year in post).",
            plots.png_bytes(fig),
        )
    )
    fig = plots.promotion_figure(panels)
    out.append(
        (
            "promotion",
            "Share of evaluated leaders who were promoted, by their "
            "reported GDP growth relative to the mean of their province peers in "
            "the evaluation year (bins: pooled sextiles; points at bin medians). "
            "A steep curve means promotion rewards relative growth. Bars: 95 % "
            "t-interval over seeds (a bin with no evaluated leaders in a seed is "
            "left out for that seed).",
            plots.png_bytes(fig),
        )
    )
    return out


# --------------------------------------------------------------------------- HTML

CSS = """
body{font-family:"Segoe UI",Helvetica,Arial,sans-serif;font-size:15px;line-height:1.45;
color:#1a1a1a;max-width:1100px;margin:2em auto;padding:0 1.2em;background:#fff}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;border-bottom:2px solid #0072B2;
padding-bottom:.15em;margin-top:1.8em}h3{font-size:1.05em}
.meta{color:#555;font-size:.9em}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
th,td{border:1px solid #ccc;padding:.3em .5em;vertical-align:top}
th{background:#f0f4f8;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums;
white-space:nowrap}td.ref{color:#777;text-align:center}
tr.final td{border-top:none}tr.avg td{border-bottom:none}
.ci{color:#555;font-size:.85em}.sig{font-weight:bold}
.better{color:#0072B2}.worse{color:#D55E00}
.swatch{display:inline-block;width:.9em;height:.9em;border-radius:2px;margin-right:.35em;
vertical-align:-.1em}
.wrap{overflow-x:auto}tr.first td{border-top:2px solid #999}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.88em;color:#333;margin-top:.3em}
details{margin:.4em 0}summary{cursor:pointer;font-weight:600}
pre{background:#f7f7f7;border:1px solid #e3e3e3;padding:.6em;font-size:.8em;overflow-x:auto}
.note{background:#fff8e5;border-left:4px solid #E69F00;padding:.4em .8em}
@media print{body{max-width:none;margin:0;font-size:10pt}.wrap{overflow:visible}
h2{page-break-after:avoid}
figure,table{page-break-inside:avoid}details>*{display:block}details summary{display:none}
a{color:inherit;text-decoration:none}}
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _num(x: float) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:.4g}"


def _span(ids: Sequence[int]) -> str:
    ids = sorted(ids)
    if not ids:
        return "none"
    parts, start, prev = [], ids[0], ids[0]
    for i in ids[1:] + [None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        parts.append(f"{start}-{prev}" if prev > start else f"{start}")
        if i is not None:
            start = prev = i
    return ", ".join(parts)


def _scales_text(groups) -> str:
    """The world scale(s) of the groups' runs, for figure titles."""
    from incentsim.scenario import load_scenario

    labels = []
    for g in groups:
        for cfg in g.configs[:1]:
            try:
                text = load_scenario({k: v for k, v in cfg.items() if k != "seed"}).world.label()
            except ValueError:
                continue
            labels.append(text)
    return ", ".join(dict.fromkeys(labels)) or "scale unknown"


def _seeds_text(seeds: Sequence[int]) -> str:
    return _span(sorted(set(seeds)))


def _setting(v: Any) -> str:
    if v is _MISSING:
        return "—"
    if isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False, default=str)


_MISSING = object()


def _config_differences(groups: Sequence[Group]) -> list[tuple[str, list[str]]]:
    """Settings (dotted keys) whose values differ between the scenarios."""
    from incentsim.scenario import flatten

    flat = [
        {
            k: v
            for k, v in flatten(
                {k: v for k, v in g.configs[0].items() if k not in ("seed", "name", "description")}
            ).items()
            if v != {}
        }
        for g in groups
    ]
    keys = sorted(set().union(*flat))
    out = []
    for k in keys:
        vals = [f.get(k, _MISSING) for f in flat]
        shown = [_setting(v) for v in vals]
        if len(set(shown)) > 1:
            out.append((k, shown))
    return out


def _sources(groups: Sequence[Group]) -> list[str]:
    """Sacred's record of the source files each run ran (name + content hash)."""
    seen = set()
    for g in groups:
        for r in g.runs:
            src = (r.get("experiment") or {}).get("sources") or []
            seen.add(tuple(sorted(Path(p).name for _, p in src)))
    return [", ".join(s) for s in sorted(seen)]


def _interval_cell(value, low, high, *, signed=False, direction="none", attrs="") -> str:
    if value is None or not math.isfinite(value):
        return f'<td class="num"{attrs}>n/a</td>'
    v = f"{value:+.4g}" if signed else f"{value:.4g}"
    ci = (
        f'<br><span class="ci">[{_num(low)}, {_num(high)}]</span>'
        if math.isfinite(low) and math.isfinite(high)
        else ""
    )
    cls = "num"
    tag = ""
    if signed and math.isfinite(low) and (low > 0 or high < 0):
        cls += " sig"
        if direction in ("higher", "lower"):
            good = (value > 0) == (direction == "higher")
            cls += " better" if good else " worse"
            tag = " ▲ better" if good else " ▼ worse"
        v += " *"
    return f'<td class="{cls}"{attrs}>{_e(v)}{_e(tag)}{ci}</td>'


def _cells(sub, n, o, stat, meta, diff: bool) -> str:
    r = sub.loc[n]
    if not diff:
        attrs = (
            f' data-scenario="{_e(n)}" data-outcome="{o}" data-stat="{stat}" '
            f'data-value="{float(r["value"])!r}" data-low="{float(r["low"])!r}" '
            f'data-high="{float(r["high"])!r}" data-n="{int(r["n"])}"'
        )
        return _interval_cell(r["value"], r["low"], r["high"], attrs=attrs)
    attrs = (
        f' data-scenario="{_e(n)}" data-outcome="{o}" data-stat="{stat}-diff" '
        f'data-value="{float(r["diff"])!r}" data-low="{float(r["diff_low"])!r}" '
        f'data-high="{float(r["diff_high"])!r}"'
    )
    return _interval_cell(
        r["diff"], r["diff_low"], r["diff_high"], signed=True, direction=meta.direction, attrs=attrs
    )


def _outcome_head(o: str, meta, rowspan: int) -> str:
    better = {"higher": "; higher is better", "lower": "; lower is better"}.get(meta.direction, "")
    return (
        f'<td rowspan="{rowspan}" title="{_e(meta.description)}"><b>'
        f'{_e(o.replace("_", " "))}</b><br><span class="ci">{_e(meta.unit)}; '
        f"{_e(meta.description)}{better}</span></td>"
    )


def outcome_table_html(
    df, names: Sequence[str], outcomes: Sequence[str] = TABLE_OUTCOMES, wide: bool | None = None
) -> str:
    """The outcome table as HTML: scenarios as columns (up to three scenarios) or,
    for more, one row per outcome and scenario. Every number cell carries its exact
    value in ``data-*`` attributes."""
    from incentsim.outcomes import BY_NAME

    ref = names[0]
    wide = len(names) <= 3 if wide is None else wide
    rows = []
    if wide:
        rows.append(
            "<tr><th>outcome (unit)</th><th>stat</th>"
            + "".join(f"<th>{_e(n)}</th>" for n in names)
            + "".join(f"<th>Δ {_e(n)} vs {_e(ref)}</th>" for n in names[1:])
            + "</tr>"
        )
        for o in outcomes:
            meta = BY_NAME[o]
            for stat, lab in (("mean", "average"), ("final", "final")):
                sub = df[(df.outcome == o) & (df.stat == stat)].set_index("scenario")
                head = _outcome_head(o, meta, 2) if stat == "mean" else ""
                cells = [_cells(sub, n, o, stat, meta, False) for n in names]
                cells += [_cells(sub, n, o, stat, meta, True) for n in names[1:]]
                cls = "avg" if stat == "mean" else "final"
                rows.append(f'<tr class="{cls}">{head}<td>{lab}</td>{"".join(cells)}</tr>')
    else:
        rows.append(
            f"<tr><th>outcome (unit)</th><th>scenario</th><th>average</th>"
            f"<th>Δ average vs {_e(ref)}</th><th>final</th>"
            f"<th>Δ final vs {_e(ref)}</th></tr>"
        )
        for o in outcomes:
            meta = BY_NAME[o]
            subs = {
                st: df[(df.outcome == o) & (df.stat == st)].set_index("scenario")
                for st in ("mean", "final")
            }
            for i, n in enumerate(names):
                head = _outcome_head(o, meta, len(names)) if i == 0 else ""
                cells = []
                for st in ("mean", "final"):
                    cells.append(_cells(subs[st], n, o, st, meta, False))
                    cells.append(
                        '<td class="ref">reference</td>'
                        if i == 0
                        else _cells(subs[st], n, o, st, meta, True)
                    )
                rows.append(
                    f'<tr class="{"first" if i == 0 else ""}">{head}<td>{_e(n)}</td>'
                    f"{''.join(cells)}</tr>"
                )
    return '<div class="wrap"><table class="outcomes">' + "\n".join(rows) + "</table></div>"


def _html_head(
    title: str,
    now: str,
    n_runs: int,
    runs_dir: Path | None,
    source: str,
    version: dict,
    notes: Sequence[str],
) -> list[str]:
    """Head of the page, title, what wrote it and from which runs, and the notes."""
    p: list[str] = []
    a = p.append
    a('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">')
    a('<meta name="viewport" content="width=device-width, initial-scale=1">')
    a(f"<title>{_e(title)}</title><style>{CSS}</style></head><body>")
    a(f"<h1>{_e(title)}</h1>")
    a(
        f'<p class="meta">incentsim report, written {_e(now)} from {n_runs} tracked simulation '
        f"runs{(' in ' + _e(runs_dir)) if runs_dir else ''}{_e(source)}. incentsim "
        f"{_e(version['incentsim'])}"
        + (f", code {_e(version['git'])}" if "git" in version else "")
        + ".</p>"
    )
    a(
        "<p>Each scenario is a set of rules for evaluating and promoting prefecture leaders "
        "(configuration below). Every scenario was simulated with the same random seeds, so "
        "differences between scenarios are paired seed by seed. Figures show the mean over "
        "seeds with a 95 % confidence interval.</p>"
    )
    for n in notes:
        a(f'<p class="note">{_e(n)}</p>')
    return p


def _what_was_run(groups: Sequence[Group]) -> list[str]:
    """Table of the scenarios run: rule, mechanisms, seeds, run ids, world."""
    from incentsim.analysis.plots import colour

    p: list[str] = []
    a = p.append
    a("<h2>What was run</h2>")
    a(
        '<div class="wrap"><table><tr><th>scenario</th><th>description</th><th>promotion rule</th>'
        "<th>mechanisms</th><th>seeds</th><th>runs</th><th>run ids</th><th>world</th></tr>"
    )
    for i, g in enumerate(groups):
        cfg = g.configs[0]
        w = cfg.get("world", {})
        mechanisms = dict.fromkeys(", ".join(x.get("mechanisms", [])) or "none" for x in g.infos)
        world = (
            f"{w.get('n_provinces', '?')} provinces × "
            f"{w.get('prefectures_per_province', '?')} prefectures; "
            f"{w.get('horizon', '?')} years after {w.get('burn_in', '?')} burn-in"
        )
        a(
            f'<tr><td><span class="swatch" style="background:{colour(i)}"></span>'
            f"<b>{_e(g.name)}</b>{' (reference)' if i == 0 else ''}</td>"
            f"<td>{_e(cfg.get('description', ''))}</td>"
            f"<td>{_e(', '.join(dict.fromkeys(str(x.get('rule', '')) for x in g.infos)))}</td>"
            f"<td>{_e(' | '.join(mechanisms))}</td>"
            f"<td>{_e(_seeds_text(g.seeds))}</td><td>{len(g.ids)}</td>"
            f"<td>{_e(_span(g.ids))}</td><td>{_e(world)}</td></tr>"
        )
    a("</table></div>")
    return p


def _differences_section(groups: Sequence[Group], names: Sequence[str]) -> list[str]:
    """Table of the settings that differ between the scenarios (if any)."""
    p: list[str] = []
    a = p.append
    diffs = _config_differences(groups)
    if diffs and len(groups) > 1:
        a(
            '<h3>What differs between the scenarios</h3><div class="wrap"><table><tr>'
            "<th>setting</th>" + "".join(f"<th>{_e(n)}</th>" for n in names) + "</tr>"
        )
        for k, vals in diffs:
            a(
                f"<tr><td><code>{_e(k)}</code></td>"
                + "".join(f"<td><code>{_e(v)}</code></td>" for v in vals)
                + "</tr>"
            )
        a("</table></div>")
    return p


def _provenance(groups: Sequence[Group], version: dict) -> list[str]:
    """Code and provenance: versions, times, hosts, stored sources, task keys."""
    p: list[str] = []
    a = p.append
    starts = [s for g in groups for r in g.runs if (s := r.get("start_time"))]
    stops = [s for g in groups for r in g.runs if (s := r.get("stop_time"))]
    hosts = sorted({(r.get("host") or {}).get("hostname", "?") for g in groups for r in g.runs})
    a("<h3>Code and provenance</h3><ul>")
    a(
        f"<li>incentsim {_e(version['incentsim'])}"
        + (
            f", git <code>{_e(version['git'])}</code> (the checkout that wrote this report)"
            if "git" in version
            else ""
        )
        + f"; Python {_e(version['python'])}.</li>"
    )
    if starts:
        a(
            f"<li>Runs started {_e(min(starts)[:19])} – finished {_e(max(stops or starts)[:19])}"
            f" (UTC) on {_e(', '.join(hosts))}.</li>"
        )
    run_codes = sorted(
        {json.dumps(i["code"], sort_keys=True) for g in groups for i in g.infos if i.get("code")}
    )
    if run_codes:
        shown = "; ".join(
            ", ".join(f"{k} {v}" for k, v in json.loads(c).items() if k != "python")
            for c in run_codes
        )
        a(
            f"<li>Code the runs recorded ({len(run_codes)} version"
            f"{'s' if len(run_codes) > 1 else ''}): {_e(shown)}.</li>"
        )
    srcs = _sources(groups)
    if srcs:
        verdict = (
            "every run recorded the same sources"
            if len(srcs) == 1
            else f"the runs recorded {len(srcs)} different sets of sources: "
            "they ran different code versions"
        )
        a(
            f"<li>Sacred stored the experiment's source files with each run (content-hashed "
            f"names in the runs directory's <code>_sources/</code>); {_e(verdict)}: "
            + "; ".join(f"<code>{_e(s)}</code>" for s in srcs)
            + ".</li>"
        )
    keys = sorted({key for g in groups for i in g.infos if (key := i.get("task_key"))})
    if keys:
        a(
            f"<li>{len(keys)} distinct task keys (hash of scenario, seed and simulation "
            "code): re-running the same command reproduces these runs exactly.</li>"
        )
    a("</ul>")
    return p


def _configurations(groups: Sequence[Group]) -> list[str]:
    """Each scenario's full configuration (YAML), folded."""
    import yaml

    p: list[str] = []
    a = p.append
    a("<h3>Configurations</h3>")
    for g in groups:
        cfg = {k: v for k, v in g.configs[0].items() if k != "seed"}
        a(
            f"<details><summary>{_e(g.name)} — full configuration (YAML)</summary>"
            f"<pre>{_e(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True))}</pre>"
            "</details>"
        )
    return p


def _outcomes_section(df, names: Sequence[str], ref: str) -> list[str]:
    """The outcome table with how to read its cells."""
    p: list[str] = []
    a = p.append
    a("<h2>Outcomes</h2>")
    a(
        "<p><b>average</b>: mean over the simulated years; <b>final</b>: the last year. Each "
        "cell is the mean over seeds with its 95 % t-interval in brackets. "
        f"<b>Δ</b> is the paired difference to <b>{_e(ref)}</b> over the same seeds; "
        "* marks an interval that excludes 0, labelled better or worse where the outcome "
        "has a preferred direction.</p>"
    )
    a(outcome_table_html(df, names))
    return p


def _figures_section(figs: list) -> list[str]:
    """The figures, inlined as PNG, under their section headings."""
    p: list[str] = []
    a = p.append
    sections = {
        "timeseries": "Over time",
        "allocation": "How leaders spend over the term",
        "promotion": "Who gets promoted",
    }
    for fid, caption, png in figs:
        if fid in sections:
            a(f"<h2>{_e(sections[fid])}</h2>")
        b64 = base64.b64encode(png).decode("ascii")
        a(
            f'<figure id="fig-{fid}"><img alt="{_e(caption)}" '
            f'src="data:image/png;base64,{b64}"><figcaption>{_e(caption)}</figcaption></figure>'
        )
    return p


def _how_to_read(groups: Sequence[Group]) -> list[str]:
    """How to read the report, and the run ids."""
    p: list[str] = []
    a = p.append
    a(
        "<h2>How to read this report</h2><ul>"
        "<li>The model is an agent-based simulation: prefecture leaders choose budgets, "
        "borrowing and how much to inflate reported statistics to maximise their promotion "
        "chances under each scenario's rules; firms and citizens respond.</li>"
        "<li>A 95 % interval reflects variation across random seeds (simulated histories)"
        + (
            " and, where the runs drew the estimated parameters (notes above), across those draws, "
            if any(posterior_of(g) for g in groups)
            else ", "
        )
        + "not uncertainty about the model's assumptions.</li>"
        "<li>Numbers are model outputs for comparing rules, not forecasts for real "
        "prefectures.</li></ul>"
    )
    a(
        '<p class="meta">Run ids: '
        f"{'; '.join(_e(g.name) + ' ' + _e(_span(g.ids)) for g in groups)}."
        "</p></body></html>"
    )
    return p


def render(
    groups: Sequence[Group],
    notes: Sequence[str],
    *,
    title: str | None = None,
    runs_dir: Path | None = None,
    source: str = "",
) -> tuple[str, list]:
    """The report's HTML and its figures ((id, caption, png), ...)."""
    names = [g.name for g in groups]
    ref = names[0]
    df = outcome_table(groups)
    figs = figures(groups)
    from incentsim.runs.experiment import code_version

    version = code_version()
    now = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    title = title or ("Scenario comparison: " + " vs ".join(names))
    n_runs = sum(len(g.ids) for g in groups)
    p = _html_head(title, now, n_runs, runs_dir, source, version, notes)
    p += _what_was_run(groups)
    p += _differences_section(groups, names)
    p += _provenance(groups, version)
    p += _configurations(groups)
    p += _outcomes_section(df, names, ref)
    p += _figures_section(figs)
    p += _how_to_read(groups)
    return "\n".join(p), figs


# --------------------------------------------------------------------------- command line


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise ReportError(f"{message} (see '{PROG} --help')")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``incentsim report``."""
    ap = _Parser(
        prog=PROG,
        description="Write one self-contained HTML report (figures "
        "embedded) comparing the scenarios of tracked runs.",
        epilog="examples:\n  incentsim report --compare-last\n"
        "  incentsim report 861-880 --out brief.html\n"
        "  incentsim report 12,15 20-29 --figures-dir figs/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument(
        "ids", nargs="*", metavar="RUN_IDS", help="run ids: 12, 12-20 (inclusive) or 3,5,9-11"
    )
    ap.add_argument(
        "--compare-last",
        action="store_true",
        help="the runs of the most recent 'incentsim compare' in the runs "
        "directory (added to any RUN_IDS)",
    )
    add_runs_dir(ap)
    ap.add_argument(
        "--out",
        metavar="PATH",
        help="the HTML file (default: results/reports/report-<timestamp>.html)",
    )
    ap.add_argument("--title", help="title of the report")
    ap.add_argument(
        "--figures-dir", metavar="DIR", help="also save each figure as report_<name>.png in DIR"
    )
    return ap


def write_report(
    ids: Sequence[int],
    runs_dir: Path,
    out: Path,
    *,
    order: Sequence[str] = (),
    title: str | None = None,
    figures_dir: Path | None = None,
    source: str = "",
) -> Path:
    """Write the HTML report on runs ``ids`` to ``out`` (figures too if asked)."""
    groups, notes = load_groups(runs_dir, ids, order)
    text, figs = render(groups, notes, title=title, runs_dir=runs_dir, source=source)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        if figures_dir is not None:
            figures_dir.mkdir(parents=True, exist_ok=True)
            for fid, _, png in figs:
                (figures_dir / f"report_{fid}.png").write_bytes(png)
    except OSError as exc:
        raise ReportError(
            f"cannot write the report: {exc.strerror or exc}: {exc.filename or out}"
        ) from None
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``incentsim report``; returns the exit status (2 on bad input)."""
    from incentsim.interfaces.cli_options import runs_dir_of

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        runs_dir = runs_dir_of(args)
        if not runs_dir.is_dir():
            raise ReportError(f"no runs directory {runs_dir}")
        ids = parse_ids(args.ids)
        order: list[str] = []
        source = ""
        if args.compare_last:
            last, order = last_compare(runs_dir)
            ids = list(dict.fromkeys([*last, *ids]))
            source = " (the latest 'incentsim compare')"
        if not ids:
            raise ReportError("no runs given: pass RUN_IDS or --compare-last")
        out = (
            Path(args.out)
            if args.out
            else Path("results/reports")
            / (f"report-{datetime.now().strftime('%Y%m%d-%H%M%S')}.html")
        )
        write_report(
            ids,
            runs_dir,
            out,
            order=order,
            title=args.title,
            figures_dir=Path(args.figures_dir) if args.figures_dir else None,
            source=source,
        )
    except ReportError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    print(f"Report: {out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
