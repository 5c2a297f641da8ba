# What the Cython wrappers of the compiled population steps (_citizens_kernel.pyx,
# _firms_kernel.pyx) and leaders' choice (_forecast_kernel.pyx) share; included into each.

import threading

import numpy as np

from cpython.pycapsule cimport PyCapsule_GetPointer
from libc.stdint cimport intptr_t, uint32_t, uint64_t


cdef extern from "kernel_math.h" nogil:
    ctypedef struct ks_bitgen:
        void *state
        uint64_t (*next_uint64)(void *st) noexcept nogil
        uint32_t (*next_uint32)(void *st) noexcept nogil
        double (*next_double)(void *st) noexcept nogil
        uint64_t (*next_raw)(void *st) noexcept nogil
    ctypedef struct ks_sfc64:
        pass

#: each thread's scratch memory (grown to the largest chunk it steps, then reused)
_scratch = threading.local()

#: numpy's SFC64 functions (from a bit generator made for the purpose; they are the
#: module's, not the instance's)
cdef ks_bitgen _SFC64 = (<ks_bitgen *>PyCapsule_GetPointer(
    np.random.SFC64(0).capsule, "BitGenerator"
))[0]


cdef float[::1] _scratch_of(Py_ssize_t slots):
    """This thread's scratch of at least ``slots`` 4-byte slots."""
    buf = getattr(_scratch, "buf", None)
    if buf is None or len(buf) < slots:
        buf = _scratch.buf = np.empty(slots, np.float32)
    return buf


cdef intptr_t[::1] _states(list streams):
    """The state of each numpy SFC64 bit generator in ``streams`` (the kernels'
    ``ks_sfc64 *``, which they step themselves: kernel_math.h's ks_next), as addresses:
    at least one slot. A stream whose functions are not SFC64's is refused (TypeError):
    the kernels would step its state as SFC64's."""
    cdef Py_ssize_t s
    cdef ks_bitgen *g
    cdef intptr_t[::1] out = np.empty(max(len(streams), 1), np.intp)
    for s in range(len(streams)):
        g = <ks_bitgen *>PyCapsule_GetPointer(streams[s].capsule, "BitGenerator")
        if (g.next_raw != _SFC64.next_raw or g.next_uint64 != _SFC64.next_uint64
                or g.next_uint32 != _SFC64.next_uint32 or g.next_double != _SFC64.next_double):
            raise TypeError(
                f"stream {s} is a {type(streams[s]).__name__}: the kernels draw from"
                " numpy's SFC64 only"
            )
        out[s] = <intptr_t>g.state
    return out
