# Included by _replay.pyx (one Cython module): prioritized replay's sample and update; Ring, the class fastfa.buffers uses.

cdef class Ring(_RingSample):
    """Pointers into one buffer's arrays plus the fast add/sample of a uniform ring and of PER."""

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
