"""The outcome table of an ``incentsim report``: each outcome's average and final value
over seeds with 95 % t-intervals and the paired (same-seed) difference to the reference
scenario (:func:`outcome_table`), and the table as HTML (:func:`outcome_table_html`)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from incentsim.analysis.report_runs import Group
from incentsim.interfaces.cli_options import KEY_OUTCOMES
from incentsim.outcomes import OUTCOME_NAMES

#: outcomes of the report's table: the key outcomes of the command line's tables and
#: trust in the central government, in the order of :data:`incentsim.outcomes.OUTCOMES`
TABLE_OUTCOMES = tuple(n for n in OUTCOME_NAMES if n in KEY_OUTCOMES or n == "trust_central")


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


# --------------------------------------------------------------------------- HTML


def esc(x: Any) -> str:
    """``x`` as text escaped for HTML (quotes too)."""
    return html.escape(str(x), quote=True)


def _num(x: float) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:.4g}"


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
    return f'<td class="{cls}"{attrs}>{esc(v)}{esc(tag)}{ci}</td>'


def _cells(sub, n, o, stat, meta, diff: bool) -> str:
    r = sub.loc[n]
    if not diff:
        attrs = (
            f' data-scenario="{esc(n)}" data-outcome="{o}" data-stat="{stat}" '
            f'data-value="{float(r["value"])!r}" data-low="{float(r["low"])!r}" '
            f'data-high="{float(r["high"])!r}" data-n="{int(r["n"])}"'
        )
        return _interval_cell(r["value"], r["low"], r["high"], attrs=attrs)
    attrs = (
        f' data-scenario="{esc(n)}" data-outcome="{o}" data-stat="{stat}-diff" '
        f'data-value="{float(r["diff"])!r}" data-low="{float(r["diff_low"])!r}" '
        f'data-high="{float(r["diff_high"])!r}"'
    )
    return _interval_cell(
        r["diff"], r["diff_low"], r["diff_high"], signed=True, direction=meta.direction, attrs=attrs
    )


def _outcome_head(o: str, meta, rowspan: int) -> str:
    better = {"higher": "; higher is better", "lower": "; lower is better"}.get(meta.direction, "")
    return (
        f'<td rowspan="{rowspan}" title="{esc(meta.description)}"><b>'
        f'{esc(o.replace("_", " "))}</b><br><span class="ci">{esc(meta.unit)}; '
        f"{esc(meta.description)}{better}</span></td>"
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
            + "".join(f"<th>{esc(n)}</th>" for n in names)
            + "".join(f"<th>Δ {esc(n)} vs {esc(ref)}</th>" for n in names[1:])
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
            f"<th>Δ average vs {esc(ref)}</th><th>final</th>"
            f"<th>Δ final vs {esc(ref)}</th></tr>"
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
                    f'<tr class="{"first" if i == 0 else ""}">{head}<td>{esc(n)}</td>'
                    f"{''.join(cells)}</tr>"
                )
    return '<div class="wrap"><table class="outcomes">' + "\n".join(rows) + "</table></div>"
