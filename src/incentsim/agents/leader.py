"""Leaders: prefecture party secretaries, a columnar population with Mesa agent views.

Each leader carries traits (ability, unobserved; age; insider or outsider;
connection to the provincial patron; intrinsic public-service motivation; how
well they read the promotion rule) and the state of their term: one row of
:class:`LeaderPopulation` per prefecture (its sitting leader), the single source
of truth; :class:`Leader` is a ``mesa`` agent viewing a row. The yearly choice
is made for all leaders at once by :func:`decide` (vectorised) and written to
the prefectures' plans.

The decision rule (DESIGN §2). Each leader scores every plan in a shared
candidate set (five budget shares and a borrowing level) by

    U = career_weight * Evaluator.believed_score(forecast indicators)
        + intrinsic_weight * local welfare(forecast indicators)  [NATURAL_SCALE units]
        + mechanism terms (lifelong accountability, rankings, inspections)
        - career_weight * P(failing a veto target)
        - budget_inertia * |plan shares - last year's shares|^2
        - borrowing_inertia * (change in borrowing / budget)^2


and picks one by softmax (Gumbel-max) with temperature
``behaviour.choice_temperature``: bounded rationality (McFadden 1974). Compiled
(agents/forecast_kernel.h): the forecasts and the welfare term, in single precision
(:func:`incentsim.economy.forecast`); the utility before the mechanisms' terms, the
welfare term and the borrowing inertia in single precision, the score, the budget inertia
and the sum in double; and the choice, its uniforms drawn from the leaders' stream as
numpy's ``Generator.random`` draws them.

* ``career_weight = career_value * perception * eligible * credit * (discount
  * memory)**k * (1 - hazard)**k / norm`` with ``k`` years to the next
  evaluation: the evaluation weighs recent years more (``promotion.memory``)
  and credits the incumbent with a share of the year's outcomes that rises
  with years in post (``credit``, :func:`incentsim.rules.evaluation.credit`;
  ``norm`` is the evaluation's total weight on the term's years), the future
  is discounted, and a leader who will be past ``tenure.promotion_age_limit``
  at the next evaluation has no career concern (Kou & Tsai 2014 on age
  limits). Investment cycles before evaluations follow from this (Guo 2009);
  because credit saturates, they are smaller in longer terms.
* ``intrinsic_weight = public_service_motivation * (1 + insider_local_weight *
  insider)``: insiders weigh local welfare more (Persson & Zhuravskaya 2016).
* Budgets are incremental: moving shares away from last year's budget costs
  ``behaviour.budget_inertia`` per squared share (Wildavsky 1964); borrowing,
  which funds investment only, is easier to move (``borrowing_inertia``):
  pre-evaluation project surges are largely debt-financed.
* Statistics: the leader then inflates reported growth by
  ``m = career_weight * dScore/dgrowth / (2 * manipulation_cost * cost_multiplier)``
  (clipped to ``behaviour.max_manipulation``): a quadratic cost of faking, so
  faking follows the marginal reward of the indicator in the rule (Wallace
  2016); pollution reports are shaded the same way when they can be faked.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterator, MutableMapping
from functools import partial

import mesa
import numpy as np
from scipy.special import ndtr

from incentsim.agents import _draws_kernel
from incentsim.agents._forecast_kernel import choose, same_rows, utility
from incentsim.agents.columns import column
from incentsim.agents.fastrng import members
from incentsim.economy import (
    FORECAST_DTYPE,
    N_USES,
    WELFARE as WELFARE,  # what a leader's motivation weighs
    Forecasts,
    as_single,
    forecast,
    forecast_parameters,
)
from incentsim.indicators import VETO
from incentsim.rules.evaluation import credit
from incentsim.rules.promotion import EvalContext
from incentsim.seeding import MemberStreams

#: step of the finite difference behind the marginal score of an indicator (numerical)
FD_STEP = 1e-3


#: the leader columns (one row per prefecture: its sitting leader) and their dtypes
COLUMNS = {
    "leader_id": np.int64,
    "ability": np.float64,
    "age": np.float64,
    "insider": bool,
    "connected": bool,
    "motivation": np.float64,
    "perception": np.float64,
    "term_length": np.int64,
    "tenure_year": np.int64,
    "years_in_post": np.int64,
    "terms_served": np.int64,
}
#: the columns a leader carries along when rotated to another prefecture
CARRIED = ("leader_id", "ability", "age", "connected", "motivation", "perception", "term_length")


def _rank_in_member(mem: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each row's place among the rows of its member (``mem``; ``counts``: rows per
    member), in row order: the row's index less its member's first when the rows come
    member by member (as turnover appoints them), else through a stable sort."""
    first = np.cumsum(counts) - counts
    if len(mem) < 2 or (mem[1:] >= mem[:-1]).all():
        return np.arange(len(mem)) - first[mem]
    order = np.argsort(mem, kind="stable")
    rank = np.empty(len(mem), dtype=np.int64)
    rank[order] = np.arange(len(mem)) - np.repeat(first, counts)
    return rank


