"""The naive per-agent Mesa reference and the vectorised populations follow the same rules.

Both are driven with the same prefecture inputs for a few years from the same
initial distributions; over many seeds their statistics agree within sampling
intervals (the random streams differ, so only distributions can agree).
"""

from types import SimpleNamespace

import numpy as np
import pytest

from incentsim.agents.citizens import CitizenPopulation
from incentsim.agents.firms import FirmPopulation
from incentsim.interfaces.bench import load_naive
from incentsim.scenario import load_scenario

N_PREF, FIRMS, CITIZENS, YEARS, SEEDS = 4, 150, 300, 3, 24

ENV = np.array([0.8, 1.0, 1.2, 1.5])
SUBSIDY = np.array([0.0, 0.05, 0.1, 0.2])
CONFIDENCE = np.array([0.8, 1.0, 1.1, 1.3])
PROTECTION = np.array([0.0, 0.3, 0.6, 0.9])
WAGE = np.array([0.9, 1.0, 1.1, 1.2])
SERVICES = np.array([0.4, 1.0, 1.2, 1.5])
POLLUTION = np.array([2.5, 1.0, 0.8, 1.2])
NEWS = np.array([0.0, 0.1, -0.1, 0.0])
SCANDAL = np.array([0.0, 0.0, 0.05, 0.0])


def _firm_stats(alive, prod, cap, years_agg, protected):
    agg = {k: np.sum([np.sum(y[k]) for y in years_agg]) for k in years_agg[0]}
    return {
        "log_productivity": float(np.mean(np.log(prod[alive]))),
        "capital": float(np.mean(cap[alive])),
        "alive_share": float(np.mean(alive)),
        "exit_rate": agg["exits"] / agg["alive_start"],
        "entry_rate": agg["entries"] / agg["alive_start"],
        "output_per_firm": agg["output"] / agg["alive_start"],
        "investment_rate": agg["investment"] / agg["capital"],
        "protected_share": float(np.mean(protected)),
    }


def _citizen_stats(sat, tl, tc, eg, pet, income):
    return {
        "satisfaction": float(np.mean(sat)),
        "trust_local": float(np.mean(tl)),
        "trust_central": float(np.mean(tc)),
        "expected_growth": float(np.mean(eg)),
        "petition_share": float(np.mean(pet)),
        "income": float(np.mean(income)),
    }


def _inputs(year):
    frontier = 1.5 * float(np.exp(0.02 * (year + 1)))
    return frontier, WAGE * (1.0 + 0.05 * year)


def run_vectorised(sc, seed):
    model = SimpleNamespace(
        config=sc, economy=sc.economy, national_economy=sc.economy, behaviour=sc.behaviour
    )
    rng = np.random.default_rng([seed, 1])
    firms = FirmPopulation(
        model, FIRMS, ENV, np.random.Generator(np.random.SFC64(rng.integers(2**63)))
    )
    cits = CitizenPopulation(
        model, CITIZENS, N_PREF, np.random.Generator(np.random.SFC64(rng.integers(2**63)))
    )
    cits.income = WAGE[cits.prefecture] * cits.skill
    years = []
    for y in range(YEARS):
        frontier, wage = _inputs(y)
        fy = firms.step(ENV, SUBSIDY, CONFIDENCE, PROTECTION, frontier)
        years.append(
            {
                k: getattr(fy, k)
                for k in ("output", "capital", "investment", "entries", "exits", "alive_start")
            }
        )
        cits.step(wage, SERVICES, POLLUTION, NEWS, SCANDAL)
    f = _firm_stats(firms.alive, firms.productivity, firms.capital, years, firms.protected)
    c = _citizen_stats(
        cits.satisfaction,
        cits.trust_local,
        cits.trust_central,
        cits.expected_growth,
        cits.petitioned,
        cits.income,
    )
    return {**f, **c}


def run_naive(naive, sc, seed):
    world = naive.NaiveWorld(sc, N_PREF, FIRMS, CITIZENS, ENV, seed=seed)
    for c in world.citizens:
        c.income = WAGE[c.prefecture] * c.skill
    years = []
    for y in range(YEARS):
        frontier, wage = _inputs(y)
        years.append(world.step_firms(ENV, SUBSIDY, CONFIDENCE, PROTECTION, frontier))
        world.step_citizens(wage, SERVICES, POLLUTION, NEWS, SCANDAL)
    fs, cs = list(world.firms), list(world.citizens)
    arr = lambda agents, name: np.array([getattr(a, name) for a in agents])  # noqa: E731
    f = _firm_stats(
        arr(fs, "alive"), arr(fs, "productivity"), arr(fs, "capital"), years, arr(fs, "protected")
    )
    c = _citizen_stats(
        arr(cs, "satisfaction"),
        arr(cs, "trust_local"),
        arr(cs, "trust_central"),
        arr(cs, "expected_growth"),
        arr(cs, "petitioned"),
        arr(cs, "income"),
    )
    return {**f, **c}


@pytest.fixture(scope="module")
def both():
    sc = load_scenario({})
    naive = load_naive()
    vec = [run_vectorised(sc, s) for s in range(SEEDS)]
    nai = [run_naive(naive, sc, 1000 + s) for s in range(SEEDS)]
    return vec, nai


STATS = [
    "log_productivity",
    "capital",
    "alive_share",
    "exit_rate",
    "entry_rate",
    "output_per_firm",
    "investment_rate",
    "protected_share",
    "satisfaction",
    "trust_local",
    "trust_central",
    "expected_growth",
    "petition_share",
    "income",
]


@pytest.mark.parametrize("stat", STATS)
def test_same_statistics(both, stat):
    vec, nai = both
    a = np.array([r[stat] for r in vec])
    b = np.array([r[stat] for r in nai])
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    diff = a.mean() - b.mean()
    # 4.5 standard errors (14 statistics: a false alarm is very unlikely), plus float32 slack
    assert abs(diff) <= 4.5 * se + 1e-5 * max(abs(a.mean()), 1.0), (stat, a.mean(), b.mean(), se)


def test_rules_are_exercised(both):
    vec, nai = both
    for runs in (vec, nai):
        mean = {k: np.mean([r[k] for r in runs]) for k in STATS}
        assert mean["exit_rate"] > 0.005 and mean["entry_rate"] > 0.005
        assert mean["protected_share"] > 0.0
        assert mean["petition_share"] > 0.0


def test_naive_is_plain_mesa():
    import mesa

    naive = load_naive()
    world = naive.NaiveWorld(load_scenario({}), 2, 5, 10, [1.0, 1.0], seed=0)
    assert isinstance(world, mesa.Model)
    assert len(world.firms) == 10 and len(world.citizens) == 20
    assert all(isinstance(a, mesa.Agent) for a in world.firms)
    assert all(len(c.neighbours) == 4 for c in world.citizens)
