# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""New leaders' trait draws, compiled (:meth:`incentsim.agents.leader.LeaderPopulation.appoint`):
each leader's eight values drawn from its member's stream by numpy's own distributions
(``numpy.random.c_distributions``, the functions behind ``Generator.random``,
``standard_normal``, ``beta`` and ``integers``), so the numbers equal those of the
``Generator`` calls made leader by leader in Python (which cost 0.8 of a small
ensemble's 22 ms per member: five calls a leader)."""

import numpy as np

from cpython.pycapsule cimport PyCapsule_GetPointer
from libc.stdint cimport int64_t, intptr_t, uint64_t
from numpy.random cimport bitgen_t
from numpy.random.c_distributions cimport (
    random_beta,
    random_bounded_uint64,
    random_standard_normal,
    random_standard_uniform_fill,
)


def bitgens(list generators):
    """The C interface (``bitgen_t *``) of each generator's bit generator, as addresses
    (valid while the generators live)."""
    cdef Py_ssize_t s
    cdef intptr_t[::1] out = np.empty(len(generators), np.intp)
    for s in range(len(generators)):
        out[s] = <intptr_t>PyCapsule_GetPointer(
            generators[s].bit_generator.capsule, "BitGenerator"
        )
    return np.asarray(out)


def traits(
    const intptr_t[::1] streams,
    const intptr_t[::1] member,
    const double[::1] shape,
    const int64_t[::1] term_length,
    bint initial,
    double[:, ::1] out,
):
    """Row ``i`` of ``out`` (eight columns): leader ``i``'s draws from the stream
    ``streams[member[i]]``: three uniforms (insider, connected, unused), the age's
    normal, ability's, ``Beta(shape[i], shape[i])``, the perception's normal and, when
    ``initial``, an integer in ``[0, term_length[i])`` (else 0). Leaders draw one after
    another, in row order."""
    cdef Py_ssize_t i, n = out.shape[0]
    cdef bitgen_t *g
    if member.shape[0] != n or shape.shape[0] != n or term_length.shape[0] != n:
        raise ValueError("member, shape, term_length and out need a row per leader")
    if out.shape[1] != 8:
        raise ValueError("out needs eight columns")
    for i in range(n):
        if member[i] < 0 or member[i] >= streams.shape[0]:
            raise ValueError(f"member {member[i]} has no stream")
        if initial and term_length[i] < 1:
            raise ValueError(f"term length {term_length[i]} < 1")
    with nogil:
        for i in range(n):
            g = <bitgen_t *>streams[member[i]]
            random_standard_uniform_fill(g, 3, &out[i, 0])
            out[i, 3] = random_standard_normal(g)
            out[i, 4] = random_standard_normal(g)
            out[i, 5] = random_beta(g, shape[i], shape[i])
            out[i, 6] = random_standard_normal(g)
            # Generator.integers(0, term_length): the closed range [0, term_length - 1]
            out[i, 7] = <double>random_bounded_uint64(
                g, 0, <uint64_t>(term_length[i] - 1), 0, False
            ) if initial else 0.0