def _column(name: str):
    return column(name, COLUMNS[name], "sitting leader")


class LeaderPopulation:
    """Columnar state of the sitting leaders: one row per prefecture, the single source
    of truth for their traits and term positions (their plans are the prefectures'
    ``shares``, ``borrowing``, ``manipulation`` and ``underreport`` state).

    Appointment and turnover (:mod:`incentsim.personnel`) write rows; iterating the
    population (or :meth:`agent`, :meth:`agents`) gives :class:`Leader` views,
    ``mesa`` agents on the prefecture network, made on demand.
    """

    leader_id = _column("leader_id")
    ability = _column("ability")
    age = _column("age")
    insider = _column("insider")
    connected = _column("connected")
    motivation = _column("motivation")
    perception = _column("perception")
    term_length = _column("term_length")
    tenure_year = _column("tenure_year")
    years_in_post = _column("years_in_post")
    terms_served = _column("terms_served")

    def __init__(self, model, n: int, rng: MemberStreams) -> None:
        self.model = model
        self.rng = rng
        #: the next leader id of each member (ids count appointments from 1, per member)
        self._next_id = np.ones(model.n_members, dtype=np.int64)
        #: what new leaders' draws read besides each member's stream: its motivation
        #: shape and term length
        self._shape = np.array([s.behaviour.motivation_shape for s in model.scenarios], float)
        self._term = np.array([s.tenure.term_length for s in model.scenarios], np.int64)
        for name, dtype in COLUMNS.items():
            setattr(self, "_" + name, np.zeros(n, dtype=dtype))
        #: views made so far, by (ensemble member, leader id)
        self._views: dict[tuple[int, int], Leader] = {}
        self.appoint(np.arange(n), initial=True)

    def __len__(self) -> int:
        return len(self.leader_id)

    def __iter__(self) -> Iterator[Leader]:
        return (self.agent(p) for p in range(len(self)))

    def __getitem__(self, prefecture: int) -> Leader:
        return self.agent(prefecture)

    def appoint(self, rows: np.ndarray, initial: bool = False) -> None:
        """New leaders with freshly drawn traits at ``rows``, drawn in that order.

        Insider with ``insider_prob``, connected with ``connected_prob``; age is normal
        (``appointment_age_mean``, ``appointment_age_sd``) between
        ``min_appointment_age`` and a year before retirement; motivation is
        ``public_service_motivation x 2 x Beta(motivation_shape, motivation_shape)``
        (mean ``public_service_motivation``); perception of the rule is log-normal.
        Initial leaders start at a random year of their term. Each leader is drawn
        from the stream of the ensemble member the prefecture belongs to, one leader
        after another, eight values each: three uniforms (insider, connected, unused),
        the age's normal, ability, the motivation's beta, the perception's normal and
        the initial year of the term (none for an appointment during the run); compiled
        (:func:`incentsim.agents._draws_kernel.traits`: numpy's own distributions,
        the numbers of ``Generator`` calls, a Python call per value otherwise).
        """
        rows = np.asarray(rows, dtype=np.intp)
        mem = self.model.member[rows].astype(np.intp, copy=False)
        d = np.empty((len(rows), 8))
        _draws_kernel.traits(self.rng.members, mem, self._shape[mem], self._term[mem], initial, d)
        ten = self.model.params.section("tenure", mem)
        beh = self.model.params.section("behaviour", mem)
        counts = np.bincount(mem, minlength=len(self._next_id))
        self.leader_id[rows] = self._next_id[mem] + _rank_in_member(mem, counts)
        self._next_id += counts
        age = ten.appointment_age_mean + ten.appointment_age_sd * d[:, 3]
        # np.clip's numbers (the lower bound, then the upper), without its wrapper
        age = np.minimum(np.maximum(age, ten.min_appointment_age), ten.retirement_age - 1.0)
        self.age[rows] = age
        self.insider[rows] = d[:, 0] < ten.insider_prob
        self.connected[rows] = d[:, 1] < ten.connected_prob
        self.ability[rows] = d[:, 4]
        self.motivation[rows] = beh.public_service_motivation * 2.0 * d[:, 5]
        self.perception[rows] = np.exp(beh.perception_noise * d[:, 6])
        self.term_length[rows] = ten.term_length
        self.tenure_year[rows] = d[:, 7]
        self.years_in_post[rows] = 0
        self.terms_served[rows] = 0

    def rotate(self, source: np.ndarray, dest: np.ndarray) -> None:
        """The leaders at ``source`` move to ``dest`` (outsiders there, a new term)."""
        moved = {name: getattr(self, name)[source] for name in CARRIED}
        for name, values in moved.items():
            getattr(self, name)[dest] = values
        for name in ("insider", "tenure_year", "years_in_post", "terms_served"):
            getattr(self, name)[dest] = 0

    def start_year(self) -> None:
        """Every sitting leader is a year older and a year further into the term."""
        self.tenure_year += 1
        self.years_in_post += 1
        self.age += 1.0

    # ---------------------------------------------------------------- agent views

    def agent(self, prefecture: int) -> Leader:
        """The :class:`Leader` agent viewing the leader sitting at ``prefecture``
        (created once per leader, on that prefecture's cell of the network)."""
        key = (int(self.model.member[prefecture]), int(self.leader_id[prefecture]))
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = Leader(self.model, self, *key)
            view.cell = self.model.space[int(prefecture)]
        return view

    def agents(self) -> mesa.agent.AgentSet:
        """An ``AgentSet`` of the sitting leaders' views."""
        return mesa.agent.AgentSet(list(self), random=self.model.random)

    def sync_views(self) -> None:
        """After turnover: views of leaders who left leave the model, views of rotated
        leaders move to their new prefecture's cell."""
        if not self._views:
            return
        row = {
            key: p for p, key in enumerate(zip(self.model.member.tolist(), self.leader_id.tolist()))
        }
        for key, view in list(self._views.items()):
            if key not in row:
                view.remove()
                del self._views[key]
            else:
                view.cell = self.model.space[row[key]]


