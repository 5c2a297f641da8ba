"""The compiled leaders' forecast, utility and choice (agents/forecast_kernel.h): the
economy's formulas computed in double precision, an ensemble member's forecasts
against its run alone, the utility and the Gumbel-max choice against numpy's; the
peers' z-scores of forecasts against numpy's, bit for bit."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from incentsim.agents._forecast_kernel import N_INPUTS, choose, peer_z, same_rows, utility
from incentsim.economy import (
    ENV,
    FORECAST_STATE,
    INN,
    INV,
    N_USES,
    SRV,
    SUB,
    WELFARE,
    abatement_next,
    compliance,
    debt_next,
    forecast,
    forecast_parameters,
    innovation_next,
    logistic,
    public_output,
    satisfaction_index,
    services_next,
    subsidy_boost,
    subsidy_rate,
)
from incentsim.model import IncentModel
from incentsim.seeding import MemberStreams

#: how far float32 forecasts may fall from the double-precision formulas: a few ulp of
#: the terms they sum (the largest about one; 2.4e-7 measured), welfare's over natural
#: scales of 0.05 to 0.2 twenty times that (7.9e-7 measured)
TOLERANCE = {"welfare": 5e-6}


def _forecasts(model: IncentModel):
    st = model.state
    return forecast(
        st,
        model.plan_columns,
        st.budget_share,
        model.forecast_economy,
        model.forecast_behaviour,
        st.expected_growth,
        st.expected_income_growth,
    )


def col(x: np.ndarray) -> np.ndarray:
    """A per-prefecture array as a column (one value per row of a forecast)."""
    return x[:, None]


def _by_formula(model: IncentModel) -> dict[str, np.ndarray]:
    """Each plan's forecasts from economy.py's functions in double precision (the plans
    rounded to float32 first, as the forecast reads them)."""
    st, econ, beh = model.state, model.economy, model.behaviour
    cand = model.plan_columns.astype(np.float32).astype(float)
    spend = cand[:N_USES] * col(st.budget_share)
    spend[INV] += cand[N_USES]
    gdp = col(st.gdp)
    subsidy = subsidy_rate(spend[SUB], gdp, col(st.private_capital), econ)
    abate = abatement_next(col(st.abatement), spend[ENV], econ)
    comply = compliance(abate, econ) / compliance(col(st.abatement), econ)
    pub_now = col(st.pub_output) / gdp
    private = 1.0 - pub_now
    support = subsidy_boost(subsidy, econ) * comply / subsidy_boost(col(st.subsidy_rate), econ)
    growth = (
        col(st.expected_growth) * private
        + public_output(spend, econ)
        - pub_now
        + (support - 1.0) * private
    )
    change = abate - col(st.abatement)
    poll_growth = econ.pollution_scale_elasticity * growth - econ.abatement_effect * change
    services = services_next(col(st.services), spend[SRV] * col(st.service_efficiency), econ)
    pollution = (1.0 + poll_growth) * col(st.pollution)
    surprise = growth - col(st.expected_income_growth)
    out = {
        "growth": growth,
        "growth_true": growth,
        "environment": -poll_growth,
        "services": services,
        "satisfaction": logistic(satisfaction_index(services, surprise, pollution, beh)),
        "debt": -debt_next(col(st.debt), cand[N_USES], gdp, econ) / gdp,
        "innovation": innovation_next(col(st.innovation), spend[INN], econ),
    }
    natural = beh.natural_scale
    out["welfare"] = sum(out[w] / getattr(natural, w) for w in WELFARE) / len(WELFARE)
    return out


def test_forecasts_follow_the_economy_formulas_in_double_precision(tiny):
    model = IncentModel(tiny, seed=3)
    for _ in range(3):
        model.step()
    pred, expected = _forecasts(model), _by_formula(model)
    for name, want in expected.items():
        got = pred[name]
        assert got.dtype == np.float32 and got.shape == model.plans.shape[:2], name
        assert np.ptp(want, axis=1).min() > 1e-5, name  # plans differ
        atol = TOLERANCE.get(name, 1e-6)
        np.testing.assert_allclose(got, want, rtol=0, atol=atol, err_msg=name)


def test_a_plan_of_no_spending_forecasts_the_stocks_decaying(tiny):
    """A scripted state: with an empty budget and no borrowing, every stock keeps
    (1 - renewal) of itself, debt is repaid, and growth is expected private growth on
    the private share plus the loss of last year's public output and support."""
    model = IncentModel(tiny, seed=0)
    model.step()
    st, econ = model.state, model.economy
    st.budget_share = np.zeros(model.n_prefectures)
    cols = np.zeros_like(model.plan_columns)
    pred = forecast(
        st,
        cols,
        st.budget_share,
        model.forecast_economy,
        model.forecast_behaviour,
        st.expected_growth,
        st.expected_income_growth,
    )
    f32 = np.float32
    keep = f32(1.0) - f32(econ.services_renewal)
    np.testing.assert_array_equal(pred["services"][:, 0], keep * st.services.astype(f32))
    repaid = (st.debt * (1.0 - econ.debt_repayment) / st.gdp).astype(f32)
    np.testing.assert_allclose(pred["debt"][:, 0], -repaid, rtol=1e-6)
    private = 1.0 - st.pub_output / st.gdp
    boost = subsidy_boost(st.subsidy_rate, econ)
    abate = (1.0 - econ.abatement_renewal) * st.abatement
    comply = compliance(abate, econ) / compliance(st.abatement, econ)
    growth = st.expected_growth * private - st.pub_output / st.gdp
    growth += (comply / boost - 1.0) * private
    np.testing.assert_allclose(pred["growth"][:, 0], growth, rtol=1e-5, atol=1e-6)
    assert (pred["growth"] == pred["growth"][:, :1]).all()  # every plan the same


