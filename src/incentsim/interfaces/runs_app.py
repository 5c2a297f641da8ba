"""Runs browser: the tracked runs of a runs directory in the browser.

``incentsim app --runs DIR`` serves this page instead of the explorer. A researcher
filters the runs (scenario, rule, variant, sweep, status, seeds, start date), sees the
matching runs as a table with their summaries, opens any run's configuration and
summary, selects runs to plot any outcome over the simulated years (mean over seeds
with a 95 % band per scenario, variant or rule), and exports the selection as the
self-contained HTML report of ``incentsim report``. It reads the file store Sacred
writes (:func:`incentsim.runs.results.load_runs`, whose index keeps reloading cheap): no
database is needed, as the Sacred browser Omniboard would.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import solara

from incentsim.outcomes import OUTCOME_NAMES
from incentsim.runs.results import Runs, load_run, load_runs

#: environment variable through which ``incentsim app --runs DIR`` names the directory
ENV_RUNS = "INCENTSIM_APP_RUNS"
#: categorical columns offered as filters (those the runs directory has)
FILTER_COLUMNS = ("scenario", "rule", "variant", "sweep", "status")
#: columns of the runs table before the chosen outcome's summaries
TABLE_COLUMNS = ("run_id", "status", "start_time", "scenario", "rule", "variant", "seed", "sweep")
#: what the selected runs can be grouped by in the plot (bands are over the runs of a
#: group): a variant is one configuration of a scenario (results.py), so it comes first
GROUP_BY = ("variant", "scenario", "rule")
DEFAULT_OUTCOME = "gdp_growth_true"


class FilterError(ValueError):
    """A filter the page cannot apply (bad seeds or date); shown beside the filter."""


def filter_choices(runs: pd.DataFrame) -> dict[str, list[str]]:
    """The values each categorical filter can take, from the runs themselves."""
    out = {}
    for col in FILTER_COLUMNS:
        if col in runs.columns:
            values = sorted({str(v) for v in runs[col].dropna() if str(v) != ""})
            if values:
                out[col] = values
    return out


def filtered_runs(
    runs_dir: str | Path,
    picked: dict[str, list[str]],
    seeds: str = "",
    since: str = "",
    until: str = "",
) -> Runs:
    """The runs (and their metrics) matching every filter, through :func:`load_runs`;
    an empty list in ``picked`` means no restriction. Seeds are written as on the
    command line (``0-9``, ``0,3,7``); a bad seed list or date is a :class:`FilterError`
    with load_runs' one-line message."""
    from incentsim.errors import ScenarioError
    from incentsim.runs.ranges import parse_seeds

    where: dict[str, Any] = {c: list(v) for c, v in picked.items() if v}
    try:
        if (seeds or "").strip():
            where["seed"] = parse_seeds(seeds, what="seeds")
        return load_runs(
            runs_dir,
            since=(since or "").strip() or None,
            until=(until or "").strip() or None,
            filters=where,
        )
    except ScenarioError as exc:
        raise FilterError(exc.one_line()) from None


def _sig(x):
    """``x`` to four significant digits for display (missing values as they are)."""
    return float(f"{x:.4g}") if x is not None and pd.notna(x) else x


