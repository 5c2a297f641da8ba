"""Leaders: prefecture party secretaries as ``mesa.Agent`` objects.

Each leader carries traits (ability, unobserved; age; insider or outsider;
connection to the provincial patron; intrinsic public-service motivation; how
well they read the promotion rule) and the state of their term. The yearly
choice is made for all leaders at once by :func:`decide` (vectorised), then
written back to the agents.

The decision rule (DESIGN §2). Each leader scores every plan in a shared
candidate set (five budget shares and a borrowing level) by

    U = career_weight * Evaluator.believed_score(forecast indicators)
        + intrinsic_weight * local welfare(forecast indicators)  [NATURAL_SCALE units]
        + mechanism terms (lifelong accountability, rankings, inspections)
        - career_weight * P(failing a veto target)
        - budget_inertia * |plan shares - last year's shares|^2
        - borrowing_inertia * (change in borrowing / budget)^2


and picks one by softmax (Gumbel-max) with temperature
``behaviour.choice_temperature``: bounded rationality (McFadden 1974).

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

import mesa
import numpy as np
from scipy.special import ndtr

from incentsim.economy import N_USES, forecast
from incentsim.indicators import VETO
from incentsim.rules.evaluation import credit
from incentsim.rules.promotion import EvalContext

#: what a leader's intrinsic motivation weighs, each in its natural scale
WELFARE = ("growth_true", "services", "environment", "satisfaction", "debt", "innovation")
#: step of the finite difference behind the marginal score of an indicator (numerical)
FD_STEP = 1e-3


class Leader(mesa.discrete_space.CellAgent):
    """A prefecture party secretary."""

    def __init__(
        self, model, *, ability, age, insider, connected, motivation, perception, term_length
    ):
        super().__init__(model)
        self.ability = float(ability)
        self.age = float(age)
        self.insider = bool(insider)
        self.connected = bool(connected)
        self.motivation = float(motivation)
        self.perception = float(perception)
        self.term_length = int(term_length)
        self.tenure_year = 0
        self.years_in_post = 0
        self.terms_served = 0
        self.shares = np.full(N_USES, 1.0 / N_USES)
        self.borrowing = 0.0
        self.manipulation = 0.0
        self.underreport = 0.0
        self.score = np.nan
        self.rank_pct = np.nan

    @property
    def leader_id(self) -> int:
        return int(self.unique_id)

    @property
    def prefecture(self) -> int:
        return int(self.cell.coordinate)

    @property
    def years_to_evaluation(self) -> int:
        return self.term_length - self.tenure_year


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


def decide(model, leaders: list[Leader]) -> None:
    """Choose every leader's plan, manipulation and pollution reporting."""
    beh = model.config.behaviour
    tr = _traits(leaders)
    career = _career_weight(model.config, tr)
    intrinsic = tr["motivation"] * (1.0 + beh.insider_local_weight * tr["insider"])
    pred, ctx, util = _plan_utility(model, tr, career, intrinsic)
    gumbel = -np.log(-np.log(model.streams["leaders"].random(util.shape)))
    choice = np.argmax(util / beh.choice_temperature + gumbel, axis=1)
    rows = np.arange(len(leaders))
    plan = model.candidates[choice]
    chosen = {key: np.broadcast_to(v, util.shape)[rows, choice][:, None] for key, v in pred.items()}
    manip, under = _reports(model, chosen, ctx, career, intrinsic)
    for i, ld in enumerate(leaders):
        ld.shares = plan[i, :N_USES]
        ld.borrowing = float(plan[i, N_USES])
        ld.manipulation = float(manip[i])
        ld.underreport = float(under[i])


def _traits(leaders: list[Leader]) -> dict[str, np.ndarray]:
    """The leaders' traits and term positions as float arrays (``k``: years to the
    next evaluation)."""
    n = len(leaders)
    get = np.fromiter
    return {
        "k": get((ld.term_length - ld.tenure_year for ld in leaders), float, n),
        "age": get((ld.age for ld in leaders), float, n),
        "perception": get((ld.perception for ld in leaders), float, n),
        "insider": get((ld.insider for ld in leaders), float, n),
        "motivation": get((ld.motivation for ld in leaders), float, n),
        "connected": get((ld.connected for ld in leaders), float, n),
        "term": get((ld.term_length for ld in leaders), float, n),
        "in_post": get((ld.years_in_post for ld in leaders), float, n),
    }


