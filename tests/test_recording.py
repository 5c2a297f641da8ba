"""Recording (src/incentsim/recording.py): the record kept a year at a time, laid out
member by member for the result frames, and the yearly counts it is made of."""

import copy
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from incentsim.api import results_of
from incentsim.model import IncentModel
from incentsim.outcomes import OUTCOME_NAMES, PANEL_COLUMNS
from incentsim.recording import Record, _selection_quality, protected_firms


def _panel(year: int, k: int, m: int) -> dict[str, np.ndarray]:
    """A year's panel columns of ``k`` members of ``m`` prefectures: integers, floats and
    booleans, each value telling its year, member and prefecture."""
    cell = 1000 * year + np.arange(k * m)
    kinds = [cell, cell + 0.5, cell % 2 == 0]
    return {c: kinds[i % 3] for i, c in enumerate(PANEL_COLUMNS)}


def test_the_record_lays_every_years_rows_out_member_by_member_and_grows():
    k, m, years = 3, 4, 5
    rec = Record(k, m, capacity=2)
    tables = [np.arange(k * len(OUTCOME_NAMES)).reshape(k, -1) + 0.25 * y for y in range(years)]
    for y in range(years):
        rec.add(y + 1, tables[y], _panel(y + 1, k, m))
    assert rec.years.tolist() == [1, 2, 3, 4, 5]
    outcomes, panel = rec.by_member()
    assert outcomes.shape == (k, len(OUTCOME_NAMES), years)
    for j in range(k):
        expected = np.array([t[j] for t in tables])
        assert np.array_equal(outcomes[j].T, expected)
        assert np.array_equal(rec.member_outcomes(j), expected)
    columns = {}
    for block, where in panel:
        for row, c in zip(range(block.shape[1]), where, strict=True):
            columns[PANEL_COLUMNS[c]] = block[:, row]
    assert list(columns) != list(PANEL_COLUMNS) and set(columns) == set(PANEL_COLUMNS)
    for c in PANEL_COLUMNS:
        # member j's rows: every year's m prefectures, year after year
        stacked = np.stack([_panel(y + 1, k, m)[c] for y in range(years)])
        want = stacked.reshape(years, k, m).transpose(1, 0, 2).reshape(k, -1)
        assert columns[c].dtype == want.dtype and np.array_equal(columns[c], want)


def test_a_panel_column_changing_its_kind_of_values_is_refused():
    rec = Record(2, 3, capacity=4)
    table = np.zeros((2, len(OUTCOME_NAMES)))
    rec.add(1, table, _panel(1, 2, 3))
    changed = _panel(2, 2, 3) | {"leader_id": np.zeros(6)}
    with pytest.raises(TypeError, match="leader_id"):
        rec.add(2, table, changed)


@pytest.mark.parametrize("per", [40, 300])
def test_protected_firms_counts_each_prefectures_flags(per):
    flags = np.random.default_rng(per).random(7 * per) < 0.9
    model = SimpleNamespace(firms=SimpleNamespace(protected=flags), n_prefectures=7)
    counts = protected_firms(model)
    assert counts.dtype == np.int64
    assert counts.tolist() == [int(flags[i * per : (i + 1) * per].sum()) for i in range(7)]


def test_a_model_stepped_past_its_horizon_keeps_recording(tiny):
    model = IncentModel(tiny, seed=[4, 5])
    world = model.config.world
    for _ in range(world.burn_in + world.horizon + 3):
        model.step()
    assert [r["year"] for r in model.records] == list(range(1, world.horizon + 4))
    results = results_of(model)
    for j, res in enumerate(results):
        assert res.timeseries["year"].tolist() == [r["year"] for r in model.records]
        np.testing.assert_array_equal(
            res.timeseries[list(OUTCOME_NAMES)].to_numpy(), model.member_outcomes(j)
        )
        assert len(res.leaders) == (world.horizon + 3) * model.member_size
    first = model.records[0]
    np.testing.assert_array_equal(
        results[0].timeseries.iloc[0, 1:], [first[c] for c in OUTCOME_NAMES]
    )


def test_a_members_frames_have_their_own_column_labels(tiny):
    sc = copy.deepcopy(tiny)
    model = IncentModel(sc, seed=[1, 2])
    for _ in range(sc["world"]["burn_in"] + sc["world"]["horizon"]):
        model.step()
    first, second = results_of(model)
    first.leaders.columns.name = "column"
    first.timeseries.columns.name = "outcome"
    first.timeseries.index.name = "row"
    assert second.leaders.columns.name is None and second.timeseries.index.name is None
    pd.testing.assert_index_equal(second.leaders.columns, pd.Index(PANEL_COLUMNS))
    # the labels are made once a process: the next results' are as new
    again = results_of(model)[0]
    assert again.leaders.columns.name is None and again.timeseries.columns.name is None
    pd.testing.assert_index_equal(again.timeseries.columns, pd.Index(["year", *OUTCOME_NAMES]))


def test_selection_quality_is_each_members_numpy_means_nan_where_none_promoted():
    rng = np.random.default_rng(11)
    for _ in range(200):
        k, m = int(rng.integers(1, 5)), int(rng.integers(1, 40))
        model = SimpleNamespace(n_members=k, member_size=m, n_prefectures=k * m)
        contested = rng.random(k * m) < rng.random()
        promoted = contested & (rng.random(k * m) < rng.random())
        ability = rng.standard_normal(k * m) * 10 ** rng.uniform(-3, 3)
        got = _selection_quality(model, ability, {"promoted": promoted, "contested": contested})
        for j in range(k):
            rows = slice(j * m, (j + 1) * m)
            p, c, a = promoted[rows], contested[rows], ability[rows]
            want = a[p].sum() / p.sum() - a[c].sum() / c.sum() if p.any() else np.nan
            assert np.array(got[j]).tobytes() == np.array(want).tobytes()
