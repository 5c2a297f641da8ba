"""Recording a year: the outcome row and the leader-year panel.

:func:`outcome_rows` makes one row of ``SimulationResult.timeseries`` (the
outcomes of :data:`incentsim.outcomes.OUTCOMES`) per ensemble member (one for a
single run): each outcome is a reduction of the member's block, along the last
axis of a (members, prefectures) view, so a member's row equals its run alone.
:func:`panel_columns` makes one year of the leader-year panel
(:data:`incentsim.outcomes.PANEL_COLUMNS`), every member's rows in its block.
Both only read the model; the model's :class:`Record` keeps what they return, a year
at a time, and lays it out member by member for the result frames.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from incentsim.agents._sums_kernel import row_sums, segment_sums
from incentsim.economy import INN, INV, SRV, USES
from incentsim.outcomes import OUTCOME_NAMES, PANEL_COLUMNS

if TYPE_CHECKING:  # pragma: no cover
    from incentsim.agents.firms import FirmYear

#: the budget uses' names in the outcome table and in the leader panel
SHARE_OUTCOME = {u: f"{u}_share" for u in USES}
SHARE_PANEL = {**SHARE_OUTCOME, "services": "public_services_share"}


def _selection_quality(model, ability: np.ndarray, fate: dict[str, np.ndarray]) -> np.ndarray:
    """Per member: mean ability of the promoted minus that of those who competed for
    promotion (the evaluated, and mid-term candidates where a mechanism adds them; NaN:
    nobody promoted). Each mean sums the member's leaders in prefecture order, one
    contiguous run of all the members' chosen leaders, as ``sum`` of that run does: the
    numbers of its run alone. The promoted and the competitors are found together, as
    the indices of the two masks one after the other (index // member_size
    counts them by mask and member at once), and all their sums are one compiled call
    (:func:`incentsim.agents._sums_kernel.segment_sums`)."""
    k, n = model.n_members, model.n_prefectures
    chosen = np.concatenate((fate["promoted"], fate["contested"])).nonzero()[0]
    counts = np.bincount(chosen // model.member_size, minlength=2 * k)
    means = segment_sums(ability[chosen % n], counts) / np.maximum(counts, 1)
    # the promoted competed: where some were promoted, the competitors are not 0 either
    return np.where(counts[:k] > 0, means[:k] - means[k:], np.nan)


def _dispersion(model, x: np.ndarray) -> np.ndarray:
    """Within-province standard deviation of ``x`` (pooled over provinces), per member
    (means as sums over counts: the numbers of ``mean``, without its overhead)."""
    k, per = model.n_members, model.per_province
    g = x.reshape(k, -1, per)
    dev = ((g - g.sum(axis=2, keepdims=True) / per) ** 2).reshape(k, -1)
    return np.sqrt(dev.sum(axis=1) / dev.shape[1])


def _mean(x: np.ndarray) -> np.ndarray:
    """Per member (row) mean of a float32 citizens' column: the sum over the count, the
    same numbers as ``mean``, the sums compiled
    (:func:`incentsim.agents._sums_kernel.row_sums`: numpy's pairwise sums, the same
    bits, 3 to 4 times faster at small scale)."""
    return row_sums(x) / x.shape[1]


def protected_firms(model) -> np.ndarray:
    """Each prefecture's count of protected firms (int64; firms are stored prefecture by
    prefecture, in blocks of equal size): counted once for the outcomes and the panel.
    The flags are summed as bytes into the smallest unsigned integer that holds a
    prefecture's count (no cast of every flag to int64: 2.5 times faster at small scale)."""
    flags = model.firms.protected.view(np.uint8).reshape(model.n_prefectures, -1)
    return flags.sum(axis=1, dtype=np.min_scalar_type(flags.shape[1])).astype(np.int64)


#: the outcomes that are each member's mean over its prefectures, in their order in
#: :func:`_summed`; the totals follow them there
MEANS = (
    "gdp_growth_true",
    "gdp_growth_reported",
    "manipulation_gap",
    "public_services",
    "human_capital",
    "pollution",
    "firm_trust",
    "petitions",
    "promotion_rate",
    "dismissal_rate",
    "turnover_rate",
    "mean_tenure",
    "mean_age",
    *SHARE_OUTCOME.values(),
)
#: the totals over a member's prefectures, in their order in :func:`_summed`
TOTALS = (
    "gdp",
    "public_investment",
    "debt",
    "alive_start",
    "capital",
    "investment",
    "output",
    "entries",
    "exits",
    "protected",
)
#: each outcome's row in a year's table (outcomes, members), each total's in the totals
_ROW = {name: i for i, name in enumerate(OUTCOME_NAMES)}
_TOTAL = {name: i for i, name in enumerate(TOTALS)}


def _rows(names: tuple[str, ...], row: dict[str, int]) -> np.ndarray:
    """The rows ``row`` gives ``names``, an index array (numpy indexes with an array
    faster than with a list it must convert)."""
    return np.array([row[c] for c in names], dtype=np.intp)


