"""Firms: a columnar population stepped by vectorised numpy code.

Every firm is a row in a set of arrays (fixed slots per prefecture, an alive
mask, slot reuse on entry), so a year of a million firms is a handful of
whole-array operations (DESIGN §3). :meth:`FirmPopulation.agent` returns a
:class:`Firm` — a ``mesa.Agent`` view on one row — for inspection, selection
and visualisation, without putting Python objects in the hot loop.

Behavioural rules (one year, all firms at once):

1. Productivity follows a random walk with drift: incumbents learn at
   ``incumbent_learning`` x frontier growth; shocks have SD
   ``economy.firm_productivity_sd``.
2. Output ``y = M_p * a * k**alpha`` where ``M_p`` is the prefecture's
   environment (national and local shocks, human capital, infrastructure,
   leader ability, environmental compliance cost).
3. Net investment rate ``psi * confidence_p * log(MPK * (1 + s_p) / (r + delta))``
   clipped to [-delta, 0.4]: firms invest when the marginal product of capital,
   raised by the leader's subsidies ``s_p``, beats the user cost of capital;
   confidence in local policy scales the response (Zhu & Zhang 2017 on policy
   predictability).
4. Exit when productivity falls below ``economy.exit_threshold`` x the frontier
   (unprofitable at going prices, Hopenhayn 1992), unless the prefecture
   protects the firm (probability ``protection_p`` set by subsidies): seed 002's
   "lack of creative destruction".
5. Entry into empty slots with probability ``economy.entry_rate`` x
   confidence; entrants draw productivity around the moving frontier.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

INCUMBENT_LEARNING = 0.3
INITIAL_ALIVE = 0.85
ENTRANT_CAPITAL = 0.3


@dataclass
class FirmYear:
    """Per-prefecture aggregates of one firm year."""

    output: np.ndarray
    capital: np.ndarray
    investment: np.ndarray
    entries: np.ndarray
    exits: np.ndarray
    alive_start: np.ndarray
    at_risk_output: np.ndarray
    tfp_num: np.ndarray
    tfp_den: np.ndarray


class FirmPopulation:
    """Columnar state of all firms (one row per slot)."""

    def __init__(self, model, per_prefecture: int, env_mult: np.ndarray, rng: np.random.Generator):
        self.model = model
        econ = model.config.economy
        n_pref = len(env_mult)
        self.per_prefecture = per_prefecture
        n = n_pref * per_prefecture
        self.rng = rng
        self.prefecture = np.repeat(np.arange(n_pref, dtype=np.int32), per_prefecture)
        self.alive = rng.random(n) < INITIAL_ALIVE
        self.productivity = np.exp(econ.entrant_productivity_sd * rng.standard_normal(n))
        self.soe = rng.random(n) < 0.25
        self.age = rng.integers(0, 20, n).astype(np.int16)
        self.capital = self._steady_capital(env_mult[self.prefecture] * self.productivity)
        self.output = np.zeros(n)
        self.protected = np.zeros(n, dtype=bool)
        self.firm_id = np.arange(n, dtype=np.int64)
        self._next_id = n
        self._views: dict[int, Firm] = {}

    def _steady_capital(self, mult: np.ndarray) -> np.ndarray:
        econ = self.model.config.economy
        a = econ.capital_share
        return (a * mult / (econ.hurdle_rate + econ.depreciation)) ** (1.0 / (1.0 - a))

    def __len__(self) -> int:
        return int(self.alive.sum())

    def step(
        self,
        env_mult: np.ndarray,
        subsidy_rate: np.ndarray,
        confidence: np.ndarray,
        protection: np.ndarray,
        frontier: float,
    ) -> FirmYear:
        econ = self.model.config.economy
        rng = self.rng
        n_pref = len(env_mult)
        pref = self.prefecture
        alive = self.alive
        alpha = econ.capital_share
        sd = econ.firm_productivity_sd
        drift = INCUMBENT_LEARNING * econ.frontier_growth - 0.5 * sd * sd

        self.productivity *= np.exp(drift + sd * rng.standard_normal(len(pref)))
        kpow = self.capital**alpha
        out = np.where(alive, env_mult[pref] * self.productivity * kpow, 0.0)
        self.output = out
        user_cost = econ.hurdle_rate + econ.depreciation
        mpk = alpha * out / np.maximum(self.capital, 1e-12)
        with np.errstate(divide="ignore"):
            signal = np.log(np.maximum(mpk * (1.0 + subsidy_rate[pref]), 1e-12) / user_cost)
        rate = np.clip(
            self.model.config.behaviour.firm_investment_sensitivity * confidence[pref] * signal, -econ.depreciation, 0.4
        )
        rate = np.where(alive, rate, 0.0)
        gross_inv = self.capital * (rate + econ.depreciation) * alive

        weak = alive & (self.productivity < econ.exit_threshold * frontier)
        weak_idx = np.flatnonzero(weak)
        saved = rng.random(len(weak_idx)) < protection[pref[weak_idx]]
        self.protected[:] = False
        self.protected[weak_idx[saved]] = True
        exiting = weak_idx[~saved]

        bc = np.bincount
        year = FirmYear(
            output=bc(pref, out, n_pref),
            capital=bc(pref, self.capital * alive, n_pref),
            investment=bc(pref, gross_inv, n_pref),
            entries=np.zeros(n_pref),
            exits=bc(pref[exiting], minlength=n_pref).astype(float),
            alive_start=bc(pref, alive, n_pref).astype(float),
            at_risk_output=bc(pref[weak_idx], out[weak_idx], n_pref),
            tfp_num=bc(pref, self.productivity * kpow * alive, n_pref),
            tfp_den=bc(pref, kpow * alive, n_pref),
        )
        self.capital *= 1.0 + rate
        self.age += alive
        self.alive[exiting] = False
        self.output[exiting] = 0.0

        empty = np.flatnonzero(~self.alive)
        enter = rng.random(len(empty)) < econ.entry_rate * confidence[pref[empty]]
        slots = empty[enter]
        if len(slots):
            self.alive[slots] = True
            self.productivity[slots] = frontier * np.exp(
                econ.entrant_productivity_sd * rng.standard_normal(len(slots))
            )
            self.capital[slots] = ENTRANT_CAPITAL * self._steady_capital(
                env_mult[pref[slots]] * self.productivity[slots]
            )
            self.age[slots] = 0
            self.soe[slots] = False
            self.firm_id[slots] = np.arange(self._next_id, self._next_id + len(slots))
            self._next_id += len(slots)
            year.entries = bc(pref[slots], minlength=n_pref).astype(float)
        return year

    def survey(self, firm_trust: np.ndarray, subsidy_rate: np.ndarray) -> np.ndarray:
        """Mean business-environment rating (0..1) of alive firms, per prefecture.

        A firm's rating rises with its trust in local government and with the
        subsidies it receives, and with its own productivity relative to the
        prefecture (profitable firms rate the environment better).
        """
        pref = self.prefecture
        n_pref = len(firm_trust)
        logp = np.log(np.maximum(self.productivity, 1e-12))
        cnt = np.maximum(np.bincount(pref, self.alive, n_pref), 1)
        mean_logp = np.bincount(pref, logp * self.alive, n_pref) / cnt
        x = 2.0 * firm_trust[pref] - 1.0 + 2.0 * subsidy_rate[pref] + 0.5 * (logp - mean_logp[pref])
        rating = 1.0 / (1.0 + np.exp(-x))
        return np.bincount(pref, rating * self.alive, n_pref) / cnt

    # ---------------------------------------------------------------- agent views

    def agent(self, row: int) -> Firm:
        """The :class:`Firm` agent viewing slot ``row`` (created once, then reused)."""
        view = self._views.get(row)
        if view is None or view.firm_id != self.firm_id[row]:
            view = Firm(self.model, self, row)
            self._views[row] = view
        return view

    def agents(self, prefecture: int | None = None, alive_only: bool = True) -> mesa.agent.AgentSet:
        """An ``AgentSet`` of firm views, optionally for one prefecture."""
        mask = self.alive.copy() if alive_only else np.ones(len(self.alive), bool)
        if prefecture is not None:
            mask &= self.prefecture == prefecture
        return mesa.agent.AgentSet([self.agent(int(r)) for r in np.flatnonzero(mask)],
                                   random=self.model.random)


class Firm(mesa.Agent):
    """A ``mesa.Agent`` view on one row of :class:`FirmPopulation`.

    Reading an attribute reads the population's arrays, so a view is always
    current; once the slot is reused by an entrant, the view reports
    ``alive == False`` (it follows the firm, not the slot).
    """

    def __init__(self, model, population: FirmPopulation, row: int):
        super().__init__(model)
        self._pop = population
        self.row = row
        self.firm_id = int(population.firm_id[row])

    def _current(self) -> bool:
        return self._pop.firm_id[self.row] == self.firm_id

    @property
    def alive(self) -> bool:
        return bool(self._current() and self._pop.alive[self.row])

    @property
    def prefecture(self) -> int:
        return int(self._pop.prefecture[self.row])

    def _col(self, name: str):
        return getattr(self._pop, name)[self.row].item() if self._current() else None

    productivity = property(lambda self: self._col("productivity"))
    capital = property(lambda self: self._col("capital"))
    output = property(lambda self: self._col("output"))
    age = property(lambda self: self._col("age"))
    soe = property(lambda self: self._col("soe"))
    protected = property(lambda self: self._col("protected"))
