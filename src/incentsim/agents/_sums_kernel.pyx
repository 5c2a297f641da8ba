# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Sums as numpy makes them, compiled: each is numpy's pairwise sum (that of
``x.sum()`` of contiguous values: blocks of at most 128 values, each summed with eight
accumulators, halves split at multiples of eight, added to a zero), the same bits, in
one call for many sums (:func:`segment_sums`) or with the eight float32 accumulators one
vector register where numpy's loop adds them one by one (:func:`row_sums`). Used by the
recording (national means of citizens' columns, per-member means of the promoted's
abilities), the upper level's province means, the model's indicator scales and budget
check, and the citizens' set-up sums. And sums as ``np.bincount`` makes them, value
after value (:func:`ordered_row_sums`: the model's and the firms' set-up totals, per
prefecture)."""

import numpy as np


cdef extern from *:
    """
    #include "pairwise_sum.h"
    KS_PAIRWISE_SUM(incentsim_pairwise_f, float, static)
    KS_PAIRWISE_SUM(incentsim_pairwise_d, double, static)
    """
    float incentsim_pairwise_f(const float *a, Py_ssize_t n) nogil
    double incentsim_pairwise_d(const double *a, Py_ssize_t n) nogil


def row_sums(const float[:, ::1] x):
    """Each row's sum, float32: the bits of ``x.sum(axis=1)``."""
    cdef Py_ssize_t k, rows = x.shape[0], n = x.shape[1]
    cdef float zero = 0.0
    out_array = np.zeros(rows, np.float32)
    cdef float[::1] out = out_array
    if n == 0:
        return out_array
    with nogil:
        for k in range(rows):
            out[k] = zero + incentsim_pairwise_f(&x[k, 0], n)
    return out_array


def segment_sums(const double[::1] x, const Py_ssize_t[::1] counts):
    """The sums of consecutive segments of ``x``, ``counts[i]`` values each (together
    all of ``x``): the bits of ``x[start:start + counts[i]].sum()`` for each."""
    cdef Py_ssize_t i, start = 0, total = 0
    cdef double zero = 0.0
    for i in range(counts.shape[0]):
        if counts[i] < 0:
            raise ValueError(f"count {counts[i]} < 0")
        total += counts[i]
    if total != x.shape[0]:
        raise ValueError(f"counts sum to {total}, not to the {x.shape[0]} values")
    out_array = np.zeros(counts.shape[0])
    cdef double[::1] out = out_array
    with nogil:
        for i in range(counts.shape[0]):
            if counts[i]:
                out[i] = zero + incentsim_pairwise_d(&x[start], counts[i])
            start += counts[i]
    return out_array


def ordered_row_sums(const double[:, ::1] x):
    """Each row's sum, its values added one after another to 0.0: the bits of
    ``np.bincount(row, x.ravel())`` with ``row`` each value's row (a quarter of its
    time: no weights converted, no bins looked up)."""
    cdef Py_ssize_t k, j, rows = x.shape[0], n = x.shape[1]
    cdef double total
    out_array = np.zeros(rows)
    cdef double[::1] out = out_array
    with nogil:
        for k in range(rows):
            total = 0.0
            for j in range(n):
                total = total + x[k, j]
            out[k] = total
    return out_array
