"""Figures of an optimisation (house style, :mod:`incentsim.analysis.plots`): the 2-D
trade-off with the compared scenarios placed, parallel coordinates of the Pareto
set, and convergence by generation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from incentsim.analysis.plots import OKABE_ITO, STYLE, label
from incentsim.design.exploratory.objectives import Objective

FRONT, DOMINATED = OKABE_ITO[7], OKABE_ITO[4]


def axis_label(ob: Objective) -> str:
    """``outcome (unit)``, the robustness measure if any, and which way is better."""
    text = label(ob.outcome.name) + (" final" if ob.outcome.stat == "final" else "")
    if ob.measure == "percentile":
        text += f", {ob.q:g}th pct"
    elif ob.measure in ("mean", "regret"):
        text += f", {ob.measure}" + (" vs base" if ob.measure == "regret" else "")
    return text + (" \u2192 better" if ob.direction == "maximize" else " \u2190 better")


def tradeoff_figure(
    candidates: pd.DataFrame,
    pareto: pd.DataFrame,
    shipped: pd.DataFrame,
    objectives: Sequence[Objective],
    x: str,
    y: str,
    title: str = "",
):
    """Every candidate (grey), the Pareto set (coloured by a third objective when
    there is one) and each compared scenario: filled if no Pareto point dominates
    it on all objectives, open if one does."""
    by = {o.column: o for o in objectives}
    third = next((o for o in objectives if o.column not in (x, y)), None)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.5, 5.6))
        ax.scatter(
            candidates[x],
            candidates[y],
            s=6,
            color="#bbbbbb",
            alpha=0.5,
            lw=0,
            label=f"evaluated candidates ({len(candidates)})",
        )
        kw: dict[str, Any] = {"s": 26, "edgecolor": "#333333", "linewidth": 0.4, "zorder": 3}
        if third is not None:
            sc = ax.scatter(
                pareto[x],
                pareto[y],
                c=pareto[third.column],
                cmap="viridis",
                label=f"Pareto set ({len(pareto)})",
                **kw,
            )
            fig.colorbar(sc, ax=ax, shrink=0.85).set_label(axis_label(third), fontsize=9)
        else:
            ax.scatter(
                pareto[x], pareto[y], color=OKABE_ITO[1], label=f"Pareto set ({len(pareto)})", **kw
            )
        _place_shipped(ax, shipped, x, y)
        ax.set_xlabel(axis_label(by[x]))
        ax.set_ylabel(axis_label(by[y]))
        ax.set_title(f"Trade-off: {title}" if title else "Trade-off")
        ax.legend(loc="best", fontsize=8)
        if len(objectives) > 2:
            fig.text(
                0.01,
                -0.02,
                f"A projection of {len(objectives)} objectives: a Pareto "
                "point can look dominated here; a scenario's mark uses all of them.",
                fontsize=8,
                color="#555555",
            )
        fig.tight_layout()
    return fig


def _place_shipped(ax, shipped: pd.DataFrame, x: str, y: str) -> None:
    if not len(shipped):
        return
    for status, face, name in (
        ("on the front", FRONT, "scenario on the front"),
        ("dominated", "white", "scenario, dominated"),
    ):
        d = shipped[shipped["status"] == status]
        if len(d):
            ax.scatter(
                d[x],
                d[y],
                marker="D",
                s=46,
                facecolor=face,
                edgecolor=DOMINATED if status == "dominated" else FRONT,
                linewidth=1.4,
                zorder=4,
                label=f"{name} ({len(d)})",
            )
    for _, r in shipped.iterrows():
        ax.annotate(
            str(r["scenario"]),
            (r[x], r[y]),
            xytext=(4, 3),
            textcoords="offset points",
            fontsize=7.5,
            color="#333333",
            zorder=5,
        )


def parallel_figure(
    pareto: pd.DataFrame, shipped: pd.DataFrame, objectives: Sequence[Objective], title: str = ""
):
    """Parallel coordinates of the objectives (EMA workbench ``ParallelAxes``), each
    axis turned so that up is better; the Pareto set in blue, compared scenarios on
    the front in the house colours, dominated ones dashed grey."""
    from ema_workbench.analysis.parcoords import ParallelAxes, get_limits

    cols = [o.column for o in objectives]
    data = pd.concat([pareto[cols], shipped[cols]] if len(shipped) else [pareto[cols]])
    with plt.rc_context(STYLE):
        axes = ParallelAxes(get_limits(data), formatter={c: ".3g" for c in cols}, fontsize=9, rot=0)
        axes.plot(
            pareto[cols],
            color=OKABE_ITO[1],
            lw=0.8,
            alpha=0.45,
            label=f"Pareto set ({len(pareto)})",
        )
        palette = [c for c in OKABE_ITO if c != OKABE_ITO[1]]
        front = shipped[shipped["status"] == "on the front"] if len(shipped) else shipped
        beaten = shipped[shipped["status"] == "dominated"] if len(shipped) else shipped
        if len(beaten):
            axes.plot(
                beaten[cols].astype(float),
                color="#888888",
                lw=1.2,
                ls="--",
                label=f"shipped, dominated ({len(beaten)})",
            )
        for i, (_, r) in enumerate(front.iterrows()):
            axes.plot(
                r[cols].astype(float),
                color=palette[i % len(palette)],
                lw=2,
                ls="-" if i < len(palette) else ":",
                label=f"{r['scenario']} (on the front)",
            )
        axes.invert_axis([o.column for o in objectives if o.direction == "minimize"])
        axes.legend()
        fig = axes.fig
        fig.set_size_inches(max(7.0, 2.2 * len(cols)), 5.0)
        fig.suptitle(
            f"Pareto set, up is better: {title}" if title else "Pareto set, up is better",
            fontsize=12,
            y=1.02,
        )
    return fig


def convergence_figure(conv: pd.DataFrame, title: str = ""):
    """Hypervolume of the archive and epsilon-progress against evaluations."""
    with plt.rc_context(STYLE):
        fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
        a.plot(conv["nfe"], conv["hypervolume"], color=OKABE_ITO[3], marker="o", ms=3)
        a.set_xlabel("candidate evaluations")
        a.set_ylabel("hypervolume (normalised)")
        a.set_title("Hypervolume of the archive")
        b.plot(conv["nfe"], conv["epsilon_progress"], color=OKABE_ITO[4], marker="o", ms=3)
        b.set_xlabel("candidate evaluations")
        b.set_ylabel("archive improvements")
        b.set_title("\u03b5-progress")
        if title:
            fig.suptitle(f"Convergence: {title}", fontsize=12)
        fig.tight_layout()
    return fig
