# Included by _replay.pyx (one Cython module): the arrays a Ring points into, and add.

cdef class _RingStore:
    """Pointers into one buffer's arrays (uniform and PER) and the fast ``add``."""

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
