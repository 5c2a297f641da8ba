# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Draws member by member, compiled, for the upper level and the model: the evaluation's
noise and uniforms (:func:`normals_then_uniforms`,
:meth:`incentsim.personnel.UpperLevel.evaluate`; the model's yearly shocks too,
:meth:`incentsim.model.IncentModel._shocks`), each member's order of vacancies
(:func:`permutations`, :meth:`incentsim.personnel.UpperLevel.turnover`) and new
leaders' traits (:func:`traits`,
:meth:`incentsim.agents.leader.LeaderPopulation.appoint`), citizens' random ties at
set-up (:func:`ties`, :meth:`incentsim.agents.citizens.CitizenPopulation._random_ties`)
and members' integers (:func:`integers`, :meth:`incentsim.seeding.MemberStreams.integers`). Each draws from its
member's stream with numpy's own distributions (``numpy.random.c_distributions``, the
functions behind ``Generator.standard_normal``, ``random``, ``permutation``, ``beta``
and ``integers``), so the numbers equal those of the ``Generator`` calls made member
by member and leader by leader in Python (which cost 1.5 of a small ensemble's 22 ms
per member: three calls per member and year, five per new leader)."""

import numpy as np

from cpython.pycapsule cimport PyCapsule_GetPointer
from libc.stdint cimport int32_t, int64_t, intptr_t, uint32_t, uint64_t
from numpy.random cimport bitgen_t
from numpy.random.c_distributions cimport (
    random_beta,
    random_bounded_uint64,
    random_interval,
    random_standard_normal,
    random_standard_normal_fill,
    random_standard_uniform_fill,
)


cdef intptr_t[::1] _pointers(list generators):
    """The C interface (``bitgen_t *``) of each generator's bit generator, as addresses:
    taken at each call, valid while it runs (at least one slot)."""
    cdef Py_ssize_t s
    cdef intptr_t[::1] out = np.empty(max(len(generators), 1), np.intp)
    for s in range(len(generators)):
        out[s] = <intptr_t>PyCapsule_GetPointer(
            generators[s].bit_generator.capsule, "BitGenerator"
        )
    return out


def traits(
    list generators,
    const intptr_t[::1] member,
    const double[::1] shape,
    const int64_t[::1] term_length,
    bint initial,
    double[:, ::1] out,
):
    """Row ``i`` of ``out`` (eight columns): leader ``i``'s draws from the generator
    ``generators[member[i]]``: three uniforms (insider, connected, unused), the age's
    normal, ability's, ``Beta(shape[i], shape[i])``, the perception's normal and, when
    ``initial``, an integer in ``[0, term_length[i])`` (else 0). Leaders draw one after
    another, in row order."""
    cdef Py_ssize_t i, n = out.shape[0]
    cdef bitgen_t *g
    cdef intptr_t[::1] streams = _pointers(generators)
    if member.shape[0] != n or shape.shape[0] != n or term_length.shape[0] != n:
        raise ValueError("member, shape, term_length and out need a row per leader")
    if out.shape[1] != 8:
        raise ValueError("out needs eight columns")
    for i in range(n):
        if member[i] < 0 or member[i] >= len(generators):
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


def permutations(list generators, const int64_t[::1] counts):
    """One permutation of ``range(counts[m])`` per member ``m``, drawn from
    ``generators[m]`` as ``Generator.permutation(counts[m])`` draws it (Fisher-Yates from
    the last place down, ``random_interval``), one after another in one array."""
    cdef Py_ssize_t m, i, j, start = 0, total = 0
    cdef int64_t temp
    cdef bitgen_t *g
    cdef intptr_t[::1] streams = _pointers(generators)
    if counts.shape[0] > len(generators):
        raise ValueError("a count per stream at most")
    for m in range(counts.shape[0]):
        if counts[m] < 0:
            raise ValueError(f"count {counts[m]} < 0")
        total += counts[m]
    out_array = np.empty(total, np.int64)
    cdef int64_t[::1] out = out_array
    with nogil:
        for m in range(counts.shape[0]):
            g = <bitgen_t *>streams[m]
            for i in range(counts[m]):
                out[start + i] = i
            for i in range(counts[m] - 1, 0, -1):
                j = <Py_ssize_t>random_interval(g, <uint64_t>i)
                temp = out[start + j]
                out[start + j] = out[start + i]
                out[start + i] = temp
            start += counts[m]
    return out_array


def normals_then_uniforms(list generators, Py_ssize_t normals, Py_ssize_t uniforms):
    """Each member's ``normals`` standard normals, then its ``uniforms`` uniforms on
    [0, 1), from its generator (``Generator.standard_normal(normals)`` then
    ``Generator.random(uniforms)``): (members x normals) and (members, uniforms) arrays,
    the members' blocks one after another."""
    cdef Py_ssize_t m, k = len(generators)
    cdef bitgen_t *g
    cdef intptr_t[::1] streams = _pointers(generators)
    if normals < 0 or uniforms < 0:
        raise ValueError("negative number of draws")
    z_array, u_array = np.empty(k * normals), np.empty((k, uniforms))
    cdef double[::1] z = z_array
    cdef double[:, ::1] u = u_array
    with nogil:
        for m in range(k):
            g = <bitgen_t *>streams[m]
            random_standard_normal_fill(g, normals, &z[m * normals])
            random_standard_uniform_fill(g, uniforms, &u[m, 0])
    return z_array, u_array


