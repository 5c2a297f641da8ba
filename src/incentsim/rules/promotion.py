"""Promotion rules: how the upper level scores a leader at evaluation.

Every rule is one small class with declared metadata and a single decision
method, :meth:`PromotionRule.score`. The *same* method is used twice:

* by the upper level at evaluation, on the indicators actually reported over
  the leader's term (plus evaluation noise, if the scenario sets any);
* by each leader when choosing a budget allocation, on the indicators the
  leader expects each candidate allocation to produce (DESIGN §2: leaders
  respond to the rule "as the leader understands it").

Indicators (all "higher is better" once signed, all arrays that broadcast) are
those of the table :data:`incentsim.indicators.INDICATORS` (growth, environment,
services, debt, satisfaction, firm_survey, stability, connected, age).

Parameters: the ``promotion`` section holds the evaluation's general settings
(noise, memory, capacity, vetoes, ...) and the parameters of particular rules;
a rule declares those it reads in ``params`` (``weights`` with
``uses_weights``), and setting another rule's parameter is an error naming it
and the rule it belongs to (nothing is silently ignored).

Scores are in "peer standard deviations": an indicator enters as
``(value - peer_mean) / scale`` where the peer mean and scale are taken over the
leader's province peers (DESIGN §4: tournaments among province peers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from scipy.special import ndtr

from incentsim.agents._forecast_kernel import peer_z
from incentsim.economy import Forecasts
from incentsim.indicators import NAMES as INDICATORS, WEIGHTED as WEIGHTED_INDICATORS

__all__ = ["INDICATORS", "WEIGHTED_INDICATORS", "PROMOTION_RULES", "EvalContext", "PromotionRule"]
from incentsim.rules.registry import Registry
from incentsim.varying import along

Indicators = Mapping[str, np.ndarray]


@dataclass
class EvalContext:
    """What the evaluator knows besides the leader's own indicators.

    ``peer_mean`` and ``scale`` map indicator names to arrays aligned with the
    indicators (province means and cross-prefecture standard deviations);
    ``baseline`` holds each leader's indicators at the start of the term (for
    :class:`Improvement`); ``target`` is the growth target each leader faces.
    """

    peer_mean: Mapping[str, np.ndarray | float]
    scale: Mapping[str, np.ndarray | float]
    baseline: Mapping[str, np.ndarray | float] = field(default_factory=dict)
    target: np.ndarray | float = 0.0

    def z(self, ind: Indicators, name: str) -> np.ndarray:
        """Indicator ``name`` relative to peers, in peer standard deviations. A (rows,
        columns) indicator with a float64 column of means and of scales (the leaders'
        forecasts of their plans) takes one compiled pass
        (:func:`~incentsim.agents._forecast_kernel.peer_z`: the same bits), reading
        :class:`~incentsim.economy.Forecasts` widened from single precision before
        widening (:meth:`~incentsim.economy.Forecasts.narrow`: the same numbers)."""
        mean, scale = self.peer_mean[name], self.scale[name]
        x = ind.narrow(name) if isinstance(ind, Forecasts) else ind[name]
        compiled = _compiled_z(x, mean, scale)
        if compiled is not None:
            return compiled
        return (np.asarray(ind[name]) - mean) / scale


def _compiled_z(x, mean, scale) -> np.ndarray | None:
    """:func:`peer_z` of ``x``, ``mean`` and ``scale`` if ``x`` is a C-ordered float32 or
    float64 (rows, columns) array and ``mean`` and ``scale`` C-ordered float64 (rows, 1)
    columns (what it takes), else ``None``."""
    if not (
        isinstance(x, np.ndarray) and isinstance(mean, np.ndarray) and isinstance(scale, np.ndarray)
    ):
        return None
    if (
        x.ndim == 2
        and x.dtype in _PEER_Z_DTYPES
        and mean.dtype == scale.dtype == np.float64
        and mean.shape == scale.shape == (x.shape[0], 1)
        and all(a.flags.c_contiguous for a in (x, mean, scale))
    ):
        return peer_z(x, mean, scale)
    return None


_PEER_Z_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class PromotionRule:
    """Base class. Subclasses declare metadata and implement :meth:`score`."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    source: ClassVar[str] = ""
    #: indicators the score depends on (a shared test checks this is true)
    observes: ClassVar[tuple[str, ...]] = ()
    #: whether the score depends on random draws (beyond evaluation noise)
    stochastic: ClassVar[bool] = False
    #: whether ``promotion.weights`` is used (and must sum to 1)
    uses_weights: ClassVar[bool] = False
    #: the rule's own ``promotion`` parameters besides ``weights`` (other rules may not
    #: set them)
    rule_params: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params) -> None:
        self.params = params

    def score(
        self, ind: Indicators, ctx: EvalContext, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        raise NotImplementedError

    @classmethod
    def check(cls, params) -> list[tuple[str, str]]:
        """Rule-specific validation of ``promotion`` parameters.

        Returns ``(sub-path, message)`` pairs; empty when the parameters suit
        the rule.
        """
        problems = cls._foreign_params(params)
        if cls.uses_weights:
            w = params.weights
            total = sum(getattr(w, k) for k in WEIGHTED_INDICATORS)
            if not np.isclose(total, 1.0, atol=1e-6):
                problems.append(
                    ("weights", f"rule {cls.name!r} needs weights summing to 1, got {total:g}")
                )
        return problems

    @classmethod
    def own_params(cls) -> tuple[str, ...]:
        """The ``promotion`` parameters this rule reads besides the general ones."""
        return (("weights",) if cls.uses_weights else ()) + cls.rule_params

    @classmethod
    def _foreign_params(cls, params) -> list[tuple[str, str]]:
        """Parameters set in the scenario that belong to other rules only."""
        owners: dict[str, list[str]] = {}
        for rule in PROMOTION_RULES:
            for name in rule.own_params():
                owners.setdefault(name, []).append(rule.name)
        problems = []
        for name in sorted(set(params.model_fields_set) & set(owners) - set(cls.own_params())):
            rules = ", ".join(repr(r) for r in owners[name])
            problems.append(
                (
                    name,
                    f"belongs to promotion rule {rules}, not to {cls.name!r} "
                    f"(it would be ignored); remove it or change promotion.rule",
                )
            )
        return problems

    @classmethod
    def foreign_params(cls) -> set[str]:
        """Parameters of other rules (left out of this rule's scenario dump)."""
        others = {n for rule in PROMOTION_RULES for n in rule.own_params()}
        return others - set(cls.own_params())


PROMOTION_RULES: Registry[type[PromotionRule]] = Registry("promotion rule")


def _weighted_z(params, ind: Indicators, ctx: EvalContext, baseline: bool = False) -> np.ndarray:
    total = 0.0
    for k in WEIGHTED_INDICATORS:
        w = getattr(params.weights, k)  # per prefecture where ensemble members differ
        if not np.any(w):
            continue
        if baseline:
            change = np.asarray(ind[k]) - ctx.baseline[k]
            total = total + along(w, change) * change / ctx.scale[k]
        else:
            z = ctx.z(ind, k)
            total = total + along(w, z) * z
    return np.asarray(total, dtype=float)


@PROMOTION_RULES.register
class GdpTournament(PromotionRule):
    """Rank of reported GDP growth among province peers.

    Rule: score = (reported growth - province mean) / cross-prefecture SD; the
    best-ranked leaders up for evaluation take the province's promotion slots.
    Only growth counts, so anything that raises reported growth (investment
    spikes, protecting firms, inflating statistics) pays.
    """

    name = "gdp_tournament"
    description = "Rank of reported GDP growth among province peers"
    source = "Li & Zhou (2005) J. Public Econ. 89; Chen, Li & Zhou (2005) Econ. Letters 88"
    observes = ("growth",)

    def score(self, ind, ctx, rng=None):
        return ctx.z(ind, "growth")


@PROMOTION_RULES.register
class GrowthTarget(PromotionRule):
    """Meet or beat the growth target handed down from the province.

    Rule: score = probability-like index Phi((growth - target) / SD); prefecture
    targets sit ``promotion.target_escalation`` above the provincial target
    (targets escalate down the hierarchy). Near the target the pay-off to one
    more point of growth is largest; far above it, little is gained.
    """

    name = "growth_target"
    rule_params = ("growth_target", "target_escalation")
    description = "Meet or beat a growth target; targets escalate down levels"
    source = "Li, Liu, Weng & Zhou (2019) Econ. J. 129 (growth targets and escalation)"
    observes = ("growth",)

    def score(self, ind, ctx, rng=None):
        return ndtr((np.asarray(ind["growth"]) - ctx.target) / ctx.scale["growth"])


@PROMOTION_RULES.register
class BalancedScorecard(PromotionRule):
    """Weighted score over growth, environment, public services and debt.

    Rule: score = sum_k w_k * z_k with ``promotion.weights`` summing to 1, each
    indicator measured relative to province peers. Stands for the post-2008
    cadre-evaluation reforms that added environmental, social and debt targets.
    """

    name = "balanced_scorecard"
    description = "Weights on growth, environment, public services and debt"
    source = (
        "CCP Organization Department evaluation guidelines (2009, 2013); "
        "Chen, Li & Lu (2018) environmental targets"
    )
    observes = ("growth", "environment", "services", "debt", "satisfaction", "firm_survey")
    uses_weights = True

    def score(self, ind, ctx, rng=None):
        return _weighted_z(self.params, ind, ctx)


@PROMOTION_RULES.register
class CitizenSatisfaction(PromotionRule):
    """Ranked on a resident satisfaction survey alone.

    Rule: score = z-score of mean survey satisfaction among province peers.
    Stands for Nanjing's "ten thousand citizens evaluate the government",
    which ranked departments solely on residents' satisfaction (seed 001).
    """

    name = "citizen_satisfaction"
    description = "Ranked on resident satisfaction survey alone (Nanjing)"
    source = "UNDP PPGPA project report (seed 001): Nanjing residents' evaluation"
    observes = ("satisfaction",)

    def score(self, ind, ctx, rng=None):
        return ctx.z(ind, "satisfaction")


@PROMOTION_RULES.register
class Hybrid(PromotionRule):
    """Resident input blended with an official scorecard.

    Rule: score = r * z(satisfaction) + (1 - r) * sum_k w_k z_k, where r is
    ``promotion.resident_weight`` (0.5 for Hangzhou's 50 % resident input; near
    1 for Qingyuan, where farmers' feedback is heavily weighted) and the
    official part uses ``promotion.weights`` (summing to 1).
    """

    name = "hybrid"
    rule_params = ("resident_weight",)
    description = "Resident survey blended with an official scorecard (Hangzhou, Qingyuan)"
    source = "UNDP PPGPA report (seed 001): Hangzhou 50% resident input; seed 004: Qingyuan"
    observes = ("growth", "environment", "services", "debt", "satisfaction", "firm_survey")
    uses_weights = True

    def score(self, ind, ctx, rng=None):
        z = ctx.z(ind, "satisfaction")
        r = along(self.params.resident_weight, z)
        return r * z + (1.0 - r) * _weighted_z(self.params, ind, ctx)


@PROMOTION_RULES.register
class Improvement(PromotionRule):
    """Rate of improvement on each indicator, not its level.

    Rule: score = sum_k w_k * (value_k - value_k at start of term) / SD_k. A
    poor prefecture that improves fast beats a rich one that stands still,
    which keeps weak performers in the race (Taliercio, seed 002 session 2).
    """

    name = "improvement"
    description = "Rate of improvement on weighted indicators, not level"
    source = "Taliercio, World Bank, in seed 002 (compare rates of improvement)"
    observes = ("growth", "environment", "services", "debt", "satisfaction", "firm_survey")
    uses_weights = True

    def score(self, ind, ctx, rng=None):
        return _weighted_z(self.params, ind, ctx, baseline=True)


@PROMOTION_RULES.register
class Patronage(PromotionRule):
    """Connections to the provincial patron dominate; performance is second.

    Rule: score = connected * ``promotion.patronage_strength`` + z(growth).
    With a large strength every connected leader outranks every unconnected one.
    """

    name = "patronage"
    rule_params = ("patronage_strength",)
    description = "Connection to the provincial patron dominates"
    source = "Shih, Adolph & Liu (2012) APSR 106; Jia, Kudamatsu & Seim (2015) JEEA 13"
    observes = ("connected", "growth")

    def score(self, ind, ctx, rng=None):
        connected = np.asarray(ind["connected"], float)
        strength = along(self.params.patronage_strength, connected)
        return strength * connected + ctx.z(ind, "growth")


@PROMOTION_RULES.register
class Seniority(PromotionRule):
    """Baseline: the oldest eligible leader is promoted first.

    Rule: score = age in years. Performance plays no part.
    """

    name = "seniority"
    description = "Baseline: promote by age / seniority"
    source = "Baseline (pre-reform cadre practice)"
    observes = ("age",)

    def score(self, ind, ctx, rng=None):
        return np.asarray(ind["age"], dtype=float)


@PROMOTION_RULES.register
class Random(PromotionRule):
    """Baseline: promotion is a lottery among eligible leaders.

    Rule: score = uniform random draw. When a leader forecasts the score (no
    generator given) it is a constant 0.5: no action changes the odds.
    """

    name = "random"
    description = "Baseline: promotion by lottery"
    source = "Baseline"
    observes = ()
    stochastic = True

    def score(self, ind, ctx, rng=None):
        shape = np.broadcast(*[np.asarray(v) for v in ind.values()]).shape
        if rng is None:
            return np.full(shape, 0.5)
        return rng.random(shape)
