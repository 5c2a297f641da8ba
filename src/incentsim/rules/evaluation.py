"""The evaluator: a promotion rule with the score-adjusting mechanisms applied.

Both the upper level (at evaluation) and leaders (when forecasting) score
through one :class:`Evaluator`, so a mechanism that feeds the score — a
citizen survey, a firm survey, petitions — changes incentives exactly as much
as it changes promotions. Leaders score through :meth:`Evaluator.believed_score`,
which differs from the evaluators' score only where a mechanism says leaders
misjudge the rule (``mixed_evaluation.believed_performance_weight``).

:func:`credit` is how much of a year's outcomes the evaluation attributes to the
incumbent: outcomes early in a tenure partly reflect the predecessor's projects
and budget, so a leader is credited with ``1 - attribution_lag ** years_in_post``
of them (Chen, Li & Zhou 2005 evaluate leaders against their predecessors; Yao &
Zhang 2015 find a leader's effect on growth builds up over the tenure). The term
record weights each year by this credit, and leaders know it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from incentsim.rules.accountability import Mechanism
from incentsim.rules.promotion import EvalContext, Indicators, PromotionRule


class Evaluator:
    """The promotion score of a rule, adjusted by the mechanisms in force."""

    def __init__(self, rule: PromotionRule, mechanisms: Sequence[Mechanism] = ()) -> None:
        self.rule = rule
        self.mechanisms = list(mechanisms)

    def score(
        self, ind: Indicators, ctx: EvalContext, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        """The score evaluators rank on."""
        s = self.rule.score(ind, ctx, rng)
        for mech in self.mechanisms:
            s = mech.adjust_score(s, ind, ctx)
        return np.asarray(s, dtype=float)

    def believed_score(self, ind: Indicators, ctx: EvalContext) -> np.ndarray:
        """The score leaders forecast with: as they believe evaluators rank."""
        s = self.rule.score(ind, ctx, None)
        for mech in self.mechanisms:
            s = mech.believed_score(s, ind, ctx)
        return np.asarray(s, dtype=float)


def credit(years_in_post, lag: float) -> np.ndarray:
    """Share of a year's outcomes credited to a leader in their ``years_in_post``-th
    year in post: ``1 - lag ** years_in_post`` (0 before the first year)."""
    return 1.0 - lag ** np.maximum(np.asarray(years_in_post, dtype=float), 0.0)
