"""What a mechanism sees of the model: a narrow context.

Mechanism hooks receive a :class:`MechanismContext`, not the model: the year,
the world's size, the scenario's ``behaviour`` section, the prefectures' state
arrays a mechanism may read (and the few it may correct: reports), peer
percentiles, and two actions (register a detected scandal, settle petitions).
:class:`incentsim.model.IncentModel` implements it; a test implements it with a
few hand-made arrays, so a mechanism is testable without a model. Nothing here
imports the model (no import cycle ``model -> rules -> model``).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from incentsim.seeding import Draws, UniformDraws


class ReportedState(Protocol):
    """The prefecture arrays (one value per prefecture) mechanisms read; they may
    correct the reports (``growth_reported``, ``underreport``,
    ``pollution_growth_reported``: audits, monitoring)."""

    manipulation: np.ndarray
    underreport: np.ndarray
    growth_true: np.ndarray
    growth_reported: np.ndarray
    pollution_growth: np.ndarray
    pollution_growth_reported: np.ndarray
    satisfaction_mean: np.ndarray
    last_score: np.ndarray
    revenue: np.ndarray
    turnover: np.ndarray
    scandal: np.ndarray


@runtime_checkable
class MechanismContext(Protocol):
    """The model as mechanisms see it (see the module docstring)."""

    year: int
    n_provinces: int
    per_province: int
    n_prefectures: int
    state: ReportedState
    #: each prefecture's growth target (provincial target plus escalation)
    growth_target: np.ndarray
    #: this year's multiplier on the cost of faking statistics (audits' deterrence)
    manipulation_cost_multiplier: float | np.ndarray

    @property
    def behaviour(self) -> Any:
        """The scenario's ``behaviour`` section (natural scales, firms' trust losses...)."""

    def province_percentile(self, x: np.ndarray) -> np.ndarray:
        """Rank of ``x`` among province peers, 0..1."""

    def register_scandal(
        self, caught: np.ndarray, dismissal_prob: float, rng: UniformDraws
    ) -> None:
        """Detected manipulation: correct the report, mark a scandal, maybe dismiss."""

    def redress_petitions(self, share: float | np.ndarray, rng: Draws) -> None:
        """Settle a share of this year's petitions."""