def runs_table(runs: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The table shown: identifying columns, then the outcome's average and final value."""
    cols = [c for c in TABLE_COLUMNS if c in runs.columns]
    cols += [c for c in (f"{outcome}_mean", f"{outcome}_final") if c in runs.columns]
    out = runs[cols].copy()
    if "start_time" in out.columns:
        out["start_time"] = out["start_time"].dt.strftime("%Y-%m-%d %H:%M:%S")
    for c in cols[-2:]:
        if c.startswith(outcome):
            out[c] = out[c].map(_sig)
    for c in ("variant", "sweep"):
        if c in out.columns:
            out[c] = out[c].where(out[c].notna(), "")
    return out.sort_values("run_id", ascending=False, ignore_index=True)


def run_label(row) -> str:
    """How a run is named in the selection: ``12 · gdp_tournament@3f9c2a1b · seed 3`` (its
    variant, i.e. scenario and configuration, or its scenario when it has none)."""
    name = (
        row.get("variant")
        if isinstance(row.get("variant"), str) and row.get("variant")
        else row.get("scenario", "")
    )
    return f"{row['run_id']} · {name} · seed {row.get('seed')}"


def group_timeseries(
    runs: pd.DataFrame, metrics: pd.DataFrame, ids: list[int], by: str
) -> dict[str, list[pd.DataFrame]]:
    """Per-run time series (``year`` + outcomes) of runs ``ids``, grouped by ``by``
    (runs without a value for it are grouped by scenario), for
    :func:`incentsim.analysis.plots.timeseries_figure`."""
    chosen = runs[runs["run_id"].isin(ids)]
    groups: dict[str, list[pd.DataFrame]] = {}
    for _, row in chosen.sort_values("run_id").iterrows():
        key = row.get(by) if by in chosen.columns and pd.notna(row.get(by)) else row["scenario"]
        m = metrics[metrics["run_id"] == row["run_id"]]
        if m.empty:
            continue
        wide = m.pivot_table(index="year", columns="outcome", values="value").reset_index()
        groups.setdefault(str(key), []).append(wide)
    return groups


def outcome_png(groups: dict[str, list[pd.DataFrame]], outcome: str) -> bytes:
    """One panel: ``outcome`` over the years, mean and 95 % band per group."""
    from incentsim.analysis.plots import png_bytes, timeseries_figure

    fig = timeseries_figure(groups, [outcome], ncols=1)
    fig.set_size_inches(8.0, 4.2)
    return png_bytes(fig, dpi=90)


def run_details(runs_dir: str | Path, run_id: int) -> tuple[str, pd.DataFrame]:
    """One run's configuration (YAML) and summary (each outcome's average and final)."""
    import yaml

    r = load_run(runs_dir, run_id)
    config = yaml.safe_dump(r["config"] or {}, sort_keys=False)
    summary = (r["info"] or {}).get("summary") or {}
    rows = [
        {
            "outcome": o,
            "average": _sig(summary.get(f"{o}_mean")),
            "final": _sig(summary.get(f"{o}_final")),
        }
        for o in OUTCOME_NAMES
        if f"{o}_mean" in summary
    ]
    return config, pd.DataFrame(rows, columns=["outcome", "average", "final"])


def report_html(runs_dir: str | Path, ids: list[int]) -> bytes:
    """The selection as the HTML report of ``incentsim report`` (completed runs, grouped
    by scenario; :class:`incentsim.analysis.report_runs.ReportError` when none completed)."""
    from incentsim.analysis.report_html import render
    from incentsim.analysis.report_runs import load_groups

    groups, notes = load_groups(Path(runs_dir), sorted(ids))
    text, _ = render(
        groups, notes, runs_dir=Path(runs_dir), source=" (selected in the runs browser)"
    )
    return text.encode("utf-8")


# --------------------------------------------------------------------------- page

#: the page's state: the values ticked per filter column, the text filters, the outcome
#: plotted and how runs are grouped, the runs chosen by hand, the run shown in detail
picked: solara.Reactive[dict[str, list[str]]] = solara.reactive({})
seeds_text = solara.reactive("")
since_text = solara.reactive("")
until_text = solara.reactive("")
outcome = solara.reactive(DEFAULT_OUTCOME)
group_by = solara.reactive(GROUP_BY[0])
selected: solara.Reactive[list[str]] = solara.reactive([])
detail: solara.Reactive[str | None] = solara.reactive(None)
reloads = solara.reactive(0)


def _pick(column: str):
    """The callback of one filter: store the values ticked for ``column``."""
    return lambda values: picked.set({**picked.value, column: values})


@solara.component
def Filters(choices: dict[str, list[str]]):
    """The sidebar: one multiple choice per categorical column, seeds, dates, reload."""
    with solara.Column(classes=["incentsim-filters"]):
        solara.Markdown("**Filter runs**")
        for col, values in choices.items():
            solara.SelectMultiple(
                col.capitalize(),
                values=picked.value.get(col, []),
                all_values=values,
                dense=True,
                on_value=_pick(col),
            )
        solara.InputText("Seeds (e.g. 0-9 or 0,3,7)", value=seeds_text)
        solara.InputText("Started on or after (YYYY-MM-DD)", value=since_text)
        solara.InputText("Started on or before (YYYY-MM-DD)", value=until_text)
        solara.Button("Reload runs", on_click=lambda: reloads.set(reloads.value + 1), outlined=True)


@solara.component
def Plot(found: Runs, version: str, ids: list[int]):
    """Any outcome of the selected runs over the years, a band per group."""
    key = [version, tuple(ids), group_by.value]
    groups = solara.use_memo(
        lambda: group_timeseries(found.runs, found.metrics, ids, group_by.value), key
    )
    png = solara.use_memo(
        lambda: outcome_png(groups, outcome.value) if groups else None, key + [outcome.value]
    )
    with solara.Column(classes=["incentsim-runs-plot"]):
        with solara.Row():
            solara.Select("Outcome", values=list(OUTCOME_NAMES), value=outcome, dense=True)
            solara.Select(
                "Bands over the runs of each", values=list(GROUP_BY), value=group_by, dense=True
            )
        if png:
            solara.Image(png, width="100%")
        else:
            solara.Info("No completed run with metrics selected.")


@solara.component
def Export(runs_dir: str, ids: list[int]):
    """Download the selection as the HTML report of ``incentsim report``."""
    from incentsim.analysis.report_runs import ReportError

    def data() -> bytes:
        try:
            return report_html(runs_dir, ids)
        except ReportError as exc:
            return f"<p>incentsim report: {exc}</p>".encode()

    name = f"incentsim-report-{len(ids)}-runs.html"
    with solara.Row(classes=["incentsim-runs-export"]):
        solara.FileDownload(
            data,
            filename=name,
            mime_type="text/html",
            label=f"Export the {len(ids)} selected runs as a report",
        )


@solara.component
def Details(runs_dir: str, labels: dict[str, int]):
    """One run's configuration (YAML) and summary table."""
    with solara.Column(classes=["incentsim-runs-detail"]):
        solara.Select(
            "Show the configuration and summary of run",
            values=list(labels),
            value=detail,
            dense=True,
        )
        shown = detail.value
        if shown is not None and shown in labels:
            config, summary = run_details(runs_dir, labels[shown])
            with solara.Columns([1, 1]):
                solara.Preformatted(config, classes=["incentsim-runs-config"])
                solara.DataFrame(summary, items_per_page=40)


def _found(runs_dir: str) -> tuple[Runs | None, str | None]:
    try:
        return filtered_runs(
            runs_dir, picked.value, seeds_text.value, since_text.value, until_text.value
        ), None
    except FilterError as exc:
        return None, str(exc)


@solara.component
def RunsPage(runs_dir: str):
    """The whole page for the runs in ``runs_dir``."""
    everything = solara.use_memo(lambda: load_runs(runs_dir).runs, [reloads.value])
    version = repr(
        (reloads.value, picked.value, seeds_text.value, since_text.value, until_text.value)
    )
    found, problem = solara.use_memo(lambda: _found(runs_dir), [version])
    solara.Title("incentsim runs")
    with solara.Sidebar():
        Filters(filter_choices(everything))
    with solara.Column(classes=["incentsim-runs"]):
        if problem or found is None:
            solara.Error(problem or "")
            return
        table = runs_table(found.runs, outcome.value)
        labels = {run_label(r): int(r["run_id"]) for _, r in table.iterrows()}
        chosen = [lbl for lbl in selected.value if lbl in labels] or list(labels)
        solara.HTML(
            tag="div",
            classes=["incentsim-runs-count"],
            unsafe_innerHTML=(
                f"<b>{len(table)} of {len(everything)} runs</b> in <code>{runs_dir}</code> match; "
                f"{len(chosen)} selected for the plot and the report (none chosen = all)."
            ),
        )
        solara.DataFrame(table, items_per_page=10)
        solara.SelectMultiple(
            "Selected runs",
            values=[c for c in chosen if c in selected.value],
            all_values=list(labels),
            on_value=selected.set,
            dense=True,
        )
        ids = [labels[c] for c in chosen]
        Plot(found, version, ids)
        Export(runs_dir, ids)
        Details(runs_dir, labels)


@solara.component
def Page():
    """Solara entry point; ``incentsim app --runs DIR`` passes DIR in the environment."""
    RunsPage(os.environ.get(ENV_RUNS) or "results/runs")
