"""Recording a year: the outcome row and the leader-year panel.

:func:`outcome_row` makes one row of ``SimulationResult.timeseries`` (the
outcomes of :data:`incentsim.outcomes.OUTCOMES`); :func:`panel_columns` makes
one year of the leader-year panel (:data:`incentsim.outcomes.PANEL_COLUMNS`).
Both only read the model; the model appends what they return.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from incentsim.economy import INN, INV, SRV, USES

if TYPE_CHECKING:  # pragma: no cover
    from incentsim.agents.firms import FirmYear

#: the budget uses' names in the outcome table and in the leader panel
SHARE_OUTCOME = {u: f"{u}_share" for u in USES}
SHARE_PANEL = {**SHARE_OUTCOME, "services": "public_services_share"}


def column(values) -> np.ndarray:
    """One year of a panel column as int64, float64 or bool (what pandas makes of lists)."""
    a = np.asarray(values)
    if a.dtype.kind == "f":
        return a.astype(np.float64, copy=True)
    if a.dtype.kind in "iu":
        return a.astype(np.int64, copy=True)
    return a.copy()


def _selection_quality(ability: np.ndarray, fate: dict[str, np.ndarray]) -> float:
    """Mean ability of the promoted minus that of those who competed for promotion (the
    evaluated, and mid-term candidates where a mechanism adds them; NaN: nobody promoted)."""
    if not fate["promoted"].any():
        return float(np.nan)
    return float(ability[fate["promoted"]].mean() - ability[fate["contested"]].mean())


def _dispersion(model, x: np.ndarray) -> float:
    """Within-province standard deviation of ``x`` (pooled over provinces)."""
    g = x.reshape(model.n_provinces, model.per_province)
    return float(np.sqrt(((g - g.mean(axis=1, keepdims=True)) ** 2).mean()))


def outcome_row(
    model, fate: dict[str, np.ndarray], fy: FirmYear, tfp_growth: float
) -> dict[str, Any]:
    """The year's outcomes, national (see :data:`incentsim.outcomes.OUTCOMES`)."""
    st, econ, leaders = model.state, model.config.economy, model.leaders
    alive = max(fy.alive_start.sum(), 1.0)
    gdp_total = st.gdp.sum()
    row = {
        "year": model.year,
        "gdp_growth_true": float(st.growth_true.mean()),
        "gdp_growth_reported": float(st.growth_reported.mean()),
        "manipulation_gap": float((st.growth_reported - st.growth_true).mean()),
        "growth_dispersion": _dispersion(model, st.growth_true),
        "investment_rate": float((fy.investment.sum() + st.spending[:, INV].sum()) / gdp_total),
        "public_investment_rate": float(st.spending[:, INV].sum() / gdp_total),
        # a firm-less economy (every firm exited, none entered) has no return
        "return_on_capital": float(econ.capital_share * fy.output.sum() / fy.capital.sum())
        if fy.capital.sum() > 0
        else 0.0,
        "tfp_growth": tfp_growth,
        "firm_entry_rate": float(fy.entries.sum() / alive),
        "firm_exit_rate": float(fy.exits.sum() / alive),
        "protected_share": float(model.firms.protected.sum() / alive),
        "public_services": float(st.services.mean()),
        "human_capital": float(st.human_capital.mean()),
        "pollution": float(st.pollution.mean()),
        "debt_to_gdp": float(st.debt.sum() / gdp_total),
        "satisfaction": float(model.citizens.satisfaction.mean()),
        "trust_local": float(model.citizens.trust_local.mean()),
        "trust_central": float(model.citizens.trust_central.mean()),
        "firm_trust": float(st.firm_trust.mean()),
        "petitions": float(st.petitions.mean()),
        "promotion_rate": float(fate["promoted"].mean()),
        "dismissal_rate": float(fate["dismissed"].mean()),
        "turnover_rate": float(st.turnover.mean()),
        "mean_tenure": float(np.mean(leaders.years_in_post)),
        "mean_age": float(np.mean(leaders.age)),
        "selection_quality": _selection_quality(leaders.ability, fate),
    }
    row.update({SHARE_OUTCOME[u]: float(st.shares[:, i].mean()) for i, u in enumerate(USES)})
    return row


def _leader_columns(model) -> dict[str, Any]:
    leaders = model.leaders
    return {
        "leader_id": leaders.leader_id,
        "tenure_year": leaders.tenure_year,
        "years_to_evaluation": leaders.term_length - leaders.tenure_year,
        "years_in_post": leaders.years_in_post,
        "term_length": leaders.term_length,
        "age": leaders.age,
        "insider": leaders.insider,
        "connected": leaders.connected,
        "ability": leaders.ability,
        "motivation": leaders.motivation,
    }


def _firm_columns(model, fy: FirmYear) -> dict[str, Any]:
    n = model.n_prefectures
    alive_p = np.maximum(fy.alive_start, 1.0)
    # firms are stored prefecture by prefecture, in blocks of equal size
    protected_p = np.count_nonzero(model.firms.protected.reshape(n, -1), axis=1) / alive_p
    return {
        "firm_exit_rate": fy.exits / alive_p,
        "firm_entry_rate": fy.entries / alive_p,
        "protected_share": protected_p,
    }


def panel_columns(
    model, fate: dict[str, np.ndarray], fy: FirmYear, tfp_growth: np.ndarray
) -> dict[str, np.ndarray]:
    """The year's rows of the leader-year panel, column by column."""
    st, n = model.state, model.n_prefectures
    with np.errstate(divide="ignore", invalid="ignore"):
        growth_spend = np.where(st.spending_prev > 0, st.spending / st.spending_prev - 1.0, np.nan)
    cols: dict[str, Any] = {
        "year": np.full(n, model.year),
        "prefecture": np.arange(n),
        "province": model.province,
        **_leader_columns(model),
    }
    cols.update({SHARE_PANEL[u]: st.shares[:, i] for i, u in enumerate(USES)})
    cols.update(
        {
            "borrowing": st.borrowing,
            "manipulation": st.manipulation,
            "pollution_underreport": st.underreport,
            "investment_spending_growth": growth_spend[:, INV],
            "services_spending_growth": growth_spend[:, SRV],
            "innovation_spending_growth": growth_spend[:, INN],
            "gdp_growth_true": st.growth_true,
            "gdp_growth_reported": st.growth_reported,
            "relative_growth_reported": st.growth_reported
            - model.upper.peer_mean(st.growth_reported),
            "pollution_growth": st.pollution_growth,
            "debt_to_gdp": st.debt_to_gdp,
            "satisfaction": st.satisfaction_mean,
            **_firm_columns(model, fy),
            "tfp_growth": tfp_growth,
            "log_gdp": np.log(st.gdp),
            "score": fate["score"],
            "rank_pct": fate["rank_pct"],
            "evaluated": fate["evaluated"],
            "promoted": fate["promoted"],
            "dismissed": fate["dismissed"],
            "scandal": st.scandal.copy(),
        }
    )
    return {k: column(v) for k, v in cols.items()}
