"""Citizens: a columnar population with a social network inside each prefecture.

State per citizen: skill (fixed), income, expected income growth,
satisfaction, trust in local government, trust in the central government,
and whether they petitioned this year. Each citizen has ``k`` network
neighbours in the same prefecture (two lattice neighbours plus random
long-range ties: a small world), stored as an index matrix so social
influence is one gather.

Behavioural rules (one year, all citizens at once):

1. Income = prefecture wage x skill x idiosyncratic shock; expectations of
   income growth adapt (``behaviour.expectation_adjustment``).
2. Satisfaction = logistic(services quality, income growth against
   expectations, pollution, published-ranking news, noise) — performance
   judged against expectations.
3. Trust in local government moves toward satisfaction, asymmetrically:
   losses move it at ``trust_loss_rate``, gains at ``trust_gain_rate``; when
   trust is below ``tacitus_threshold``, good news is discounted in
   proportion (the "Tacitus trap" named in seed 002: "if an authority loses
   its credibility, people will give negative comments on whatever it says
   or does"). Then it moves toward the neighbours' mean
   (``social_influence``), and scandals knock it down.
4. Trust in the centre moves toward satisfaction plus a premium
   (``central_premium``): citizens credit the centre for gains
   (``central_credit`` x the gain rate) and mostly blame local government for
   losses (``central_blame`` x the loss rate): hierarchical trust (Li 2004;
   Cunningham, Saich & Turiel 2020).
5. A citizen whose satisfaction is below ``petition_threshold`` petitions
   with probability ``petition_propensity`` x the shortfall share.
"""

from __future__ import annotations

import mesa
import numpy as np

SATISFACTION_SERVICES = 2.0
SATISFACTION_INCOME = 6.0
SATISFACTION_POLLUTION = 1.2
SATISFACTION_BASE = 1.1


def satisfaction_index(services, income_surprise, pollution, news=0.0):
    """Linear index behind satisfaction (also used by leaders to forecast it)."""
    return (
        SATISFACTION_BASE
        + SATISFACTION_SERVICES * (services - 1.0)
        + SATISFACTION_INCOME * income_surprise
        - SATISFACTION_POLLUTION * (pollution - 1.0)
        + news
    )


def logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


class CitizenPopulation:
    """Columnar state of all citizens (fixed slots per prefecture)."""

    def __init__(self, model, per_prefecture: int, n_pref: int, rng: np.random.Generator):
        self.model = model
        beh = model.config.behaviour
        k = model.config.world.citizen_neighbours
        self.rng = rng
        self.per_prefecture = per_prefecture
        n = n_pref * per_prefecture
        self.prefecture = np.repeat(np.arange(n_pref, dtype=np.int32), per_prefecture)
        self.skill = np.exp(0.4 * rng.standard_normal(n) - 0.08)
        self.income = self.skill.copy()
        self.expected_growth = np.full(n, 0.08)
        self.satisfaction = np.full(n, 0.65)
        self.trust_local = np.clip(0.6 + 0.1 * rng.standard_normal(n), 0.0, 1.0)
        self.trust_central = np.clip(0.85 + 0.05 * rng.standard_normal(n), 0.0, 1.0)
        self.petitioned = np.zeros(n, dtype=bool)
        self.neighbours = self._network(n_pref, per_prefecture, k, rng)
        self.threshold = beh.tacitus_threshold
        self._views: dict[int, Citizen] = {}

    @staticmethod
    def _network(n_pref: int, per: int, k: int, rng: np.random.Generator) -> np.ndarray:
        """Neighbour index matrix (n x k): lattice ties +-1 and random ties."""
        n = n_pref * per
        if k == 0 or per < 2:
            return np.zeros((n, 0), dtype=np.int64)
        base = np.repeat(np.arange(n_pref) * per, per)
        j = np.tile(np.arange(per), n_pref)
        offsets = [1, -1][: min(k, 2)]
        cols = [base + (j + o) % per for o in offsets]
        for _ in range(k - len(offsets)):
            cols.append(base + (j + rng.integers(1, per, n)) % per)
        return np.stack(cols, axis=1)

    def __len__(self) -> int:
        return len(self.prefecture)

    def step(self, wage, services, pollution, news, scandal_shock) -> None:
        beh = self.model.config.behaviour
        rng = self.rng
        pref = self.prefecture
        n = len(pref)
        noise = rng.standard_normal(n)  # one shock a year moves income and mood
        income = wage[pref] * self.skill * np.exp(0.03 * noise)
        growth = income / self.income - 1.0
        surprise = growth - self.expected_growth
        self.expected_growth += beh.expectation_adjustment * surprise
        self.income = income
        x = satisfaction_index(services[pref], surprise, pollution[pref], news[pref])
        self.satisfaction = logistic(x + beh.citizen_noise * noise)

        gap = self.satisfaction - self.trust_local
        good = gap > 0.0
        tacitus = np.minimum(1.0, self.trust_local / self.threshold) if self.threshold > 0 else 1.0
        dl = np.where(good, beh.trust_gain_rate * tacitus * gap, beh.trust_loss_rate * gap)
        gap_c = np.minimum(1.0, self.satisfaction + beh.central_premium) - self.trust_central
        dc = np.where(gap_c > 0.0, beh.central_credit * beh.trust_gain_rate * gap_c,
                      beh.central_blame * beh.trust_loss_rate * gap_c)
        trust = self.trust_local + dl
        if self.neighbours.shape[1]:
            trust += beh.social_influence * (trust[self.neighbours].mean(axis=1) - trust)
        self.trust_local = np.clip(trust - scandal_shock[pref], 0.0, 1.0)
        self.trust_central = np.clip(self.trust_central + dc, 0.0, 1.0)

        short = np.flatnonzero(self.satisfaction < beh.petition_threshold)
        self.petitioned[:] = False
        share = (beh.petition_threshold - self.satisfaction[short]) / max(beh.petition_threshold, 1e-9)
        self.petitioned[short[rng.random(len(short)) < beh.petition_propensity * 4.0 * share]] = True

    def redress(self, share: float, rng: np.random.Generator) -> None:
        """Settle a share of this year's petitions (petition channel)."""
        beh = self.model.config.behaviour
        who = np.flatnonzero(self.petitioned)
        settled = who[rng.random(len(who)) < share]
        self.satisfaction[settled] = np.maximum(self.satisfaction[settled], beh.petition_threshold)
        self.trust_central[settled] = np.minimum(
            1.0, self.trust_central[settled] + beh.central_credit * beh.trust_gain_rate
        )

    def means(self, n_pref: int) -> dict[str, np.ndarray]:
        pref = self.prefecture
        cnt = np.bincount(pref, minlength=n_pref).astype(float)
        bc = np.bincount
        return {
            "satisfaction": bc(pref, self.satisfaction, n_pref) / cnt,
            "trust_local": bc(pref, self.trust_local, n_pref) / cnt,
            "trust_central": bc(pref, self.trust_central, n_pref) / cnt,
            "petitions": 1000.0 * bc(pref, self.petitioned, n_pref) / cnt,
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
