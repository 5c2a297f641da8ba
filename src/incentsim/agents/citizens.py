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
fixed slots per prefecture, so per-prefecture inputs broadcast over a
``(prefectures, citizens)`` view instead of being gathered, and
per-prefecture means are row means). A year is stepped in chunks of whole
prefectures, each with its own SFC64 stream, on a small thread pool
(:mod:`incentsim.agents.fastrng`): reproducible for a seed whatever the
number of threads.
"""

from __future__ import annotations

import mesa
import numpy as np

from incentsim.agents.columns import column
from incentsim.agents.fastrng import (
    Chunk,
    Chunking,
    by_rows,
    members,
    prefecture_values,
    run_chunks,
)
from incentsim.economy import PER_THOUSAND, satisfaction_index
from incentsim.seeding import Draws

F32 = np.float32
_INF = F32(np.inf)


def _by_row(op, x: np.ndarray, value, c: Chunk, out: np.ndarray | None = None):
    """``op(x, value)`` into ``out`` (default: ``x``, in place) for a chunk's citizens,
    ``value`` one number or one per prefecture (where ensemble members differ)."""
    out = x if out is None else out
    if value.ndim:
        by_rows(op, x.reshape(c.rows), value[c.lo : c.hi, None], out=out.reshape(c.rows))
    else:
        op(x, value, out=out)
    return out


def _scaled(x: np.ndarray, value, c: Chunk, out: np.ndarray | None = None):
    """``x * value`` (:func:`_by_row`, the common case spelt out: it is called often)."""
    out = x if out is None else out
    if value.ndim:
        by_rows(np.multiply, x.reshape(c.rows), value[c.lo : c.hi, None], out=out.reshape(c.rows))
    else:
        np.multiply(x, value, out=out)
    return out


def _f32(value):
    """A parameter (one number, or one per prefecture) as float32."""
    return value.astype(F32) if isinstance(value, np.ndarray) else F32(value)


def _at(value: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """A parameter at ``rows`` (prefectures): itself when it is one number."""
    return value[rows] if value.ndim else value


def _tacitus(gain, threshold) -> dict:
    """The Tacitus trap's terms: ``thr``, ``tac`` (gain rate over the threshold, float32;
    ``None`` where no member sets a threshold) and ``untrapped`` (the prefectures whose
    member sets none, where members differ in whether they do; else ``None``)."""
    if not isinstance(threshold, np.ndarray):  # members share it
        tac = _f32(gain / threshold) if threshold > 0 else None
        return {"thr": _f32(threshold), "tac": tac, "untrapped": None}
    on = threshold > 0.0
    if not np.any(on):
        return {"thr": _f32(threshold), "tac": None, "untrapped": None}
    return {
        "thr": _f32(threshold),
        "tac": _f32(gain / np.where(on, threshold, 1.0)),
        "untrapped": None if np.all(on) else ~on,
    }


def _central_rates(credit, blame) -> dict:
    """The rates trust in the centre moves at toward a higher (``credit``) and a lower
    (``blame``) target, and ``pick``: ``np.maximum`` where every member's credit is at
    least its blame, ``np.minimum`` where at most, else ``None``
    (:func:`_central_move`)."""
    pick: np.ufunc | None = None
    if np.all(credit >= blame):
        pick = np.maximum
    elif np.all(credit <= blame):
        pick = np.minimum
    return {"credit": credit, "blame": blame, "pick": pick}


def _central_move(gap: np.ndarray, par, c: Chunk, out: np.ndarray) -> np.ndarray:
    """Move of trust in the centre: ``credit * gap`` for a positive ``gap`` (overwritten),
    ``blame * gap`` for a negative one, into ``out``.

    With credit >= blame (both >= 0) that is the larger of the two products (rounding
    keeps their order), with credit <= blame the smaller: three passes instead of
    five, the same numbers (``gap`` is never -0, trust never -0, so the sign of a zero
    move does not matter). Else the branch-free sum of :meth:`CitizenPopulation._trust_moves`."""
    if par["pick"] is not None:
        _scaled(gap, par["credit"], c, out=out)
        return par["pick"](out, _scaled(gap, par["blame"], c), out=out)
    np.clip(gap, F32(0.0), _INF, out=out)
    _scaled(out, par["credit"], c)
    np.clip(gap, -_INF, F32(0.0), out=gap)
    out += _scaled(gap, par["blame"], c)
    return out


def _initial_trust(z: np.ndarray, mean, sd) -> np.ndarray:
    """``clip(mean + sd * z, 0, 1)`` as float32 (``mean``, ``sd``: one number or one per
    citizen), in place on the draws ``z``."""
    z *= sd
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

    def __init__(self, model, per_prefecture: int, n_pref: int, rng: Draws):
        self.model = model
        k = model.config.world.citizen_neighbours
        self.rng = rng
        self.per_prefecture = per_prefecture
        self.n_pref = n_pref
        n = n_pref * per_prefecture
        self.prefecture = np.repeat(np.arange(n_pref, dtype=np.int32), per_prefecture)
        econ, beh, own = model.economy, model.behaviour, self._own
        # in place on each draw: the same operations as exp(sd * z - sd**2 / 2) and
        # clip(mean + sd * z, 0, 1), without temporaries
        sd = own(econ.skill_sd)
        z = rng.standard_normal(n)
        z *= sd
        z -= 0.5 * sd * sd
        self.skill = np.exp(z, out=z).astype(F32)
        self._income = self.skill.copy()
        self._expected_growth = np.full(n, own(econ.initial_growth), dtype=F32)
        self._satisfaction = np.full(n, own(beh.initial_satisfaction), dtype=F32)
        self._trust_local = _initial_trust(
            rng.standard_normal(n), own(beh.initial_trust_local), own(beh.initial_trust_local_sd)
        )
        self._trust_central = _initial_trust(
            rng.standard_normal(n),
            own(beh.initial_trust_central),
            own(beh.initial_trust_central_sd),
        )
        self._petitioned = np.zeros(n, dtype=bool)
        self.k = k if per_prefecture >= 2 else 0
        self.n_lattice = min(self.k, 2)
        self._chunks = Chunking(n_pref, per_prefecture, rng)
        self._ties = self._random_ties(n_pref, per_prefecture, self.k - self.n_lattice, rng)
        self._chunks.spawn(rng)
        self._neighbours: np.ndarray | None = None
        self._views: dict[int, Citizen] = {}

    def _own(self, value):
        """A parameter as citizens read it: the one number, or each citizen's
        prefecture's (one per prefecture, where ensemble members differ)."""
        return value[self.prefecture] if np.ndim(value) else value

    def _random_ties(self, n_pref: int, per: int, k_rand: int, rng: Draws) -> np.ndarray:
        """Random ties as chunk-local row indices, ``(k_rand, n)`` intp (no index casts).

        Citizen ``j`` of a prefecture is tied to ``(j + d) % per`` with ``d``
        uniform on ``1..per-1`` (never to themselves).
        """
        n = n_pref * per
        ties = np.empty((k_rand, n), dtype=np.intp)
        j = np.tile(np.arange(per, dtype=np.intp), n_pref)
        for c in range(k_rand):
            other = np.add(j, rng.integers(1, per, n), out=ties[c])
            np.subtract(other, per, out=other, where=other >= per)  # (j + d) % per
        # chunk-local rows: the prefecture's first row less its chunk's
        start = np.repeat(np.arange(n_pref, dtype=np.intp) * per, per)
        for lo, hi in self._chunks.bounds:
            start[lo * per : hi * per] -= lo * per
        ties += start
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
        index = satisfaction_index(services, 0.0, pollution, own, news)
        base, wage, shock = (
            prefecture_values(x, self.n_pref, F32) for x in (index, wage, scandal_shock)
        )
        thr, pthr = own.tacitus_threshold, own.petition_threshold
        gain, loss = own.trust_gain_rate, own.trust_loss_rate
        par = dict(
            adj=_f32(own.expectation_adjustment),
            neg_noise_sd=-_f32(own.citizen_noise),
            **_tacitus(gain, thr),
            gain=_f32(gain),
            loss=_f32(loss),
            **_central_rates(_f32(own.central_credit * gain), _f32(own.central_blame * loss)),
            premium=_f32(own.central_premium),
            si=_f32(own.social_influence),
            pthr=_f32(pthr),
            pscale=_f32(
                own.petition_scale
                * own.petition_propensity
                / (np.maximum(pthr, 1e-9) if isinstance(pthr, np.ndarray) else max(pthr, 1e-9))
            ),
            income_sd=_f32(self.model.economy.income_shock_sd),
            neg_income_weight=-_f32(own.satisfaction_income),
        )
        run_chunks(lambda i: self._step_chunk(i, wage, base, shock, par), len(self._chunks))

    def _step_chunk(self, i: int, wage, base, shock, par) -> None:
        """Rules 1-5 of the module docstring for one chunk of whole prefectures."""
        c = self._chunks.chunk(i)
        sat = self._income_and_mood(c, wage, base, par)
        dl = self._trust_moves(c, sat, par)
        self._socialise(c, dl, shock, par)
        self._petition(c, sat, par)

    def _income_and_mood(self, c: Chunk, wage, base, par) -> np.ndarray:
        """1. income and expectations (one shock e moves income and mood);
        2. satisfaction = logistic(index + noise). Returns satisfaction."""
        a, b = c.a, c.b
        inc_prev = self._income[a:b]
        eg = self._expected_growth[a:b]
        e = c.normals()
        inc = _scaled(e, par["income_sd"], c, out=np.empty_like(e))
        np.exp(inc, out=inc)
        _scaled(inc, wage, c)
        inc *= self.skill[a:b]
        surprise = np.divide(inc, inc_prev)
        surprise -= F32(1.0)
        surprise -= eg
        eg += _scaled(surprise, par["adj"], c, out=np.empty_like(surprise))
        inc_prev[...] = inc
        # -(weight * surprise + noise * e + base) as (-weight) * surprise + (-noise) * e
        # - base: negation is exact, so the same bits, one pass fewer
        x = _scaled(surprise, par["neg_income_weight"], c)
        _scaled(e, par["neg_noise_sd"], c)
        x += e
        _by_row(np.subtract, x, base, c)
        with np.errstate(over="ignore"):  # exp overflows to inf: satisfaction 0, as it should
            np.exp(x, out=x)
        x += F32(1.0)
        sat = self._satisfaction[a:b]
        np.reciprocal(x, out=sat)
        return sat

    def _trust_moves(self, c: Chunk, sat: np.ndarray, par) -> np.ndarray:
        """3-4. trust moves toward satisfaction (asymmetric, Tacitus trap); the centre.
        Updates trust in the centre; returns the move of local trust.

        Branch-free: a move is ``rate_up * max(gap, 0) + rate_down * min(gap, 0)``, one
        term exactly zero, so it equals picking the rate by the sign of the gap bit for
        bit, without a masked copy (which a random mask makes ten times slower).
        ``max(x, 0)`` and ``min(x, 0)`` are ``clip``s: the same numbers (a gap is never
        -0), without ``maximum``'s NaN checks (0.11 ns a citizen instead of 0.18)."""
        tl = self._trust_local[c.a : c.b]
        tc = self._trust_central[c.a : c.b]
        gap = np.subtract(sat, tl)
        up = np.clip(gap, F32(0.0), _INF)
        np.clip(gap, -_INF, F32(0.0), out=gap)
        if par["tac"] is not None:
            dl = _by_row(np.minimum, tl, par["thr"], c, out=np.empty_like(tl))
            _scaled(dl, par["tac"], c)
            dl *= up
            if par["untrapped"] is not None:  # members without the trap: the gain rate
                rows = par["untrapped"][c.lo : c.hi]
                free = _scaled(up, par["gain"], c, out=np.empty_like(up)).reshape(c.rows)
                dl.reshape(c.rows)[rows] = free[rows]
        else:
            dl = _scaled(up, par["gain"], c, out=np.empty_like(up))
        _scaled(gap, par["loss"], c)
        dl += gap
        _by_row(np.add, sat, par["premium"], c, out=gap)
        np.clip(gap, -_INF, F32(1.0), out=gap)
        gap -= tc
        tc += _central_move(gap, par, c, out=up)
        np.clip(tc, F32(0.0), F32(1.0), out=tc)
        return dl

    def _socialise(self, c: Chunk, dl: np.ndarray, shock, par) -> None:
        """3 (end). moved trust is pulled toward the neighbours'; scandals knock it down."""
        a, b = c.a, c.b
        tl = self._trust_local[a:b]
        t = np.add(tl, dl)
        if self.k:
            t2 = t.reshape(c.rows)
            acc = np.empty_like(t)
            acc2 = acc.reshape(c.rows)
            # t[j + 1] (+ t[j - 1]) in one pass over the whole chunk, then each ring's ends
            if self.n_lattice == 2:
                np.add(t[2:], t[:-2], out=acc[1:-1])
                np.add(t2[:, 1], t2[:, -1], out=acc2[:, 0])
                np.add(t2[:, 0], t2[:, -2], out=acc2[:, -1])
            else:
                acc[:-1] = t[1:]
                acc2[:, -1] = t2[:, 0]
            tied = np.empty_like(t)
            for ties in self._ties:
                # ties are always in range: "wrap" skips the checks of "raise", which
                # (with out=) also copies out: 0.44 ns a tie instead of 0.80 (measured)
                acc += np.take(t, ties[a:b], out=tied, mode="wrap")
            _scaled(t, F32(1.0) - par["si"], c)
            _scaled(acc, par["si"] / F32(self.k), c)
            t += acc
        if np.any(shock[c.lo : c.hi]):  # t - 0 is t: no pass in a year without scandals
            _by_row(np.subtract, t, shock, c)
        np.clip(t, F32(0.0), F32(1.0), out=tl)

    def _petition(self, c: Chunk, sat: np.ndarray, par) -> None:
        """5. petitions from citizens below the threshold."""
        pet = self._petitioned[c.a : c.b]
        pet[...] = False
        pthr, pscale = par["pthr"], par["pscale"]
        short = np.flatnonzero(_by_row(np.less, sat, pthr, c, out=np.empty(len(sat), bool)))
        if len(short):
            if pthr.ndim or pscale.ndim:  # members differ: each citizen's prefecture's
                rows = c.lo + short // self.per_prefecture
                pthr, pscale = _at(pthr, rows), _at(pscale, rows)
            prob = pthr - sat[short]
            prob *= pscale
            pet[short[c.uniforms(short) < prob]] = True

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
        self._trust_central[settled] = np.minimum(
            1.0,
            self._trust_central[settled] + (_at(_f32(credit), rows) if np.ndim(credit) else credit),
        )

    def means(self, n_pref: int) -> dict[str, np.ndarray]:
        """Per-prefecture means (float64) of what the prefectures read each year:
        satisfaction, expected income growth, and petitions per 1,000 citizens (the
        trusts' means were made too until session 9, and read by nothing: two passes over
        every citizen a year, 2 % of a province-scale ensemble's time)."""
        rows = (n_pref, self.per_prefecture)

        def mean(x):  # float32 pairwise row sums: exact enough, no float64 copy
            return x.reshape(rows).sum(axis=1).astype(np.float64) / self.per_prefecture

        return {
            "satisfaction": mean(self._satisfaction),
            "expected_growth": mean(self._expected_growth),
            "petitions": PER_THOUSAND
            * np.count_nonzero(self._petitioned.reshape(rows), axis=1)
            / self.per_prefecture,
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
