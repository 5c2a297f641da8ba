"""Naive reference: the firm and citizen rules written the plain Mesa way.

One ``mesa.Agent`` per firm slot and per citizen, Python floats, stepped with
``AgentSet.shuffle_do`` and drawing from the model's ``random.Random``. The
rules are exactly those of :class:`incentsim.agents.firms.FirmPopulation` and
:class:`incentsim.agents.citizens.CitizenPopulation` (see their module
docstrings); only the random streams differ, so statistics agree within
sampling error (``tests/test_naive_reference.py``). ``incentsim bench`` times
this on a small population to give the speed-up of the vectorised model.
"""

from __future__ import annotations

import math

import mesa

from incentsim.economy import satisfaction_index

FIRM_KEYS = (
    "output",
    "capital",
    "investment",
    "entries",
    "exits",
    "alive_start",
    "tfp_num",
    "tfp_den",
)


def _clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


class NaiveFirm(mesa.Agent):
    """One firm slot (alive or empty)."""

    def __init__(self, model: NaiveWorld, prefecture: int) -> None:
        super().__init__(model)
        r, econ = model.random, model.econ
        self.prefecture = prefecture
        self.alive = r.random() < econ.initial_alive
        self.age = r.randrange(econ.initial_firm_age_max)
        lag = (1.0 - econ.incumbent_learning) * econ.frontier_growth * self.age
        self.productivity = math.exp(econ.entrant_productivity_sd * r.gauss(0.0, 1.0) - lag)
        self.capital = model.steady_capital(model.env_mult[prefecture] * self.productivity)
        self.output = 0.0
        self.protected = False

    def step(self) -> None:
        m, econ, r = self.model, self.model.econ, self.model.random
        p = self.prefecture
        agg = m.firm_year
        sd = econ.firm_productivity_sd
        alpha = econ.capital_share
        # 1. productivity random walk (every slot)
        drift = econ.incumbent_learning * econ.frontier_growth - 0.5 * sd * sd
        self.productivity *= math.exp(drift + sd * r.gauss(0.0, 1.0))
        self.protected = False
        if self.alive:
            # 2. output
            kpow = self.capital**alpha
            self.output = m.env_mult[p] * self.productivity * kpow
            # 3. investment
            mpk = alpha * self.output / self.capital
            signal = math.log(
                mpk * (1.0 + m.subsidy_rate[p]) / (econ.hurdle_rate + econ.depreciation)
            )
            rate = _clip(
                m.sensitivity * m.confidence[p] * signal,
                -econ.depreciation,
                econ.max_investment_rate,
            )
            agg["output"][p] += self.output
            agg["capital"][p] += self.capital
            agg["investment"][p] += self.capital * (rate + econ.depreciation)
            agg["alive_start"][p] += 1
            agg["tfp_num"][p] += self.productivity * kpow
            agg["tfp_den"][p] += kpow
            # 4. exit unless protected
            exiting = False
            if self.productivity < econ.exit_threshold * m.frontier:
                if r.random() < m.protection[p]:
                    self.protected = True
                else:
                    exiting = True
            self.capital *= 1.0 + rate
            self.age += 1
            if exiting:
                self.alive = False
                self.output = 0.0
                agg["exits"][p] += 1
        # 5. entry into an empty slot
        if not self.alive and r.random() < econ.entry_rate * m.confidence[p]:
            self.alive = True
            self.productivity = m.frontier * math.exp(
                econ.entrant_productivity_sd * r.gauss(0.0, 1.0)
            )
            self.capital = econ.entrant_capital * m.steady_capital(
                m.env_mult[p] * self.productivity
            )
            self.age = 0
            agg["entries"][p] += 1


