# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""C fast paths for the Python-side calls of ``fastfa.buffers`` (add, sample, PER update).

A :class:`Ring` holds raw pointers into the SAME preallocated arrays that the Numba
kernels of ``fastfa.kernels.replay.replay`` use (``buf.storage``), so Python-side calls and
jitted calls interleave freely.  Every fast path computes exactly what the Numba
kernel computes (same row arithmetic, same float operations, same uniforms drawn
through the Generator's own ``next_double``), so results are bit-identical.

The fast paths only accept the common, already-correct inputs (ndarrays of the
storage dtype and shape, Python/NumPy scalars); anything else, and every input
that fails a check, makes them return ``False``/``None`` *before* anything is
written or drawn, and ``fastfa.buffers`` takes its validating path, which raises
the error with its usual message.
"""
from libc.math cimport isfinite, pow
from libc.stdint cimport int64_t, uint8_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memmove
from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_AsDouble, PyFloat_Check
from cpython.long cimport PyLong_AsLongLongAndOverflow, PyLong_Check
from cpython.object cimport PyObject_IsTrue
from cpython.pycapsule cimport PyCapsule_GetPointer

cimport numpy as cnp
from numpy.random cimport bitgen_t

import numpy as np

cnp.import_array()

cdef object _np_integer = np.integer
cdef object _np_floating = np.floating
cdef object _tuple_new = tuple.__new__

DEF STACK = 512   # batch sizes up to this use stack scratch space

cdef int FAST_FLAGS = cnp.NPY_ARRAY_C_CONTIGUOUS | cnp.NPY_ARRAY_ALIGNED


cdef inline bint _native_ok(cnp.ndarray a, int typenum):
    """a has dtype ``typenum`` in native byte order, C-contiguous and aligned."""
    return (cnp.PyArray_TYPE(a) == typenum and cnp.PyArray_ISNOTSWAPPED(a)
            and (cnp.PyArray_FLAGS(a) & FAST_FLAGS) == FAST_FLAGS)


cdef inline bint _all_finite(const char* p, Py_ssize_t n, int typenum) noexcept nogil:
    cdef Py_ssize_t k
    cdef const float* f
    cdef const double* d
    if typenum == cnp.NPY_FLOAT32:
        f = <const float*>p
        for k in range(n):
            if not isfinite(f[k]):
                return False
    elif typenum == cnp.NPY_FLOAT64:
        d = <const double*>p
        for k in range(n):
            if not isfinite(d[k]):
                return False
    return True


cdef inline void _tree_set(double* s, double* m, int64_t cap2, int64_t i, double p) noexcept nogil:
    """``sumtree_set``: leaf i ← p, ancestors recomputed from their children."""
    cdef int64_t n = cap2 + i
    cdef double a, b
    s[n] = p
    m[n] = p
    n >>= 1
    while n >= 1:
        s[n] = s[2 * n] + s[2 * n + 1]
        a = m[2 * n]
        b = m[2 * n + 1]
        m[n] = b if b < a else a
        n >>= 1


# the Ring class, one concept per file: storage and add; uniform and n-step sampling; PER
include "_replay_store.pxi"

include "_replay_sample.pxi"

include "_replay_per.pxi"