def _view_column(name: str, source: str = "population"):
    """A :class:`Leader` property reading (and writing) the leader's row of a
    population column (``source="state"``: of the prefecture state)."""

    def table(self):
        return getattr(self._pop if source == "population" else self._pop.model.state, name)

    def get(self):
        p = self.prefecture
        if p is None:
            return None
        value = table(self)[p]
        return value.copy() if np.ndim(value) else value.item()

    def set(self, value):
        p = self.prefecture
        if p is None:
            raise ValueError(f"leader {self.leader_id} is no longer in post")
        table(self)[p] = value

    return property(get, set, doc=f"The leader's {name} (its row of the {source}).")


class Leader(mesa.discrete_space.CellAgent):
    """A prefecture party secretary: a ``mesa`` agent viewing its row of
    :class:`LeaderPopulation` (reading and writing it), on its prefecture's cell of
    the network. It follows the leader, not the row: once the leader has left,
    :attr:`prefecture` and every attribute are ``None``."""

    def __init__(self, model, population: LeaderPopulation, member: int, leader_id: int) -> None:
        super().__init__(model)
        self._pop = population
        #: the ensemble member the leader belongs to (0 in a single run), and their id in it
        self.member, self.leader_id = member, leader_id

    @property
    def prefecture(self) -> int | None:
        block = self._pop.model.member_rows(self.member)
        rows = np.flatnonzero(self._pop.leader_id[block] == self.leader_id)
        return block.start + int(rows[0]) if len(rows) else None

    @property
    def years_to_evaluation(self) -> int | None:
        return None if self.prefecture is None else self.term_length - self.tenure_year

    ability = _view_column("ability")
    age = _view_column("age")
    insider = _view_column("insider")
    connected = _view_column("connected")
    motivation = _view_column("motivation")
    perception = _view_column("perception")
    term_length = _view_column("term_length")
    tenure_year = _view_column("tenure_year")
    years_in_post = _view_column("years_in_post")
    terms_served = _view_column("terms_served")
    shares = _view_column("shares", "state")
    borrowing = _view_column("borrowing", "state")
    manipulation = _view_column("manipulation", "state")
    underreport = _view_column("underreport", "state")
    score = _view_column("last_score", "state")
    rank_pct = _view_column("rank_pct", "state")


