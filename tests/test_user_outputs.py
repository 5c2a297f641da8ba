"""Outputs a user reads: they must not mislead (issue 13, 'outputs that mislead')."""

import numpy as np
import pytest

import incentsim


@pytest.mark.parametrize("burn_in", [0, 2])
def test_tfp_growth_of_the_first_recorded_year_is_measured_not_zero(tiny, burn_in):
    """The first recorded year's TFP growth compares with the year before it (the last
    burn-in year, or the initial firms when there is no burn-in), like every other year."""
    tiny["world"]["burn_in"] = burn_in
    first, later = [], []
    for seed in range(6):
        res = incentsim.simulate(tiny, seed=seed)
        ts, panel = res.timeseries, res.leaders
        first.append(ts.tfp_growth.iloc[0])
        later.extend(ts.tfp_growth.iloc[1:])
        year1 = panel[panel.year == 1].tfp_growth
        assert (year1 != 0.0).all(), f"seed {seed}: panel TFP growth 0 in year 1"
    assert all(f != 0.0 for f in first)
    # the first year is drawn from the same process as the others: within their spread
    assert abs(np.mean(first) - np.mean(later)) < 4 * np.std(later)
