"""Firms: a columnar population stepped by vectorised numpy code.

Every firm is a row in a set of arrays (fixed slots per prefecture, an alive
mask, slot reuse on entry), so a year of a million firms is a handful of
whole-array operations (DESIGN §3). :meth:`FirmPopulation.agent` returns a
:class:`Firm` — a ``mesa.Agent`` view on one row — for inspection, selection
and visualisation, without putting Python objects in the hot loop.

Behavioural rules (one year, every slot ``i`` of prefecture ``p``; the naive
reference ``benchmarks/naive.py`` implements exactly these, one Mesa agent per
firm):

1. Productivity follows a random walk with drift: incumbents learn at
   ``economy.incumbent_learning`` x frontier growth; shocks have SD
   ``sd = economy.firm_productivity_sd``:
   ``a *= exp(incumbent_learning * frontier_growth - sd**2 / 2 + sd * e)``,
   ``e`` standard normal (drawn for every slot, alive or not).
2. Output ``y = M_p * a * k**alpha`` for an alive firm (0 otherwise) where
   ``M_p`` is the prefecture's environment (national and local shocks, human
   capital, infrastructure, leader ability, environmental compliance cost).
3. Net investment rate ``psi * confidence_p * log(MPK * (1 + s_p) / (r + delta))``
   with ``MPK = alpha * y / k``, clipped to ``[-delta, economy.max_investment_rate]``: firms invest
   when the marginal product of capital, raised by the leader's subsidies
   ``s_p``, beats the user cost of capital; confidence in local policy scales
   the response (Zhu & Zhang 2017 on policy predictability). Gross investment
   is ``k * (rate + delta)``; then ``k *= 1 + rate`` and the firm ages a year.
4. Exit when productivity falls below ``economy.exit_threshold`` x the
   prefecture's frontier (the national frontier moved by local innovation and
   churn)
   (unprofitable at going prices, Hopenhayn 1992), unless the prefecture
   protects the firm (probability ``protection_p`` set by subsidies): seed 002's
   "lack of creative destruction". A protected firm is flagged ``protected``
   for the year.
5. Entry into empty slots (including those just vacated) with probability
   ``economy.entry_rate`` x ``confidence_p`` x ``entry_barrier_p`` (environmental
   permits); an entrant is private, aged 0,
   draws productivity ``frontier * exp(entrant_productivity_sd * e)`` and
   starts with ``economy.entrant_capital`` x its steady-state capital
   ``(alpha * M_p * a / (r + delta)) ** (1 / (1 - alpha))``.

Implementation: float32 state, one ``(prefectures, firms)`` view so a
prefecture's firms are one row. A year is stepped in chunks of whole prefectures,
each with its own SFC64 stream, on a small thread pool
(:mod:`incentsim.agents.fastrng`): reproducible for a seed whatever the number of
threads. Rules 1-5 of a chunk are one compiled kernel (``firms_kernel.h``, called
through Cython, ``_firms_kernel.pyx``; built by ``pip install``), which follows the
list above step by step: one pass over each prefecture's firms for rules 1-3 and
its totals, then the exits of its weak firms, then entry into the empty slots; it
makes fastrng's normals and uniforms from the chunk's raw SFC64 words itself and
releases the GIL. Its exp and
log are its own (float32 polynomials shared with the citizens' kernel, about 1 ulp):
the same numbers on every machine and instruction set, so an ensemble's member steps
bit for bit as alone. Parameters reach it as a table of one float64 per prefecture
(:data:`KERNEL_PARAMETERS`), so ensemble members may differ in them.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from incentsim.agents._citizens_kernel import normals  # the set-up's normals
from incentsim.agents._firms_kernel import first_broken, step_chunk
from incentsim.agents._sums_kernel import ordered_row_sums
from incentsim.agents.columns import column
from incentsim.agents.fastrng import Chunking, member_normals, prefecture_values, run_chunks
from incentsim.economy import rating_index
from incentsim.seeding import Draws

F32 = np.float32
F64 = np.float64
#: rows of the kernel's parameter table, in firms_kernel.h's order (its F_* names say
#: what each is; the kernel checks their number)
KERNEL_PARAMETERS = (
    "alpha", "drift", "sd", "env", "log_sub", "slope", "delta", "max_rate", "weak",
    "protection", "entry", "frontier", "entrant_sd", "cap_scale", "cap_power",
    "entrant_capital",
)  # fmt: skip


@dataclass
class FirmYear:
    """Per-prefecture aggregates of one firm year."""

    output: np.ndarray
    capital: np.ndarray
    investment: np.ndarray
    entries: np.ndarray
    exits: np.ndarray
    alive_start: np.ndarray
    tfp_num: np.ndarray
    tfp_den: np.ndarray


#: row of each :class:`FirmYear` field in a step's per-prefecture totals
ROW = {name: i for i, name in enumerate(FirmYear.__dataclass_fields__)}


class FirmPopulation:
    """Columnar state of all firms (one row per slot)."""

    productivity = column("productivity", F32, "firm slot")
    capital = column("capital", F32, "firm slot")
    output = column("output", F32, "firm slot")
    #: no broken slot found by the last step (:meth:`columns_sound`)
    _sound = False

    def __init__(self, model, per_prefecture: int, env_mult: np.ndarray, rng: Draws):
        self.model = model
        econ = model.economy  # a field members differ in: one value per prefecture
        n_pref = len(env_mult)
        self.n_pref = n_pref
        self.per_prefecture = per_prefecture
        n = n_pref * per_prefecture
        self.rng = rng
        self.prefecture = np.repeat(np.arange(n_pref, dtype=np.int32), per_prefecture)
        self.alive = rng.random(n) < self._per_firm(econ.initial_alive)
        # every prefecture starts with an economy: where no slot drew alive (likely only
        # with a handful of firms per prefecture), its first firm is
        empty = ~self.alive.reshape(n_pref, per_prefecture).any(axis=1)
        self.alive[np.flatnonzero(empty) * per_prefecture] = True
        # start near the stationary spread behind the frontier: a firm of age a has
        # fallen behind by (1 - incumbent_learning) x frontier growth x a on average
        ages = model.national_economy.initial_firm_age_max  # one per member where they differ
        self.age = rng.integers(0, ages, n).astype(np.int16)
        learning, growth, sd = map(
            self._per_firm,
            (econ.incumbent_learning, econ.frontier_growth, econ.entrant_productivity_sd),
        )
        lag = (1.0 - learning) * growth * self.age
        z = np.multiply(sd, member_normals(rng, n, normals), dtype=F64)
        z -= lag
        self._productivity = np.exp(z, out=z).astype(F32)
        self._capital = self._steady_capital(
            np.repeat(np.asarray(env_mult, F64), per_prefecture) * self._productivity,
            self.prefecture,
        ).astype(F32)
        self._output = np.zeros(n, dtype=F32)
        self.protected = np.zeros(n, dtype=bool)
        self.firm_id = np.arange(n, dtype=np.int64)
        self._next_id = n
        self._chunks = Chunking(n_pref, per_prefecture, rng)
        self._chunks.spawn(rng)
        self._views: dict[int, Firm] = {}

    def _per_firm(self, value):
        """A parameter as every firm slot reads it: its prefecture's value where ensemble
        members differ in it, else the one value."""
        return np.asarray(value)[self.prefecture] if np.ndim(value) else value

    def _steady_capital(self, mult: np.ndarray, prefecture: np.ndarray) -> np.ndarray:
        """Steady-state capital of firms of the given ``prefecture`` whose environment x
        productivity is ``mult``."""
        econ = self.model.economy  # a field members differ in: one value per prefecture
        a, cost = (
            v[prefecture] if np.ndim(v) else v
            for v in (econ.capital_share, econ.hurdle_rate + econ.depreciation)
        )
        return (a * mult / cost) ** (1.0 / (1.0 - a))

    def __len__(self) -> int:
        return int(self.alive.sum())

    def tfp_totals(self) -> tuple[np.ndarray, np.ndarray]:
        """Per prefecture, the sums of ``productivity x capital^alpha`` and of
        ``capital^alpha`` over alive firms: capital-weighted productivity is their ratio
        (as the yearly step's ``tfp_num`` / ``tfp_den``)."""
        alpha = self._per_firm(self.model.economy.capital_share)
        kpow = np.where(self.alive, self._capital.astype(F64) ** alpha, 0.0)
        rows = (self.n_pref, self.per_prefecture)  # sums in slot order, as np.bincount's
        return ordered_row_sums((kpow * self._productivity).reshape(rows)), ordered_row_sums(
            kpow.reshape(rows)
        )

    def columns_sound(self) -> bool:
        """Whether the last yearly step's kernel found no slot :meth:`first_broken` would
        name (testing each segment's columns while they were in cache, where
        :meth:`first_broken` reads them all again). Answered once a step: False until the
        next step after that (the columns may have been written since), or before any."""
        known, self._sound = self._sound, False
        return known

    def first_broken(self) -> tuple[int, int]:
        """The first slot whose capital is negative, infinite or NaN, and the first dead
        slot whose output is not 0 (each -1 where there is none): one compiled pass over
        the three columns, where numpy takes five."""
        return first_broken(self._capital, self._output, self.alive.view(np.uint8))

    def step(
        self,
        env_mult: np.ndarray,
        subsidy_rate: np.ndarray,
        confidence: np.ndarray,
        protection: np.ndarray,
        frontier: float | np.ndarray,
        entry_barrier: float | np.ndarray = 1.0,
    ) -> FirmYear:
        econ = self.model.economy  # a field members differ in: one value per prefecture
        n_pref = self.n_pref
        alpha = econ.capital_share
        sd = econ.firm_productivity_sd
        user_cost = econ.hurdle_rate + econ.depreciation

        env_mult, subsidy_rate, confidence, protection, frontier, entry_barrier = (
            prefecture_values(x, n_pref, F64)
            for x in (env_mult, subsidy_rate, confidence, protection, frontier, entry_barrier)
        )
        values = dict(
            alpha=alpha,
            drift=econ.incumbent_learning * econ.frontier_growth - 0.5 * sd * sd,
            sd=sd,
            env=env_mult.astype(F32),
            # log(MPK (1 + s) / user cost) = log(alpha y / k) + log((1 + s) / user cost)
            log_sub=np.log((1.0 + subsidy_rate) / user_cost).astype(F32),
            slope=(self.model.behaviour.firm_investment_sensitivity * confidence).astype(F32),
            delta=econ.depreciation,
            max_rate=econ.max_investment_rate,
            weak=(econ.exit_threshold * frontier).astype(F32),
            protection=protection,
            entry=econ.entry_rate * confidence * entry_barrier,
            frontier=frontier.astype(F32),
            entrant_sd=econ.entrant_productivity_sd,
            cap_scale=alpha / user_cost,
            cap_power=1.0 / (1.0 - np.asarray(alpha)),
            entrant_capital=econ.entrant_capital,
        )
        # the kernel's parameter table: one row per parameter, one float64 per prefecture
        # (the kernel rounds each to float32 as it reads it, but the probabilities)
        table = np.empty((len(KERNEL_PARAMETERS), n_pref), F64)
        for row, name in zip(table, KERNEL_PARAMETERS, strict=True):
            row[...] = values[name]
        agg = np.zeros((len(ROW), n_pref))
        entrants: list[np.ndarray] = [np.empty(0, np.intp)] * len(self._chunks)
        broken = [0] * len(self._chunks)
        self._sound = False
        run_chunks(lambda i: self._step_chunk(i, table, agg, entrants, broken), len(self._chunks))
        self._sound = not any(broken)
        slots = np.concatenate(entrants)
        if len(slots):
            self.firm_id[slots] = np.arange(self._next_id, self._next_id + len(slots))
            self._next_id += len(slots)
        return FirmYear(**{name: agg[i] for name, i in ROW.items()})

    def _step_chunk(
        self, i: int, table: np.ndarray, agg: np.ndarray, entrants: list, broken: list[int]
    ) -> None:
        """Rules 1-5 of the module docstring for one chunk of whole prefectures (the
        compiled kernel; each of the chunk's segments draws from its own stream); its
        entrants' slots go to ``entrants[i]``, the count of its segments holding a slot
        :meth:`first_broken` would name to ``broken[i]``."""
        c = self._chunks.chunk(i)
        a, b, per = c.a, c.b, self.per_prefecture
        seg_row = np.append(c.starts // per, c.rows[0]).astype(np.intp)
        entered = np.empty(b - a, np.intp)
        m, broken[i] = step_chunk(
            self._productivity[a:b],
            self._capital[a:b],
            self._output[a:b],
            self.alive[a:b].view(np.uint8),
            self.protected[a:b].view(np.uint8),
            self.age[a:b],
            entered,
            table,
            agg,
            c.lo,
            per,
            seg_row,
            c.streams,
        )
        entrants[i] = entered[:m] + a

    def survey(self, firm_trust: np.ndarray, subsidy_rate: np.ndarray) -> np.ndarray:
        """Mean business-environment rating (0..1) of alive firms, per prefecture.

        A firm's rating is ``logistic(rating_index(firm_trust_p, s_p) +
        survey_productivity_weight x (log a - mean log a of the prefecture's
        alive firms))`` (:func:`rating_index`): it rises with its trust in local
        government and with the subsidies it receives, and with its own
        productivity relative to the prefecture (profitable firms rate the
        environment better).
        """
        beh = self.model.behaviour  # a field members differ in: one value per prefecture
        rows = (self.n_pref, self.per_prefecture)
        alive = self.alive.reshape(rows)
        cnt = np.maximum(np.count_nonzero(alive, axis=1), 1)
        logp = np.log(np.maximum(self._productivity, F32(1e-30))).reshape(rows)
        mean_logp = np.where(alive, logp, F32(0.0)).sum(axis=1, dtype=F64) / cnt
        w = beh.survey_productivity_weight
        c = (
            rating_index(np.asarray(firm_trust), np.asarray(subsidy_rate), beh) - w * mean_logp
        ).astype(F32)
        x = logp * (np.negative(w).astype(F32)[:, None] if np.ndim(w) else F32(-w))
        x -= c[:, None]
        np.exp(x, out=x)
        x += F32(1.0)
        np.reciprocal(x, out=x)
        x *= alive
        return x.sum(axis=1, dtype=F64) / cnt

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
        return mesa.agent.AgentSet(
            [self.agent(int(r)) for r in np.flatnonzero(mask)], random=self.model.random
        )


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
    protected = property(lambda self: self._col("protected"))