def candidate_plans(beh, rng: np.random.Generator) -> np.ndarray:
    """The shared candidate set: budget shares (Dirichlet with concentration
    ``plan_concentration``) and a borrowing level (one of ``borrowing_levels``).

    Returns a (``n_candidates``, N_USES + 1) array. The first rows are the even
    plan and plans leaning to each use (at least ``plan_lean_floor`` on every
    other use), so every kind of plan is available whatever the number.
    With ``fixed_shares`` (a mandated budget) every plan has those shares and
    only borrowing varies.
    """
    n, floor = beh.n_candidates, beh.plan_lean_floor
    shares = rng.dirichlet(np.full(N_USES, beh.plan_concentration), size=n)
    lean = floor + (1.0 - floor * N_USES) * np.eye(N_USES)
    anchors = np.vstack([np.full(N_USES, 1.0 / N_USES), lean])[:n]
    shares[: len(anchors)] = anchors
    if beh.fixed_shares is not None:
        shares[:] = np.asarray(beh.fixed_shares, dtype=float)
    borrowing = rng.choice(np.array(beh.borrowing_levels, dtype=float), size=n)
    return np.column_stack([shares, borrowing])


def decide(model) -> None:
    """Choose every leader's plan, manipulation and pollution reporting."""
    beh, st = model.behaviour, model.state
    tr = _traits(model.leaders)
    career = _career_weight(model, tr)
    intrinsic = tr["motivation"] * (1.0 + beh.insider_local_weight * tr["insider"])
    single, pred, ctx, util = _plan_utility(model, tr, career, intrinsic)
    temperature = np.ravel(np.asarray(beh.choice_temperature, dtype=float))
    choice = choose(np.ascontiguousarray(util), temperature, _bit_generators(model))
    table, first = _plan_table(model)
    plan = table.take(first + choice, axis=0)
    chosen = _chosen_forecasts(single, pred, util.shape, choice)
    st.manipulation, st.underreport = _reports(model, chosen, ctx, career, intrinsic)
    st.shares = np.ascontiguousarray(plan[:, :N_USES])
    st.borrowing = plan[:, N_USES].copy()
    st.plan = choice


def _bit_generators(model) -> list[np.random.BitGenerator]:
    """The bit generators of the leaders' stream: one per ensemble member, whose block
    of leaders draws from it."""
    return [g.bit_generator for g in members(model.streams["leaders"])]


def _chosen(values, shape: tuple, at: np.ndarray) -> np.ndarray:
    """Each leader's (row's) value of a forecast at their chosen plan, as a float64
    column (``shape``: leaders x plans; ``at``: the chosen cells, flat)."""
    values = np.asarray(values)
    if values.shape == (shape[0], 1):
        return values.astype(float)
    if values.shape != shape:
        values = np.broadcast_to(values, shape)
    return np.asarray(values.reshape(-1).take(at), dtype=float)[:, None]


def _chosen_forecasts(single: Forecasts, pred: Forecasts, shape: tuple, choice) -> Forecasts:
    """The forecasts (``pred``) of each leader's chosen plan, as float64 columns, each
    made when read: a forecast of the single-precision ones (``single``) gathered from
    them and then cast (the numbers of gathering it cast, without casting every plan's),
    the others gathered from ``pred``."""
    at = np.arange(shape[0]) * shape[1] + choice
    return Forecasts(
        {},
        dict.fromkeys(pred),
        derive=lambda k: _chosen((single if k in single else pred)[k], shape, at),
    )


