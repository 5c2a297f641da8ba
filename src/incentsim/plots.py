"""Figures in the house style: readable fonts, labelled axes with units from
:data:`incentsim.outcomes.OUTCOMES`, the colour-blind-safe Okabe-Ito palette,
mean over seeds with a 95 % confidence band.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.special import stdtrit  # noqa: E402

from incentsim.outcomes import BY_NAME  # noqa: E402

#: Okabe & Ito (2008) colour-blind-safe palette (black last)
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7",
             "#F0E442", "#000000")

#: the outcomes of the comparison figure, in panel order
FIGURE_OUTCOMES = ("gdp_growth_true", "investment_rate", "trust_local",
                   "manipulation_gap", "pollution", "debt_to_gdp")

STYLE = {
    "font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "legend.fontsize": 10,
    "xtick.labelsize": 10, "ytick.labelsize": 10, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
    "figure.dpi": 110, "savefig.bbox": "tight",
}


def label(outcome: str) -> str:
    """Axis label ``name (unit)`` from the outcome registry."""
    o = BY_NAME.get(outcome)
    return f"{outcome.replace('_', ' ')} ({o.unit})" if o else outcome


def mean_band(values: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over axis 0 and a t-based ``level`` confidence band (NaN-aware)."""
    values = np.asarray(values, dtype=float)
    n = np.sum(~np.isnan(values), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(values, axis=0) if values.size else np.array([])
        sd = np.nanstd(values, axis=0, ddof=1) if values.shape[0] > 1 else np.zeros_like(mean)
        half = stdtrit(np.maximum(n - 1, 1), 0.5 + level / 2) * sd / np.sqrt(np.maximum(n, 1))
    half = np.where(n > 1, half, 0.0)
    return mean, mean - half, mean + half


def timeseries_figure(
    groups: Mapping[str, Sequence[pd.DataFrame]],
    outcomes: Sequence[str] = FIGURE_OUTCOMES,
    title: str | None = None,
):
    """One panel per outcome over simulated years; a line (mean) and a 95 % band
    per group (scenario), from each group's per-seed timeseries frames."""
    with plt.rc_context(STYLE):
        ncols = 3 if len(outcomes) > 4 else len(outcomes)
        nrows = int(np.ceil(len(outcomes) / ncols))
        fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.4 * nrows),
                                 squeeze=False, layout="constrained")
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
                ax.plot(years, mean, color=colour, lw=2,
                        label=f"{name} (n={n})" if ax is axes.flat[0] else None)
                ax.fill_between(years, lo, hi, color=colour, alpha=0.25, lw=0)
            ax.set_title(outcome.replace("_", " "))
            ax.set_xlabel("simulated year")
            ax.set_ylabel(label(outcome))
        for ax in list(axes.flat)[len(outcomes):]:
            ax.set_visible(False)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        if handles:
            fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4),
                       frameon=False)
        fig.suptitle(title or "mean over seeds with 95 % confidence band")
    return fig