def _career_weight(sc, tr: dict[str, np.ndarray]) -> np.ndarray:
    """Career weight of this year's score (module docstring): the evaluation's weight on
    this year (the incumbent's credit for it) over its total weight on the term's
    years, ``sum of memory**(term - j) * credit(year j), j = 1..term``, discounted to
    the next evaluation and zero past the promotion age limit."""
    beh, promo, ten = sc.behaviour, sc.promotion, sc.tenure
    k, term, in_post = tr["k"], tr["term"], tr["in_post"]
    memory = promo.memory
    j = np.arange(1, int(term.max()) + 1)[None, :]
    before = (in_post - (term - k))[:, None]  # years in post before this term
    norm = (
        memory ** (term[:, None] - j)
        * credit(before + j, promo.attribution_lag)
        * (j <= term[:, None])
    ).sum(axis=1)
    eligible = (tr["age"] + k) < ten.promotion_age_limit
    return (
        beh.career_value
        * tr["perception"]
        * eligible
        * credit(in_post, promo.attribution_lag)
        * (beh.discount * memory * (1.0 - ten.early_turnover_hazard)) ** k
        / np.maximum(norm, 1e-12)
    )


def _plan_utility(model, tr, career, intrinsic):
    """Forecast indicators of every candidate plan and each leader's utility of it
    (module docstring). Returns the forecasts, the evaluation context and the
    (leaders, plans) utility."""
    sc, st = model.config, model.state
    beh, promo = sc.behaviour, sc.promotion
    pred = forecast(
        st,
        model.candidates,
        st.budget_share,
        sc.economy,
        beh,
        st.expected_growth,
        st.expected_income_growth,
    )
    pred["connected"] = tr["connected"][:, None]
    pred["age"] = (tr["age"] + tr["k"])[:, None]
    ctx = model.upper.forecast_context()
    score = model.evaluator.believed_score(pred, ctx)
    natural = beh.natural_scale
    pred["welfare"] = sum(np.asarray(pred[w]) / getattr(natural, w) for w in WELFARE) / len(WELFARE)
    util = career[:, None] * score + intrinsic[:, None] * pred["welfare"]
    drift = model.candidates[None, :, :N_USES] - st.shares[:, None, :]
    util = util - beh.budget_inertia * (drift**2).sum(axis=2)
    borrow_drift = (model.candidates[None, :, N_USES] - st.borrowing[:, None]) / np.maximum(
        st.budget_share, 1e-6
    )[:, None]
    util = util - beh.borrowing_inertia * borrow_drift**2
    for mech in model.mechanisms:
        util = util + mech.decision_utility(model, pred)
    for key, limit in promo.veto.items():
        ind = VETO[key]
        value = -pred[ind]
        util = util - career[:, None] * ndtr((value - limit) / st.indicator_scale[ind])
    return pred, ctx, util


def _reports(model, chosen, ctx, career, intrinsic):
    """Growth inflation and pollution under-reporting of the chosen plans: marginal
    career reward over twice the (quadratic) cost of faking, capped at
    ``max_manipulation``; no under-reporting when pollution cannot be faked."""
    beh = model.config.behaviour
    cost = beh.manipulation_cost * model.manipulation_cost_multiplier * (1.0 + intrinsic)
    m = career * _marginal(model, chosen, ctx, "growth") / (2.0 * cost)
    manip = np.clip(m, 0.0, beh.max_manipulation)
    if model.pollution_manipulable:
        u = career * _marginal(model, chosen, ctx, "environment") / (2.0 * cost)
        under = np.clip(u, 0.0, beh.max_manipulation)
    else:
        under = np.zeros(len(career))
    return manip, under


def _marginal(model, ind: dict, ctx: EvalContext, name: str) -> np.ndarray:
    """Finite-difference marginal score of indicator ``name`` (>= 0)."""
    up = dict(ind)
    up[name] = ind[name] + FD_STEP
    ev = model.evaluator
    d = (ev.believed_score(up, ctx) - ev.believed_score(ind, ctx)) / FD_STEP
    return np.maximum(d, 0.0).ravel()
