# Included by _tiles3.pyx (textually, at its place in that file): validation of tiles()/tileswrap() arguments and quantisation of the floats.
# ---------------------------------------------------------------- validation helpers
cdef int _check_numtilings(numtilings) except -1:
    cdef int overflow
    cdef int64_t v
    if PyLong_CheckExact(numtilings):
        v = PyLong_AsLongLongAndOverflow(numtilings, &overflow)
        if not overflow and 0 < v <= (1 << 16):
            return 0
    if isinstance(numtilings, bool) or not isinstance(numtilings, int):
        if hasattr(numtilings, "__index__") and not isinstance(numtilings, bool):
            return _check_numtilings(numtilings.__index__())
        raise TypeError(f"numtilings must be an int, got {type(numtilings).__name__}")
    if numtilings <= 0:
        raise ValueError(f"numtilings must be >= 1, got {numtilings}")
    if numtilings > 1 << 16:  # the result holds numtilings indices
        raise ValueError(f"numtilings must be <= 65536, got {numtilings}")
    return 0


cdef int _mode(ihtORsize) except -1:
    """0: IHT, 1: int size (hash), 2: None (raw coordinates)."""
    if type(ihtORsize) is IHT:
        return 0
    if ihtORsize is None:
        return 2
    if isinstance(ihtORsize, bool):
        raise TypeError("ihtORsize must be an IHT, a positive int or None, got bool")
    if PyLong_CheckExact(ihtORsize) or isinstance(ihtORsize, int) or hasattr(ihtORsize, "__index__"):
        if ihtORsize.__index__() <= 0:
            raise ValueError(f"ihtORsize must be a positive int when an int, got {ihtORsize}")
        return 1
    raise TypeError(f"ihtORsize must be an IHT, a positive int or None, got {type(ihtORsize).__name__}")


cdef int64_t _hash_size(ihtORsize) except -2:
    """The int size of hash mode when it is below 2**62 (C path), else -1 (exact object path)."""
    cdef int overflow
    cdef int64_t v
    if PyLong_CheckExact(ihtORsize):
        v = PyLong_AsLongLongAndOverflow(ihtORsize, &overflow)
    else:
        v = PyLong_AsLongLongAndOverflow(ihtORsize.__index__(), &overflow)
    if overflow or v >= (1LL << 62):
        return -1
    return v


cdef int _quantize(floats, int64_t nt, int64_t* q, int nq_max) except -2:
    """q[i] = floor(floats[i] * nt) exactly as tiles3 computes it; returns len or -1 (needs the slow path)."""
    cdef Py_ssize_t n, i
    cdef double f, p
    cdef float pf
    cdef int overflow
    cdef int64_t v
    if type(floats) is _NDARRAY:
        if floats.ndim != 1:
            raise ValueError(f"floats must be 1-D, got an array of shape {floats.shape}")
        if floats.dtype == np.float32:
            n = floats.shape[0]
            if n > nq_max:
                return -1
            for i in range(n):
                f = floats[i]
                if not isfinite(f):
                    raise ValueError(f"floats[{i}] = {f}: tile coding needs finite floats")
                pf = (<float>f) * (<float>nt)
                p = floor(<double>pf)
                if p >= QLIM or p <= -QLIM:
                    return -1
                q[i] = <int64_t>p
            return n
        if floats.dtype.kind not in "fiub":
            raise TypeError(f"floats must hold numbers, got dtype {floats.dtype}")
        if floats.dtype != np.float64:
            return -1
        floats = floats.tolist()
    elif not isinstance(floats, (list, tuple)):
        try:
            floats = list(floats)
        except TypeError:
            raise TypeError(f"floats must be a sequence of numbers, got {type(floats).__name__}") from None
    n = len(floats)
    if n > nq_max:
        return -1
    for i in range(n):
        x = floats[i]
        if PyFloat_Check(x):
            f = PyFloat_AS_DOUBLE(x)
            if not isfinite(f):
                raise ValueError(f"floats[{i}] = {x!r}: tile coding needs finite floats")
            p = floor(f * <double>nt)
            if p >= QLIM or p <= -QLIM:
                return -1
            q[i] = <int64_t>p
        elif PyLong_CheckExact(x):
            v = PyLong_AsLongLongAndOverflow(x, &overflow)
            if overflow or v >= QLIM / nt or v <= -QLIM / nt:
                return -1
            q[i] = v * nt
        elif isinstance(x, (bool, str, bytes)) or not isinstance(x, (int, float)) and not hasattr(x, "__float__"):
            raise TypeError(f"floats[{i}] must be a number, got {type(x).__name__}")
        else:
            # numpy scalars and other numbers: follow Python's arithmetic exactly
            try:
                fx = float(x)
            except (TypeError, ValueError):
                raise TypeError(f"floats[{i}] must be a number, got {type(x).__name__}") from None
            if not isfinite(fx):
                raise ValueError(f"floats[{i}] = {x!r}: tile coding needs finite floats")
            pq = math.floor(x * nt)
            if not (-QLIM < pq < QLIM):
                return -1
            q[i] = pq
    return n


cdef int _ints(ints, int64_t* out, int nmax) except -2:
    """Copy int coordinates; returns len, or -1 when they need the object path."""
    cdef Py_ssize_t n, i
    cdef int overflow
    cdef int64_t v
    if ints is None:
        return 0
    if type(ints) is not list and type(ints) is not tuple:
        if isinstance(ints, (str, bytes)):
            return -1
        try:
            ints = list(ints)
        except TypeError:
            raise TypeError(f"ints must be a sequence of ints, got {type(ints).__name__}") from None
    n = len(ints)
    if n > nmax:
        return -1
    for i in range(n):
        x = ints[i]
        if PyLong_CheckExact(x):
            v = PyLong_AsLongLongAndOverflow(x, &overflow)
            if overflow:
                return -1
            out[i] = v
        elif isinstance(x, int) or (hasattr(x, "__index__") and not isinstance(x, float)):
            try:
                x = x.__index__()
            except TypeError:
                return -1
            v = PyLong_AsLongLongAndOverflow(x, &overflow)
            if overflow:
                return -1
            out[i] = v
        else:
            return -1
    return n