def test_a_member_forecasts_as_alone_when_members_vary_parameters(tiny):
    other = copy.deepcopy(tiny)
    other["economy"] = {"subsidy_output": 0.3, "services_renewal": 0.5}
    other["behaviour"] = {"satisfaction_income": 2.0, "natural_scale": {"debt": 0.2}}
    both = IncentModel([tiny, other], seed=[4, 5])
    alone = IncentModel(other, seed=5)
    for model in (both, alone):
        model.step()
    assert both.params.varies("economy.subsidy_output", "behaviour.satisfaction_income")
    rows = both.member_rows(1)
    ens, solo = _forecasts(both), _forecasts(alone)
    for name in (*WELFARE, "welfare", "firm_survey", "stability"):
        np.testing.assert_array_equal(ens[name][rows], solo[name], err_msg=name)


@pytest.mark.parametrize("members", [1, 3])
def test_the_choice_is_numpys_gumbel_max_from_the_same_draws(members):
    leaders, plans = 12 * members, 40
    util = np.random.default_rng(1).normal(0.0, 0.2, (leaders, plans))
    temperature = np.linspace(0.05, 0.3, leaders)
    seeds = tuple(range(7, 7 + members))
    ours, theirs = MemberStreams(seeds, "leaders"), MemberStreams(seeds, "leaders")
    choice = choose(util, temperature, [g.bit_generator for g in ours.members])
    u = theirs.random((leaders, plans))
    gumbel = -np.log(np.float32(-np.log(u)))
    expected = np.argmax(util / temperature[:, None] + gumbel, axis=1)
    np.testing.assert_array_equal(choice, expected)
    # the streams drew exactly leaders x plans uniforms: the next draws agree
    assert [g.random() for g in ours.members] == [g.random() for g in theirs.members]
    shared = choose(util, np.array([0.15]), [g.bit_generator for g in ours.members])
    u = theirs.random((leaders, plans))
    expected = np.argmax(util / 0.15 - np.log(np.float32(-np.log(u))), axis=1)
    np.testing.assert_array_equal(shared, expected)


def test_a_hot_choice_is_a_softmax_and_a_cold_one_the_best_plan():
    util = np.tile([0.0, np.log(2.0), np.log(5.0)], (20000, 1))
    streams = [MemberStreams((0,), "leaders").members[0].bit_generator]
    choice = choose(util, np.array([1.0]), streams)
    share = np.bincount(choice, minlength=3) / len(choice)
    np.testing.assert_allclose(share, [0.125, 0.25, 0.625], atol=0.012)
    assert (choose(util, np.array([1e-4]), streams) == 2).all()


@pytest.mark.parametrize("score_cols", [1, 24])
@pytest.mark.parametrize("per_leader", [False, True], ids=["shared", "per leader"])
def test_the_utility_is_numpys_sum_bit_for_bit(score_cols, per_leader):
    """The sum leader.py made with numpy: welfare and borrowing terms in float32, the
    rest and the sum in float64, in the same order."""
    rng = np.random.default_rng(2)
    leaders, plans, f32 = 10, 24, np.float32
    career, intrinsic = rng.uniform(0, 2, leaders), rng.uniform(0, 1, leaders).astype(f32)
    score = rng.normal(size=(leaders, score_cols))
    welfare = rng.normal(size=(leaders, plans)).astype(f32)
    drift = rng.uniform(0, 0.5, (leaders, plans))
    borrow = rng.choice([0.0, 0.01, 0.03], (leaders, plans)).astype(f32)
    borrowing = rng.uniform(0, 0.03, leaders).astype(f32)
    budget = rng.uniform(0.05, 0.2, leaders).astype(f32)
    size = leaders if per_leader else 1
    b_inertia, r_inertia = rng.uniform(0, 3, size), rng.uniform(0, 3, size).astype(f32)
    col = (lambda x: x[:, None]) if per_leader else (lambda x: x[0])
    want = career[:, None] * score + welfare * intrinsic[:, None]
    want -= drift * col(b_inertia)
    change = borrow - borrowing[:, None]
    change /= budget[:, None]
    want -= np.square(change) * col(r_inertia)
    got = utility(
        career, score, welfare, intrinsic, drift, b_inertia, borrow, borrowing, budget, r_inertia
    )
    np.testing.assert_array_equal(got, want)