class NaiveCitizen(mesa.Agent):
    """One citizen."""

    def __init__(self, model: NaiveWorld, prefecture: int) -> None:
        super().__init__(model)
        r, econ, beh = model.random, model.econ, model.beh
        self.prefecture = prefecture
        sd = econ.skill_sd
        self.skill = math.exp(sd * r.gauss(0.0, 1.0) - 0.5 * sd * sd)
        self.income = self.skill
        self.expected_growth = econ.initial_growth
        self.satisfaction = beh.initial_satisfaction
        self.trust_local = _clip(
            beh.initial_trust_local + beh.initial_trust_local_sd * r.gauss(0.0, 1.0), 0.0, 1.0
        )
        self.trust_central = _clip(
            beh.initial_trust_central + beh.initial_trust_central_sd * r.gauss(0.0, 1.0), 0.0, 1.0
        )
        self.petitioned = False
        self.moved_trust = self.trust_local
        self.neighbours: list[NaiveCitizen] = []

    def update(self) -> None:
        """Rules 1-5 except the neighbours' pull (which needs everyone's moved trust)."""
        m, beh, r = self.model, self.model.beh, self.model.random
        p = self.prefecture
        e = r.gauss(0.0, 1.0)
        income = m.wage[p] * self.skill * math.exp(m.econ.income_shock_sd * e)
        surprise = income / self.income - 1.0 - self.expected_growth
        self.expected_growth += beh.expectation_adjustment * surprise
        self.income = income
        x = satisfaction_index(m.services[p], 0.0, m.pollution[p], beh, m.news[p])
        x += beh.satisfaction_income * surprise + beh.citizen_noise * e
        self.satisfaction = 1.0 / (1.0 + math.exp(-x))
        gap = self.satisfaction - self.trust_local
        if gap > 0.0:
            tacitus = (
                min(1.0, self.trust_local / beh.tacitus_threshold)
                if beh.tacitus_threshold > 0
                else 1.0
            )
            self.moved_trust = self.trust_local + beh.trust_gain_rate * tacitus * gap
        else:
            self.moved_trust = self.trust_local + beh.trust_loss_rate * gap
        gap_c = min(1.0, self.satisfaction + beh.central_premium) - self.trust_central
        rate = (
            beh.central_credit * beh.trust_gain_rate
            if gap_c > 0.0
            else beh.central_blame * beh.trust_loss_rate
        )
        self.trust_central = _clip(self.trust_central + rate * gap_c, 0.0, 1.0)
        self.petitioned = False
        if self.satisfaction < beh.petition_threshold:
            prob = (
                beh.petition_scale
                * beh.petition_propensity
                * (beh.petition_threshold - self.satisfaction)
                / beh.petition_threshold
            )
            self.petitioned = r.random() < prob

    def socialise(self) -> None:
        """Move toward the neighbours' (moved) trust; scandals knock trust down."""
        m = self.model
        t = self.moved_trust
        if self.neighbours:
            nb = sum(o.moved_trust for o in self.neighbours) / len(self.neighbours)
            t += m.beh.social_influence * (nb - t)
        self.trust_local = _clip(t - m.scandal_shock[self.prefecture], 0.0, 1.0)


class NaiveWorld(mesa.Model):
    """Firms and citizens of ``n_pref`` prefectures as individual Mesa agents.

    ``config`` is a :class:`incentsim.scenario.Scenario` (its ``economy``,
    ``behaviour`` and ``world.citizen_neighbours`` are used). Prefecture-level
    inputs are passed to :meth:`step_firms` and :meth:`step_citizens`, as
    the model passes them to the vectorised populations.
    """

    def __init__(
        self, config, n_pref: int, firms_per: int, citizens_per: int, env_mult, seed: int = 0
    ) -> None:
        super().__init__(rng=seed)
        self.econ, self.beh = config.economy, config.behaviour
        self.sensitivity = self.beh.firm_investment_sensitivity
        self.n_pref = n_pref
        self.env_mult = [float(x) for x in env_mult]
        self.firms = mesa.agent.AgentSet(
            [NaiveFirm(self, p) for p in range(n_pref) for _ in range(firms_per)],
            random=self.random,
        )
        people = [[NaiveCitizen(self, p) for _ in range(citizens_per)] for p in range(n_pref)]
        k = config.world.citizen_neighbours if citizens_per >= 2 else 0
        for group in people:
            per = len(group)
            for j, c in enumerate(group):
                offsets = [1, -1][: min(k, 2)]
                offsets += [self.random.randrange(1, per) for _ in range(k - len(offsets))]
                c.neighbours = [group[(j + o) % per] for o in offsets]
        self.citizens = mesa.agent.AgentSet([c for g in people for c in g], random=self.random)

    def steady_capital(self, mult: float) -> float:
        econ = self.econ
        a = econ.capital_share
        return (a * mult / (econ.hurdle_rate + econ.depreciation)) ** (1.0 / (1.0 - a))

    def step_firms(self, env_mult, subsidy_rate, confidence, protection, frontier) -> dict:
        """One firm year; per-prefecture aggregates (lists) with the keys of ``FirmYear``."""
        self.env_mult = [float(x) for x in env_mult]
        self.subsidy_rate = [float(x) for x in subsidy_rate]
        self.confidence = [float(x) for x in confidence]
        self.protection = [float(x) for x in protection]
        self.frontier = float(frontier)
        self.firm_year = {k: [0.0] * self.n_pref for k in FIRM_KEYS}
        self.firms.shuffle_do("step")
        return self.firm_year

    def step_citizens(self, wage, services, pollution, news, scandal_shock) -> None:
        """One citizen year: everyone updates, then everyone feels the neighbours' pull."""
        self.wage = [float(x) for x in wage]
        self.services = [float(x) for x in services]
        self.pollution = [float(x) for x in pollution]
        self.news = [float(x) for x in news]
        self.scandal_shock = [float(x) for x in scandal_shock]
        self.citizens.shuffle_do("update")
        self.citizens.shuffle_do("socialise")