_MEAN_ROWS = _rows(MEANS, _ROW)
#: outcomes per alive firm and per unit of GDP: their rows, and their totals' rows
_PER_FIRM = (
    _rows(("firm_entry_rate", "firm_exit_rate", "protected_share"), _ROW),
    _rows(("entries", "exits", "protected"), _TOTAL),
)
_PER_GDP = (
    _rows(("public_investment_rate", "debt_to_gdp"), _ROW),
    _rows(("public_investment", "debt"), _TOTAL),
)


def _summed(model, fate: dict[str, np.ndarray], fy: FirmYear, protected) -> np.ndarray:
    """Each member's sum over its prefectures, in order, of every column the outcomes
    average (:data:`MEANS`) or total (:data:`TOTALS`), floats, integers or bools all
    reduced at once: (columns, members), the same numbers as ``sum`` of the member's rows
    (counts are exact). The columns are copied into one float64 array in one call, and
    its rows' member blocks summed in one compiled call
    (:func:`incentsim.agents._sums_kernel.segment_sums`: numpy's sums, the same bits;
    numpy reduces each block of a (columns, members, prefectures) view in a loop of its
    own, 11 -> 3 us at small scale, K = 16)."""
    state, leaders = model.state, model.leaders
    columns = [
        state.growth_true,
        state.growth_reported,
        state.growth_reported - state.growth_true,
        state.services,
        state.human_capital,
        state.pollution,
        state.firm_trust,
        state.petitions,
        fate["promoted"],
        fate["dismissed"],
        state.turnover,
        leaders.years_in_post,
        leaders.age,
        *state.shares.T,  # USES' order, as SHARE_OUTCOME's
        state.gdp,
        state.spending[:, INV],
        state.debt,
        *(fy.alive_start, fy.capital, fy.investment, fy.output, fy.entries, fy.exits),
        protected,
    ]
    rows = np.concatenate(columns, dtype=np.float64, casting="unsafe")
    blocks = np.full(len(columns) * model.n_members, model.member_size, dtype=np.intp)
    return segment_sums(rows, blocks).reshape(len(columns), model.n_members)


def outcome_rows(
    model, fate: dict[str, np.ndarray], fy: FirmYear, tfp_growth: np.ndarray, protected
) -> np.ndarray:
    """The year's outcomes, national, one row per member: (members, outcomes), the
    outcomes in the order of :data:`incentsim.outcomes.OUTCOME_NAMES`; ``protected``:
    :func:`protected_firms`. Made as one (outcomes, members) table, the ratios of a
    kind (per alive firm, per unit of GDP) each one division of their totals' rows."""
    econ, k = model.national_economy, model.n_members  # econ: one value per member
    sums = _summed(model, fate, fy, protected)
    out = np.empty((len(OUTCOME_NAMES), k))
    out[_MEAN_ROWS] = sums[: len(MEANS)] / model.member_size
    totals = sums[len(MEANS) :]
    gdp, public, _, alive, capital, investment, output = totals[:7]
    out[_PER_GDP[0]] = totals[_PER_GDP[1]] / gdp
    out[_PER_FIRM[0]] = totals[_PER_FIRM[1]] / np.maximum(alive, 1.0)
    out[_ROW["investment_rate"]] = (investment + public) / gdp
    # a firm-less economy (every firm exited, none entered) has no return
    out[_ROW["return_on_capital"]] = np.divide(
        econ.capital_share * output, capital, out=np.zeros(k), where=capital > 0
    )
    out[_ROW["tfp_growth"]] = tfp_growth
    out[_ROW["growth_dispersion"]] = _dispersion(model, model.state.growth_true)
    for name in ("satisfaction", "trust_local", "trust_central"):
        out[_ROW[name]] = _mean(getattr(model.citizens, name).reshape(k, -1))
    out[_ROW["selection_quality"]] = _selection_quality(model, model.leaders.ability, fate)
    return out.T


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


def _firm_columns(fy: FirmYear, protected: np.ndarray) -> dict[str, Any]:
    alive_p = np.maximum(fy.alive_start, 1.0)
    return {
        "firm_exit_rate": fy.exits / alive_p,
        "firm_entry_rate": fy.entries / alive_p,
        "protected_share": protected / alive_p,
    }


def panel_columns(
    model, fate: dict[str, np.ndarray], fy: FirmYear, tfp_growth: np.ndarray, protected
) -> dict[str, np.ndarray]:
    """The year's rows of the leader-year panel, column by column (every member's, in
    their blocks; prefectures and provinces numbered within the member); ``protected``:
    :func:`protected_firms`."""
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
            **_firm_columns(fy, protected),
            "tfp_growth": tfp_growth,
            "log_gdp": np.log(st.gdp),
            "score": fate["score"],
            "rank_pct": fate["rank_pct"],
            "evaluated": fate["evaluated"],
            "promoted": fate["promoted"],
            "dismissed": fate["dismissed"],
            "scandal": st.scandal,
        }
    )
    return cols


