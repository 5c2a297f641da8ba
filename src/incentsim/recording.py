"""Recording a year: the outcome row and the leader-year panel.

:func:`outcome_rows` makes one row of ``SimulationResult.timeseries`` (the
outcomes of :data:`incentsim.outcomes.OUTCOMES`) per ensemble member (one for a
single run): each outcome is a reduction of the member's block, along the last
axis of a (members, prefectures) view, so a member's row equals its run alone.
:func:`panel_columns` makes one year of the leader-year panel
(:data:`incentsim.outcomes.PANEL_COLUMNS`), every member's rows in its block.
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


class Members:
    """Every array attribute of ``obj`` (every value of a dict) with one row per member
    of ``model``'s ensemble (views): reductions along ``axis=1`` are per member."""

    def __init__(self, obj, k: int) -> None:
        self._obj, self._k = obj, k

    def _rows(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(self._k, -1, *x.shape[1:])

    def __getattr__(self, name: str):
        return self._rows(getattr(self._obj, name))

    def __getitem__(self, key: str):
        return self._rows(self._obj[key])


def _dispersion(model, x: np.ndarray) -> np.ndarray:
    """Within-province standard deviation of ``x`` (pooled over provinces), per member."""
    g = x.reshape(model.n_members, -1, model.per_province)
    return np.sqrt(((g - g.mean(axis=2, keepdims=True)) ** 2).reshape(model.n_members, -1).mean(1))


def _mean(x: np.ndarray) -> np.ndarray:
    """Per member (row) mean: the sum over the count, the same numbers as ``mean``
    without its overhead (float64 sums; bools and integers count exactly)."""
    return x.sum(axis=1) / x.shape[1]


def _total(x: np.ndarray) -> np.ndarray:
    return x.sum(axis=1)


def outcome_rows(
    model, fate: dict[str, np.ndarray], fy: FirmYear, tfp_growth: np.ndarray
) -> list[dict[str, Any]]:
    """The year's outcomes, national (see :data:`incentsim.outcomes.OUTCOMES`), one row
    per member."""
    econ, k = model.national_economy, model.n_members  # econ: one value per member
    members: list[Any] = [
        Members(x, k) for x in (model.state, model.leaders, fate, fy, model.citizens, model.firms)
    ]
    st, leaders, fate, fy, citizens, firms = members
    alive = np.maximum(_total(fy.alive_start), 1.0)
    gdp_total, capital = _total(st.gdp), _total(fy.capital)
    cols = {
        "gdp_growth_true": _mean(st.growth_true),
        "gdp_growth_reported": _mean(st.growth_reported),
        "manipulation_gap": _mean(st.growth_reported - st.growth_true),
        "growth_dispersion": _dispersion(model, model.state.growth_true),
        "investment_rate": (_total(fy.investment) + _total(st.spending[..., INV])) / gdp_total,
        "public_investment_rate": _total(st.spending[..., INV]) / gdp_total,
        # a firm-less economy (every firm exited, none entered) has no return
        "return_on_capital": np.divide(
            econ.capital_share * _total(fy.output), capital, out=np.zeros(k), where=capital > 0
        ),
        "tfp_growth": tfp_growth,
        "firm_entry_rate": _total(fy.entries) / alive,
        "firm_exit_rate": _total(fy.exits) / alive,
        "protected_share": _total(firms.protected) / alive,
        "public_services": _mean(st.services),
        "human_capital": _mean(st.human_capital),
        "pollution": _mean(st.pollution),
        "debt_to_gdp": _total(st.debt) / gdp_total,
        "satisfaction": _mean(citizens.satisfaction),
        "trust_local": _mean(citizens.trust_local),
        "trust_central": _mean(citizens.trust_central),
        "firm_trust": _mean(st.firm_trust),
        "petitions": _mean(st.petitions),
        "promotion_rate": _mean(fate["promoted"]),
        "dismissal_rate": _mean(fate["dismissed"]),
        "turnover_rate": _mean(st.turnover),
        "mean_tenure": _mean(leaders.years_in_post),
        "mean_age": _mean(leaders.age),
        "selection_quality": [
            _selection_quality(a, {"promoted": p, "contested": c})
            for a, p, c in zip(leaders.ability, fate["promoted"], fate["contested"], strict=True)
        ],
        **{SHARE_OUTCOME[u]: _mean(st.shares[..., i]) for i, u in enumerate(USES)},
    }
    table = np.array([np.asarray(v, dtype=float) for v in cols.values()]).T.tolist()
    return [{"year": model.year, **dict(zip(cols, row, strict=True))} for row in table]


def _leader_columns(leaders) -> dict[str, Any]:
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
    """The year's rows of the leader-year panel, column by column (every member's, in
    their blocks; prefectures and provinces numbered within the member)."""
    st, n = model.state, model.n_prefectures
    with np.errstate(divide="ignore", invalid="ignore"):
        growth_spend = np.where(st.spending_prev > 0, st.spending / st.spending_prev - 1.0, np.nan)
    cols: dict[str, Any] = {
        "year": np.full(n, model.year),
        "prefecture": np.arange(n) % model.member_size,
        "province": model.province - model.member * (model.n_provinces // model.n_members),
        **_leader_columns(model.leaders),
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
