"""First look at DESIGN §6 over 20 seeds: the three headline regimes differ as expected.

Paired differences over the same seeds; each claim must hold with its 95 %
interval on the expected side of zero.
"""

from pathlib import Path

import pytest

import incentsim
from incentsim.analysis.intervals import paired_diff_ci

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
SEEDS = range(20)
OUTCOMES = (
    "gdp_growth_true",
    "gdp_growth_reported",
    "manipulation_gap",
    "public_services",
    "pollution",
    "trust_local",
)


@pytest.fixture(scope="module")
def means():
    out = {}
    for name in ("gdp_tournament", "balanced_scorecard", "citizen_satisfaction"):
        rows = []
        for seed in SEEDS:
            ts = incentsim.simulate(
                CONFIGS / f"{name}.yaml", seed=seed, overrides={"world.horizon": 25}
            ).timeseries
            rows.append({o: ts[o].mean() for o in OUTCOMES})
        out[name] = rows
    return out


def diff(means, a, b, outcome):
    return paired_diff_ci([r[outcome] for r in means[a]], [r[outcome] for r in means[b]])


@pytest.mark.parametrize(
    "a,b,outcome,sign",
    [
        # multitask (fact 5): rewarding only growth raises pollution and costs services
        ("gdp_tournament", "balanced_scorecard", "pollution", +1),
        ("gdp_tournament", "balanced_scorecard", "public_services", -1),
        # an environmental/multi-target scorecard costs some true growth (Chen, Li & Lu 2018)
        ("balanced_scorecard", "gdp_tournament", "gdp_growth_true", -1),
        # manipulation rises with the weight on a manipulable indicator (fact 6)
        ("gdp_tournament", "balanced_scorecard", "manipulation_gap", +1),
        # citizen satisfaction weighting: services and trust up, measured growth down (fact 7)
        ("citizen_satisfaction", "gdp_tournament", "public_services", +1),
        ("citizen_satisfaction", "gdp_tournament", "trust_local", +1),
        ("citizen_satisfaction", "gdp_tournament", "gdp_growth_reported", -1),
    ],
)
def test_regimes_differ_as_the_literature_expects(means, a, b, outcome, sign):
    d = diff(means, a, b, outcome)
    assert d.excludes_zero() and d.mean * sign > 0, f"{a} - {b} on {outcome}: {d}"
