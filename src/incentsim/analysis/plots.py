"""Figures in the house style: readable fonts, labelled axes with units from
:data:`incentsim.outcomes.OUTCOMES`, the colour-blind-safe Okabe-Ito palette,
mean over seeds with a 95 % confidence band.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.rcsetup import cycler  # noqa: E402 (what matplotlib.cycler is)

from incentsim.outcomes import BY_NAME  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

#: Okabe & Ito (2008) colour-blind-safe palette (black last)
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442", "#000000")
#: a result as expected / better (blue) and not / worse (vermillion), as in the HTML reports
BETTER, WORSE = OKABE_ITO[3], OKABE_ITO[4]

#: the outcomes of the comparison figure, in panel order
FIGURE_OUTCOMES = (
    "gdp_growth_true",
    "investment_rate",
    "trust_local",
    "manipulation_gap",
    "pollution",
    "debt_to_gdp",
)

STYLE: dict[RcKeyType, Any] = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": 110,
    "savefig.bbox": "tight",
    "lines.linewidth": 2,
    "legend.frameon": False,
    "axes.titleweight": "bold",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.prop_cycle": cycler(color=OKABE_ITO),
}


def seeds_text(n: int) -> str:
    """``1 seed`` / ``n seeds``, for titles."""
    return f"{n} seed" if n == 1 else f"{n} seeds"


def label(outcome: str) -> str:
    """Axis label ``name (unit)`` from the outcome registry."""
    o = BY_NAME.get(outcome)
    return f"{outcome.replace('_', ' ')} ({o.unit})" if o else outcome


def mean_band(values: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over axis 0 and a t-based ``level`` confidence band (NaN-aware; the
    intervals of :func:`incentsim.analysis.intervals.mean_ci`), collapsed to the mean where a
    point has fewer than two values."""
    mean, lo, hi, n = intervals(values, level)
    return mean, np.where(n > 1, lo, mean), np.where(n > 1, hi, mean)


def timeseries_figure(
    groups: Mapping[str, Sequence[pd.DataFrame]],
    outcomes: Sequence[str] = FIGURE_OUTCOMES,
    title: str | None = None,
    *,
    ncols: int | None = None,
):
    """One panel per outcome over simulated years; a line (mean) and a 95 % band
    per group (scenario), from each group's per-seed timeseries frames."""
    with plt.rc_context(STYLE):
        ncols = ncols or (3 if len(outcomes) > 4 else len(outcomes))
        nrows = int(np.ceil(len(outcomes) / ncols))
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(4.6 * ncols, 3.4 * nrows), squeeze=False, layout="constrained"
        )
        for ax, outcome in zip(axes.flat, outcomes):
            for i, (name, frames) in enumerate(groups.items()):
                frames = list(frames)
                if not frames:
                    continue
                n_years = min(len(f) for f in frames)
                years = frames[0]["year"].to_numpy()[:n_years]
                vals = np.stack([f[outcome].to_numpy()[:n_years] for f in frames])
                mean, lo, hi = mean_band(vals)
                colour = OKABE_ITO[i % len(OKABE_ITO)]
                n = len(frames)
                ax.plot(
                    years,
                    mean,
                    color=colour,
                    lw=2,
                    label=f"{name} (n={n})" if ax is axes.flat[0] else None,
                )
                ax.fill_between(years, lo, hi, color=colour, alpha=0.25, lw=0)
            ax.set_title(outcome.replace("_", " "))
            ax.set_xlabel("simulated year")
            ax.set_ylabel(label(outcome))
        for ax in list(axes.flat)[len(outcomes) :]:
            ax.set_visible(False)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        if handles:
            fig.legend(
                handles,
                labels,
                loc="outside lower center",
                ncols=min(len(labels), 4),
                frameon=False,
            )
        fig.suptitle(title or "mean over seeds with 95 % confidence band")
    return fig


# --------------------------------------------------------------------------- leader panel

#: budget-share columns of the leader-year panel -> outcome carrying their unit
ALLOCATION_COLUMNS = {
    "investment_share": "investment_share",
    "public_services_share": "services_share",
    "environment_share": "environment_share",
    "subsidy_share": "subsidy_share",
    "innovation_share": "innovation_share",
}

_X_LABELS = {
    "years_to_evaluation": "years to the next evaluation (0 = evaluation year)",
    "tenure_year": "year of the leader's term (1 = first year)",
}


def colour(i: int) -> str:
    """The ``i``-th colour of the house palette (Okabe-Ito). Groups take colours in the
    order they are given -- the command line's and the report's order, reference first;
    :func:`runs_by_group` keeps that order for runs loaded in a notebook."""
    return OKABE_ITO[i % len(OKABE_ITO)]


