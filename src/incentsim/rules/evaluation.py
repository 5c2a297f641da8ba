"""The evaluator: a promotion rule with the score-adjusting mechanisms applied.

Both the upper level (at evaluation) and leaders (when forecasting) score
through one :class:`Evaluator`, so a mechanism that feeds the score — a
citizen survey, a firm survey, petitions — changes incentives exactly as much
as it changes promotions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from incentsim.rules.accountability import Mechanism
from incentsim.rules.promotion import EvalContext, Indicators, PromotionRule


class Evaluator:
    def __init__(self, rule: PromotionRule, mechanisms: Sequence[Mechanism] = ()) -> None:
        self.rule = rule
        self.mechanisms = list(mechanisms)

    def score(self, ind: Indicators, ctx: EvalContext,
              rng: np.random.Generator | None = None) -> np.ndarray:
        s = self.rule.score(ind, ctx, rng)
        for mech in self.mechanisms:
            s = mech.adjust_score(s, ind, ctx)
        return np.asarray(s, dtype=float)