def _traits(leaders: LeaderPopulation) -> dict[str, np.ndarray]:
    """The leaders' traits and term positions as float arrays (``k``: years to the
    next evaluation)."""
    return {
        "k": (leaders.term_length - leaders.tenure_year).astype(float),
        "age": leaders.age,
        "perception": leaders.perception,
        "insider": leaders.insider.astype(float),
        "motivation": leaders.motivation,
        "connected": leaders.connected.astype(float),
        "term": leaders.term_length.astype(float),
        "in_post": leaders.years_in_post.astype(float),
    }


def _career_weight(model, tr: dict[str, np.ndarray]) -> np.ndarray:
    """Career weight of this year's score (module docstring): the evaluation's weight on
    this year (the incumbent's credit for it) over its total weight on the term's
    years (:func:`_term_weight`), discounted to the next evaluation and zero past the
    promotion age limit."""
    beh, promo, ten = model.behaviour, model.promotion, model.tenure
    k, in_post = tr["k"], tr["in_post"]
    memory = promo.memory
    norm = _term_weight(model, tr)
    eligible = (tr["age"] + k) < ten.promotion_age_limit
    return (
        beh.career_value
        * tr["perception"]
        * eligible
        * credit(in_post, promo.attribution_lag)
        * (beh.discount * memory * (1.0 - ten.early_turnover_hazard)) ** k
        / np.maximum(norm, 1e-12)
    )


def _term_weight(model, tr: dict[str, np.ndarray]) -> np.ndarray:
    """The evaluation's total weight on each leader's term, ``sum of memory**(term - j)
    * credit(year j), j = 1..term``, summed over as many years as the longest term of
    the leader's ensemble member has (so a member's sums are those of its run alone)."""
    term = tr["term"]
    if not model.params.varies("tenure.term_length"):
        return _term_weight_of(model, tr, slice(None), int(term.max()))
    longest = term.reshape(model.n_members, -1).max(axis=1)[model.member]
    out = np.empty(len(term))
    for years in np.unique(longest):
        rows = np.flatnonzero(longest == years)
        out[rows] = _term_weight_of(model, tr, rows, int(years))
    return out


def _term_weight_of(model, tr: dict[str, np.ndarray], rows, years: int) -> np.ndarray:
    """:func:`_term_weight` of the leaders ``rows``, summed over ``years`` years.

    A leader's sum depends only on their term length, their years in post before this
    term and their member's ``memory`` and ``attribution_lag``: it is read from a table
    of every combination seen (:func:`_term_weight_table`), made once a run and again
    only when a leader's years in post before the term fall outside it (the same numbers
    as computing each leader's: 51 -> 11 us a year alone, 63 -> 13 at small scale,
    K = 16)."""
    k, term, in_post = tr["k"][rows], tr["term"][rows], tr["in_post"][rows]
    before = (in_post - (term - k)).astype(np.intp)  # years in post before this term
    tables = model.__dict__.setdefault("_term_weight_tables", {})
    low, table = tables.get(years, (0, np.empty((1, 0, years + 1))))
    lo, hi = int(before.min()), int(before.max())
    if lo < low or hi >= low + table.shape[1]:  # a table of more rows, with room to grow
        lo, hi = min(lo, low), max(hi, low + table.shape[1] - 1)
        low, table = tables[years] = (
            lo,
            _term_weight_table(model, lo, 2 * (hi - lo + 1) + years, years),
        )
    member = model.member[rows] if len(table) > 1 else 0
    return table[member, before - low, term.astype(np.intp)]


def _term_weight_table(model, low: int, count: int, years: int) -> np.ndarray:
    """The evaluation's total weight on a term (:func:`_term_weight`) of every length
    ``0..years``, after ``low..low + count - 1`` years in post before it, summed over
    ``years`` years: (members, count, years + 1), a row per member where their
    ``memory`` or ``attribution_lag`` differ, else one."""
    memory, lag = (model.params.per_member(f"promotion.{f}") for f in ("memory", "attribution_lag"))
    members = model.n_members if np.ndim(memory) or np.ndim(lag) else 1
    shape = (members, count, years + 1)
    member, before, term = (g.reshape(-1, 1).astype(float) for g in np.indices(shape))
    memory, lag = (
        np.asarray(v, dtype=float).reshape(-1)[member.astype(np.intp)] if np.ndim(v) else v
        for v in (memory, lag)
    )
    before += low
    j = np.arange(1, years + 1)[None, :]
    weight = memory ** (term - j) * credit(before + j, lag) * (j <= term)
    return weight.sum(axis=1).reshape(shape)


