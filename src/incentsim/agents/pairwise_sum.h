/* numpy's pairwise sum of n contiguous values, the same bits: what ``np.add.reduce``
 * (``x.sum()``, ``.sum(axis=1)`` of each contiguous row) gives for float32 and float64
 * (numpy's FLOAT_ and DOUBLE_pairwise_sum, loops_utils.h.src). In blocks of at most 128
 * (a longer run split in two at a multiple of 8), each block summed by eight running
 * sums (x[j] into sum j % 8) added as ((0 + 1) + (2 + 3)) + ((4 + 5) + (6 + 7)), then
 * its last n % 8 one by one; fewer than 8 are summed one by one from -0. numpy adds the
 * result to its initial 0: callers add 0 too.
 *
 * KS_PAIRWISE_SUM(NAME, T, ATTRS) defines ``ATTRS T NAME(const T *x, intptr_t n)``
 * (ATTRS: e.g. ``static``, or KS_CLONES static to clone it for the instruction sets the
 * caller is cloned for: the running sums become one vector, the same numbers). Used by
 * citizens_kernel.h (per-prefecture means in the citizens' pass) and _sums_kernel.pyx
 * (the recording's sums). */
#ifndef INCENTSIM_PAIRWISE_SUM_H
#define INCENTSIM_PAIRWISE_SUM_H

#include <stdint.h>

#define KS_PAIRWISE_SUM(NAME, T, ATTRS)                                                  \
    ATTRS T NAME(const T *x, intptr_t n) {                                               \
        if (n < 8) {                                                                     \
            T s = -0.0;                                                                  \
            for (intptr_t j = 0; j < n; j++)                                             \
                s += x[j];                                                               \
            return s;                                                                    \
        }                                                                                \
        if (n > 128) {                                                                   \
            const intptr_t half = n / 2 - (n / 2) % 8;                                   \
            return NAME(x, half) + NAME(x + half, n - half);                             \
        }                                                                                \
        T r[8];                                                                          \
        intptr_t j = 8;                                                                  \
        for (int l = 0; l < 8; l++)                                                      \
            r[l] = x[l];                                                                 \
        for (; j < n - n % 8; j += 8)                                                    \
            for (int l = 0; l < 8; l++)                                                  \
                r[l] += x[j + l];                                                        \
        T s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));         \
        for (; j < n; j++)                                                               \
            s += x[j];                                                                   \
        return s;                                                                        \
    }

#endif
