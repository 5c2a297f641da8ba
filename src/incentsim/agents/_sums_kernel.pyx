# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Row sums of float32 arrays as numpy sums them, compiled: each row's sum is numpy's
pairwise sum (``x.sum(axis=1)`` of a C-contiguous float32 array: blocks of at most 128
values, each summed with eight accumulators, halves split at multiples of eight, added
to a zero), the same bits, the eight accumulators one vector register where numpy's
loop adds them one by one. The recording's national means of citizens' columns use it
(:func:`incentsim.recording.outcome_rows`)."""

import numpy as np


cdef extern from *:
    """
    #include <stddef.h>
    /* numpy's FLOAT_pairwise_sum of n contiguous values (loops_utils.h.src) */
    static float incentsim_pairwise(const float *a, ptrdiff_t n) {
        if (n < 8) {
            float res = 0.0f;
            for (ptrdiff_t i = 0; i < n; i++) res += a[i];
            return res;
        }
        if (n <= 128) {
            float r[8];
            ptrdiff_t i;
            for (int j = 0; j < 8; j++) r[j] = a[j];
            for (i = 8; i < n - (n % 8); i += 8)
                for (int j = 0; j < 8; j++) r[j] += a[i + j];
            float res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) res += a[i];
            return res;
        }
        ptrdiff_t n2 = n / 2;
        n2 -= n2 % 8;
        return incentsim_pairwise(a, n2) + incentsim_pairwise(a + n2, n - n2);
    }
    """
    float incentsim_pairwise(const float *a, Py_ssize_t n) nogil


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
            out[k] = zero + incentsim_pairwise(&x[k, 0], n)
    return out_array