def _plan_utility(model, tr, career, intrinsic):
    """Forecast indicators of every candidate plan and each leader's utility of it
    (module docstring). Returns the forecasts in single precision, the forecasts the
    rule and mechanisms read (float64, with the leaders' connection and age), the
    evaluation context and the (leaders, plans) utility."""
    st, promo = model.state, model.promotion
    plans, member = _single_plans(model)
    single = forecast(
        st,
        plans,
        st.budget_share,
        model.forecast_economy,
        model.forecast_behaviour,
        st.expected_growth,
        st.expected_income_growth,
        member,
        _forecast_parameters(model),
    )
    pred = single.widened()  # the rule and mechanisms: float64 (z: from float32)
    pred["connected"] = tr["connected"][:, None]
    pred["age"] = (tr["age"] + tr["k"])[:, None]
    ctx = model.upper.forecast_context()
    score = model.evaluator.believed_score(pred, ctx)  # (leaders, 1) if no plan moves it
    util = _utility(model, career, score, single["welfare"], intrinsic)
    for mech in model.mechanisms:  # the mechanisms' utilities, in place
        util += mech.decision_utility(model, pred)
    for key, limit in promo.veto.items():
        ind = VETO[key]
        value = -pred[ind]
        util = util - career[:, None] * ndtr((value - limit) / model.scale(ind)[:, None])
    return single, pred, ctx, util


def _per_model(model, name: str, sources: tuple, make):
    """``make()``, made once per model and kept as its attribute ``name`` (with the
    ``sources`` it was made from: made again if one of them is replaced)."""
    cached = model.__dict__.get(name)
    if cached is None or any(a is not b for a, b in zip(cached[0], sources, strict=True)):
        cached = (sources, make())
        setattr(model, name, cached)
    return cached[1]


def _single_plans(model) -> tuple[np.ndarray, np.ndarray]:
    """Each member's plans of ``model.plan_columns`` in the forecasts' precision,
    (N_USES + 1, members, plans), and each leader's member: its row (cast once per
    model: a model's plans never change; one row per member, not per prefecture)."""

    def make():
        cols = model.plan_columns
        cols = cols.reshape(len(cols), model.n_members, -1, cols.shape[-1])[:, :, 0]
        return np.ascontiguousarray(cols, dtype=FORECAST_DTYPE), model.member.astype(np.int64)

    return _per_model(model, "_single_plans", (model.plan_columns,), make)


def _forecast_parameters(model) -> np.ndarray:
    """:func:`incentsim.economy.forecast_parameters` of the model's forecast sections,
    made once per model (a model's parameters never change; again if a section is
    replaced)."""
    econ, beh = model.forecast_economy, model.forecast_behaviour
    return _per_model(
        model,
        "_forecast_parameters",
        (econ, beh),
        partial(forecast_parameters, econ, beh, model.n_prefectures),
    )


def _plan_table(model) -> tuple[np.ndarray, np.ndarray]:
    """Each member's candidate plans, one after another, (members x plans, N_USES + 1),
    and each leader's member's first row of it: leader ``l``'s plan ``c`` is row
    ``first[l] + c`` (the rows of ``model.plans``, without its copy per prefecture);
    made once per model (a model's plans never change)."""

    def make():
        plans = model.plans.reshape(model.n_members, -1, *model.plans.shape[1:])[:, 0]
        first = model.member.astype(np.int64) * plans.shape[1]
        return np.ascontiguousarray(plans).reshape(-1, plans.shape[-1]), first

    return _per_model(model, "_plan_table", (model.plans,), make)


