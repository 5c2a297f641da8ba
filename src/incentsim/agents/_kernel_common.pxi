# What the Cython wrappers of the compiled population steps (_citizens_kernel.pyx,
# _firms_kernel.pyx) and leaders' choice (_forecast_kernel.pyx) share; included into each.

import threading

import numpy as np

from cpython.pycapsule cimport PyCapsule_GetPointer
from libc.stdint cimport intptr_t

#: each thread's scratch memory (grown to the largest chunk it steps, then reused)
_scratch = threading.local()


cdef float[::1] _scratch_of(Py_ssize_t slots):
    """This thread's scratch of at least ``slots`` 4-byte slots."""
    buf = getattr(_scratch, "buf", None)
    if buf is None or len(buf) < slots:
        buf = _scratch.buf = np.empty(slots, np.float32)
    return buf


cdef intptr_t[::1] _bitgens(list streams):
    """The C interface of each numpy bit generator in ``streams`` (numpy's
    ``bitgen_t *``, the kernels' ``ks_bitgen *``), as addresses: at least one slot."""
    cdef Py_ssize_t s
    cdef intptr_t[::1] out = np.empty(max(len(streams), 1), np.intp)
    for s in range(len(streams)):
        out[s] = <intptr_t>PyCapsule_GetPointer(streams[s].capsule, "BitGenerator")
    return out