def test_plans_read_from_a_table_of_rows_forecast_as_each_leaders_own(tiny):
    """Leaders reading their plans from a table, a row per member, forecast what they
    forecast from their own copy (the rows checked to lie in the table)."""
    model = IncentModel([tiny, tiny], seed=[4, 5])
    model.step()
    st = model.state
    table = np.ascontiguousarray(model.plan_columns[:, :: model.member_size])
    rows = model.member.astype(np.int64)
    args = (model.forecast_economy, model.forecast_behaviour)
    args += (st.expected_growth, st.expected_income_growth)
    own = _forecasts(model)
    shared = forecast(st, table, st.budget_share, *args, plan_rows=rows)
    for name in own:
        np.testing.assert_array_equal(shared[name], own[name], err_msg=name)
    with pytest.raises(ValueError, match="outside the table"):
        forecast(st, table, st.budget_share, *args, plan_rows=rows + 1)


def test_drift_and_borrowing_read_from_rows_of_tables_are_the_gathered_ones():
    rng = np.random.default_rng(5)
    leaders, plans, f32 = 9, 16, np.float32
    per_leader = (rng.uniform(0, 2, leaders), rng.normal(size=(leaders, plans)))
    welfare = rng.normal(size=(leaders, plans)).astype(f32)
    intrinsic = rng.uniform(0, 1, leaders).astype(f32)
    drift, borrow = rng.uniform(0, 0.5, (4, plans)), rng.uniform(0, 0.03, (3, plans)).astype(f32)
    drift_rows, borrow_rows = rng.integers(0, 4, leaders), rng.integers(0, 3, leaders)
    tail = (rng.uniform(0, 0.03, leaders).astype(f32), rng.uniform(0.05, 0.2, leaders).astype(f32))
    tail += (np.array([0.7], f32),)
    inertia = np.array([1.5])
    want = utility(
        *per_leader, welfare, intrinsic, drift[drift_rows], inertia, borrow[borrow_rows], *tail
    )
    got = utility(
        *per_leader, welfare, intrinsic, drift, inertia, borrow, *tail, drift_rows, borrow_rows
    )
    np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="drift row outside"):
        utility(*per_leader, welfare, intrinsic, drift, inertia, borrow, *tail, drift_rows + 4)


def test_parameters_made_once_forecast_as_read_each_time(tiny):
    other = copy.deepcopy(tiny)
    other["economy"] = {"subsidy_output": 0.3}
    model = IncentModel([tiny, other], seed=[4, 5])
    model.step()
    st, econ, beh = model.state, model.forecast_economy, model.forecast_behaviour
    params = forecast_parameters(econ, beh, model.n_prefectures)
    assert params.shape == (N_INPUTS - len(FORECAST_STATE) - 3, model.n_prefectures)
    args = (st, model.plan_columns, st.budget_share, econ, beh, st.expected_growth)
    made, read = forecast(*args, st.expected_income_growth, params=params), _forecasts(model)
    for name in read:
        np.testing.assert_array_equal(made[name], read[name], err_msg=name)


def test_same_rows_compares_each_row_with_its_row_of_a_table():
    table = np.arange(12.0).reshape(3, 4)
    rows = np.array([2, 0], np.int64)
    assert same_rows(np.ascontiguousarray(table[rows, :3]), table, rows)
    assert not same_rows(np.ascontiguousarray(table[rows[::-1], :3]), table, rows)
    assert not same_rows(np.ascontiguousarray(table[rows, :3]), table, rows + 1)  # outside
    assert not same_rows(np.full((2, 3), np.nan), np.full((3, 4), np.nan), rows)


def _awkward(rng, shape, dtype) -> np.ndarray:
    """Random values of ``dtype`` with infinities, nans, signed zeros and denormals."""
    tiny = np.finfo(dtype).smallest_subnormal
    specials = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, tiny, -tiny, 3 * tiny], dtype)
    with np.errstate(over="ignore"):  # float32 overflows to infinity: one more special
        x = (rng.normal(size=shape) * 10.0 ** rng.integers(-40, 40, shape)).astype(dtype)
    at = rng.random(shape) < 0.2
    x[at] = rng.choice(specials, int(at.sum()))
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(37, 23), (5, 1), (0, 4), (3, 0)])
def test_peer_z_is_numpys_difference_over_the_scale_bit_for_bit(dtype, shape):
    rng = np.random.default_rng(7)
    x = _awkward(rng, shape, dtype)
    mean, scale = (_awkward(rng, (shape[0], 1), np.float64) for _ in range(2))
    with np.errstate(all="ignore"):  # inf - inf, x / 0: the specials are the point
        expected = (x.astype(float) - mean) / scale
    z = peer_z(x, mean, scale)
    assert z.dtype == np.float64 and z.shape == shape
    np.testing.assert_array_equal(z.view(np.uint64), expected.view(np.uint64))


def test_peer_z_refuses_columns_not_one_per_row():
    with pytest.raises(ValueError, match="one column per row"):
        peer_z(np.zeros((3, 2)), np.zeros((2, 1)), np.ones((3, 1)))