def _utility(model, career, score, welfare: np.ndarray, intrinsic) -> np.ndarray:
    """Each leader's utility of each plan before the mechanisms' terms (module
    docstring), compiled: ``career * score + welfare * intrinsic`` less the budget
    inertia (``budget_inertia`` x :func:`_budget_drift`) and the borrowing inertia
    (``borrowing_inertia * (change in borrowing / budget)**2``); the welfare term and the
    borrowing inertia in the forecasts' precision, the rest and the sum in double."""
    st, beh = model.state, model.behaviour
    borrowing, budget = as_single(st.borrowing, np.maximum(st.budget_share, 1e-6))
    score = np.asarray(score, dtype=float)
    drift, rows = _budget_drift(model)
    plans, member = _single_plans(model)
    return utility(
        np.asarray(career, dtype=float),
        np.ascontiguousarray(score.reshape(len(score), -1)),
        welfare,
        as_single(intrinsic)[0],
        drift,
        np.ravel(np.asarray(beh.budget_inertia, dtype=float)),
        plans[N_USES],
        borrowing,
        budget,
        np.ravel(as_single(beh.borrowing_inertia)[0]),
        rows,
        member,
    )


def plan_drift(plans: np.ndarray) -> np.ndarray:
    """Squared distance of every candidate plan's shares from every other's: of each
    member's plans (members, C, N_USES + 1), a (members, C, C) array, row ``c`` the
    :func:`_drift` of every plan from plan ``c``."""
    return np.stack([_drift(np.moveaxis(p, -1, 0)[:, None, :], p[:, :N_USES]) for p in plans])


def _budget_drift(model) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`_drift` of every plan from last year's shares, as a table of rows and each
    leader's row of it (None: the table has one row per leader, in order): while the
    shares are still those of last year's plans, ``model.plan_drift`` and the rows of
    those plans in it (the same numbers, read in place by :func:`utility`); computed
    otherwise (the first year; shares set by hand)."""
    st = model.state
    last = st.plan
    if last is not None:
        table, first = _plan_table(model)
        rows = first + last
        if same_rows(np.ascontiguousarray(st.shares, dtype=float), table, rows):
            return model.plan_drift.reshape(-1, model.plan_drift.shape[-1]), rows
    return _drift(model.plan_columns, st.shares), None


def _drift(cols: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Squared distance of each plan's shares (``cols``, column-major plans) from last
    year's (summed over the uses in order)."""
    total = (cols[0] - shares[:, :1]) ** 2
    for use in range(1, N_USES):
        total += (cols[use] - shares[:, use : use + 1]) ** 2
    return total


def _reports(model, chosen, ctx, career, intrinsic):
    """Growth inflation and pollution under-reporting of the chosen plans: marginal
    career reward (:func:`_marginals`) over twice the (quadratic) cost of faking, capped
    at ``max_manipulation``; no under-reporting when pollution cannot be faked."""
    beh = model.behaviour
    cost = beh.manipulation_cost * model.manipulation_cost_multiplier * (1.0 + intrinsic)
    faked = ("growth", "environment") if model.pollution_manipulable else ("growth",)
    m = career * _marginals(model, chosen, ctx, faked) / (2.0 * cost)
    m = np.clip(m, 0.0, beh.max_manipulation)
    return m[0], m[1] if model.pollution_manipulable else np.zeros(len(career))


def _marginals(model, ind: MutableMapping, ctx: EvalContext, names: tuple[str, ...]) -> np.ndarray:
    """Finite-difference marginal scores (>= 0) of the indicators ``names`` of ``ind``
    (leaders x 1 columns), a row each: from one believed score of leaders x (1 +
    len(names)) cells, ``ind`` in the first column and each indicator in turn FD_STEP
    higher in the next (each cell scored on its own: the numbers of one score a column;
    the columns are laid out one after another, so numpy's loops run along the leaders).
    """
    cols = 1 + len(names)
    moved = {}
    for j, name in enumerate(names, start=1):
        value = np.asarray(ind[name], dtype=float)
        rows = np.empty((cols, len(value)))
        rows[:] = value.T
        rows[j] += FD_STEP
        moved[name] = rows.T
    score = np.asarray(model.evaluator.believed_score(ChainMap(moved, ind), ctx)).T
    if len(score) < cols:  # one column: no moved indicator reaches the score
        score = np.repeat(score, cols, axis=0)
    return np.maximum((score[1:] - score[0]) / FD_STEP, 0.0)