cdef inline uint32_t _bounded(bitgen_t *g, uint32_t rng) noexcept nogil:
    """A uniform integer in the closed range [0, rng] (rng below 2**32 - 1), drawn as
    numpy draws one (``buffered_bounded_lemire_uint32``: Lemire's multiply and reject on
    the bit generator's next 32-bit word, as ``Generator.integers`` does)."""
    cdef uint32_t rng_excl = rng + 1, leftover, threshold
    cdef uint64_t m = <uint64_t>g.next_uint32(g.state) * rng_excl
    leftover = <uint32_t>m
    if leftover < rng_excl:
        threshold = (<uint32_t>0xFFFFFFFF - rng) % rng_excl
        while leftover < threshold:
            m = <uint64_t>g.next_uint32(g.state) * rng_excl
            leftover = <uint32_t>m
    return <uint32_t>(m >> 32)


def ties(list generators, Py_ssize_t per, const int32_t[::1] first, int32_t[:, ::1] out):
    """Random ties of citizens in prefectures of ``per`` (at least 2) slots, into ``out``
    (one row per tie, one column per citizen; the members' blocks of whole prefectures
    one after another): member ``m`` draws its block of each row in turn, row by row,
    from ``generators[m]``, ``d`` as ``Generator.integers(1, per)`` draws it
    (:func:`_bounded`; none when ``per`` is 2: ``d`` is 1), and citizen ``j`` of
    prefecture ``p`` is tied to ``first[p] + (j + d) % per``."""
    cdef Py_ssize_t m, r, p, j, t, k = len(generators)
    cdef Py_ssize_t n_pref = first.shape[0], block
    cdef uint32_t rng = <uint32_t>(per - 2)
    cdef bitgen_t *g
    cdef int32_t *row
    cdef intptr_t[::1] streams = _pointers(generators)
    if per < 2 or per >= 2**31 or n_pref * per != out.shape[1] or k == 0 or n_pref % k:
        raise ValueError("ties need prefectures of 2 slots at least, in equal member blocks")
    block = n_pref // k
    with nogil:
        for m in range(k):
            g = <bitgen_t *>streams[m]
            for r in range(out.shape[0]):
                for p in range(m * block, (m + 1) * block):
                    row = &out[r, p * per]
                    for j in range(per):
                        t = j + 1 + (<Py_ssize_t>_bounded(g, rng) if rng else 0)
                        row[j] = <int32_t>(first[p] + (t - per if t >= per else t))



