# Included by _replay.pyx (one Cython module): uniform and n-step sampling.

cdef class _RingSample(_RingStore):
    """Uniform and n-step sampling from the ring (the Numba kernels' draws and arithmetic)."""

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
