"""The Python API for notebooks: :func:`simulate` and :class:`SimulationResult`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.internals import create_dataframe_from_blocks

from incentsim.model import IncentModel
from incentsim.outcomes import OUTCOME_NAMES, PANEL_COLUMNS
from incentsim.runs.ranges import check_seed
from incentsim.scenario import Scenario, ScenarioError, load_scenario


def outcome_values(timeseries: pd.DataFrame) -> np.ndarray:
    """The outcomes of ``timeseries`` as one float array, an outcome per row.

    Rows in the order of :data:`~incentsim.outcomes.OUTCOME_NAMES`, each outcome's years
    contiguous (as pandas sums a column); taken from the whole frame at once (selecting
    the columns by name first was most of the cost of a run's summary)."""
    rows = timeseries.columns.get_indexer(OUTCOME_NAMES)
    if (rows < 0).any():
        raise KeyError(f"no outcome {OUTCOME_NAMES[int(np.argmin(rows))]!r} in the timeseries")
    return np.ascontiguousarray(timeseries.to_numpy(np.float64).T[rows])


@dataclass
class SimulationResult:
    """What one simulation produced.

    ``timeseries``: one row per recorded year (``year`` 1..horizon) with the
    outcomes of :data:`incentsim.outcomes.OUTCOMES`. ``leaders``: the
    leader-year panel (columns :data:`incentsim.outcomes.PANEL_COLUMNS`).
    """

    scenario: Scenario
    seed: int
    timeseries: pd.DataFrame
    leaders: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, float]:
        """Mean of each outcome over the recorded years (missing years left out), and its
        final value.

        The means are pandas' ``Series.mean`` bit for bit (the same pairwise sums over
        each outcome's years, missing values counted out), for all the outcomes in one
        pass instead of one pandas call each."""
        values = outcome_values(self.timeseries)
        missing = np.isnan(values)
        with np.errstate(invalid="ignore", divide="ignore"):  # no year: nan, as pandas
            means = np.where(missing, 0.0, values).sum(axis=1) / (
                values.shape[1] - missing.sum(axis=1)
            )
        out: dict[str, float] = {}
        for j, name in enumerate(OUTCOME_NAMES):
            out[f"{name}_mean"] = float(means[j])
            out[f"{name}_final"] = float(values[j, -1])
        return out


#: the scenario run when none is given: the historical baseline of prefecture leaders in
#: 2000-07, estimated on the real record (docs/calibration/report.md). It is loaded as a
#: config layered on the schema defaults, which stay those of the stylized scenarios.
DEFAULT_SCENARIO = "china_2000s.yaml"


def default_scenario_path() -> Path:
    """``configs/china_2000s.yaml`` of this checkout (ScenarioError if it is missing)."""
    from incentsim import shipped

    path = shipped.root() / shipped.FOLDERS["scenario"] / DEFAULT_SCENARIO
    if not path.is_file():
        raise ScenarioError(
            [("<default>", f"the default scenario {path} is missing; pass a scenario file")]
        )
    return path