def integers(
    list generators, const int64_t[::1] low, const int64_t[::1] high, int64_t[:, ::1] out
):
    """Row ``m`` of ``out``: ``generators[m].integers(low[m], high[m], out.shape[1])``
    (int64), the same numbers: value by value, numpy's draw of the closed range
    [low, high - 1] (:func:`_bounded` below 2**32 - 1 values, else
    ``random_bounded_uint64``, which draws none for one value)."""
    cdef Py_ssize_t m, i, k = len(generators), n = out.shape[1]
    cdef uint64_t off, rng
    cdef bitgen_t *g
    cdef intptr_t[::1] streams = _pointers(generators)
    if low.shape[0] != k or high.shape[0] != k or out.shape[0] != k:
        raise ValueError("a row of out, a low and a high per generator")
    for m in range(k):
        if high[m] <= low[m]:
            raise ValueError(f"high {high[m]} <= low {low[m]}")
    with nogil:
        for m in range(k):
            g = <bitgen_t *>streams[m]
            off = <uint64_t>low[m]
            rng = <uint64_t>high[m] - off - 1
            if rng > 0 and rng < <uint64_t>0xFFFFFFFF:
                for i in range(n):
                    out[m, i] = <int64_t>(off + _bounded(g, <uint32_t>rng))
            else:
                for i in range(n):
                    out[m, i] = <int64_t>random_bounded_uint64(g, off, rng, 0, False)

# numpy's SeedSequence constants (numpy/random/bit_generator.pyx)
cdef uint32_t INIT_A = 0x43b0d7e5, MULT_A = 0x931e8875
cdef uint32_t INIT_B = 0x8b51f9dd, MULT_B = 0x58f38ded
cdef uint32_t MIX_MULT_L = 0xca01f9dd, MIX_MULT_R = 0x4973f715
cdef enum:
    POOL = 4  # the words of a seed sequence's pool (numpy's default pool size)


cdef inline uint32_t _hashmix(uint32_t value, uint32_t *hash_const) noexcept nogil:
    value ^= hash_const[0]
    hash_const[0] *= MULT_A
    value *= hash_const[0]
    value ^= value >> 16
    return value


cdef inline uint32_t _mix(uint32_t x, uint32_t y) noexcept nogil:
    cdef uint32_t result = MIX_MULT_L * x - MIX_MULT_R * y
    result ^= result >> 16
    return result


def seed_states(const uint32_t[:, ::1] entropy, Py_ssize_t n_words):
    """For each row of ``entropy`` (a seed sequence's entropy as numpy assembles it into
    32-bit words, at least its pool's 4), ``SeedSequence.generate_state(n_words,
    np.uint64)``: numpy's mixing of the words into the pool, then its hashing of the pool
    into the state's words, as (rows, n_words) uint64."""
    cdef Py_ssize_t r, i, src, dst, width = entropy.shape[1]
    cdef uint32_t h
    cdef uint32_t pool[POOL]
    cdef uint32_t lo, hi
    if width < POOL or n_words < 0:
        raise ValueError(f"entropy of {POOL} words at least, and a number of words")
    out_array = np.empty((entropy.shape[0], n_words), np.uint64)
    cdef uint64_t[:, ::1] out = out_array
    with nogil:
        for r in range(entropy.shape[0]):
            h = INIT_A
            for i in range(POOL):
                pool[i] = _hashmix(entropy[r, i], &h)
            for src in range(POOL):
                for dst in range(POOL):
                    if src != dst:
                        pool[dst] = _mix(pool[dst], _hashmix(pool[src], &h))
            for src in range(POOL, width):
                for dst in range(POOL):
                    pool[dst] = _mix(pool[dst], _hashmix(entropy[r, src], &h))
            h = INIT_B
            for i in range(n_words):
                lo = pool[(2 * i) % POOL] ^ h
                h *= MULT_B
                lo *= h
                lo ^= lo >> 16
                hi = pool[(2 * i + 1) % POOL] ^ h
                h *= MULT_B
                hi *= h
                hi ^= hi >> 16
                out[r, i] = <uint64_t>lo | (<uint64_t>hi << 32)
    return out_array