def runs_by_group(metrics: pd.DataFrame, by: str = "variant") -> dict[str, list[pd.DataFrame]]:
    """``{group: [one wide frame per run (year + outcomes)]}`` from the long ``metrics`` of
    :func:`incentsim.runs.results.load_runs`, groups in the order their first run was made
    (not alphabetical), so a figure colours them as the command line did."""
    first = metrics.groupby(by, sort=False)["run_id"].min().sort_values()
    out = {}
    for group in first.index:
        wide = (
            metrics[metrics[by] == group]
            .pivot_table(index=["run_id", "year"], columns="outcome", values="value")
            .reset_index()
        )
        out[group] = [
            g.drop(columns="run_id").reset_index(drop=True) for _, g in wide.groupby("run_id")
        ]
    return out


def intervals(values: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, ...]:
    """Per column of ``values`` (replications x points): mean, low, high and n of a
    t-interval, via :func:`incentsim.analysis.intervals.mean_ci` (NaNs dropped)."""
    from incentsim.analysis.intervals import mean_ci

    values = np.asarray(values, dtype=float)
    cis = [mean_ci(values[:, j], level) for j in range(values.shape[1])]
    return (
        np.array([c.mean for c in cis]),
        np.array([c.low for c in cis]),
        np.array([c.high for c in cis]),
        np.array([c.n for c in cis]),
    )


def _interval_line(ax, x, values, i, name, n_groups, *, dodge=0.0, first=True):
    mean, lo, hi, _ = intervals(values)
    off = (i - (n_groups - 1) / 2) * dodge
    xs = np.asarray(x, dtype=float) + off
    c = colour(i)
    ok = np.isfinite(mean)
    ax.plot(
        xs[ok],
        mean[ok],
        color=c,
        marker="o",
        ms=5,
        label=f"{name} (n={values.shape[0]})" if first else None,
    )
    has = ok & np.isfinite(lo)
    if has.any():
        ax.errorbar(
            xs[has],
            mean[has],
            yerr=[mean[has] - lo[has], hi[has] - mean[has]],
            fmt="none",
            ecolor=c,
            elinewidth=1.5,
            capsize=3,
        )
    return mean, lo, hi


def _legend(fig, axes) -> None:
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if handles:
        fig.legend(
            handles, labels, loc="outside lower center", ncols=min(len(labels), 4), frameon=False
        )


def allocation_profile(
    frames: Sequence[pd.DataFrame], column: str, by: str = "years_to_evaluation"
) -> tuple[np.ndarray, np.ndarray]:
    """Per seed (frame), the mean of ``column`` at each value of ``by``:
    (values of ``by``, array seeds x values; NaN where a seed has none)."""
    xs = sorted(set().union(*[set(f[by].dropna().astype(int)) for f in frames]))
    rows = [f.groupby(f[by].astype(int))[column].mean().reindex(xs).to_numpy(float) for f in frames]
    return np.array(xs), np.array(rows, dtype=float).reshape(len(frames), len(xs))


def allocation_figure(
    groups: Mapping[str, Sequence[pd.DataFrame]],
    by: str = "years_to_evaluation",
    columns: Mapping[str, str] | Sequence[str] = ALLOCATION_COLUMNS,
    title: str | None = None,
):
    """Mean budget shares of sitting leaders by ``by`` (``years_to_evaluation`` or
    ``tenure_year``), one panel per share; mean over seeds with 95 % intervals,
    from each group's per-seed leader-year panels."""
    cols = dict(columns) if isinstance(columns, Mapping) else {c: c for c in columns}
    groups = {k: list(v) for k, v in groups.items() if len(v)}
    with plt.rc_context(STYLE):
        ncols = 3 if len(cols) > 4 else len(cols)
        nrows = int(np.ceil(len(cols) / ncols))
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(4.6 * ncols, 3.4 * nrows), squeeze=False, layout="constrained"
        )
        for ax, (col, outcome) in zip(axes.flat, cols.items()):
            for i, (name, frames) in enumerate(groups.items()):
                x, vals = allocation_profile(frames, col, by)
                _interval_line(
                    ax, x, vals, i, name, len(groups), dodge=0.08, first=ax is axes.flat[0]
                )
            ax.set_title(col.replace("_share", "").replace("_", " "))
            ax.set_xlabel(_X_LABELS.get(by, by.replace("_", " ")))
            ax.set_ylabel(label(outcome) if outcome in BY_NAME else col)
            ax.xaxis.get_major_locator().set_params(integer=True)
            if by == "years_to_evaluation":
                ax.invert_xaxis()  # time runs left to right, towards the evaluation
        for ax in list(axes.flat)[len(cols) :]:
            ax.set_visible(False)
        _legend(fig, axes)
        fig.suptitle(title or "budget allocation over the term: mean over seeds, 95 % CI")
    return fig


