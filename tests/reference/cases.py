"""The frozen reference cases: which scenarios, seeds and world size.

Shared by :mod:`tests.reference.regenerate` (writes the frozen files) and
``tests/test_reference.py`` (checks the model still reproduces them).
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIGS = HERE.parents[1] / "configs"

#: a small world with a short horizon: a few hundred kB of frozen output in all
WORLD = {
    "world.n_provinces": 3,
    "world.prefectures_per_province": 4,
    "world.firms_per_prefecture": 40,
    "world.citizens_per_prefecture": 60,
    "world.burn_in": 3,
    "world.horizon": 12,
}

#: every accountability mechanism of the first release at once, under patronage
ALL_MECHANISMS = {
    "name": "all_mechanisms",
    "promotion": {"rule": "patronage"},
    "accountability": {
        name: {}
        for name in (
            "statistical_audit",
            "lifelong_accountability",
            "vertical_environmental_management",
            "public_ranking",
            "citizen_survey",
            "firm_survey",
            "performance_transfers",
            "petition_channel",
        )
    },
}

#: case name -> scenario (a config file or a mapping)
SCENARIOS = {
    "gdp_tournament": CONFIGS / "gdp_tournament.yaml",
    "balanced_scorecard": CONFIGS / "balanced_scorecard.yaml",
    "hybrid_hangzhou": CONFIGS / "hybrid_hangzhou.yaml",
    "reform_package": CONFIGS / "reform_package.toml",
    "all_mechanisms": ALL_MECHANISMS,
}
SEEDS = (0, 1)


def cases() -> list[tuple[str, object, int]]:
    """``(case name, scenario, seed)`` for every frozen run."""
    return [(name, sc, seed) for name, sc in SCENARIOS.items() for seed in SEEDS]


TABLES = ("timeseries", "leaders")


def path(table: str) -> Path:
    """Where a frozen table lives: every case in one file, ``case`` and ``seed`` first."""
    return HERE / f"{table}.parquet"


def run(scenario: object, seed: int):
    """The two tables of one reference run, as the model makes them today."""
    from incentsim.api import simulate

    res = simulate(scenario, seed=seed, overrides=WORLD)
    return {"timeseries": res.timeseries, "leaders": res.leaders}


def frozen_case(frozen, name: str, seed: int):
    """One case's rows of a frozen table, without the ``case``/``seed`` columns."""
    rows = (frozen["case"] == name) & (frozen["seed"] == seed)
    return frozen[rows].drop(columns=["case", "seed"]).reset_index(drop=True)
