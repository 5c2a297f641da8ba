"""Shared fixtures: tiny, fast scenarios."""

import pytest

TINY = {
    "world": {
        "n_provinces": 2,
        "prefectures_per_province": 3,
        "firms_per_prefecture": 40,
        "citizens_per_prefecture": 60,
        "burn_in": 2,
        "horizon": 8,
    }
}


@pytest.fixture
def tiny():
    """A deep copy of the tiny world scenario (2 x 3 prefectures, 10 years)."""
    import copy

    return copy.deepcopy(TINY)
