# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The citizens' yearly step for one chunk, compiled (citizens_kernel.h: the rules;
this module hands it a chunk's columns, parameters and random streams, and runs it
without the GIL, so chunks step in parallel on :func:`incentsim.agents.fastrng.run_chunks`'s
threads)."""

include "_kernel_common.pxi"

from libc.stdint cimport int32_t, intptr_t, uint8_t, uint32_t


cdef extern from "citizens_kernel.h" nogil:
    enum: N_PARAMS
    ctypedef struct ks_chunk:
        float *income
        float *expected_growth
        float *satisfaction
        float *trust_local
        float *trust_central
        const float *skill
        uint8_t *petitioned
        float *sums
        intptr_t *petitions
        const float *par
        intptr_t stride, lo, rows, per
        int n_lattice, k_rand
        const int32_t *ties
        intptr_t tie_stride
        int n_segments
        const intptr_t *seg_row
        ks_sfc64 **streams
    intptr_t ks_scratch_slots(intptr_t n, intptr_t per)
    intptr_t ks_step_chunk(const ks_chunk *c, void *scratch)
    void ks_fill_normals(ks_sfc64 *g, uint32_t *u, float *e, intptr_t n)

#: rows of the parameter table (citizens.py's KERNEL_PARAMETERS names them)
N_PARAMETERS = N_PARAMS
def step_chunk(
    float[::1] income,
    float[::1] expected_growth,
    float[::1] satisfaction,
    float[::1] trust_local,
    float[::1] trust_central,
    const float[::1] skill,
    uint8_t[::1] petitioned,
    float[:, ::1] sums,
    intptr_t[::1] petitions,
    const float[:, ::1] par,
    Py_ssize_t lo,
    Py_ssize_t per,
    int n_lattice,
    const int32_t[:, ::1] ties,
    Py_ssize_t a,
    const intptr_t[::1] seg_row,
    list streams,
):
    """One year of the chunk whose citizens are the given column slices (prefectures
    ``lo`` on, ``per`` slots each; slot ``a`` of the population on): ``par`` is the
    parameter table (one column per prefecture of the population), ``sums`` gets the
    chunk's prefectures' sums of satisfaction and of expected growth (two rows, float32,
    as numpy's ``sum`` of each prefecture's row) and ``petitions`` their counts of
    petitioners (columns as ``par``'s), ``ties`` all random
    ties (chunk-local rows, :meth:`CitizenPopulation._random_ties`), and segment ``s``
    (chunk rows ``seg_row[s]`` to ``seg_row[s + 1]``) draws from ``streams[s]``.
    Returns how many of the chunk's segments' columns of trust (local, central) hold a
    value outside [0, 1] (NaN included), tested by the kernel while they are in cache."""
    cdef ks_chunk c
    cdef intptr_t outside
    cdef Py_ssize_t n_seg = len(streams)
    if par.shape[0] != N_PARAMS or seg_row.shape[0] != n_seg + 1:
        raise ValueError("parameter table or segments of the wrong shape")
    if sums.shape[0] != 2 or sums.shape[1] != par.shape[1] or (
        petitions.shape[0] != par.shape[1] or lo + seg_row[n_seg] > par.shape[1]
    ):
        raise ValueError("sums or prefectures out of the parameter table's range")
    if income.shape[0] != (seg_row[n_seg] - seg_row[0]) * per:
        raise ValueError("columns and segments differ in length")
    c.income = &income[0]
    c.expected_growth = &expected_growth[0]
    c.satisfaction = &satisfaction[0]
    c.trust_local = &trust_local[0]
    c.trust_central = &trust_central[0]
    c.skill = &skill[0]
    c.petitioned = &petitioned[0]
    c.sums = &sums[0, 0]
    c.petitions = &petitions[0]
    c.par = &par[0, 0]
    c.stride = par.shape[1]
    c.lo = lo
    c.rows = seg_row[n_seg]
    c.per = per
    c.n_lattice = n_lattice
    c.k_rand = ties.shape[0]
    c.ties = &ties[0, a] if ties.shape[0] else NULL
    c.tie_stride = ties.shape[1]
    c.n_segments = n_seg
    c.seg_row = &seg_row[0]
    cdef intptr_t[::1] states = _states(streams)  # alive until the kernel returns
    c.streams = <ks_sfc64 **>&states[0]
    cdef float[::1] scratch = _scratch_of(ks_scratch_slots(income.shape[0], per))
    with nogil:
        outside = ks_step_chunk(&c, &scratch[0])
    return outside


def normals(bitgen, float[::1] out):
    """Standard normals into ``out`` (float32) from the SFC64 bit generator ``bitgen``'s
    raw words, as the yearly steps make their shocks (:func:`incentsim.agents.fastrng.normals`,
    with the kernels' own log, sin and cos: the same numbers on every machine)."""
    cdef Py_ssize_t n = out.shape[0]
    cdef intptr_t[::1] g = _states([bitgen])
    cdef float[::1] scratch = _scratch_of(n + 1)  # the words: n + 1 when n is odd
    if n:
        with nogil:
            ks_fill_normals(<ks_sfc64 *>g[0], <uint32_t *>&scratch[0], &out[0], n)
