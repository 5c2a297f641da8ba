"""The Mesa model: builds the world and orders a year.

A year (one :meth:`IncentModel.step`, one method per phase):

1. :meth:`~IncentModel._shocks` — a national business-cycle shock, persistent
   local shocks and the technology frontiers move;
2. :meth:`~IncentModel._decide` — the budget opens and leaders choose plans
   (:func:`incentsim.agents.leader.decide`);
3. :meth:`~IncentModel._spend` — budgets are spent: debt, services, abatement,
   infrastructure, human capital (:func:`incentsim.economy.spend`);
4. :meth:`~IncentModel._produce` — firms produce, invest, exit and enter; GDP
   follows; :meth:`~IncentModel._pollute` — pollution follows;
5. :meth:`~IncentModel._report` — reports are made (true figures plus
   manipulation) and mechanisms act on them (audits, inspections);
6. :meth:`~IncentModel._react` — citizens update satisfaction and trust and
   petition; firms' trust moves; firms answer the survey;
7. :meth:`~IncentModel._evaluate` — indicators enter the term record
   (weighted by the incumbent's credit for them,
   :func:`incentsim.rules.evaluation.credit`); the upper level evaluates;
8. outcomes and the leader-year panel are recorded (after burn-in,
   :mod:`incentsim.recording`); :meth:`~IncentModel._turn_over` — the upper
   level turns leaders over.

One model can step an ensemble: ``IncentModel(scenario, seed=[s1, ..., sK])`` holds
K members' prefectures in consecutive blocks of the same columns, each member
drawing from its own streams (:class:`incentsim.seeding.MemberStreams`) and its
national quantities and records kept apart, so each member equals its run alone,
bit for bit (:func:`incentsim.ensemble.run_group` uses this). With a list of K
scenarios, ``IncentModel([sc1, ..., scK], seed=[s1, ..., sK])``, members may also
differ in the parameters of :data:`incentsim.varying.VARYING`: the model reads a
section through :attr:`IncentModel.params` (:class:`incentsim.varying.MemberValues`),
which gives a differing field as each prefecture's member's value.

The model orchestrates; agents decide; every law of motion lives with the
agent or economy it belongs to (:mod:`incentsim.economy`,
:mod:`incentsim.agents`); rules and mechanisms are objects passed in —
nothing in :meth:`step` branches on the scenario's rule name. Every
behavioural number is a field of the scenario (``economy``, ``behaviour``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property

import mesa
import numpy as np
from mesa.discrete_space import Network

from incentsim import economy as eco, recording
from incentsim.agents import _draws_kernel
from incentsim.agents._sums_kernel import ordered_row_sums, segment_sums
from incentsim.agents.citizens import CitizenPopulation
from incentsim.agents.firms import FirmPopulation, FirmYear
from incentsim.agents.leader import LeaderPopulation, candidate_plans, decide, plan_drift
from incentsim.allocator import keep_freed_memory
from incentsim.indicators import NAMES as INDICATOR_NAMES, SCORED
from incentsim.outcomes import OUTCOME_NAMES
from incentsim.personnel import UpperLevel
from incentsim.rules.accountability import MECHANISMS
from incentsim.rules.evaluation import Evaluator, credit
from incentsim.rules.promotion import PROMOTION_RULES
from incentsim.scenario import Scenario, load_scenario
from incentsim.seeding import Draws, MemberStreams, UniformDraws
from incentsim.varying import MemberValues
from incentsim.world import build_geographies

STREAMS = ("world", "shocks", "firms", "citizens", "leaders", "upper", "rule", "appoint", "mesa")


#: how far a prefecture's budget shares may sum from 1 (``np.allclose``'s default relative
#: tolerance plus 1e-9)
SHARES_TOLERANCE = 1e-9 + 1e-5 * 1.0


def _bits_at_most(x: np.ndarray, upper) -> bool:
    """Whether ``0 <= x <= upper`` for every value of the float array ``x`` (``upper``
    not negative), tested on the values' bits read as unsigned integers: non-negative
    floats order as their bits, and a sign bit or a NaN reads above ``upper``'s. One pass
    where ``x.min()`` and ``x.max()`` take two, and the integer pass is faster. False
    also for -0.0: test the floats then."""
    uint = np.dtype(f"u{x.itemsize}")
    return bool(x.view(uint).max() <= np.asarray(upper, x.dtype).view(uint))


class InvariantError(RuntimeError):
    """A model invariant broke; names the year, prefecture and quantity."""

    def __init__(self, year: int, prefecture: int | None, quantity: str, value) -> None:
        where = f"prefecture {prefecture}" if prefecture is not None else "all prefectures"
        super().__init__(f"invariant broken in year {year}, {where}: {quantity} = {value!r}")
        self.year, self.prefecture, self.quantity, self.value = year, prefecture, quantity, value


def _member_scenarios(scenario, k: int) -> list[Scenario]:
    """One scenario per member: a list as given (one per seed; a :class:`Scenario` taken
    as it is, like a single one), else the one repeated."""
    if isinstance(scenario, list | tuple):
        if len(scenario) != k:
            raise ValueError(f"{len(scenario)} scenarios for {k} seeds: give one per member")
        return [s if isinstance(s, Scenario) else load_scenario(s) for s in scenario]
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario or {})
    return [sc] * k


class IncentModel(mesa.Model):
    """Career incentives of local officials: leaders, firms and citizens.

    Implements :class:`incentsim.rules.context.MechanismContext`, what mechanisms see."""

    def __init__(
        self,
        scenario: Scenario | dict | str | Sequence[Scenario] | None = None,
        seed: int | Sequence[int] = 0,
    ) -> None:
        keep_freed_memory()
        #: the members' seeds: one (a run), or several (an ensemble stepped as one)
        self.seeds = (int(seed),) if isinstance(seed, int | np.integer) else tuple(map(int, seed))
        self.seed_value = self.seeds[0]
        self.n_members = k = len(self.seeds)
        #: each member's scenario (the same one, or scenarios differing in VARYING fields)
        self.scenarios = _member_scenarios(scenario, k)
        sc = self.scenarios[0]
        self.streams = MemberStreams.named(self.seeds, STREAMS)
        super().__init__(rng=self.streams["mesa"].members[0])
        self.config = sc
        w = sc.world
        #: prefectures of one member; the state holds the members' blocks one after another
        self.member_size = m = w.n_provinces * w.prefectures_per_province
        self.n_provinces = k * w.n_provinces
        self.per_province = w.prefectures_per_province
        self.n_prefectures = n = k * m
        #: the member each prefecture belongs to
        self.member = np.repeat(np.arange(k), m)
        self._read_parameters()
        rng = self.streams["world"]
        self._build_world(sc, rng)
        self._set_rules(sc)
        self._make_plans(sc, rng)
        promo = self.promotion
        self.growth_target = np.full(n, promo.growth_target + promo.target_escalation)
        z = np.exp(self.economy.prefecture_productivity_sd * rng.standard_normal(n))
        #: every scored indicator's scale (rows, :data:`~incentsim.indicators.SCORED`'s
        #: order), one per member: the state's ``indicator_scale`` by name is its rows
        self.scales = np.array(
            [np.full(k, getattr(self.national_behaviour.initial_scale, i)) for i in SCORED]
        )
        self.state = self._initial_state(z, rng)
        self.firms = FirmPopulation(self, w.firms_per_prefecture, z, self.streams["firms"])
        self.citizens = CitizenPopulation(
            self, w.citizens_per_prefecture, n, self.streams["citizens"]
        )
        self._calibrate_initial_levels()
        num, den = self.firms.tfp_totals()
        self._tfp_level = self._member_ratio(num, den, 1.0)
        self._tfp_level_p = np.divide(num, den, out=np.zeros(n), where=den > 0)
        self.upper = UpperLevel(self)
        #: the sitting leaders, one row per prefecture (iterating gives Mesa agent views)
        self.leaders = LeaderPopulation(self, n, self.streams["appoint"])
        #: the year's scored indicators, (scored, prefectures): the state's ``indicators``
        #: of :data:`~incentsim.indicators.SCORED` are its rows
        self.scored, self.state.indicators = self._indicators()
        self._start_term_record()
        self._reset_terms(np.ones(n, dtype=bool))
        self.year = -w.burn_in
        #: the recorded years: every member's outcomes and leader-year panel
        #: (:meth:`member_outcomes` gives a member's outcomes)
        self.record = recording.Record(k, m, w.horizon)

    def release(self) -> None:
        """Drop everything the model holds, once its results are taken
        (:func:`incentsim.api.run_members`); the model cannot be used afterwards.

        The model, its populations, upper level and evaluator refer to each other, and
        Mesa keeps bound methods of the model on it, so a finished model would be freed
        only when Python's cyclic garbage collector next runs, several ensembles later,
        and each new ensemble's arrays would fault in fresh pages meanwhile. Without its
        attributes nothing refers back to the model, and its memory is freed for reuse as
        soon as the last reference to it goes."""
        self.__dict__.clear()

    @property
    def records(self) -> list[dict]:
        """The outcome rows of the (first) member: a dict a recorded year, its ``year``
        and every outcome of :data:`incentsim.outcomes.OUTCOME_NAMES`."""
        rows = self.member_outcomes(0).tolist()
        return [
            {"year": y, **dict(zip(OUTCOME_NAMES, row, strict=True))}
            for y, row in zip(self.record.years.tolist(), rows, strict=True)
        ]

    def member_outcomes(self, m: int) -> np.ndarray:
        """Member ``m``'s outcomes, (recorded years, outcomes of
        :data:`incentsim.outcomes.OUTCOME_NAMES`): a view of the record."""
        return self.record.member_outcomes(m)

    def by_member(self, *xs: np.ndarray) -> list[np.ndarray]:
        """Per-prefecture arrays, each as one row per member (views)."""
        return [x.reshape(self.n_members, self.member_size, *x.shape[1:]) for x in xs]

    def member_rows(self, m: int) -> slice:
        """Member ``m``'s block of prefecture rows."""
        return slice(m * self.member_size, (m + 1) * self.member_size)

    def scale(self, name: str) -> np.ndarray:
        """Indicator ``name``'s scale for every prefecture (its member's)."""
        return self.state.indicator_scale[name][self.member]

    def _member_ratio(self, num: np.ndarray, den: np.ndarray, default) -> np.ndarray:
        """Per member: the sum of ``num`` over its prefectures over that of ``den``
        (``default`` where that is not positive). Each member's sums are along its row of
        a (members, prefectures) view: the numbers of its run alone."""
        a, b = (x.sum(axis=1) for x in self.by_member(num, den))
        return np.divide(a, b, out=np.full(self.n_members, default, dtype=float), where=b > 0)

    # ----------------------------------------------------------------- set-up

    def _read_parameters(self) -> None:
        """The scenario's sections as the model reads them: a field all members share
        as the scenario's value, a field they differ in as each row's member's value
        (:meth:`incentsim.varying.MemberValues.section`)."""
        #: the parameters, each a scalar all members share or each prefecture's member's
        self.params = MemberValues(self.scenarios, self.member)
        self.economy = self.params.section("economy")
        self.promotion = self.params.section("promotion")
        self.tenure = self.params.section("tenure")
        self._behaviour = self.params.section("behaviour")
        #: the economy and behaviour as national quantities (one per member) read them
        self.national_economy = self.params.section("economy", np.arange(self.n_members))
        self.national_behaviour = self.params.section("behaviour", np.arange(self.n_members))
        #: the sections as leaders' forecasts read them: one row per leader, (n, 1)
        self.forecast_economy = self.params.section("economy", self.member[:, None])
        self.forecast_behaviour = self.params.section("behaviour", self.member[:, None])

    def _make_plans(self, sc: Scenario, rng: MemberStreams) -> None:
        """Each member's candidate plans, drawn from its world stream, in the layouts
        leaders use."""
        k, m, n = self.n_members, self.member_size, self.n_prefectures
        plans = np.stack(
            [candidate_plans(s.behaviour, g) for s, g in zip(self.scenarios, rng.members)]
        )[:, None]
        shape = (k, m, *plans.shape[2:])
        #: each prefecture's candidate plans (its member's), (prefectures, plans, uses + 1);
        #: of a single run, a read-only view repeating the one set (no copies)
        self.plans = np.broadcast_to(plans, shape).reshape(n, *plans.shape[2:])
        #: the squared distances between a member's plans' shares, (members, plans, plans)
        self.plan_drift = plan_drift(plans[:, 0])
        #: the same plans column by column, (uses + 1, prefectures, plans): what leaders
        #: forecast with (each column's plans contiguous, the fast layout)
        columns = np.ascontiguousarray(np.moveaxis(plans, -1, 0))
        self.plan_columns = np.broadcast_to(columns, (columns.shape[0], *shape[:3])).reshape(
            columns.shape[0], n, -1
        )

    def _build_world(self, sc: Scenario, rng: MemberStreams) -> None:
        """Every member's geography, side by side
        (:func:`incentsim.world.build_geographies`)."""
        w = sc.world
        self.geo = build_geographies(
            w.n_provinces, w.prefectures_per_province, w.cross_province_links, rng.members
        )
        self.province = self.geo.province

    @cached_property
    def space(self) -> Network:
        """The Mesa network space over the prefectures, made when first read (the
        leaders' agent views sit on its cells)."""
        return Network(self.geo.graph, random=self.random, layout=self.geo.positions)

    def _set_rules(self, sc: Scenario) -> None:
        """The promotion rule and the mechanisms in force, and what they imply."""
        rule = PROMOTION_RULES[sc.promotion.rule](self.promotion)
        self.mechanisms = [
            MECHANISMS[name](
                self.params.section(f"accountability.{name}"),
                MemberStreams(self.seeds, f"mechanism:{name}"),
            )
            for name, _ in sc.mechanisms()
        ]
        self.evaluator = Evaluator(rule, self.mechanisms)
        #: multiplier on the cost of faking statistics, read each year from the mechanisms
        #: (:meth:`_mechanisms_new_year`); part of the mechanisms' context
        self.manipulation_cost_multiplier: float | np.ndarray = 1.0
        self.pollution_manipulable = all(m.pollution_manipulable for m in self.mechanisms)
        read = {k for m in self.mechanisms for k in m.observes}
        #: firms answer the business-environment survey only when something reads it: in
        #: every member, or in the members whose promotion weight on it is positive
        self.surveys_firms: bool | np.ndarray = "firm_survey" in read
        if rule.uses_weights and not self.surveys_firms:
            self.surveys_firms = self.params.value("promotion.weights.firm_survey") > 0

    def _initial_state(self, z: np.ndarray, rng: MemberStreams) -> eco.PrefectureState:
        n, econ, beh, nat = self.n_prefectures, self.economy, self.behaviour, self.national_economy
        ones, zeros, k_ = np.ones(n), np.zeros(n), self.n_members
        st = eco.PrefectureState(
            n=n,
            productivity=z,
            fiscal_capacity=rng.uniform(nat.fiscal_capacity_min, nat.fiscal_capacity_max, n),
            emission_intensity=np.exp(econ.emission_intensity_sd * rng.standard_normal(n)),
            local_level=zeros.copy(),
            local_growth_shock=zeros.copy(),
            gdp=ones.copy(),
            private_output=ones.copy(),
            private_output_prev=ones.copy(),
            private_capital=ones.copy(),
            pub_output=zeros.copy(),
            infrastructure=ones.copy(),
            infra_ratio0=econ.initial_infrastructure,
            services=ones.copy(),
            human_capital=ones.copy(),
            abatement=ones.copy(),
            pollution=ones.copy(),
            debt=zeros.copy(),
            revenue=zeros.copy(),
            firm_trust=np.full(n, beh.initial_firm_trust),
            innovation=ones.copy(),
            frontier_gap=zeros.copy(),
            shares=np.tile(beh.fixed_shares or beh.initial_shares, (n, 1)),
            spending=np.zeros((n, eco.N_USES)),
            spending_prev=np.zeros((n, eco.N_USES)),
            borrowing=zeros.copy(),
            manipulation=zeros.copy(),
            underreport=zeros.copy(),
            growth_true=np.full(n, econ.initial_growth),
            growth_reported=np.full(n, econ.initial_growth),
            pollution_growth=zeros.copy(),
            pollution_growth_reported=zeros.copy(),
            subsidy_rate=zeros.copy(),
            protection=zeros.copy(),
            satisfaction_mean=np.full(n, beh.initial_satisfaction),
            firm_survey=np.full(n, beh.initial_firm_trust),
            petitions=zeros.copy(),
            transfers_next=zeros.copy(),
            scandal=np.zeros(n, bool),
            turnover=np.zeros(n, bool),
            last_score=zeros.copy(),
            rank_pct=np.full(n, 0.5),
            scandal_dismissal=np.zeros(n, bool),
            expected_growth=np.full(n, econ.initial_growth),
            expected_income_growth=np.full(n, econ.initial_growth),
            service_efficiency=np.ones(n),
            budget_share=np.full(n, econ.tax_rate),
            indicator_scale=dict(zip(SCORED, self.scales)),
            entry_rate=np.full(n, econ.entry_reference),
        )
        #: national quantities, one per member
        self.frontier, self.national_level = np.ones(k_), np.zeros(k_)
        self.entry_rate = np.full(k_, nat.entry_reference)
        return st

    def _calibrate_initial_levels(self) -> None:
        """Set GDP, infrastructure, debt and pollution levels consistent with firms."""
        st, f, econ = self.state, self.firms, self.economy
        n = self.n_prefectures
        alpha = econ.capital_share  # where members differ: each firm's, float32 as a scalar reads
        alpha = np.asarray(alpha, np.float32)[f.prefecture] if np.ndim(alpha) else alpha
        # each firm's output, its prefecture's productivity x its own x capital**alpha
        # x alive, in that order, summed per prefecture in slot order (np.bincount's sums)
        rows = (n, f.per_prefecture)
        y = np.repeat(st.productivity, f.per_prefecture) * f.productivity
        y *= f.capital**alpha
        y *= f.alive
        out = ordered_row_sums(y.reshape(rows))
        st.private_output = out.copy()
        st.private_output_prev = out / (1.0 + econ.initial_growth)
        st.private_capital = ordered_row_sums(
            (f.capital * f.alive).astype(np.float64).reshape(rows)
        )
        st.gdp = out / (1.0 - econ.initial_public_share)
        st.pub_output = st.gdp - out
        st.infrastructure = st.infra_ratio0 * st.gdp
        st.debt = econ.initial_debt * st.gdp
        self.gdp0 = st.gdp.copy()
        st.pollution = st.emission_intensity.copy()
        wage = self._wage()
        c = self.citizens
        # wage x skill in float64, rounded to float32, prefecture by prefecture (no gather)
        rows = (n, c.per_prefecture)
        np.multiply(
            c.skill.reshape(rows), wage[:, None], out=c.income.reshape(rows), casting="unsafe"
        )

    def _start_term_record(self) -> None:
        """The term record, empty: its weights, and its sums and baselines one row per
        scored indicator (:attr:`term_sums`, :attr:`term_baselines`; the state's
        ``term_sum`` and ``term_baseline`` by name are their rows)."""
        st, n = self.state, self.n_prefectures
        #: the term record's recency-weighted sums and its baselines, (scored, prefectures)
        self.term_sums, self.term_baselines = np.zeros((2, len(SCORED), n))
        st.term_sum = dict(zip(SCORED, self.term_sums))
        st.term_baseline = dict(zip(SCORED, self.term_baselines))
        st.term_weight = np.zeros(n)

    def _reset_terms(self, mask: np.ndarray) -> None:
        """New terms start at the prefectures of ``mask``: their term record is emptied
        and its baselines are this year's indicators (every scored indicator's at once, at
        the prefectures' indices, found once: 2-D indexing costs more than flat)."""
        rows = mask.nonzero()[0]
        at = (rows + self._row_starts).ravel()  # the rows' values in the flat stacks
        self.term_sums.ravel()[at] = 0.0
        self.term_baselines.ravel()[at] = self.scored.ravel()[at]
        self.state.term_weight[rows] = 0.0

    @cached_property
    def _row_starts(self) -> np.ndarray:
        """Where each scored indicator's row starts in a flat (scored, prefectures)
        stack, a column: with a prefecture's index added, where its value is."""
        return (np.arange(len(SCORED)) * self.n_prefectures)[:, None]

    # ----------------------------------------------------------------- helpers

    def province_percentile(self, x: np.ndarray) -> np.ndarray:
        return self.upper.percentile(x)

    @property
    def behaviour(self):
        """The scenario's ``behaviour`` section as prefectures read it (part of the
        mechanisms' context)."""
        return self._behaviour

    def redress_petitions(self, share: float | np.ndarray, rng: Draws) -> None:
        """Settle a share of this year's petitions (part of the mechanisms' context)."""
        self.citizens.redress(share, rng)

    def register_scandal(
        self, caught: np.ndarray, dismissal_prob: float, rng: UniformDraws
    ) -> None:
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
        costs = [m.manipulation_cost() for m in self.mechanisms]
        if any(np.ndim(c) for c in costs):  # members' costs differ: one per prefecture
            product: float | np.ndarray = 1.0
            for c in costs:
                product = product * c
            self.manipulation_cost_multiplier = product
        else:
            self.manipulation_cost_multiplier = math.prod(float(c) for c in costs)
        eff = np.ones(self.n_prefectures)
        for mech in self.mechanisms:
            eff = eff * mech.service_efficiency(self)
        self.state.service_efficiency = eff

    def _wage(self) -> np.ndarray:
        alpha = self.economy.capital_share
        return (1.0 - alpha) * self.state.gdp / self.config.world.citizens_per_prefecture

    def indicators(self) -> dict[str, np.ndarray]:
        """The year's value of every indicator of :data:`incentsim.indicators.INDICATORS`
        (signed so that higher is better), per prefecture."""
        return self._indicators()[1]

    def _indicators(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The year's scored indicators stacked, (:data:`~incentsim.indicators.SCORED`,
        prefectures), copied in one call, and every indicator by name (:meth:`indicators`;
        the scored ones rows of the stack)."""
        st = self.state
        values = {
            "growth": st.growth_reported,
            "environment": -st.pollution_growth_reported,
            "services": st.services,
            "debt": -st.debt_to_gdp,
            "satisfaction": st.satisfaction_mean,
            "firm_survey": st.firm_survey,
            "stability": -st.petitions,
        }
        scored = np.array([values[k] for k in SCORED])
        values.update(zip(SCORED, scored))
        values.update(connected=self.leaders.connected.astype(float), age=self.leaders.age.copy())
        return scored, {k: values[k] for k in INDICATOR_NAMES}

    @cached_property
    def _scale_floors(self) -> np.ndarray:
        """``behaviour.scale_floor`` of every scored indicator (rows) and member."""
        floor, k = self.national_behaviour.scale_floor, self.n_members
        return np.array([np.broadcast_to(getattr(floor, name), (k,)) for name in SCORED])

    @cached_property
    def _scale_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """The segments :meth:`_update_scales` sums, for all scored indicators at once:
        every province's prefectures, then every member's."""
        provinces = len(SCORED) * self.n_prefectures // self.per_province
        return (
            np.full(provinces, self.per_province, dtype=np.intp),
            np.full(len(SCORED) * self.n_members, self.member_size, dtype=np.intp),
        )

    def _update_scales(self, x: np.ndarray) -> None:
        """Each scored indicator's scale moves toward its within-province SD this year
        (``behaviour.scale_smoothing``), never below ``behaviour.scale_floor``; ``x``:
        the scored indicators, one row each (all updated in one pass: the numbers of
        one indicator at a time). Province and member sums in one compiled call each
        (:func:`~incentsim.agents._sums_kernel.segment_sums`: numpy's row sums, the same
        bits; means as sums over counts, the numbers of ``.mean``). The scales are
        written in place, into :attr:`scales` (the state's by name are its rows)."""
        beh = self.national_behaviour  # scales are per member
        a, k, per = beh.scale_smoothing, self.n_members, self.per_province
        provinces, members = self._scale_counts
        x = np.ascontiguousarray(x, dtype=np.float64).reshape(-1, per)
        dev = x - (segment_sums(x.ravel(), provinces) / per)[:, None]
        dev **= 2
        sd = np.sqrt(segment_sums(dev.ravel(), members) / self.member_size).reshape(-1, k)
        np.maximum((1 - a) * self.scales + a * sd, self._scale_floors, out=self.scales)

    # ----------------------------------------------------------------- the year

    def step(self) -> None:
        """One year: the phases of the module docstring, in order."""
        self._start_year()
        national = self._shocks()
        gdp_prev = self._decide()
        spend_gdp = self._spend(gdp_prev)
        fy = self._produce(national, spend_gdp, gdp_prev)
        self._pollute()
        self._report()
        self._react()
        fate = self._evaluate()
        tfp_growth = self._advance_tfp(fy)
        if self.year >= 1:
            self._record(fate, fy, tfp_growth)
        self._turn_over(fate)
        self.check_invariants()

    def _start_year(self) -> None:
        self.year += 1
        self.leaders.start_year()
        self.state.scandal[:] = False
        self.state.scandal_dismissal[:] = False
        self._mechanisms_new_year()

    def _shocks(self) -> np.ndarray:
        """Draw the national and local shocks; move the national and local frontiers.
        Returns the national shock, one per member (it enters this year's output)."""
        st, econ = self.state, self.economy
        # each member's national shock, then its prefectures' local ones, from its shocks
        # stream: compiled, the numbers of a standard_normal call a member
        shocks = self.streams["shocks"].members
        z, _ = _draws_kernel.normals_then_uniforms(shocks, self.member_size + 1, 0)
        z = z.reshape(self.n_members, -1)
        national = self.national_economy.national_shock_sd * z[:, 0]
        eps = econ.local_shock_sd * z[:, 1:].ravel()
        st.local_growth_shock = eco.local_shocks_next(
            st.local_growth_shock, eps, self.geo.spillover, econ
        )
        st.local_level += st.local_growth_shock
        (innovation,) = self.by_member(st.innovation)
        self.frontier *= np.exp(
            eco.frontier_drift(
                self.national_economy.frontier_growth,
                self.entry_rate,
                innovation.sum(axis=1) / self.member_size,  # the numbers of .mean
                self.national_economy,
            )
        )
        st.frontier_gap = eco.frontier_drift(
            (1.0 - econ.frontier_convergence) * st.frontier_gap, st.entry_rate, st.innovation, econ
        )
        return national

    def _decide(self) -> np.ndarray:
        """Open the budget and let every leader choose; returns last year's GDP."""
        st = self.state
        gdp_prev = st.gdp.copy()
        eco.open_budget(st, self.economy)
        decide(self)
        return gdp_prev

    def _spend(self, gdp_prev: np.ndarray) -> np.ndarray:
        """Budgets are spent (:func:`incentsim.economy.spend`); mechanisms scale the
        protection support buys. Returns spending by use over last year's GDP."""
        st = self.state
        spend_gdp = eco.spend(st, self.economy, gdp_prev)
        for mech in self.mechanisms:
            st.protection = st.protection * mech.protection_factor(self)
        return spend_gdp

    def _produce(
        self, national: np.ndarray, spend_gdp: np.ndarray, gdp_prev: np.ndarray
    ) -> FirmYear:
        """Firms produce, invest, exit and enter; GDP and expectations follow."""
        st, econ, beh = self.state, self.economy, self.behaviour
        mem = self.member
        env_mult = eco.environment_multiplier(
            st, econ, gdp_prev, self.national_level[mem], national[mem], self.leaders.ability
        )
        fy = self.firms.step(
            env_mult,
            st.subsidy_rate,
            eco.firm_confidence(st.firm_trust, beh),
            st.protection,
            self.frontier[mem] * np.exp(st.frontier_gap),
            eco.entry_barrier(st.abatement, econ),
        )
        st.entry_rate = fy.entries / np.maximum(fy.alive_start, 1.0)
        entries, alive = self.by_member(fy.entries, fy.alive_start)
        self.entry_rate = entries.sum(axis=1) / np.maximum(alive.sum(axis=1), 1.0)
        self.national_level += self.national_economy.national_shock_persistence * national
        eco.account_output(st, econ, fy, spend_gdp, gdp_prev, beh)
        return fy

    def _pollute(self) -> None:
        """Pollution follows output and abatement; inspections cut it."""
        st, econ = self.state, self.economy
        st.emission_intensity *= 1.0 - econ.emission_intensity_decline
        raw = eco.pollution_level(
            st.emission_intensity, st.gdp / self.gdp0, st.abatement, self.geo, econ
        )
        for mech in self.mechanisms:
            raw = raw * mech.pollution_factor(self)
        pollution_prev = st.pollution
        st.pollution = raw
        st.pollution_growth = st.pollution / pollution_prev - 1.0

    def _report(self) -> None:
        """Reports: true figures plus manipulation; mechanisms act on them."""
        st = self.state
        st.growth_reported = st.growth_true + st.manipulation
        st.pollution_growth_reported = st.pollution_growth - st.underreport
        for mech in self.mechanisms:
            mech.after_reports(self)

    def _react(self) -> None:
        """Citizens update satisfaction and trust and petition; firms' trust moves."""
        st, beh, n = self.state, self.behaviour, self.n_prefectures
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
        st.firm_trust = eco.firm_trust_next(
            st.firm_trust, st.subsidy_rate, st.turnover, st.scandal, reassured, beh
        )
        if np.any(self.surveys_firms):
            survey = self.firms.survey(st.firm_trust, st.subsidy_rate)
            st.firm_survey = np.where(self.surveys_firms, survey, st.firm_survey)

    def _evaluate(self) -> dict[str, np.ndarray]:
        """Indicators enter the term record; the upper level evaluates; transfers."""
        st, promo, n = self.state, self.promotion, self.n_prefectures
        self.scored, st.indicators = self._indicators()
        self._update_scales(self.scored)
        w = credit(self.leaders.years_in_post, promo.attribution_lag)
        self.term_sums *= promo.memory  # every indicator's at once
        self.term_sums += w * self.scored
        st.term_weight = promo.memory * st.term_weight + w
        fate = self.upper.evaluate()
        transfers = np.zeros(n)
        for m in self.mechanisms:
            transfers = transfers + m.transfers(self)
        st.transfers_next = transfers
        return fate

    def _turn_over(self, fate: dict[str, np.ndarray]) -> None:
        new = self.upper.turnover(fate)
        self.state.turnover = new
        self._reset_terms(new | fate["reappointed"])

    # ----------------------------------------------------------------- recording

    def _advance_tfp(self, fy) -> tuple[np.ndarray, np.ndarray]:
        """The year's TFP growth, national (per member) and per prefecture, against last
        year's level (the initial firms' in the first year). Tracked every year, burn-in
        included, so the first recorded year is measured like any other; with no firm
        alive the level is carried over (no change)."""
        n = self.n_prefectures
        prev, prev_p = self._tfp_level, self._tfp_level_p
        tfp = self._member_ratio(fy.tfp_num, fy.tfp_den, prev)
        tfp_p = np.divide(fy.tfp_num, fy.tfp_den, out=prev_p.copy(), where=fy.tfp_den > 0)
        self._tfp_level, self._tfp_level_p = tfp, tfp_p
        return (
            tfp / prev - 1.0,
            np.divide(tfp_p, prev_p, out=np.ones(n), where=prev_p > 0) - 1.0,
        )

    def _record(self, fate, fy, tfp_growth) -> None:
        """Record this year's outcome row and leader-panel rows of every member."""
        protected = recording.protected_firms(self)
        self.record.add(
            self.year,
            recording.outcome_rows(self, fate, fy, tfp_growth[0], protected),
            recording.panel_columns(self, fate, fy, tfp_growth[1], protected),
        )

    # ----------------------------------------------------------------- invariants

    def check_invariants(self) -> None:
        """Stop with :class:`InvariantError` naming year, prefecture and quantity.

        The state's quantities are first summed, one pass each: a NaN or an infinity
        makes the total of the sums not finite (without a warning), so a finite total
        means every value is finite; otherwise each is tested value by value (finite
        values whose sum overflows pass there). Budget shares are summed per prefecture
        in one compiled call (:func:`incentsim.agents._sums_kernel.segment_sums`:
        numpy's row sums, the same bits). 24 -> 15 us a year before the agents' checks
        at small scale, K = 16 (measured)."""
        st = self.state
        names = (
            "gdp",
            "services",
            "pollution",
            "debt",
            "human_capital",
            "growth_true",
            "growth_reported",
            "firm_trust",
            "satisfaction_mean",
        )
        total = 0.0
        with np.errstate(over="ignore", invalid="ignore"):  # inf - inf: NaN, quietly
            for name in names:
                total += np.add.reduce(getattr(st, name), axis=None)
        if not math.isfinite(total):
            for name in names:
                x = getattr(st, name)
                bad = ~np.isfinite(x)
                if bad.any():
                    i = int(np.flatnonzero(bad)[0])
                    raise InvariantError(self.year, i, name, float(x[i]))
        shares = np.ascontiguousarray(st.shares, dtype=float)
        rows, uses = shares.shape
        sums = segment_sums(shares.ravel(), np.full(rows, uses, dtype=np.intp))
        # np.allclose(sums, 1.0, atol=1e-9) spelt out (the same test, NaN failing it) at
        # a tenth of its cost: it was 3 % of a small ensemble's year
        if not np.abs(sums - 1.0).max() <= SHARES_TOLERANCE or (shares < 0).any():
            off = ~(np.abs(sums - 1.0) <= SHARES_TOLERANCE) | (shares < 0).any(axis=1)
            i = int(np.flatnonzero(off)[0])
            raise InvariantError(self.year, i, "budget shares", st.shares[i].tolist())
        self._check_agents()

    def _check_agents(self) -> None:
        """:meth:`check_invariants` of the citizens and firms. Trusts are in [0, 1] where
        the citizens' step counted none outside as it wrote them (the year's first check,
        :meth:`~incentsim.agents.citizens.CitizenPopulation.trusts_in_unit`); otherwise
        their bounds are tested on the columns: first on the values' bits, one pass
        (:func:`_bits_at_most`), and on the floats only when that fails. The firms'
        capital and dead firms' output likewise: sound where the firms' step found them
        so (:meth:`~incentsim.agents.firms.FirmPopulation.columns_sound`), else in one
        compiled pass over the three columns
        (:meth:`~incentsim.agents.firms.FirmPopulation.first_broken`; 41 -> 19 us for 160k
        slots, measured, where numpy took five passes)."""
        c = self.citizens
        for name in () if c.trusts_in_unit() else ("trust_local", "trust_central"):
            x = getattr(c, name)
            if not (_bits_at_most(x, 1.0) or (x.min() >= 0.0 and x.max() <= 1.0)):
                i = int(np.flatnonzero(~((x >= 0) & (x <= 1)))[0])
                raise InvariantError(self.year, int(c.prefecture[i]), name, float(x[i]))
        f = self.firms
        capital, output = (-1, -1) if f.columns_sound() else f.first_broken()
        for i, quantity, x in (
            (capital, "firm capital", f.capital),
            (output, "output of a dead firm", f.output),
        ):
            if i >= 0:
                raise InvariantError(self.year, int(f.prefecture[i]), quantity, float(x[i]))
