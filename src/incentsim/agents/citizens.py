"""Citizens: a columnar population with a social network inside each prefecture.

State per citizen: skill (fixed), income, expected income growth,
satisfaction, trust in local government, trust in the central government,
and whether they petitioned this year. Each citizen has ``k`` network
neighbours in the same prefecture (the two lattice neighbours ``j +- 1``
around the prefecture's ring plus ``k - 2`` random long-range ties, fixed at
set-up: a small world).

Behavioural rules (one year, every citizen ``i`` of prefecture ``p``; the
naive reference ``benchmarks/naive.py`` implements exactly these, one Mesa
agent per citizen):

1. Income. One standard-normal shock ``e_i`` a year moves both income and
   mood: ``income = wage_p * skill_i * exp(income_shock_sd e_i)``; ``growth = income /
   income_prev - 1``; ``surprise = growth - expected_growth``;
   ``expected_growth += behaviour.expectation_adjustment * surprise``.
2. Satisfaction = ``logistic(satisfaction_index(services_p, surprise,
   pollution_p, news_p) + behaviour.citizen_noise * e_i)`` — performance
   judged against expectations.
3. Trust in local government moves toward satisfaction, asymmetrically:
   with ``gap = satisfaction - trust_local``, gains (``gap > 0``) move it by
   ``trust_gain_rate * min(1, trust_local / tacitus_threshold) * gap`` (the
   "Tacitus trap" named in seed 002: below the threshold good news is
   discounted in proportion; "if an authority loses its credibility, people
   will give negative comments on whatever it says or does") and losses by
   ``trust_loss_rate * gap``. Then, with every citizen's moved trust ``t``,
   ``t += social_influence * (mean of the neighbours' t - t)``; finally
   ``trust_local = clip(t - scandal_shock_p, 0, 1)``.
4. Trust in the centre moves toward satisfaction plus a premium
   (``central_premium``); citizens credit the centre for gains and mostly
   blame local government for losses (hierarchical trust: Li 2004;
   Cunningham, Saich & Turiel 2020): with ``gap_c = min(1, satisfaction +
   central_premium) - trust_central``, ``trust_central = clip(trust_central +
   gap_c * (central_credit * trust_gain_rate if gap_c > 0 else central_blame *
   trust_loss_rate), 0, 1)``.
5. Petitions. A citizen whose satisfaction is below ``petition_threshold``
   petitions with probability ``petition_scale * petition_propensity * (petition_threshold -
   satisfaction) / petition_threshold``.

Implementation (DESIGN §3): state is float32 columns (one slot per citizen,
fixed slots per prefecture, so a prefecture's citizens are one row and
per-prefecture means are row means). A year is stepped in chunks of whole
prefectures, each with its own SFC64 stream, on a small thread pool
(:mod:`incentsim.agents.fastrng`): reproducible for a seed whatever the
number of threads. Rules 1-5 of a chunk are one compiled kernel
(``citizens_kernel.h``, called through Cython, ``_citizens_kernel.pyx``; built by
``pip install``), which follows the list above step by step: it turns the chunk's
raw SFC64 words into fastrng's uniforms and normals, makes one pass over each
prefecture's citizens for rules 1-4 and one for the social pull, and releases the
GIL. Its exp, log, sin and cos are its own (float32 polynomials, about 1 ulp): the
same numbers on every machine and instruction set, so an ensemble's member steps bit
for bit as alone. Parameters reach it as a table of one float32 per prefecture
(:data:`KERNEL_PARAMETERS`), so ensemble members may differ in them.
"""

from __future__ import annotations

import mesa
import numpy as np

from incentsim.agents import _draws_kernel
from incentsim.agents._citizens_kernel import normals, step_chunk
from incentsim.agents._sums_kernel import row_sums
from incentsim.agents.columns import column
from incentsim.agents.fastrng import Chunking, member_normals, members, run_chunks
from incentsim.economy import PER_THOUSAND, satisfaction_index
from incentsim.seeding import Draws

F32 = np.float32
#: rows of the kernel's parameter table, in citizens_kernel.h's order (its P_* names
#: say what each is; the kernel checks their number)
KERNEL_PARAMETERS = (
    "wage", "income_sd", "adj", "neg_weight", "neg_noise", "base",
    "trapped", "thr", "tac", "gain", "loss", "keep", "pull", "shock",
    "premium", "credit", "blame", "pthr", "pscale",
)  # fmt: skip


