"""The figures of an ``incentsim report`` as PNG bytes: outcomes over time and, from the
leader-year panels, budget allocation over the term and promotion against relative
reported growth."""

from __future__ import annotations

from collections.abc import Sequence

from incentsim.analysis.report_runs import Group

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
