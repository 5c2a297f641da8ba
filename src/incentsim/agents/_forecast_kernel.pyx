# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The leaders' forecasts of their candidate plans and their choice among them, compiled
(forecast_kernel.h: the formulas; this module hands it the input table, the plans and
the outputs, or the utilities and the random streams); and the forecasts' z-scores
among peers that the promotion rules read (:func:`peer_z`)."""

include "_kernel_common.pxi"

cimport cython
from libc.stdint cimport int64_t, intptr_t


cdef extern from "forecast_kernel.h" nogil:
    enum: N_FC_INPUTS
    enum: N_FC_OUTPUTS
    enum: FC_PLAN_COLUMNS
    void fc_forecast(const float *inp, intptr_t leaders, intptr_t plans, const float *cand,
                     const int64_t *plan_row, intptr_t rows, float *out)
    ctypedef struct fc_utility_in:
        const double *career
        const double *score
        const double *drift
        const double *budget_inertia
        const float *intrinsic
        const float *welfare
        const float *borrow
        const float *borrowing
        const float *budget
        const float *borrowing_inertia
        const int64_t *drift_row
        const int64_t *borrow_row
        intptr_t leaders, plans, score_cols, budget_step, borrowing_step
    void fc_utility(const fc_utility_in *u, double *out)
    void fc_choose(const double *util, intptr_t leaders, intptr_t plans,
                   const double *temperature, intptr_t t_step, ks_sfc64 **streams,
                   intptr_t n_streams, double *scratch, int64_t *choice)

#: rows of the input table and of the outputs (economy.py's FORECAST_INPUTS and
#: FORECAST_OUTPUTS name them)
N_INPUTS = N_FC_INPUTS
N_OUTPUTS = N_FC_OUTPUTS


cdef const int64_t *_rows_of(const int64_t[::1] rows, Py_ssize_t leaders,
                             Py_ssize_t table, str what) except? NULL:
    """Where each leader's row of a table of ``table`` rows is: ``rows`` (one per leader,
    each checked to lie in the table), or NULL for none (row l for leader l)."""
    cdef Py_ssize_t l
    if rows is None:
        if table != leaders:
            raise ValueError(f"{what} of the wrong shape")
        return NULL
    if rows.shape[0] != leaders:
        raise ValueError(f"{what} rows of the wrong length")
    for l in range(leaders):
        if rows[l] < 0 or rows[l] >= table:
            raise ValueError(f"a {what} row outside the table")
    return &rows[0] if leaders else NULL


def forecast_plans(const float[:, ::1] inputs, const float[:, :, ::1] cand,
                   float[:, :, ::1] out, const int64_t[::1] plan_rows=None):
    """Every leader's forecasts of every plan into ``out`` (N_OUTPUTS x leaders x
    plans): ``inputs`` is the input table (N_INPUTS x leaders), ``cand`` the plans
    (uses + 1 columns x leaders x plans: the budget shares, then borrowing; with
    ``plan_rows``, x rows x plans: leader ``l``'s plans row ``plan_rows[l]``)."""
    cdef Py_ssize_t leaders = inputs.shape[1], plans = cand.shape[2]
    if inputs.shape[0] != N_FC_INPUTS:
        raise ValueError("input table of the wrong shape")
    if cand.shape[0] != FC_PLAN_COLUMNS or out.shape[0] != N_FC_OUTPUTS or (
        out.shape[1] != leaders or out.shape[2] != plans
    ):
        raise ValueError("plans or outputs of the wrong shape")
    cdef const int64_t *row = _rows_of(plan_rows, leaders, cand.shape[1], "plans")
    if leaders == 0 or plans == 0:
        return
    with nogil:
        fc_forecast(&inputs[0, 0], leaders, plans, &cand[0, 0, 0], row, cand.shape[1],
                    &out[0, 0, 0])


def same_rows(const double[:, ::1] values, const double[:, ::1] table,
              const int64_t[::1] rows):
    """Whether each row of ``values`` equals the first ``values.shape[1]`` values of
    its row ``rows[i]`` of ``table`` (False where a row is outside the table, or the
    table too narrow)."""
    cdef Py_ssize_t i, j, n = values.shape[0], width = values.shape[1]
    if rows.shape[0] != n or table.shape[1] < width:
        return False
    for i in range(n):
        if rows[i] < 0 or rows[i] >= table.shape[0]:
            return False
        for j in range(width):
            if values[i, j] != table[rows[i], j]:
                return False
    return True


def choose(const double[:, ::1] util, const double[::1] temperature, list streams):
    """Each leader's plan by Gumbel-max, the largest ``util / temperature -
    log(-log(u))`` of its row: ``temperature`` one value per leader or one for all;
    the leaders are ``len(streams)`` equal blocks, each drawing its uniforms on [0, 1)
    from its stream (numpy SFC64 bit generators), as ``Generator.random`` of the block's
    leaders x plans would. Returns the plan of each leader (int64)."""
    cdef Py_ssize_t leaders = util.shape[0], plans = util.shape[1], n = len(streams)
    if n == 0 or leaders % n or plans == 0:
        raise ValueError("leaders not in equal blocks, one per stream, or no plans")
    if temperature.shape[0] != 1 and temperature.shape[0] != leaders:
        raise ValueError("temperature of the wrong shape")
    cdef int64_t[::1] choice = np.empty(leaders, np.int64)
    if leaders == 0:
        return np.asarray(choice)
    cdef intptr_t[::1] states = _states(streams)  # alive until the kernel returns
    cdef float[::1] scratch = _scratch_of(2 * plans)  # plans doubles
    with nogil:
        fc_choose(&util[0, 0], leaders, plans, &temperature[0], temperature.shape[0] > 1,
                  <ks_sfc64 **>&states[0], n, <double *>&scratch[0], &choice[0])
    return np.asarray(choice)


def utility(
    const double[::1] career,
    const double[:, ::1] score,
    const float[:, ::1] welfare,
    const float[::1] intrinsic,
    const double[:, ::1] drift,
    const double[::1] budget_inertia,
    const float[:, ::1] borrow,
    const float[::1] borrowing,
    const float[::1] budget,
    const float[::1] borrowing_inertia,
    const int64_t[::1] drift_rows=None,
    const int64_t[::1] borrow_rows=None,
):
    """Each leader's utility of each plan before the mechanisms' terms, ``career *
    score + welfare * intrinsic - budget_inertia * drift - borrowing_inertia *
    ((borrow - borrowing) / budget)**2`` (leaders x plans, float64): ``score`` one
    column or one per plan; ``career``, ``intrinsic``, ``borrowing``, ``budget`` one
    value per leader, the inertias one per leader or one for all; ``welfare`` leaders x
    plans; ``drift`` and ``borrow`` leaders x plans, or with ``drift_rows``
    (``borrow_rows``) a table of rows of plans, leader ``l``'s its row ``drift_rows[l]``
    (``borrow_rows[l]``)."""
    cdef fc_utility_in u
    cdef Py_ssize_t leaders = welfare.shape[0], plans = welfare.shape[1]
    if (career.shape[0] != leaders or intrinsic.shape[0] != leaders
            or borrowing.shape[0] != leaders or budget.shape[0] != leaders):
        raise ValueError("a per-leader input of the wrong length")
    if score.shape[0] != leaders or (score.shape[1] != 1 and score.shape[1] != plans):
        raise ValueError("scores of the wrong shape")
    if drift.shape[1] != plans or borrow.shape[1] != plans:
        raise ValueError("drift or borrowing of the wrong shape")
    u.drift_row = _rows_of(drift_rows, leaders, drift.shape[0], "drift")
    u.borrow_row = _rows_of(borrow_rows, leaders, borrow.shape[0], "borrowing")
    if (budget_inertia.shape[0] != 1 and budget_inertia.shape[0] != leaders) or (
        borrowing_inertia.shape[0] != 1 and borrowing_inertia.shape[0] != leaders
    ):
        raise ValueError("an inertia of the wrong length")
    out = np.empty((leaders, plans))
    cdef double[:, ::1] view = out
    if leaders == 0 or plans == 0:
        return out
    u.career, u.score, u.drift = &career[0], &score[0, 0], &drift[0, 0]
    u.budget_inertia, u.intrinsic, u.welfare = &budget_inertia[0], &intrinsic[0], &welfare[0, 0]
    u.borrow, u.borrowing, u.budget = &borrow[0, 0], &borrowing[0], &budget[0]
    u.borrowing_inertia = &borrowing_inertia[0]
    u.leaders, u.plans, u.score_cols = leaders, plans, score.shape[1]
    u.budget_step, u.borrowing_step = budget_inertia.shape[0] > 1, borrowing_inertia.shape[0] > 1
    with nogil:
        fc_utility(&u, &view[0, 0])
    return out


ctypedef fused _real:
    float
    double


@cython.cdivision(True)
def peer_z(const _real[:, ::1] x, const double[:, ::1] mean, const double[:, ::1] scale):
    """``(x - mean) / scale`` for a leaders x plans ``x`` (float32 or float64) and
    float64 (leaders, 1) columns ``mean`` and ``scale``, as a new float64 array: each
    value widened, less its row's mean, over its row's scale, one rounding each (the
    bits of numpy's ``(x.astype(float) - mean) / scale``), in one pass."""
    cdef Py_ssize_t i, j, rows = x.shape[0], cols = x.shape[1]
    cdef double m, s
    if mean.shape[0] != rows or scale.shape[0] != rows or mean.shape[1] != 1 or scale.shape[1] != 1:
        raise ValueError("mean and scale must be one column per row of x")
    out = np.empty((rows, cols))
    cdef double[:, ::1] z = out
    with nogil:
        for i in range(rows):
            m, s = mean[i, 0], scale[i, 0]
            for j in range(cols):
                z[i, j] = (<double>x[i, j] - m) / s
    return out