def _f32(value):
    """A parameter (one number, or one per prefecture) as float32."""
    return value.astype(F32) if isinstance(value, np.ndarray) else F32(value)


def _at(value: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """A parameter at ``rows`` (prefectures): itself when it is one number."""
    return value[rows] if value.ndim else value


def _tacitus(gain, threshold) -> dict:
    """The Tacitus trap's terms: ``thr`` (the threshold), ``tac`` (the gain rate over
    it) and ``trapped`` (1 where a threshold is set, else 0; one number, or one per
    prefecture where members differ)."""
    on = np.asarray(threshold) > 0.0
    tac = gain / np.where(on, threshold, 1.0)
    return {"thr": threshold, "tac": tac, "trapped": on.astype(F32)}


def _initial_trust(z: np.ndarray, mean, sd) -> np.ndarray:
    """``clip(mean + sd * z, 0, 1)`` in float64, as float32 (``mean``, ``sd``: one number
    or one per citizen; the draws ``z`` float32)."""
    z = np.multiply(z, sd, dtype=np.float64)
    z += mean
    return np.clip(z, 0.0, 1.0, out=z).astype(F32)


class CitizenPopulation:
    """Columnar state of all citizens (fixed slots per prefecture)."""

    income = column("income", F32, "citizen")
    expected_growth = column("expected_growth", F32, "citizen")
    satisfaction = column("satisfaction", F32, "citizen")
    trust_local = column("trust_local", F32, "citizen")
    trust_central = column("trust_central", F32, "citizen")
    petitioned = column("petitioned", bool, "citizen")
    #: every trust known to be in [0, 1] (:meth:`trusts_in_unit`)
    _trusts_in_unit = False

    def __init__(self, model, per_prefecture: int, n_pref: int, rng: Draws):
        self.model = model
        k = model.config.world.citizen_neighbours
        self.rng = rng
        self.per_prefecture = per_prefecture
        self.n_pref = n_pref
        n = n_pref * per_prefecture
        self.prefecture = np.repeat(np.arange(n_pref, dtype=np.int32), per_prefecture)
        econ, beh, own = model.economy, model.behaviour, self._own
        # in float64, in place after the first operation: the same operations as
        # exp(sd * z - sd**2 / 2) and clip(mean + sd * z, 0, 1), without temporaries
        sd = own(econ.skill_sd)
        z = np.multiply(member_normals(rng, n, normals), sd, dtype=np.float64)
        z -= 0.5 * sd * sd
        self.skill = np.exp(z, out=z).astype(F32)
        self._income = self.skill.copy()
        self._expected_growth = np.full(n, own(econ.initial_growth), dtype=F32)
        self._satisfaction = np.full(n, own(beh.initial_satisfaction), dtype=F32)
        self._trust_local = _initial_trust(
            member_normals(rng, n, normals),
            own(beh.initial_trust_local),
            own(beh.initial_trust_local_sd),
        )
        self._trust_central = _initial_trust(
            member_normals(rng, n, normals),
            own(beh.initial_trust_central),
            own(beh.initial_trust_central_sd),
        )
        self._petitioned = np.zeros(n, dtype=bool)
        self._tally()
        self.k = k if per_prefecture >= 2 else 0
        self.n_lattice = min(self.k, 2)
        self._chunks = Chunking(n_pref, per_prefecture, rng)
        self._ties = self._random_ties(n_pref, per_prefecture, self.k - self.n_lattice, rng)
        self._chunks.spawn(rng)
        self._neighbours: np.ndarray | None = None
        self._views: dict[int, Citizen] = {}

    def _tally(self) -> None:
        """The per-prefecture sums :meth:`means` reads, of the state as it is (the yearly
        step makes them in its pass, :meth:`redress` mends the ones it changes): float32
        sums of satisfaction and of expected growth, and counts of petitioners."""
        rows = (self.n_pref, self.per_prefecture)
        self._sums = np.stack(  # numpy's row sums, compiled (the same bits, a third the time)
            [
                row_sums(self._satisfaction.reshape(rows)),
                row_sums(self._expected_growth.reshape(rows)),
            ]
        )
        self._petitions = np.count_nonzero(self._petitioned.reshape(rows), axis=1).astype(np.intp)

    def _own(self, value):
        """A parameter as citizens read it: the one number, or each citizen's
        prefecture's (one per prefecture, where ensemble members differ)."""
        return value[self.prefecture] if np.ndim(value) else value

    def _random_ties(self, n_pref: int, per: int, k_rand: int, rng: Draws) -> np.ndarray:
        """Random ties as chunk-local row indices, ``(k_rand, n)`` int32 (half the bytes
        of intp for the kernel to read each year).

        Citizen ``j`` of a prefecture is tied to ``(j + d) % per`` with ``d``
        uniform on ``1..per-1`` (never to themselves): each member draws its block of
        ``d`` as ``integers(1, per, size)``, tie by tie, into the ties, in one compiled
        pass (:func:`incentsim.agents._draws_kernel.ties`; the same numbers).
        """
        ties = np.empty((k_rand, n_pref * per), dtype=np.int32)
        if k_rand:
            # each prefecture's first citizen's chunk-local row: its first row less its chunk's
            first = np.arange(n_pref, dtype=np.int32) * np.int32(per)
            for lo, hi in self._chunks.bounds:
                first[lo:hi] -= lo * per
            _draws_kernel.ties(members(rng), per, first, ties)
        return ties

    @property
    def neighbours(self) -> np.ndarray:
        """Neighbour index matrix ``(n, k)``: lattice ties ``+1``, ``-1``, then random ties."""
        if self._neighbours is None:
            per, n = self.per_prefecture, len(self.prefecture)
            if self.k == 0:
                self._neighbours = np.zeros((n, 0), dtype=np.int64)
            else:
                base = self.prefecture.astype(np.int64) * per
                j = np.arange(n) - base
                cols = [base + (j + o) % per for o in (1, -1)[: self.n_lattice]]
                chunk_start = np.empty(n, dtype=np.int64)
                for lo, hi in self._chunks.bounds:
                    chunk_start[lo * per : hi * per] = lo * per
                cols += [chunk_start + t for t in self._ties]
                self._neighbours = np.stack(cols, axis=1)
        return self._neighbours

    def __len__(self) -> int:
        return len(self.prefecture)

    def step(self, wage, services, pollution, news, scandal_shock) -> None:
        own = self.model.behaviour  # a field members differ in: one value per prefecture
        gain, loss, pthr = own.trust_gain_rate, own.trust_loss_rate, own.petition_threshold
        si = _f32(own.social_influence)
        values = dict(
            wage=wage,
            income_sd=self.model.economy.income_shock_sd,
            adj=own.expectation_adjustment,
            neg_weight=-_f32(own.satisfaction_income),
            neg_noise=-_f32(own.citizen_noise),
            base=satisfaction_index(services, 0.0, pollution, own, news),
            **_tacitus(gain, own.tacitus_threshold),
            gain=gain,
            loss=loss,
            keep=F32(1.0) - si,
            pull=si / F32(max(self.k, 1)),
            shock=scandal_shock,
            premium=own.central_premium,
            credit=own.central_credit * gain,
            blame=own.central_blame * loss,
            pthr=pthr,
            pscale=own.petition_scale * own.petition_propensity / np.maximum(pthr, 1e-9),
        )
        # the kernel's parameter table: one row per parameter, one float32 per prefecture
        par = np.empty((len(KERNEL_PARAMETERS), self.n_pref), F32)
        for row, name in zip(par, KERNEL_PARAMETERS, strict=True):
            row[...] = values[name]
        self._trusts_in_unit = False
        outside = [0] * len(self._chunks)
        run_chunks(lambda i: self._step_chunk(i, par, outside), len(self._chunks))
        self._trusts_in_unit = not any(outside)

    def trusts_in_unit(self) -> bool:
        """Whether every trust (local and central) is known to be in [0, 1]: the kernel
        tests them just after writing them (a member's columns still in cache, where a
        test of the columns would read them all again) and :meth:`redress` tests what it
        writes. Answered once a step: False until the next step after that (the columns
        may have been written since), or before any; test the columns then."""
        known, self._trusts_in_unit = self._trusts_in_unit, False
        return known

    def _step_chunk(self, i: int, par: np.ndarray, outside: list[int]) -> None:
        """Rules 1-5 of the module docstring for one chunk of whole prefectures (the
        compiled kernel; each of the chunk's segments draws from its own stream); the
        count of its segments' columns of trust holding a value outside [0, 1] goes to
        ``outside[i]``."""
        c = self._chunks.chunk(i)
        a, b = c.a, c.b
        seg_row = np.append(c.starts // self.per_prefecture, c.rows[0]).astype(np.intp)
        outside[i] = step_chunk(
            self._income[a:b],
            self._expected_growth[a:b],
            self._satisfaction[a:b],
            self._trust_local[a:b],
            self._trust_central[a:b],
            self.skill[a:b],
            self._petitioned[a:b].view(np.uint8),
            self._sums,
            self._petitions,
            par,
            c.lo,
            self.per_prefecture,
            self.n_lattice,
            self._ties,
            a,
            seg_row,
            c.streams,
        )

    def redress(self, share: float | np.ndarray, rng: Draws) -> None:
        """Settle a share of this year's petitions (petition channel)."""
        own = self.model.behaviour
        who = np.flatnonzero(self._petitioned)
        gens = members(rng)  # an ensemble's members: each draws for its own petitioners
        k = len(gens)
        counts = np.bincount(self.prefecture[who] // (self.n_pref // k), minlength=k)
        u = np.concatenate([g.random(c) for g, c in zip(gens, counts, strict=True)])
        if np.ndim(share):  # per prefecture where ensemble members differ
            share = np.asarray(share)[self.prefecture[who]]
        settled = who[u < share]
        rows = self.prefecture[settled]
        floor, credit = own.petition_threshold, own.central_credit * own.trust_gain_rate
        self._satisfaction[settled] = np.maximum(
            self._satisfaction[settled], _at(_f32(floor), rows) if np.ndim(floor) else floor
        )
        moved = np.minimum(
            1.0,
            self._trust_central[settled] + (_at(_f32(credit), rows) if np.ndim(credit) else credit),
        )
        self._trust_central[settled] = moved
        if not ((moved >= 0.0) & (moved <= 1.0)).all():  # NaN too
            self._trusts_in_unit = False
        mended = np.unique(rows)  # the sums of satisfaction of these prefectures moved
        sat = self._satisfaction.reshape(self.n_pref, self.per_prefecture)
        self._sums[0, mended] = sat[mended].sum(axis=1)

    def means(self, n_pref: int) -> dict[str, np.ndarray]:
        """Per-prefecture means (float64) of what the prefectures read each year:
        satisfaction, expected income growth, and petitions per 1,000 citizens, of the
        state as the last yearly step and :meth:`redress` left it (from the sums the step
        makes in its pass over the citizens: the numbers of numpy's float32 row sums,
        with no pass of their own; 3 ms of a province-scale run's 72 before)."""
        if n_pref != self.n_pref:
            raise ValueError(f"{n_pref} prefectures asked of a population of {self.n_pref}")
        per = self.per_prefecture
        satisfaction, expected_growth = self._sums.astype(np.float64) / per
        return {
            "satisfaction": satisfaction,
            "expected_growth": expected_growth,
            "petitions": PER_THOUSAND * self._petitions / per,
        }

    # ---------------------------------------------------------------- agent views

    def agent(self, row: int) -> Citizen:
        """The :class:`Citizen` agent viewing row ``row`` (created once, then reused)."""
        view = self._views.get(row)
        if view is None:
            view = self._views[row] = Citizen(self.model, self, row)
        return view

    def agents(self, prefecture: int | None = None) -> mesa.agent.AgentSet:
        rows = np.arange(len(self.prefecture))
        if prefecture is not None:
            rows = rows[self.prefecture == prefecture]
        return mesa.agent.AgentSet([self.agent(int(r)) for r in rows], random=self.model.random)


class Citizen(mesa.Agent):
    """A ``mesa.Agent`` view on one row of :class:`CitizenPopulation`."""

    def __init__(self, model, population: CitizenPopulation, row: int):
        super().__init__(model)
        self._pop = population
        self.row = row

    def _col(self, name: str):
        return getattr(self._pop, name)[self.row].item()

    prefecture = property(lambda self: self._col("prefecture"))
    income = property(lambda self: self._col("income"))
    satisfaction = property(lambda self: self._col("satisfaction"))
    trust_local = property(lambda self: self._col("trust_local"))
    trust_central = property(lambda self: self._col("trust_central"))
    petitioned = property(lambda self: self._col("petitioned"))

    @property
    def neighbours(self) -> list[int]:
        return [int(i) for i in self._pop.neighbours[self.row]]
