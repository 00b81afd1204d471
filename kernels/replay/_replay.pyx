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


cdef class Ring:
    """Pointers into one buffer's arrays plus the fast add/sample of a uniform ring."""

    cdef readonly object arrays           # keeps the arrays alive
    cdef char* obs
    cdef char* next_obs
    cdef char* act
    cdef float* rew
    cdef uint8_t* term
    cdef uint8_t* trunc
    cdef int64_t* state
    cdef int64_t cap
    cdef Py_ssize_t obs_dim, obs_bytes, act_dim, act_bytes
    cdef int obs_type, act_type, obs_nd, act_nd
    cdef cnp.npy_intp obs_shape[8]
    cdef cnp.npy_intp act_shape[8]
    cdef public bint validate
    cdef object tcls                      # the NamedTuple class of a sample
    cdef object rng                       # Generator whose bit generator is cached
    cdef bitgen_t* bitgen
    # prioritized
    cdef bint per
    cdef double* sum_tree
    cdef double* min_tree
    cdef double* pstate
    cdef int64_t cap2

    cdef int _check_state(self) except -1:
        """Raise unless state = [pos, size] is in range: every fast path indexes rows with it, and the
        arrays are public (a corrupt state must be an error here, not a write out of bounds)."""
        cdef int64_t pos = self.state[0], size = self.state[1]
        if not (0 <= size <= self.cap and 0 <= pos < self.cap):
            raise ValueError(f"buffer state [pos, size] = [{pos}, {size}] is out of range for capacity "
                             f"{self.cap}; the buffer's arrays were modified")
        return 0

    def __init__(self, cnp.ndarray obs, cnp.ndarray act, cnp.ndarray rew, cnp.ndarray next_obs,
                 cnp.ndarray term, cnp.ndarray trunc, cnp.ndarray state, obs_shape, action_shape,
                 bint validate, tcls):
        cdef int k
        for a, t in ((rew, cnp.NPY_FLOAT32), (term, cnp.NPY_BOOL), (trunc, cnp.NPY_BOOL), (state, cnp.NPY_INT64),
                     (obs, cnp.PyArray_TYPE(obs)), (next_obs, cnp.PyArray_TYPE(obs)), (act, cnp.PyArray_TYPE(act))):
            if not _native_ok(a, t):
                raise TypeError("Ring: storage arrays must be native-endian, C-contiguous and of the expected dtype")
        for t in (cnp.PyArray_TYPE(obs), cnp.PyArray_TYPE(act)):  # finite checks exist for these floats only
            if not (cnp.PyTypeNum_ISBOOL(t) or cnp.PyTypeNum_ISINTEGER(t) or t == cnp.NPY_FLOAT32
                    or t == cnp.NPY_FLOAT64):
                raise TypeError("Ring: observations and actions must be bool, integer, float32 or float64")
        if len(obs_shape) > 8 or len(action_shape) > 8:
            raise ValueError("Ring: at most 8 dimensions")
        self.arrays = (obs, act, rew, next_obs, term, trunc, state)
        self.obs = cnp.PyArray_BYTES(obs)
        self.next_obs = cnp.PyArray_BYTES(next_obs)
        self.act = cnp.PyArray_BYTES(act)
        self.rew = <float*>cnp.PyArray_DATA(rew)
        self.term = <uint8_t*>cnp.PyArray_DATA(term)
        self.trunc = <uint8_t*>cnp.PyArray_DATA(trunc)
        self.state = <int64_t*>cnp.PyArray_DATA(state)
        self.cap = cnp.PyArray_DIM(obs, 0)
        self.obs_type = cnp.PyArray_TYPE(obs)
        self.act_type = cnp.PyArray_TYPE(act)
        self.obs_dim = cnp.PyArray_DIM(obs, 1)
        self.obs_bytes = self.obs_dim * cnp.PyArray_ITEMSIZE(obs)
        self.act_dim = cnp.PyArray_DIM(act, 1) if cnp.PyArray_NDIM(act) == 2 else 0
        self.act_bytes = max(self.act_dim, 1) * cnp.PyArray_ITEMSIZE(act)
        self.obs_nd = len(obs_shape)
        for k in range(self.obs_nd):
            self.obs_shape[k] = obs_shape[k]
        self.act_nd = len(action_shape)
        for k in range(self.act_nd):
            self.act_shape[k] = action_shape[k]
        self.validate = validate
        self.tcls = tcls
        self.rng = None
        self.per = False

    def set_prioritized(self, cnp.ndarray sum_tree, cnp.ndarray min_tree, cnp.ndarray pstate, tcls):
        """Turn on the PER paths (add also sets the new leaf; :meth:`per_sample`, :meth:`per_update`)."""
        for a in (sum_tree, min_tree, pstate):
            if not _native_ok(a, cnp.NPY_FLOAT64):
                raise TypeError("Ring: trees must be native float64, C-contiguous")
        self.arrays = self.arrays + (sum_tree, min_tree, pstate)
        self.sum_tree = <double*>cnp.PyArray_DATA(sum_tree)
        self.min_tree = <double*>cnp.PyArray_DATA(min_tree)
        self.pstate = <double*>cnp.PyArray_DATA(pstate)
        self.cap2 = cnp.PyArray_DIM(sum_tree, 0) // 2
        self.tcls = tcls
        self.per = True

    # ------------------------------------------------------------------ add
    cdef inline bint _obs_ok(self, o):
        """o is an ndarray of exactly the storage dtype and observation shape."""
        cdef cnp.ndarray a
        cdef int k
        if not cnp.PyArray_Check(o):
            return False
        a = <cnp.ndarray>o
        if not _native_ok(a, self.obs_type) or cnp.PyArray_NDIM(a) != self.obs_nd:
            return False
        for k in range(self.obs_nd):
            if cnp.PyArray_DIM(a, k) != self.obs_shape[k]:
                return False
        return not self.validate or _all_finite(cnp.PyArray_BYTES(a), self.obs_dim, self.obs_type)

    def add(self, obs, action, reward, next_obs, terminated, truncated=False):
        """Store one transition if every input is on the fast path and valid; returns the row,
        or −1 when nothing was done (the caller's validating path then handles the inputs).
        ``truncated=None`` leaves the row's truncation flag unchanged."""
        cdef int64_t ai = 0, pos
        cdef double ad = 0.0, r
        cdef float af
        cdef int overflow = 0, d, t, k
        cdef cnp.ndarray aa = None
        self._check_state()
        if not (self._obs_ok(obs) and self._obs_ok(next_obs)):
            return -1
        # reward: float(reward) for Python and NumPy real scalars
        if PyFloat_Check(reward):
            r = PyFloat_AS_DOUBLE(reward)
        elif PyLong_Check(reward) or isinstance(reward, (_np_floating, _np_integer)):
            try:
                r = PyFloat_AsDouble(reward)
            except (OverflowError, TypeError, ValueError):
                return -1
        else:
            return -1
        if self.validate and not isfinite(r):
            return -1
        # action
        if self.act_dim == 0 and self.act_nd == 0:
            if self.act_type == cnp.NPY_INT64 and (PyLong_Check(action) or isinstance(action, _np_integer)):
                try:
                    ai = PyLong_AsLongLongAndOverflow(action, &overflow)
                except (OverflowError, TypeError, ValueError):
                    return -1
                if overflow:
                    return -1
            elif (self.act_type == cnp.NPY_FLOAT32 or self.act_type == cnp.NPY_FLOAT64) and PyFloat_Check(action):
                ad = PyFloat_AS_DOUBLE(action)
                af = <float>ad
                if self.validate and not (isfinite(af) if self.act_type == cnp.NPY_FLOAT32 else isfinite(ad)):
                    return -1
            else:
                return -1
        else:
            if not cnp.PyArray_Check(action):
                return -1
            aa = <cnp.ndarray>action
            if not _native_ok(aa, self.act_type) or cnp.PyArray_NDIM(aa) != self.act_nd:
                return -1
            for k in range(self.act_nd):
                if cnp.PyArray_DIM(aa, k) != self.act_shape[k]:
                    return -1
            if self.validate and not _all_finite(cnp.PyArray_BYTES(aa), self.act_dim, self.act_type):
                return -1
        d = PyObject_IsTrue(terminated)
        t = -1 if truncated is None else PyObject_IsTrue(truncated)
        # every check passed: write row pos (replay_add / per_add)
        pos = self.state[0]
        # memmove: the input may be a row of the storage itself
        memmove(self.obs + pos * self.obs_bytes, cnp.PyArray_BYTES(<cnp.ndarray>obs), self.obs_bytes)
        if self.act_dim == 0 and self.act_nd == 0:
            if self.act_type == cnp.NPY_INT64:
                (<int64_t*>self.act)[pos] = ai
            elif self.act_type == cnp.NPY_FLOAT32:
                (<float*>self.act)[pos] = <float>ad
            else:
                (<double*>self.act)[pos] = ad
        else:
            memmove(self.act + pos * self.act_bytes, cnp.PyArray_BYTES(aa), self.act_bytes)
        self.rew[pos] = <float>r
        memmove(self.next_obs + pos * self.obs_bytes, cnp.PyArray_BYTES(<cnp.ndarray>next_obs), self.obs_bytes)
        self.term[pos] = d
        if t >= 0:  # None: leave the truncation flag as it is (add_batch sets them first)
            self.trunc[pos] = t
        self.state[0] = (pos + 1) % self.cap
        if self.state[1] < self.cap:
            self.state[1] += 1
        if self.per:
            _tree_set(self.sum_tree, self.min_tree, self.cap2, pos, self.pstate[0])
        return pos

    # ------------------------------------------------------------------ sample
    cdef bint _bind(self, rng) except -1:
        """Cache the bit generator of ``rng``; False if it is not a ``numpy.random.Generator``."""
        try:
            cap = rng.bit_generator.capsule
        except AttributeError:
            return False
        self.bitgen = <bitgen_t*>PyCapsule_GetPointer(cap, "BitGenerator")
        self.rng = rng
        return True

    cdef int64_t _batch(self, batch_size) except -2:
        """The batch size if it is a valid one (int, 1 ≤ B ≤ size), else −1."""
        cdef int overflow = 0
        cdef int64_t B
        if type(batch_size) is bool or not (PyLong_Check(batch_size) or isinstance(batch_size, _np_integer)):
            return -1
        B = PyLong_AsLongLongAndOverflow(batch_size, &overflow)
        self._check_state()
        if overflow or B <= 0 or B > self.state[1]:
            return -1
        return B

    cdef inline cnp.ndarray _empty(self, int64_t B, int which):
        """A fresh (B, ...) output array: 0 obs, 1 actions, 2 float32, 3 bool, 4 int64."""
        cdef cnp.npy_intp dims[9]
        cdef int k
        dims[0] = B
        if which == 0:
            for k in range(self.obs_nd):
                dims[k + 1] = self.obs_shape[k]
            return cnp.PyArray_EMPTY(self.obs_nd + 1, dims, self.obs_type, 0)
        if which == 1:
            for k in range(self.act_nd):
                dims[k + 1] = self.act_shape[k]
            return cnp.PyArray_EMPTY(self.act_nd + 1, dims, self.act_type, 0)
        return cnp.PyArray_EMPTY(1, dims, cnp.NPY_FLOAT32 if which == 2 else
                                 (cnp.NPY_BOOL if which == 3 else cnp.NPY_INT64), 0)

    cdef void _gather(self, const int64_t* idx, int64_t B, char* o, char* a, float* r, char* o2,
                      uint8_t* d) noexcept nogil:
        cdef int64_t k, i
        cdef Py_ssize_t ob = self.obs_bytes, ab = self.act_bytes
        for k in range(B):
            i = idx[k]
            memcpy(o + k * ob, self.obs + i * ob, ob)
            memcpy(a + k * ab, self.act + i * ab, ab)
            r[k] = self.rew[i]
            memcpy(o2 + k * ob, self.next_obs + i * ob, ob)
            d[k] = self.term[i]

    cdef int64_t* _uniform_indices(self, int64_t B, int64_t size, int64_t* stack) except NULL:
        """B row indices floor(u·size), u from the bound Generator (as ``replay_sample_into``),
        written to ``stack`` or, when B > STACK, to a malloc'ed array the caller frees."""
        cdef int64_t k, i
        cdef int64_t* idx = stack
        if B > STACK:
            idx = <int64_t*>malloc(B * sizeof(int64_t))
            if idx == NULL:
                raise MemoryError()
        for k in range(B):
            i = <int64_t>(self.bitgen.next_double(self.bitgen.state) * <double>size)
            idx[k] = i if i < size else size - 1
        return idx

    def sample(self, batch_size, rng):
        """Uniform sample as ``replay_sample_into`` with ``u = rng.random(B)``; None when
        ``batch_size`` is not a valid int in [1, size] (nothing drawn then)."""
        cdef int64_t B = self._batch(batch_size)
        cdef int64_t size = self.state[1]
        cdef int64_t stack[STACK]
        cdef int64_t* idx = stack
        cdef cnp.ndarray o, a, r, o2, d
        if B < 0:
            return None
        if rng is not self.rng and not self._bind(rng):
            return None
        o = self._empty(B, 0)
        a = self._empty(B, 1)
        r = self._empty(B, 2)
        o2 = self._empty(B, 0)
        d = self._empty(B, 3)
        idx = self._uniform_indices(B, size, stack)
        self._gather(idx, B, cnp.PyArray_BYTES(o), cnp.PyArray_BYTES(a), <float*>cnp.PyArray_DATA(r),
                     cnp.PyArray_BYTES(o2), <uint8_t*>cnp.PyArray_DATA(d))
        if idx != stack:
            free(idx)
        return _tuple_new(self.tcls, (o, a, r, o2, d))

    def nstep_sample(self, batch_size, rng, int64_t n, double gamma, tcls):
        """n-step sample as ``replay_sample_nstep_into`` with ``u = rng.random(B)`` (same rows,
        windows, returns and discounts); None when ``batch_size`` is not a valid int in [1, size]."""
        cdef int64_t B = self._batch(batch_size)
        cdef int64_t k, i, j, s, m, avail, size = self.state[1], cap = self.cap, oldest
        cdef int64_t stack[STACK]
        cdef int64_t* idx = stack
        cdef cnp.ndarray o, a, r, o2, d, g
        cdef double ret, gg
        cdef bint done
        cdef Py_ssize_t ob = self.obs_bytes, ab = self.act_bytes
        cdef char* po
        cdef char* pa
        cdef char* po2
        cdef float* pr
        cdef float* pg
        cdef uint8_t* pd
        if B < 0:
            return None
        if rng is not self.rng and not self._bind(rng):
            return None
        o = self._empty(B, 0)
        a = self._empty(B, 1)
        r = self._empty(B, 2)
        o2 = self._empty(B, 0)
        d = self._empty(B, 3)
        g = self._empty(B, 2)
        po, pa, po2 = cnp.PyArray_BYTES(o), cnp.PyArray_BYTES(a), cnp.PyArray_BYTES(o2)
        pr, pg, pd = <float*>cnp.PyArray_DATA(r), <float*>cnp.PyArray_DATA(g), <uint8_t*>cnp.PyArray_DATA(d)
        idx = self._uniform_indices(B, size, stack)
        oldest = self.state[0] if size == cap else 0
        for k in range(B):  # replay_nstep_gather
            i = idx[k]
            avail = size - ((i - oldest) % cap + cap) % cap  # rows from i to the newest (Python's %)
            m = n if n < avail else avail
            gg = 1.0
            ret = 0.0
            j = i
            done = False
            for s in range(m):
                j = (i + s) % cap
                ret += gg * <double>self.rew[j]
                gg *= gamma
                if self.term[j]:
                    done = True
                    break
                if self.trunc[j]:
                    break
            memcpy(po + k * ob, self.obs + i * ob, ob)
            memcpy(pa + k * ab, self.act + i * ab, ab)
            pr[k] = <float>ret
            memcpy(po2 + k * ob, self.next_obs + j * ob, ob)
            pd[k] = done
            pg[k] = <float>(0.0 if done else gg)
        if idx != stack:
            free(idx)
        return _tuple_new(tcls, (o, a, r, o2, d, g))

    # ------------------------------------------------------------------ prioritized
    def per_sample(self, batch_size, rng, double beta):
        """``per_sample_into`` with ``u = rng.random(B)`` (stratified descent, IS weights);
        None for an invalid batch size or a total priority that is 0 or not finite."""
        cdef int64_t B = self._batch(batch_size)
        cdef int64_t k, i, n, size = self.state[1], cap2 = self.cap2
        cdef double total, seg, p_min, max_w, left, fsize
        cdef int64_t right
        cdef double* s = self.sum_tree
        cdef double mstack[STACK]
        cdef double* mass = mstack
        cdef int64_t* idx
        cdef float* w
        cdef cnp.ndarray o, a, r, o2, d, wa, ia
        if B < 0 or not self.per:
            return None
        total = s[1]
        if not (total > 0.0) or not isfinite(total):
            return None
        if rng is not self.rng and not self._bind(rng):
            return None
        o = self._empty(B, 0)
        a = self._empty(B, 1)
        r = self._empty(B, 2)
        o2 = self._empty(B, 0)
        d = self._empty(B, 3)
        wa = self._empty(B, 2)
        ia = self._empty(B, 4)
        idx = <int64_t*>cnp.PyArray_DATA(ia)
        w = <float*>cnp.PyArray_DATA(wa)
        if B > STACK:
            mass = <double*>malloc(B * sizeof(double))
            if mass == NULL:
                raise MemoryError()
        seg = total / <double>B
        p_min = self.min_tree[1] / total
        fsize = <double>size
        max_w = pow(fsize * p_min, -beta)
        for k in range(B):
            mass[k] = (<double>k + self.bitgen.next_double(self.bitgen.state)) * seg
            idx[k] = 1
        # descend all B paths level by level: independent loads, so cache misses overlap
        n = 1
        while n < cap2:
            for k in range(B):  # branch-free (the direction is a coin flip for the predictor)
                i = idx[k]
                left = s[2 * i]
                right = not (mass[k] < left)
                mass[k] -= left * <double>right  # exact: the total is finite, so left is finite and ≥ 0
                idx[k] = 2 * i + right
            n *= 2
        for k in range(B):
            i = idx[k] - cap2
            if i >= size:
                i = size - 1
            while s[cap2 + i] <= 0.0 and i > 0:
                i -= 1
            idx[k] = i
            w[k] = <float>(pow(fsize * (s[cap2 + i] / total), -beta) / max_w)
        if mass != mstack:
            free(mass)
        self._gather(idx, B, cnp.PyArray_BYTES(o), cnp.PyArray_BYTES(a), <float*>cnp.PyArray_DATA(r),
                     cnp.PyArray_BYTES(o2), <uint8_t*>cnp.PyArray_DATA(d))
        return _tuple_new(self.tcls, (o, a, r, o2, d, wa, ia))

    def per_update(self, indices, priorities, double alpha, double eps):
        """``per_update_checked`` for an int64 and a float64 1-D array of equal length: returns
        True when applied; False (nothing changed) for other inputs or any bad entry."""
        cdef cnp.ndarray ix, pr
        cdef int64_t B, k, i, n, size = self.state[1], cap2 = self.cap2
        cdef Py_ssize_t si, sp
        cdef const char* pi
        cdef const char* pp
        cdef double p, pa, x, y
        cdef double* s = self.sum_tree
        cdef double* m = self.min_tree
        cdef int64_t nstack[STACK]
        cdef int64_t* node = nstack
        if not self.per or not cnp.PyArray_Check(indices) or not cnp.PyArray_Check(priorities):
            return False
        self._check_state()
        ix = <cnp.ndarray>indices
        pr = <cnp.ndarray>priorities
        if (cnp.PyArray_NDIM(ix) != 1 or cnp.PyArray_NDIM(pr) != 1 or cnp.PyArray_TYPE(ix) != cnp.NPY_INT64
                or cnp.PyArray_TYPE(pr) != cnp.NPY_FLOAT64 or not cnp.PyArray_ISNOTSWAPPED(ix)
                or not cnp.PyArray_ISNOTSWAPPED(pr) or not cnp.PyArray_ISALIGNED(ix) or not cnp.PyArray_ISALIGNED(pr)):
            return False
        B = cnp.PyArray_DIM(ix, 0)
        if cnp.PyArray_DIM(pr, 0) != B:
            return False
        pi = cnp.PyArray_BYTES(ix)
        pp = cnp.PyArray_BYTES(pr)
        si = cnp.PyArray_STRIDE(ix, 0)
        sp = cnp.PyArray_STRIDE(pr, 0)
        for k in range(B):  # validate everything first
            i = (<const int64_t*>(pi + k * si))[0]
            p = (<const double*>(pp + k * sp))[0]
            if i < 0 or i >= size or not isfinite(p) or p < 0 or p + eps <= 0:
                return False
        if B > STACK:
            node = <int64_t*>malloc(B * sizeof(int64_t))
            if node == NULL:
                raise MemoryError()
        for k in range(B):  # leaves in order (a repeated index: the later entry wins)
            i = (<const int64_t*>(pi + k * si))[0]
            pa = pow((<const double*>(pp + k * sp))[0] + eps, alpha)
            n = cap2 + i
            s[n] = pa
            m[n] = pa
            node[k] = n >> 1
            if pa > self.pstate[0]:
                self.pstate[0] = pa
        # ancestors level by level (each node = its children's sum/min: same tree as one path at a time)
        n = cap2 >> 1
        while n >= 1:
            for k in range(B):
                i = node[k]
                s[i] = s[2 * i] + s[2 * i + 1]
                x = m[2 * i]
                y = m[2 * i + 1]
                m[i] = y if y < x else x
                node[k] = i >> 1
            n >>= 1
        if node != nstack:
            free(node)
        return True
