"""The page of an ``incentsim report``: one self-contained HTML file (styles inline,
figures as ``data:`` URIs, readable on paper) with what was run, what differs between
the scenarios, code and provenance, every configuration, the outcome table and the
figures (:func:`render`)."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from incentsim.analysis.report_figures import figures
from incentsim.analysis.report_runs import Group, posterior_of
from incentsim.analysis.report_table import esc, outcome_table, outcome_table_html

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
    """Settings (dotted keys) whose values differ between the scenarios.

    Scenarios are compared seed by seed, like their outcomes: a setting differs if, on a
    seed every scenario ran, the scenarios' runs of that seed (the latest run per seed)
    disagree. A setting that varies only with the seed (``compare --posterior`` draws
    the estimated parameters per seed, shared by the scenarios) is not a difference, and
    the answer does not depend on the order the runs finished in. A scenario whose runs
    disagree on a setting shows it as varying by seed. Without a seed in common, the
    scenarios' shown values are compared.
    """
    per_seed = [_flat_by_seed(g) for g in groups]
    common = sorted(set.intersection(*(set(f) for f in per_seed)))
    keys = sorted(set().union(*(c for f in per_seed for c in f.values())))
    out = []
    for k in keys:
        shown = [_shown(f, k) for f in per_seed]
        if common:
            differs = any(
                len({_setting(f[s].get(k, _MISSING)) for f in per_seed}) > 1 for s in common
            )
        else:
            differs = len(set(shown)) > 1
        if differs:
            out.append((k, shown))
    return out


def _flat_by_seed(g: Group) -> dict[int, dict[str, Any]]:
    """The flattened settings of ``g``'s latest run per seed (seed, name and description
    left out)."""
    from incentsim.scenario import flatten

    return {
        seed: {
            k: v
            for k, v in flatten(
                {k: v for k, v in g.configs[i].items() if k not in ("seed", "name", "description")}
            ).items()
            if v != {}
        }
        for seed, i in g.latest_per_seed().items()
    }


def _shown(by_seed: dict[int, dict[str, Any]], key: str) -> str:
    """A scenario's value of ``key`` as shown: the one value of its runs, else
    ``varies by seed``."""
    values = {_setting(c.get(key, _MISSING)) for c in by_seed.values()}
    return values.pop() if len(values) == 1 else "varies by seed"


def _sources(groups: Sequence[Group]) -> list[str]:
    """Sacred's record of the source files each run ran (name + content hash)."""
    seen = set()
    for g in groups:
        for r in g.runs:
            src = (r.get("experiment") or {}).get("sources") or []
            seen.add(tuple(sorted(Path(p).name for _, p in src)))
    return [", ".join(s) for s in sorted(seen)]


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
    a(f"<title>{esc(title)}</title><style>{CSS}</style></head><body>")
    a(f"<h1>{esc(title)}</h1>")
    a(
        f'<p class="meta">incentsim report, written {esc(now)} from {n_runs} tracked simulation '
        f"runs{(' in ' + esc(runs_dir)) if runs_dir else ''}{esc(source)}. incentsim "
        f"{esc(version['incentsim'])}"
        + (f", code {esc(version['git'])}" if "git" in version else "")
        + ".</p>"
    )
    a(
        "<p>Each scenario is a set of rules for evaluating and promoting prefecture leaders "
        "(configuration below). Every scenario was simulated with the same random seeds, so "
        "differences between scenarios are paired seed by seed. Figures show the mean over "
        "seeds with a 95 % confidence interval.</p>"
    )
    for n in notes:
        a(f'<p class="note">{esc(n)}</p>')
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
            f"<b>{esc(g.name)}</b>{' (reference)' if i == 0 else ''}</td>"
            f"<td>{esc(cfg.get('description', ''))}</td>"
            f"<td>{esc(', '.join(dict.fromkeys(str(x.get('rule', '')) for x in g.infos)))}</td>"
            f"<td>{esc(' | '.join(mechanisms))}</td>"
            f"<td>{esc(_seeds_text(g.seeds))}</td><td>{len(g.ids)}</td>"
            f"<td>{esc(_span(g.ids))}</td><td>{esc(world)}</td></tr>"
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
            "<th>setting</th>" + "".join(f"<th>{esc(n)}</th>" for n in names) + "</tr>"
        )
        for k, vals in diffs:
            a(
                f"<tr><td><code>{esc(k)}</code></td>"
                + "".join(f"<td><code>{esc(v)}</code></td>" for v in vals)
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
        f"<li>incentsim {esc(version['incentsim'])}"
        + (
            f", git <code>{esc(version['git'])}</code> (the checkout that wrote this report)"
            if "git" in version
            else ""
        )
        + f"; Python {esc(version['python'])}.</li>"
    )
    if starts:
        a(
            f"<li>Runs started {esc(min(starts)[:19])} – finished {esc(max(stops or starts)[:19])}"
            f" (UTC) on {esc(', '.join(hosts))}.</li>"
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
            f"{'s' if len(run_codes) > 1 else ''}): {esc(shown)}.</li>"
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
            f"names in the runs directory's <code>_sources/</code>); {esc(verdict)}: "
            + "; ".join(f"<code>{esc(s)}</code>" for s in srcs)
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
            f"<details><summary>{esc(g.name)} — full configuration (YAML)</summary>"
            f"<pre>{esc(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True))}</pre>"
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
        f"<b>Δ</b> is the paired difference to <b>{esc(ref)}</b> over the same seeds; "
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
            a(f"<h2>{esc(sections[fid])}</h2>")
        b64 = base64.b64encode(png).decode("ascii")
        a(
            f'<figure id="fig-{fid}"><img alt="{esc(caption)}" '
            f'src="data:image/png;base64,{b64}"><figcaption>{esc(caption)}</figcaption></figure>'
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
        f"{'; '.join(esc(g.name) + ' ' + esc(_span(g.ids)) for g in groups)}."
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