def simulate(
    scenario: str | Path | Mapping[str, Any] | Scenario | None = None,
    seed: int = 0,
    overrides: Mapping[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
    posterior: str | Path | dict[str, Any] | None = None,
) -> SimulationResult:
    """Run one simulation and return its outcomes.

    ``scenario`` is a path to a YAML/TOML file, a mapping, or a
    :class:`~incentsim.scenario.Scenario` (``None``: the default scenario,
    :func:`default_scenario_path`, the 2000-07 historical baseline);
    ``overrides`` maps dotted keys (``{"tenure.term_length": 7}``) to values.
    The scenario and the seed (a whole number ``0..2**32-1``) are validated before
    anything runs. ``progress``, if given,
    is called as ``progress(done_years, total_years)`` after each year.
    ``posterior`` (an ``estimates.json`` of ``incentsim calibrate``, or what
    :func:`incentsim.design.estimation.posterior.read_estimates` returned) runs the scenario
    with the seed's draw of the estimated parameters, as ``compare --posterior`` does:
    scenarios run on the same seeds share the draws, so their paired differences carry
    parameter uncertainty as well as seed noise.
    """
    seed = check_seed(seed)
    sc = load_scenario(scenario if scenario is not None else default_scenario_path(), overrides)
    if posterior is not None:
        from incentsim.design.estimation.posterior import estimates_of, with_draw

        sc = with_draw(sc, estimates_of(posterior), seed)
    return run_model(sc, seed, progress)


def run_model(
    sc: Scenario, seed: int, progress: Callable[[int, int], None] | None = None
) -> SimulationResult:
    """Step one :class:`IncentModel` of a validated scenario ``sc`` through its
    ``burn_in + horizon`` years and return its :func:`results_of` (no validation:
    :func:`simulate` and :func:`incentsim.ensemble.simulate_ensemble` do that first)."""
    return run_members(sc, [seed], progress)[0]


def run_members(
    sc: Scenario | Sequence[Scenario],
    seeds: Sequence[int],
    progress: Callable[[int, int], None] | None = None,
) -> list[SimulationResult]:
    """:func:`run_model` of every seed, stepped together as one model of several
    members (an ensemble); each result equals that seed's run alone, bit for bit.
    ``sc`` is the members' scenario, or one scenario per seed (differing only in
    :data:`incentsim.varying.VARYING` fields). ``progress(done, total)`` counts the
    model's years. The model is released once its results are taken
    (:meth:`~incentsim.model.IncentModel.release`)."""
    model = IncentModel(sc if isinstance(sc, Scenario) else list(sc), seed=seeds)
    world = model.config.world
    total = world.burn_in + world.horizon
    for i in range(total):
        model.step()
        if progress is not None:
            progress(i + 1, total)
    results = results_of(model)
    model.release()
    return results


def results_of(model: IncentModel) -> list[SimulationResult]:
    """The :class:`SimulationResult` of every member of a model that has run, in order:
    its recorded years as the timeseries and its leader-year panel.

    A member's frames are made from its blocks of the record laid out member by member
    (:meth:`incentsim.recording.Record.by_member`), a 2-D array per dtype as pandas
    keeps them: no copy, nothing for pandas to consolidate. Each member's blocks are its
    own (its years too), so changing a member's frame leaves the others' as they were."""
    record = model.record
    n, m = record.n, record.m
    outcomes, panel = record.by_member()
    years = np.tile(record.years, (model.n_members, 1, 1))  # each member's own
    places = np.zeros(1, np.intp), np.arange(1, len(OUTCOME_NAMES) + 1)
    timeseries, leaders = _column_labels()
    return [
        SimulationResult(
            scenario=sc,
            seed=int(seed),
            timeseries=_frame(
                list(zip((years[j], outcomes[j]), places, strict=True)), n, timeseries
            ),
            leaders=_frame([(b[j], where) for b, where in panel], n * m, leaders),
        )
        for j, (sc, seed) in enumerate(zip(model.scenarios, model.seeds, strict=True))
    ]


@cache
def _column_labels() -> tuple[pd.Index, pd.Index]:
    """The columns of a timeseries (``year`` and the outcomes) and of a leader panel, made
    once (each frame gets a copy: an index of strings takes pandas 0.15 ms to make)."""
    return pd.Index(["year", *OUTCOME_NAMES]), pd.Index(PANEL_COLUMNS)


def _frame(
    blocks: list[tuple[np.ndarray, np.ndarray]], rows: int, columns: pd.Index
) -> pd.DataFrame:
    """A frame of ``rows`` rows (indexed from 0) made of ``blocks``, each a (columns,
    rows) array and its columns' positions in ``columns`` (a copy of that index: its
    own, as a frame made by pandas has)."""
    return create_dataframe_from_blocks(blocks, index=pd.RangeIndex(rows), columns=columns.copy())
