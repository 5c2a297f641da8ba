# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The firms' yearly step for one chunk, compiled (firms_kernel.h: the
rules; this module hands it a chunk's columns, parameters, totals and random streams,
and runs it without the GIL, so chunks step in parallel on
:func:`incentsim.agents.fastrng.run_chunks`'s threads)."""

include "_kernel_common.pxi"

from libc.stdint cimport int16_t, intptr_t, uint8_t


cdef extern from "firms_kernel.h" nogil:
    enum: N_FPARAMS
    enum: N_TOTALS
    ctypedef struct fk_chunk:
        float *productivity
        float *capital
        float *output
        uint8_t *alive
        uint8_t *protected_
        int16_t *age
        intptr_t *entered
        const double *par
        double *agg
        intptr_t stride, lo, rows, per
        int n_segments
        const intptr_t *seg_row
        ks_sfc64 **streams
        intptr_t broken
    intptr_t fk_scratch_slots(intptr_t n, intptr_t per)
    intptr_t fk_step_chunk(fk_chunk *c, void *scratch)
    void fk_first_broken(const float *cap, const float *out, const uint8_t *alive,
                         intptr_t n, intptr_t *bad)

#: rows of the parameter table (firms.py's KERNEL_PARAMETERS names them)
N_PARAMETERS = N_FPARAMS
def step_chunk(
    float[::1] productivity,
    float[::1] capital,
    float[::1] output,
    uint8_t[::1] alive,
    uint8_t[::1] protected,
    int16_t[::1] age,
    intptr_t[::1] entered,
    const double[:, ::1] par,
    double[:, ::1] agg,
    Py_ssize_t lo,
    Py_ssize_t per,
    const intptr_t[::1] seg_row,
    list streams,
):
    """One year (rules 1-5) of the chunk whose firm slots are the given column slices
    (prefectures ``lo`` on, ``per`` slots each): ``par`` is the parameter table and
    ``agg`` the totals (rows of FirmYear's fields; one column per prefecture of the
    population), and segment ``s`` (chunk rows ``seg_row[s]`` to ``seg_row[s + 1]``)
    draws from ``streams[s]``. Writes the chunk slots entered to ``entered`` (room for
    every slot) and returns how many, and how many segments hold a slot
    :func:`first_broken` would name (tested while their columns are in cache)."""
    cdef fk_chunk c
    cdef Py_ssize_t n_seg = len(streams)
    if par.shape[0] != N_FPARAMS or seg_row.shape[0] != n_seg + 1:
        raise ValueError("parameter table or segments of the wrong shape")
    if agg.shape[0] != N_TOTALS or agg.shape[1] != par.shape[1] or lo + seg_row[n_seg] > par.shape[1]:
        raise ValueError("totals or prefectures out of the parameter table's range")
    if productivity.shape[0] != (seg_row[n_seg] - seg_row[0]) * per or (
        entered.shape[0] < productivity.shape[0]
    ):
        raise ValueError("columns and segments differ in length")
    c.productivity = &productivity[0]
    c.capital = &capital[0]
    c.output = &output[0]
    c.alive = &alive[0]
    c.protected_ = &protected[0]
    c.age = &age[0]
    c.entered = &entered[0]
    c.par = &par[0, 0]
    c.agg = &agg[0, 0]
    c.stride = par.shape[1]
    c.lo = lo
    c.rows = seg_row[n_seg]
    c.per = per
    c.n_segments = n_seg
    c.seg_row = &seg_row[0]
    c.broken = 0
    cdef intptr_t[::1] states = _states(streams)  # alive until the kernel returns
    c.streams = <ks_sfc64 **>&states[0]
    cdef float[::1] scratch = _scratch_of(fk_scratch_slots(productivity.shape[0], per))
    cdef intptr_t m
    with nogil:
        m = fk_step_chunk(&c, &scratch[0])
    return m, c.broken


def first_broken(const float[::1] capital, const float[::1] output, const uint8_t[::1] alive):
    """The first firm slot whose capital is negative, infinite or NaN, and the first dead
    slot (``alive`` 0) whose output is not 0, each -1 where there is none: one pass over
    the three columns (firms_kernel.h's fk_first_broken)."""
    cdef intptr_t bad[2]
    cdef Py_ssize_t n = capital.shape[0]
    if output.shape[0] != n or alive.shape[0] != n:
        raise ValueError("columns differ in length")
    if n == 0:
        return -1, -1
    with nogil:
        fk_first_broken(&capital[0], &output[0], &alive[0], n, bad)
    return bad[0], bad[1]
