"""The Mesa model: builds the world and orders a year.

A year (one :meth:`IncentModel.step`):

1. shocks — a national business-cycle shock and persistent local shocks;
2. leaders choose plans (:func:`incentsim.agents.leader.decide`);
3. budgets are spent: debt, services, abatement, infrastructure, human capital;
4. firms produce, invest, exit and enter; GDP and pollution follow;
5. reports are made (true figures plus manipulation) and mechanisms act on
   them (audits, inspections);
6. citizens update satisfaction and trust and petition; firms' trust moves;
7. indicators enter the term record (weighted by the incumbent's credit for
   them, :func:`incentsim.rules.evaluation.credit`); the upper level
   evaluates and turns leaders over;
8. outcomes and the leader-year panel are recorded (after burn-in).

The model orchestrates; agents decide; rules and mechanisms are objects
passed in — nothing in :meth:`step` branches on the scenario's rule name.
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.discrete_space import Network

from incentsim import economy as eco
from incentsim.agents.citizens import CitizenPopulation
from incentsim.agents.firms import FirmPopulation
from incentsim.agents.leader import Leader, candidate_plans, decide
from incentsim.outcomes import PANEL_COLUMNS
from incentsim.rules.accountability import MECHANISMS
from incentsim.rules.evaluation import Evaluator, credit
from incentsim.rules.promotion import PROMOTION_RULES
from incentsim.scenario import Scenario, load_scenario
from incentsim.seeding import stream
from incentsim.upper import SCORED, UpperLevel
from incentsim.world import build_geography

STREAMS = ("world", "shocks", "firms", "citizens", "leaders", "upper", "rule", "appoint", "mesa")
SCALE_FLOOR = {"growth": 0.01, "environment": 0.01, "services": 0.02, "debt": 0.02,
               "satisfaction": 0.01, "firm_survey": 0.01, "stability": 0.2}
SCALE_SMOOTHING = 0.3
INITIAL_PUBLIC_SHARE = 0.1
INITIAL_DEBT = 0.2
INITIAL_GROWTH = 0.08
#: entry rate at which creative destruction neither speeds nor slows the frontier
ENTRY_REFERENCE = 0.05


class InvariantError(RuntimeError):
    """A model invariant broke; names the year, prefecture and quantity."""

    def __init__(self, year: int, prefecture: int | None, quantity: str, value) -> None:
        where = f"prefecture {prefecture}" if prefecture is not None else "all prefectures"
        super().__init__(f"invariant broken in year {year}, {where}: {quantity} = {value!r}")
        self.year, self.prefecture, self.quantity, self.value = year, prefecture, quantity, value


def _column(values) -> np.ndarray:
    """One year of a panel column as int64, float64 or bool (what pandas makes of lists)."""
    a = np.asarray(values)
    if a.dtype.kind == "f":
        return a.astype(np.float64, copy=True)
    if a.dtype.kind in "iu":
        return a.astype(np.int64, copy=True)
    return a.copy()


class IncentModel(mesa.Model):
    """Career incentives of local officials: leaders, firms and citizens."""

    def __init__(self, scenario: Scenario | dict | str = None, seed: int = 0) -> None:
        sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario or {})
        self.seed_value = int(seed)
        self.streams = {name: stream(seed, name) for name in STREAMS}
        super().__init__(rng=self.streams["mesa"])
        self.config = sc
        w = sc.world
        self.n_provinces = w.n_provinces
        self.per_province = w.prefectures_per_province
        self.n_prefectures = w.n_provinces * w.prefectures_per_province
        n = self.n_prefectures
        rng = self.streams["world"]

        self.geo = build_geography(w.n_provinces, w.prefectures_per_province,
                                   w.cross_province_links, rng)
        self.province = self.geo.province
        self.space = Network(self.geo.graph, random=self.random, layout=self.geo.positions)

        rule = PROMOTION_RULES[sc.promotion.rule](sc.promotion)
        self.mechanisms = [MECHANISMS[name](params, stream(seed, f"mechanism:{name}"))
                           for name, params in sc.mechanisms()]
        self.evaluator = Evaluator(rule, self.mechanisms)
        self.pollution_manipulable = all(m.pollution_manipulable for m in self.mechanisms)
        read = {k for m in self.mechanisms for k in m.observes}
        if rule.uses_weights:
            read |= {k for k, w in sc.promotion.weights.model_dump().items() if w > 0}
        #: firms answer the business-environment survey only when something reads it
        self.surveys_firms = "firm_survey" in read
        self.candidates = candidate_plans(sc.behaviour.n_candidates, rng,
                                          sc.behaviour.fixed_shares)
        self.growth_target = np.full(
            n, sc.promotion.growth_target + sc.promotion.target_escalation)

        z = np.exp(0.25 * rng.standard_normal(n))
        self.state = self._initial_state(z, rng)
        self.frontier = 1.0
        self.entry_rate = ENTRY_REFERENCE
        self.state.entry_rate = np.full(n, ENTRY_REFERENCE)
        self.national_level = 0.0
        self.firms = FirmPopulation(self, w.firms_per_prefecture, z, self.streams["firms"])
        self.citizens = CitizenPopulation(self, w.citizens_per_prefecture, n,
                                          self.streams["citizens"])
        self._calibrate_initial_levels()
        num, den = self.firms.tfp_totals()
        self._tfp_level = num.sum() / den.sum() if den.sum() > 0 else 1.0
        self._tfp_level_p = np.divide(num, den, out=np.zeros(n), where=den > 0)

        self.upper = UpperLevel(self)
        self.leader_at: list[Leader] = []
        for p in range(n):
            ld = self.appoint_leader(initial=True)
            ld.cell = self.space[p]
            self.leader_at.append(ld)
        self._reset_terms(np.ones(n, dtype=bool))

        self.year = -w.burn_in
        self.records: list[dict] = []
        #: leader-year panel: per column, one array per recorded year
        self.panel: dict[str, list[np.ndarray]] = {c: [] for c in PANEL_COLUMNS}
        self._promoted_ability: list[float] = []
        self._evaluated_ability: list[float] = []

    # ----------------------------------------------------------------- set-up

    def _initial_state(self, z: np.ndarray, rng: np.random.Generator) -> eco.PrefectureState:
        n = self.n_prefectures
        ones, zeros = np.ones(n), np.zeros(n)
        shares = np.tile(self.config.behaviour.fixed_shares or [0.3, 0.3, 0.15, 0.15, 0.1],
                         (n, 1))
        st = eco.PrefectureState(
            n=n, productivity=z, fiscal_capacity=rng.uniform(0.7, 1.3, n),
            emission_intensity=np.exp(0.3 * rng.standard_normal(n)),
            local_level=zeros.copy(), local_growth_shock=zeros.copy(),
            gdp=ones.copy(), private_output=ones.copy(), private_output_prev=ones.copy(),
            private_capital=ones.copy(), pub_output=zeros.copy(),
            infrastructure=ones.copy(), infra_ratio0=1.0, services=ones.copy(),
            human_capital=ones.copy(), abatement=ones.copy(), pollution=ones.copy(),
            debt=zeros.copy(), revenue=zeros.copy(), firm_trust=np.full(n, 0.6),
            innovation=ones.copy(), frontier_gap=zeros.copy(),
            shares=shares, spending=np.zeros((n, eco.N_USES)),
            spending_prev=np.zeros((n, eco.N_USES)),
            borrowing=zeros.copy(), manipulation=zeros.copy(), underreport=zeros.copy(),
            growth_true=np.full(n, INITIAL_GROWTH), growth_reported=np.full(n, INITIAL_GROWTH),
            pollution_growth=zeros.copy(), pollution_growth_reported=zeros.copy(),
            subsidy_rate=zeros.copy(), protection=zeros.copy(),
            satisfaction_mean=np.full(n, 0.65), firm_survey=np.full(n, 0.6),
            petitions=zeros.copy(), transfers_next=zeros.copy(),
            scandal=np.zeros(n, bool), turnover=np.zeros(n, bool),
            last_score=zeros.copy(), rank_pct=np.full(n, 0.5),
        )
        st.scandal_dismissal = np.zeros(n, bool)
        st.expected_growth = np.full(n, INITIAL_GROWTH)
        st.expected_income_growth = np.full(n, INITIAL_GROWTH)
        st.service_efficiency = np.ones(n)
        st.budget_share = np.full(n, self.config.economy.tax_rate)
        st.indicator_scale = {"growth": 0.05, "environment": 0.05, "services": 0.1,
                              "debt": 0.05, "satisfaction": 0.05, "firm_survey": 0.05,
                              "stability": 1.0}
        return st

    def _calibrate_initial_levels(self) -> None:
        """Set GDP, infrastructure, debt and pollution levels consistent with firms."""
        st, f = self.state, self.firms
        n = self.n_prefectures
        alpha = self.config.economy.capital_share
        out = np.bincount(f.prefecture, st.productivity[f.prefecture] * f.productivity
                          * f.capital**alpha * f.alive, n)
        st.private_output = out.copy()
        st.private_output_prev = out / (1.0 + INITIAL_GROWTH)
        st.private_capital = np.bincount(f.prefecture, f.capital * f.alive, n)
        st.gdp = out / (1.0 - INITIAL_PUBLIC_SHARE)
        st.pub_output = st.gdp - out
        st.infra_ratio0 = 0.35
        st.infrastructure = st.infra_ratio0 * st.gdp
        st.debt = INITIAL_DEBT * st.gdp
        self.gdp0 = st.gdp.copy()
        st.pollution = st.emission_intensity.copy()
        st.indicators = self._indicators()
        wage = self._wage()
        c = self.citizens
        c.income = wage[c.prefecture] * c.skill

    def appoint_leader(self, initial: bool = False) -> Leader:
        """A new leader with freshly drawn traits (insider with ``insider_prob``)."""
        ten, beh = self.config.tenure, self.config.behaviour
        rng = self.streams["appoint"]
        u = rng.random(3)
        age = ten.appointment_age_mean + ten.appointment_age_sd * rng.standard_normal()
        age = float(np.clip(age, 30.0, ten.retirement_age - 1.0))
        ld = Leader(
            self, ability=rng.standard_normal(), age=age,
            insider=u[0] < ten.insider_prob, connected=u[1] < ten.connected_prob,
            motivation=beh.public_service_motivation * 2.0 * rng.beta(2.0, 2.0),
            perception=float(np.exp(beh.perception_noise * rng.standard_normal())),
            term_length=ten.term_length,
        )
        if initial:
            ld.tenure_year = int(rng.integers(0, ten.term_length))
        return ld

    def _reset_terms(self, mask: np.ndarray) -> None:
        st = self.state
        if not st.term_sum:
            st.term_sum = {k: np.zeros(self.n_prefectures) for k in SCORED}
            st.term_baseline = {k: np.zeros(self.n_prefectures) for k in SCORED}
            st.term_weight = np.zeros(self.n_prefectures)
        for k in SCORED:
            st.term_sum[k][mask] = 0.0
            st.term_baseline[k][mask] = st.indicators[k][mask]
        st.term_weight[mask] = 0.0

    # ----------------------------------------------------------------- helpers

    @property
    def leaders(self) -> list[Leader]:
        return self.leader_at

    def province_percentile(self, x: np.ndarray) -> np.ndarray:
        return self.upper.percentile(x)

    def register_scandal(self, caught: np.ndarray, dismissal_prob: float,
                         rng: np.random.Generator) -> None:
        """Detected manipulation: correct the report, mark a scandal, maybe dismiss."""
        st = self.state
        st.scandal |= caught
        st.growth_reported = np.where(caught, st.growth_true, st.growth_reported)
        st.scandal_dismissal |= caught & (rng.random(len(caught)) < dismissal_prob)

    def _mechanisms_new_year(self) -> None:
        """Mechanisms update their own state (roll-outs); the model then reads the levers
        they set for the year: the cost of faking statistics and service efficiency."""
        for mech in self.mechanisms:
            mech.new_year(self)
        self.manipulation_cost_multiplier = float(
            np.prod([m.manipulation_cost() for m in self.mechanisms]))
        eff = np.ones(self.n_prefectures)
        for mech in self.mechanisms:
            eff = eff * mech.service_efficiency(self)
        self.state.service_efficiency = eff

    def _wage(self) -> np.ndarray:
        alpha = self.config.economy.capital_share
        return (1.0 - alpha) * self.state.gdp / self.config.world.citizens_per_prefecture

    def _indicators(self) -> dict[str, np.ndarray]:
        st = self.state
        ages = np.array([ld.age for ld in self.leader_at]) if getattr(self, "leader_at", None) \
            else np.full(self.n_prefectures, 50.0)
        conn = np.array([ld.connected for ld in self.leader_at], float) \
            if getattr(self, "leader_at", None) else np.zeros(self.n_prefectures)
        return {
            "growth": st.growth_reported.copy(),
            "environment": -st.pollution_growth_reported,
            "services": st.services.copy(),
            "debt": -st.debt_to_gdp,
            "satisfaction": st.satisfaction_mean.copy(),
            "firm_survey": st.firm_survey.copy(),
            "stability": -st.petitions,
            "connected": conn,
            "age": ages,
        }

    def _update_scales(self) -> None:
        st = self.state
        for k in SCORED:
            x = st.indicators[k].reshape(self.n_provinces, self.per_province)
            sd = float(np.sqrt(((x - x.mean(axis=1, keepdims=True)) ** 2).mean()))
            old = st.indicator_scale[k]
            new = (1 - SCALE_SMOOTHING) * old + SCALE_SMOOTHING * sd
            st.indicator_scale[k] = max(new, SCALE_FLOOR[k])

    # ----------------------------------------------------------------- the year

    def step(self) -> None:
        sc = self.config
        econ, beh = sc.economy, sc.behaviour
        st = self.state
        n = self.n_prefectures
        leaders = self.leader_at
        self.year += 1
        for ld in leaders:
            ld.tenure_year += 1
            ld.years_in_post += 1
            ld.age += 1.0
        st.scandal[:] = False
        st.scandal_dismissal[:] = False
        self._mechanisms_new_year()

        # 1. shocks
        rs = self.streams["shocks"]
        national = econ.national_shock_sd * rs.standard_normal()
        eps = econ.local_shock_sd * rs.standard_normal(n)
        st.local_growth_shock = econ.local_shock_persistence * st.local_growth_shock + eps
        st.local_growth_shock += econ.growth_spillover * (
            self.geo.spillover @ st.local_growth_shock - st.local_growth_shock)
        st.local_level += st.local_growth_shock
        self.frontier *= np.exp(econ.frontier_growth
                                + econ.churn_spillover * (self.entry_rate - ENTRY_REFERENCE)
                                + econ.innovation_effect * (st.innovation.mean() - 1.0))
        st.frontier_gap = ((1.0 - econ.frontier_convergence) * st.frontier_gap
                           + econ.churn_spillover * (st.entry_rate - ENTRY_REFERENCE)
                           + econ.innovation_effect * (st.innovation - 1.0))

        # 2. leaders decide
        gdp_prev = st.gdp.copy()
        revenue = econ.tax_rate * st.fiscal_capacity * gdp_prev
        base_budget = eco.budget(st, econ.tax_rate, econ.interest_rate) - st.borrowing * gdp_prev
        st.revenue = revenue
        st.budget_share = np.maximum(base_budget, 0.0) / gdp_prev
        decide(self, leaders)
        st.shares = np.array([ld.shares for ld in leaders])
        st.borrowing = np.array([ld.borrowing for ld in leaders])
        st.manipulation = np.array([ld.manipulation for ld in leaders])
        st.underreport = np.array([ld.underreport for ld in leaders])

        # 3. spend
        st.spending_prev = st.spending
        spend_gdp = eco.spending_shares(st.shares * st.budget_share[:, None], st.borrowing)
        st.spending = spend_gdp * gdp_prev[:, None]
        st.debt = st.debt * (1.0 - econ.debt_repayment) + st.borrowing * gdp_prev
        st.services = eco.services_next(st.services,
                                        spend_gdp[:, eco.SRV] * st.service_efficiency)
        st.human_capital += eco.HUMAN_CAPITAL_LAG * (st.services - st.human_capital)
        st.abatement = eco.abatement_next(st.abatement, spend_gdp[:, eco.ENV])
        st.infrastructure = (1 - eco.INFRA_DEPRECIATION) * st.infrastructure + st.spending[:, eco.INV]
        st.innovation = eco.innovation_next(st.innovation, spend_gdp[:, eco.INN])
        st.protection = eco.protection(spend_gdp[:, eco.SUB], econ)
        for mech in self.mechanisms:
            st.protection = st.protection * mech.protection_factor(self)
        st.subsidy_rate = eco.subsidy_rate(spend_gdp[:, eco.SUB], gdp_prev, st.private_capital, econ)

        # 4. firms produce
        ability = np.array([ld.ability for ld in leaders])
        infra = np.maximum(st.infrastructure / gdp_prev / st.infra_ratio0, 1e-6)
        env_mult = (st.productivity * np.exp(self.national_level + national + st.local_level
                                             + econ.ability_effect * ability)
                    * st.human_capital**econ.human_capital_elasticity
                    * infra**econ.infrastructure_elasticity * eco.compliance(st.abatement, econ)
                    * eco.subsidy_boost(st.subsidy_rate))
        confidence = 0.5 + st.firm_trust
        fy = self.firms.step(env_mult, st.subsidy_rate, confidence, st.protection,
                             self.frontier * np.exp(st.frontier_gap),
                             eco.entry_barrier(st.abatement, econ))
        st.entry_rate = fy.entries / np.maximum(fy.alive_start, 1.0)
        self.entry_rate = float(fy.entries.sum() / max(fy.alive_start.sum(), 1.0))
        self.national_level += 0.5 * national
        st.private_output_prev = st.private_output
        st.private_output = fy.output
        st.private_capital = fy.capital
        st.pub_output = eco.public_output(spend_gdp, econ) * gdp_prev
        st.gdp = np.maximum(fy.output + st.pub_output, 1e-9)
        st.growth_true = st.gdp / gdp_prev - 1.0
        private_growth = st.private_output / np.maximum(st.private_output_prev, 1e-12) - 1.0
        st.expected_growth = 0.5 * st.expected_growth + 0.5 * private_growth

        st.emission_intensity *= 1.0 - econ.emission_intensity_decline
        raw = (st.emission_intensity
               * (st.gdp / self.gdp0) ** eco.POLLUTION_SCALE_ELASTICITY
               * np.exp(-eco.ABATEMENT_EFFECT * (st.abatement - 1.0)))
        raw = (1 - econ.pollution_spillover) * raw + econ.pollution_spillover * (
            self.geo.spillover @ raw + self.geo.isolated * raw)
        for mech in self.mechanisms:
            raw = raw * mech.pollution_factor(self)
        pollution_prev = st.pollution
        st.pollution = raw
        st.pollution_growth = st.pollution / pollution_prev - 1.0

        # 5. reports and mechanisms acting on them
        st.growth_reported = st.growth_true + st.manipulation
        st.pollution_growth_reported = st.pollution_growth - st.underreport
        for mech in self.mechanisms:
            mech.after_reports(self)

        # 6. citizens and firms' trust
        news = sum((mech.trust_news(self) for mech in self.mechanisms), np.zeros(n))
        shock = beh.scandal_trust_shock * st.scandal
        self.citizens.step(self._wage(), st.services, st.pollution, news, shock)
        for mech in self.mechanisms:
            mech.after_petitions(self)
        means = self.citizens.means(n)
        st.satisfaction_mean = means["satisfaction"]
        st.petitions = means["petitions"]
        st.expected_income_growth = means["expected_growth"]
        reassured = sum((mech.firm_confidence(self) for mech in self.mechanisms), np.zeros(n))
        target = np.clip(0.7 + 0.5 * st.subsidy_rate - eco.TURNOVER_TRUST_LOSS * st.turnover
                         - 0.3 * st.scandal + reassured, 0.0, 1.0)
        st.firm_trust += eco.FIRM_TRUST_ADJUSTMENT * (target - st.firm_trust)
        if self.surveys_firms:
            st.firm_survey = self.firms.survey(st.firm_trust, st.subsidy_rate)

        # 7. indicators, term record, evaluation, turnover
        st.indicators = self._indicators()
        self._update_scales()
        mem = sc.promotion.memory
        w = credit([ld.years_in_post for ld in leaders], sc.promotion.attribution_lag)
        for k in SCORED:
            st.term_sum[k] = mem * st.term_sum[k] + w * st.indicators[k]
        st.term_weight = mem * st.term_weight + w
        fate = self.upper.evaluate(leaders)
        st.transfers_next = sum((m.transfers(self) for m in self.mechanisms), np.zeros(n))
        tfp_growth = self._advance_tfp(fy)
        if self.year >= 1:
            self._record(leaders, fate, fy, tfp_growth)
        new = self.upper.turnover(leaders, fate)
        st.turnover = new
        self._reset_terms(new | fate["reappointed"])
        self.check_invariants()

    # ----------------------------------------------------------------- recording

    def _advance_tfp(self, fy) -> tuple[float, np.ndarray]:
        """This year's TFP growth, national and per prefecture, against last year's level
        (the initial firms' in the first year). Tracked every year, burn-in included, so
        the first recorded year is measured like any other; with no firm alive the level
        is carried over (no change)."""
        n = self.n_prefectures
        prev, prev_p = self._tfp_level, self._tfp_level_p
        tfp = fy.tfp_num.sum() / fy.tfp_den.sum() if fy.tfp_den.sum() > 0 else prev
        tfp_p = np.divide(fy.tfp_num, fy.tfp_den, out=np.zeros(n), where=fy.tfp_den > 0)
        tfp_p = np.where(fy.tfp_den > 0, tfp_p, prev_p)
        self._tfp_level, self._tfp_level_p = tfp, tfp_p
        return (float(tfp / prev - 1.0),
                np.divide(tfp_p, prev_p, out=np.ones(n), where=prev_p > 0) - 1.0)

    def _record(self, leaders, fate, fy, tfp_growth) -> None:
        st, econ = self.state, self.config.economy
        n = self.n_prefectures
        alive = max(fy.alive_start.sum(), 1.0)
        evaluated = fate["evaluated"]
        ability = np.array([ld.ability for ld in leaders])
        if evaluated.any():
            self._evaluated_ability.extend(ability[evaluated])
            self._promoted_ability.extend(ability[fate["promoted"]])
        sel = (ability[fate["promoted"]].mean() - ability[evaluated].mean()
               if fate["promoted"].any() else np.nan)
        gdp_total = st.gdp.sum()
        g = st.growth_true.reshape(self.n_provinces, self.per_province)
        disp = float(np.sqrt(((g - g.mean(axis=1, keepdims=True)) ** 2).mean()))
        self.records.append({
            "year": self.year,
            "gdp_growth_true": float(st.growth_true.mean()),
            "gdp_growth_reported": float(st.growth_reported.mean()),
            "manipulation_gap": float((st.growth_reported - st.growth_true).mean()),
            "growth_dispersion": disp,
            "investment_rate": float((fy.investment.sum() + st.spending[:, eco.INV].sum())
                                     / gdp_total),
            "public_investment_rate": float(st.spending[:, eco.INV].sum() / gdp_total),
            # a firm-less economy (every firm exited, none entered) has no return and no
            # productivity change
            "return_on_capital": float(econ.capital_share * fy.output.sum() / fy.capital.sum())
            if fy.capital.sum() > 0 else 0.0,
            "tfp_growth": tfp_growth[0],
            "firm_entry_rate": float(fy.entries.sum() / alive),
            "firm_exit_rate": float(fy.exits.sum() / alive),
            "protected_share": float(self.firms.protected.sum() / alive),
            "public_services": float(st.services.mean()),
            "human_capital": float(st.human_capital.mean()),
            "pollution": float(st.pollution.mean()),
            "debt_to_gdp": float(st.debt.sum() / gdp_total),
            "satisfaction": float(self.citizens.satisfaction.mean()),
            "trust_local": float(self.citizens.trust_local.mean()),
            "trust_central": float(self.citizens.trust_central.mean()),
            "firm_trust": float(st.firm_trust.mean()),
            "petitions": float(st.petitions.mean()),
            "promotion_rate": float(fate["promoted"].mean()),
            "dismissal_rate": float(fate["dismissed"].mean()),
            "turnover_rate": float(st.turnover.mean()),
            "mean_tenure": float(np.mean([ld.years_in_post for ld in leaders])),
            "mean_age": float(np.mean([ld.age for ld in leaders])),
            "selection_quality": float(sel),
            "investment_share": float(st.shares[:, 0].mean()),
            "services_share": float(st.shares[:, 1].mean()),
            "environment_share": float(st.shares[:, 2].mean()),
            "subsidy_share": float(st.shares[:, 3].mean()),
            "innovation_share": float(st.shares[:, 4].mean()),
        })
        with np.errstate(divide="ignore", invalid="ignore"):
            growth_spend = np.where(st.spending_prev > 0, st.spending / st.spending_prev - 1.0,
                                    np.nan)
        rel = st.growth_reported - self.upper.peer_mean(st.growth_reported)
        alive_p = np.maximum(fy.alive_start, 1.0)
        # firms are stored prefecture by prefecture, in blocks of equal size
        protected_p = (np.count_nonzero(self.firms.protected.reshape(n, -1), axis=1)
                       / alive_p)
        cols = {
            "year": np.full(n, self.year), "prefecture": np.arange(n), "province": self.province,
            "leader_id": [ld.leader_id for ld in leaders],
            "tenure_year": [ld.tenure_year for ld in leaders],
            "years_to_evaluation": [ld.term_length - ld.tenure_year for ld in leaders],
            "years_in_post": [ld.years_in_post for ld in leaders],
            "term_length": [ld.term_length for ld in leaders],
            "age": [ld.age for ld in leaders], "insider": [ld.insider for ld in leaders],
            "connected": [ld.connected for ld in leaders], "ability": ability,
            "motivation": [ld.motivation for ld in leaders],
            "investment_share": st.shares[:, 0], "public_services_share": st.shares[:, 1],
            "environment_share": st.shares[:, 2], "subsidy_share": st.shares[:, 3],
            "innovation_share": st.shares[:, 4],
            "borrowing": st.borrowing, "manipulation": st.manipulation,
            "pollution_underreport": st.underreport,
            "investment_spending_growth": growth_spend[:, eco.INV],
            "services_spending_growth": growth_spend[:, eco.SRV],
            "innovation_spending_growth": growth_spend[:, eco.INN],
            "gdp_growth_true": st.growth_true, "gdp_growth_reported": st.growth_reported,
            "relative_growth_reported": rel, "pollution_growth": st.pollution_growth,
            "debt_to_gdp": st.debt_to_gdp, "satisfaction": st.satisfaction_mean,
            "firm_exit_rate": fy.exits / alive_p, "firm_entry_rate": fy.entries / alive_p,
            "protected_share": protected_p,
            "tfp_growth": tfp_growth[1],
            "log_gdp": np.log(st.gdp), "score": fate["score"], "rank_pct": fate["rank_pct"],
            "evaluated": evaluated, "promoted": fate["promoted"], "dismissed": fate["dismissed"],
            "scandal": st.scandal.copy(),
        }
        for k, v in cols.items():
            self.panel[k].append(_column(v))

    # ----------------------------------------------------------------- invariants

    def check_invariants(self) -> None:
        """Stop with :class:`InvariantError` naming year, prefecture and quantity."""
        st = self.state
        for name in ("gdp", "services", "pollution", "debt", "human_capital", "growth_true",
                     "growth_reported", "firm_trust", "satisfaction_mean"):
            x = getattr(st, name)
            bad = ~np.isfinite(x)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InvariantError(self.year, i, name, float(x[i]))
        sums = st.shares.sum(axis=1)
        if not np.allclose(sums, 1.0, atol=1e-9) or (st.shares < 0).any():
            i = int(np.flatnonzero(~np.isclose(sums, 1.0) | (st.shares < 0).any(axis=1))[0])
            raise InvariantError(self.year, i, "budget shares", st.shares[i].tolist())
        c = self.citizens
        for name in ("trust_local", "trust_central"):
            x = getattr(c, name)
            if not (x.min() >= 0.0 and x.max() <= 1.0):  # reductions: no temporaries; NaN fails
                i = int(np.flatnonzero(~((x >= 0) & (x <= 1)))[0])
                raise InvariantError(self.year, int(c.prefecture[i]), name, float(x[i]))
        f = self.firms
        if not (f.capital.min() >= 0.0 and np.isfinite(f.capital.max())):
            i = int(np.flatnonzero((f.capital < 0) | ~np.isfinite(f.capital))[0])
            raise InvariantError(self.year, int(f.prefecture[i]), "firm capital",
                                 float(f.capital[i]))
        if (f.output[~f.alive] != 0).any():
            i = int(np.flatnonzero((f.output != 0) & ~f.alive)[0])
            raise InvariantError(self.year, int(f.prefecture[i]), "output of a dead firm",
                                 float(f.output[i]))
