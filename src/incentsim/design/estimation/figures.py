"""Figures of an estimation: the identification Jacobian and the fit of every moment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from incentsim.analysis.plots import BETTER, WORSE, save_png


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def jacobian_figure(jac: pd.DataFrame, path: Path) -> Path:
    """Heat map: how many target SEs each moment moves across each parameter's range."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(1.2 * jac.shape[1] + 3, 0.32 * jac.shape[0] + 1.5))
    lim = float(np.nanmax(np.abs(jac.to_numpy()))) or 1.0
    im = ax.imshow(
        np.clip(jac.to_numpy(), -lim, lim), cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto"
    )
    ax.set_xticks(
        range(jac.shape[1]),
        [c.split(".")[-1] for c in jac.columns],
        rotation=35,
        ha="right",
        fontsize=8,
    )
    ax.set_yticks(range(jac.shape[0]), jac.index, fontsize=8)
    for (i, j), v in np.ndenumerate(jac.to_numpy()):
        ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=6)
    fig.colorbar(im, ax=ax, label="target SEs moved across the parameter's range")
    ax.set_title("Identification: d moment / d parameter")
    fig.tight_layout()
    save_png(fig, path, dpi=110)
    return path


def fit_figure(fit: list[dict], path: Path) -> Path:
    """Each moment's simulated-minus-target difference in standard errors."""
    plt = _plt()
    d = [f["diff_in_se"] for f in fit]
    fig, ax = plt.subplots(figsize=(6, 0.3 * len(fit) + 1.2))
    ys = np.arange(len(fit))[::-1]
    ax.axvspan(-2, 2, color="0.9")
    ax.barh(ys, np.clip(d, -10, 10), color=[BETTER if abs(x) <= 2 else WORSE for x in d])
    ax.set_yticks(ys, [f["moment"] for f in fit], fontsize=8)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel("simulated - target, in standard errors (clipped at ±10; grey = ±2)")
    ax.set_title("Fit of every moment at the estimate")
    fig.tight_layout()
    save_png(fig, path, dpi=110)
    return path