def promotion_bins(
    frames_by_group: Mapping[str, Sequence[pd.DataFrame]],
    n_bins: int = 6,
    x: str = "relative_growth_reported",
) -> np.ndarray:
    """Common bin edges (pooled quantiles of ``x`` among evaluated leaders)."""
    parts = [
        f.loc[f["evaluated"].astype(bool), x].to_numpy(float)
        for frames in frames_by_group.values()
        for f in frames
    ]
    pooled = np.concatenate(parts) if parts else np.array([])
    pooled = pooled[np.isfinite(pooled)]
    if pooled.size == 0:
        return np.array([])
    edges = np.unique(np.quantile(pooled, np.linspace(0, 1, n_bins + 1)))
    return edges


def promotion_profile(
    frames: Sequence[pd.DataFrame], edges: np.ndarray, x: str = "relative_growth_reported"
) -> np.ndarray:
    """Per seed (frame), the share promoted among evaluated leaders in each bin of
    ``x`` (seeds x bins; NaN where a seed has nobody in a bin)."""
    nb = max(len(edges) - 1, 0)
    out = np.full((len(frames), nb), np.nan)
    for k, f in enumerate(frames):
        ev = f[f["evaluated"].astype(bool)]
        b = np.clip(np.searchsorted(edges, ev[x].to_numpy(float), side="right") - 1, 0, nb - 1)
        promoted = ev["promoted"].astype(float).to_numpy()
        for j in range(nb):
            sel = b == j
            if sel.any():
                out[k, j] = promoted[sel].mean()
    return out


def promotion_figure(
    groups: Mapping[str, Sequence[pd.DataFrame]],
    n_bins: int = 6,
    x: str = "relative_growth_reported",
    title: str | None = None,
):
    """Promotion probability of evaluated leaders by binned reported growth relative
    to their province peers; mean over seeds with 95 % intervals per scenario.
    Bins are pooled quantiles (the same for every scenario); points sit at the bin
    medians."""
    groups = {k: list(v) for k, v in groups.items() if len(v)}
    edges = promotion_bins(groups, n_bins, x)
    pooled = np.concatenate(
        [
            f.loc[f["evaluated"].astype(bool), x].to_numpy(float)
            for fr in groups.values()
            for f in fr
        ]
        or [np.array([])]
    )
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.2, 4.4), layout="constrained")
        if len(edges) > 1:
            b = np.clip(np.searchsorted(edges, pooled, side="right") - 1, 0, len(edges) - 2)
            mids = np.array(
                [
                    np.median(pooled[b == j]) if (b == j).any() else (edges[j] + edges[j + 1]) / 2
                    for j in range(len(edges) - 1)
                ]
            )
            width = np.min(np.diff(mids)) if len(mids) > 1 else 0.01
            for i, (name, frames) in enumerate(groups.items()):
                _interval_line(
                    ax,
                    mids,
                    promotion_profile(frames, edges, x),
                    i,
                    name,
                    len(groups),
                    dodge=0.12 * width,
                )
        ax.axvline(0, color="0.4", lw=1, ls=":", zorder=0)
        ax.set_ylim(-0.02, 1.02)
        unit = BY_NAME["gdp_growth_reported"].unit
        ax.set_xlabel(f"reported growth minus province peers' mean ({unit})")
        ax.set_ylabel("promoted among evaluated leaders (fraction)")
        ax.set_title(
            title or "promotion vs relative reported growth: mean over seeds, 95 % CI", fontsize=11
        )
        handles, labels = ax.get_legend_handles_labels()
        if handles:
            fig.legend(
                handles,
                labels,
                loc="outside lower center",
                ncols=min(len(labels), 3),
                frameon=False,
            )
    return fig


def png_bytes(fig, dpi: int | str = 110, *, tight: bool = True, close: bool = True) -> bytes:
    """The figure as PNG bytes: the one figure encoder (reports, the explorer, the
    validation report, commands' ``figure.png``). ``dpi="figure"`` keeps the
    figure's own; ``tight`` crops to the drawn area; ``close`` frees the figure
    (a figure redrawn in place, as the explorer's, stays open)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, **({"bbox_inches": "tight"} if tight else {}))
    if close:
        plt.close(fig)
    return buf.getvalue()


def save_png(fig, path, dpi: int = 120) -> None:
    """Write the figure to ``path`` as PNG (atomically) and close it."""
    from incentsim.runs.atomic import write_bytes

    write_bytes(path, png_bytes(fig, dpi))