#: the dtype of a panel column by the kind of its values: floats as float64, integers as
#: int64, booleans as they are (what pandas makes of them)
PANEL_DTYPES = {"f": np.float64, "i": np.int64, "u": np.int64, "b": np.bool_}


def _resized(a: np.ndarray, size: int) -> np.ndarray:
    """``a`` with its first axis ``size`` long: its values first, the rest not set."""
    out = np.empty((size, *a.shape[1:]), a.dtype)
    out[: len(a)] = a
    return out


class Record:
    """Every member's recorded years, a year at a time: the outcomes (years, members,
    outcomes), and for each dtype of the leader panel's columns (:data:`PANEL_DTYPES`,
    taken from the first year's values) a (years, columns, members x prefectures) array,
    all of the panel's in one allocation made with the model (numpy asks for huge pages
    for an array of 4 MB or more: 6 to 9 page faults a year instead of 21 at small
    scale, K = 16). A year is written as one contiguous stretch of each;
    :meth:`by_member` lays the years out member by member once, as the result frames'
    blocks. Room for ``capacity`` years, doubled when full."""

    def __init__(self, k: int, m: int, capacity: int) -> None:
        #: members and prefectures a member; recorded years so far
        self.k, self.m, self.n = k, m, 0
        self._years = np.empty(max(1, capacity), np.int64)
        self._outcomes = np.empty((len(self._years), k, len(OUTCOME_NAMES)))
        #: per dtype: its array and the positions of its columns in PANEL_COLUMNS
        self._panel: list[tuple[np.ndarray, np.ndarray]] = []
        self._kinds = ""
        #: the panel's arrays' memory (8 bytes a value at most), typed at the first year
        self._room = np.empty(len(self._years) * len(PANEL_COLUMNS) * k * m * 8, np.uint8)

    @property
    def years(self) -> np.ndarray:
        """The recorded years (a view)."""
        return self._years[: self.n]

    def add(self, year: int, outcomes: np.ndarray, panel: dict[str, np.ndarray]) -> None:
        """Record a year: its (members, outcomes) table (:func:`outcome_rows`) and its
        panel columns (:func:`panel_columns`; every member's values, each column the same
        kind of values every year: a TypeError if not)."""
        if self.n == len(self._years):
            self._grow()
        values = [panel[c] for c in PANEL_COLUMNS]
        kinds = "".join(v.dtype.kind for v in values)
        if not self._panel:
            self._allocate(kinds)
        elif kinds != self._kinds:
            changed = [
                c for c, a, b in zip(PANEL_COLUMNS, kinds, self._kinds, strict=True) if a != b
            ]
            raise TypeError(f"panel columns {changed} changed dtype kind since the first year")
        i = self.n
        self._years[i] = year
        self._outcomes[i] = outcomes
        for block, where in self._panel:
            block[i] = [values[j] for j in where]
        self.n += 1

    def _allocate(self, kinds: str) -> None:
        dtypes = [np.dtype(PANEL_DTYPES[kind]) for kind in kinds]
        start = 0
        for dtype in dict.fromkeys(dtypes):
            where = np.array([j for j, d in enumerate(dtypes) if d == dtype], dtype=np.intp)
            shape = (len(self._years), len(where), self.k * self.m)
            size = int(np.prod(shape)) * dtype.itemsize
            block = self._room[start : start + size].view(dtype).reshape(shape)
            start += size
            self._panel.append((block, where))
        self._kinds = kinds

    def _grow(self) -> None:
        size = 2 * len(self._years)
        self._years = _resized(self._years, size)
        self._outcomes = _resized(self._outcomes, size)
        self._panel = [(_resized(b, size), where) for b, where in self._panel]

    def member_outcomes(self, j: int) -> np.ndarray:
        """Member ``j``'s outcomes, (recorded years, outcomes of :data:`OUTCOME_NAMES`):
        a view."""
        return self._outcomes[: self.n, j]

    def by_member(self) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """The record member by member, as pandas keeps a frame's columns of a dtype (one
        2-D array, a column a row): the outcomes (members, outcomes, recorded years), and
        the panel's arrays (members, columns, rows: every recorded year's prefectures,
        year after year), each with the positions of its columns in
        :data:`PANEL_COLUMNS`. New arrays, each member's rows contiguous."""
        n, k, m = self.n, self.k, self.m
        outcomes = np.ascontiguousarray(self._outcomes[:n].transpose(1, 2, 0))
        panel = [
            (
                np.ascontiguousarray(b[:n].reshape(n, -1, k, m).transpose(2, 1, 0, 3)).reshape(
                    k, len(where), n * m
                ),
                where,
            )
            for b, where in self._panel
        ]
        return outcomes, panel
