# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Cython implementation of Sutton's tiles3 (grid tile coding with an index hash table).

Same results as the published algorithm for every input it accepts, same
index order for the same call sequence.  The hot path works on int64
coordinates in C; inputs outside that range (huge floats, non-integer
``ints``, float wrap widths...) take an exact Python-object path that follows
the published code line by line.  See ``fastfa.tiles3`` for the documented API.

Python's hash of a tuple of ints (used by tiles3 in hash mode and when an IHT
overflows) is reproduced in C (CPython >= 3.8, 64-bit: xxHash-style tuple
hash over int hashes modulo 2**61 - 1).
"""
from libc.math cimport floor, isfinite
from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy
from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_Check
from cpython.long cimport PyLong_AsLongLongAndOverflow, PyLong_CheckExact
from cpython.list cimport PyList_New, PyList_SET_ITEM
from cpython.ref cimport Py_INCREF

cimport cython

import math
import warnings

import numpy as np

from fastfa import _tiles3_py as _py

cdef object _NDARRAY = np.ndarray

DEF MAXC = 64                    # coordinates handled on the C path (1 + floats + ints)
DEF MEMO = 512                   # entries of an IHT's memo of tiles() calls (power of two)
DEF MEMOK = 16                   # longest memo key + 1: [numtilings, nq, q..., ints...]
DEF MEMOV = 32                   # most tilings a memo entry holds
cdef int64_t QLIM = 1LL << 61    # |floor(f * numtilings)| handled on the C path

cdef uint64_t XXP1 = 11400714785074694791ULL
cdef uint64_t XXP2 = 14029467366897019727ULL
cdef uint64_t XXP5 = 2870177450012600261ULL
cdef int64_t HMOD = (1LL << 61) - 1


# ---------------------------------------------------------------- hashing
cdef inline uint64_t _int_hash(int64_t v) nogil:
    """Python's hash(int) for |v| < 2**63."""
    cdef int64_t h
    if -HMOD < v < HMOD:      # the usual case: no division
        return <uint64_t>(-2) if v == -1 else <uint64_t>v
    if v >= 0:
        h = v % HMOD
    else:
        h = -((-v) % HMOD)
    if h == -1:
        h = -2
    return <uint64_t>h


cdef inline int64_t py_tuple_hash(const int64_t* c, int n) nogil:
    """Python's hash(tuple(c[:n])) for a tuple of ints."""
    cdef uint64_t acc = XXP5
    cdef int i
    for i in range(n):
        acc += _int_hash(c[i]) * XXP2
        acc = (acc << 31) | (acc >> 33)
        acc *= XXP1
    acc += (<uint64_t>n) ^ (XXP5 ^ 3527539ULL)
    if acc == <uint64_t>(-1):
        return 1546275796
    return <int64_t>acc


cdef inline int64_t pymod(int64_t a, int64_t m) nogil:
    """a % m with Python's sign convention (m != 0)."""
    cdef int64_t r
    if m > 0 and (m & (m - 1)) == 0:
        return a & (m - 1)     # power of two: two's complement mask = Python's modulo
    r = a % m
    if r != 0 and ((r < 0) != (m < 0)):
        r += m
    return r


cdef inline int64_t floordiv(int64_t a, int64_t b) nogil:
    """a // b with Python's rounding (b > 0)."""
    cdef int64_t q = a / b
    if (a % b != 0) and ((a < 0) != (b < 0)):
        q -= 1
    return q


cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define FASTFA_PREFETCH(p) __builtin_prefetch((const void*)(p))
    #else
    #define FASTFA_PREFETCH(p) ((void)0)
    #endif
    """
    void _prefetch "FASTFA_PREFETCH"(const void* p) nogil


cdef inline void _py_hash_many(const int64_t* coords, int nt, int n, int64_t size, int64_t* out) nogil:
    """out[t] = hash(tuple(coords[t*n:(t+1)*n])) % size for t < nt, lane by lane so the
    nt independent multiply chains of the tuple hash overlap."""
    cdef uint64_t acc[MAXC]
    cdef int t, t0, m, i
    for t0 in range(0, nt, MAXC):
        m = min(MAXC, nt - t0)
        for t in range(m):
            acc[t] = XXP5
        for i in range(n):
            for t in range(m):
                acc[t] += _int_hash(coords[(t0 + t) * n + i]) * XXP2
                acc[t] = ((acc[t] << 31) | (acc[t] >> 33)) * XXP1
        for t in range(m):
            acc[t] += (<uint64_t>n) ^ (XXP5 ^ 3527539ULL)
            if acc[t] == <uint64_t>(-1):
                out[t0 + t] = pymod(1546275796, size)
            else:
                out[t0 + t] = pymod(<int64_t>acc[t], size)


cdef inline bint _same(const int64_t* a, const int64_t* b, int n) nogil:
    cdef int i
    for i in range(n):
        if a[i] != b[i]:
            return False
    return True


cdef inline int _log2_or_neg(int64_t nt) nogil:
    """log2(nt) when nt is a power of two, else -1 (then division is used)."""
    cdef int k = 0
    if nt <= 0 or (nt & (nt - 1)) != 0:
        return -1
    while (1LL << k) != nt:
        k += 1
    return k


cdef inline void _tiling_coords(const int64_t* q, int nq, int64_t nt, int shift, int64_t t,
                                const int64_t* w, bint wrap, const int64_t* iv, int ni,
                                int64_t* out) nogil:
    """tiles3 coordinates of tiling t: (t, (q_k + b) // nt ..., ints) with b = t, 3t, 5t...;
    tileswrap: c = (q_k + b % nt) // nt, then c % w_k when w_k != 0."""
    cdef int k
    cdef int64_t b = t, c, a
    out[0] = t
    for k in range(nq):
        if wrap:
            a = q[k] + pymod(b, nt)
        else:
            a = q[k] + b
        if shift >= 0:
            c = a >> shift          # arithmetic shift = floor division by a power of two
        else:
            c = floordiv(a, nt)
        if wrap and w[k] != 0:
            c = pymod(c, w[k])
        out[1 + k] = c
        b += 2 * t
    for k in range(ni):
        out[1 + nq + k] = iv[k]


cdef inline uint64_t _table_hash(const int64_t* c, int n) nogil:
    """Internal hash for the open-addressing table (not Python's): multiply-mix + fmix64."""
    cdef uint64_t h = 0x9E3779B97F4A7C15ULL ^ <uint64_t>n
    cdef int i
    for i in range(n):
        h = (h ^ <uint64_t>c[i]) * 0xBF58476D1CE4E5B9ULL
        h = (h << 27) | (h >> 37)
    h ^= h >> 33
    h *= 0xFF51AFD7ED558CCDULL
    h ^= h >> 33
    h *= 0xC4CEB9FE1A85EC53ULL
    h ^= h >> 33
    return h


# ---------------------------------------------------------------- the IHT
cdef struct Slot:
    uint64_t hash
    int64_t off


cdef class IHT:
    """Index hash table: assigns consecutive indices 0, 1, 2... to new tile coordinates.

    Same behaviour as tiles3's ``IHT(size)``: ``count()``, ``fullp()``,
    ``getindex(obj, readonly=False)``, ``size``, ``overfullCount``, and a
    ``dictionary`` view.  When full, new coordinates get ``hash(obj) % size``
    (collisions allowed) and a ``RuntimeWarning`` is issued once (the original
    prints a line instead).

    Integer-tuple keys live in a C open-addressing table; any other hashable
    key (strings, floats that are not integral...) in a Python dict, sharing
    the same index counter, so mixed use stays exact.
    """
    cdef readonly Py_ssize_t size
    cdef public Py_ssize_t overfullCount
    cdef Py_ssize_t _count
    # C table of int-tuple keys.  Records live in an arena, in insertion order:
    # [n, index, k_1 .. k_n]; a slot holds (table hash, record offset), offset -1 when empty.
    cdef Slot* _slots
    cdef Py_ssize_t _nslots        # a power of two, at least twice the number of records
    cdef int64_t* _arena
    cdef Py_ssize_t _arena_len, _arena_cap
    cdef Py_ssize_t _nent
    cdef dict _other              # non-integer keys
    cdef list _pyidx              # cached Python ints 0..count-1 (no allocation per returned index)
    # memo of whole tiles() calls: key [numtilings, nq, q..., ints...] -> numtilings indices.
    # Only rows whose indices are permanent are stored (no overflow, no readonly miss).
    cdef int64_t* _mkeys
    cdef int64_t* _mvals
    cdef char* _mvalid

    def __cinit__(self, sizeval):
        self._slots = NULL
        self._arena = NULL
        self._mkeys = NULL
        self._mvals = NULL
        self._mvalid = NULL

    def __init__(self, sizeval):
        if isinstance(sizeval, bool) or not hasattr(sizeval, "__index__"):
            raise TypeError(f"sizeval must be a positive int, got {type(sizeval).__name__}")
        size = sizeval.__index__()
        if size <= 0 or size > 2**62:  # larger sizes would overflow the C index type
            raise ValueError(f"sizeval must be a positive int <= 2**62, got {size}")
        self.size = size
        self.overfullCount = 0
        self._count = 0
        self._other = {}
        self._pyidx = []
        self._nent = 0
        self._nslots = 64
        self._slots = <Slot*>malloc(self._nslots * sizeof(Slot))
        for i in range(self._nslots):
            self._slots[i].off = -1
        self._arena_len = 0
        self._arena_cap = 1024
        self._arena = <int64_t*>malloc(self._arena_cap * sizeof(int64_t))
        if self._slots == NULL or self._arena == NULL:
            raise MemoryError()

    def __dealloc__(self):
        free(self._slots)
        free(self._arena)
        free(self._mkeys)
        free(self._mvals)
        free(self._mvalid)

    cdef bint memo_get(self, const int64_t* key, int klen, int nt, int64_t* out) noexcept:
        cdef Py_ssize_t slot
        if self._mvalid == NULL:
            return False
        slot = _table_hash(key, klen) & (MEMO - 1)
        if self._mvalid[slot] and self._mkeys[slot * MEMOK] == klen and \
                _same(self._mkeys + slot * MEMOK + 1, key, klen):
            memcpy(out, self._mvals + slot * MEMOV, nt * sizeof(int64_t))
            return True
        return False

    cdef void memo_put(self, const int64_t* key, int klen, int nt, const int64_t* vals) noexcept:
        cdef Py_ssize_t slot
        if self._mvalid == NULL:
            self._mkeys = <int64_t*>malloc(MEMO * MEMOK * sizeof(int64_t))
            self._mvals = <int64_t*>malloc(MEMO * MEMOV * sizeof(int64_t))
            self._mvalid = <char*>calloc(MEMO, 1)
            if self._mkeys == NULL or self._mvals == NULL or self._mvalid == NULL:
                free(self._mkeys); free(self._mvals); free(self._mvalid)
                self._mkeys = NULL; self._mvals = NULL; self._mvalid = NULL
                return
        slot = _table_hash(key, klen) & (MEMO - 1)
        self._mkeys[slot * MEMOK] = klen
        memcpy(self._mkeys + slot * MEMOK + 1, key, klen * sizeof(int64_t))
        memcpy(self._mvals + slot * MEMOV, vals, nt * sizeof(int64_t))
        self._mvalid[slot] = 1

    cdef int _rehash(self) except -1:
        cdef Py_ssize_t n = self._nslots * 2, i, s, off = 0
        cdef uint64_t h
        cdef Slot* slots = <Slot*>malloc(n * sizeof(Slot))
        if slots == NULL:
            raise MemoryError()
        for i in range(n):
            slots[i].off = -1
        while off < self._arena_len:
            h = _table_hash(self._arena + off + 2, <int>self._arena[off])
            s = h & (n - 1)
            while slots[s].off != -1:
                s = (s + 1) & (n - 1)
            slots[s].hash = h
            slots[s].off = off
            off += 2 + self._arena[off]
        free(self._slots)
        self._slots = slots
        self._nslots = n
        return 0

    cdef inline Py_ssize_t _find(self, const int64_t* c, int n, uint64_t h) nogil:
        """Arena offset of key c[:n], or -(slot+1) for the empty slot where it would go."""
        cdef Py_ssize_t mask = self._nslots - 1
        cdef Py_ssize_t s = h & mask
        cdef int64_t off
        cdef int64_t* rec
        while True:
            off = self._slots[s].off
            if off == -1:
                return -(s + 1)
            if self._slots[s].hash == h:
                rec = self._arena + off
                if rec[0] == n and _same(rec + 2, c, n):
                    return off
            s = (s + 1) & mask

    cdef int64_t lookup(self, const int64_t* c, int n, bint readonly) except -2:
        """Index for int key c[:n]; -1 for a readonly miss."""
        return self.lookup_h(c, n, _table_hash(c, n), readonly)

    cdef int lookup_many(self, const int64_t* coords, int nt, int n, bint readonly, int64_t* out) except -1:
        """out[t] = lookup(coords[t*n : (t+1)*n]) for t < nt, hashing all keys first and
        prefetching their slots so the nt table probes overlap in memory."""
        cdef uint64_t h[MAXC]
        cdef int t, t0, m
        for t0 in range(0, nt, MAXC):
            m = min(MAXC, nt - t0)
            for t in range(m):
                h[t] = _table_hash(coords + (t0 + t) * n, n)
                _prefetch(&self._slots[h[t] & (self._nslots - 1)])
            for t in range(m):
                out[t0 + t] = self.lookup_h(coords + (t0 + t) * n, n, h[t], readonly)
        return 0

    cdef int64_t lookup_h(self, const int64_t* c, int n, uint64_t h, bint readonly) except -2:
        """:meth:`lookup` with the table hash ``h`` of the key already computed."""
        cdef Py_ssize_t off = self._find(c, n, h)
        cdef Py_ssize_t slot
        if off >= 0:
            return self._arena[off + 1]
        if readonly:
            return -1
        if self._count >= self.size:
            self._overflow()
            return pymod(py_tuple_hash(c, n), self.size)
        # insert
        if self._arena_len + n + 2 > self._arena_cap:
            while self._arena_len + n + 2 > self._arena_cap:
                self._arena_cap *= 2
            self._arena = <int64_t*>realloc(self._arena, self._arena_cap * sizeof(int64_t))
            if self._arena == NULL:
                raise MemoryError()
        slot = -off - 1
        self._arena[self._arena_len] = n
        self._arena[self._arena_len + 1] = self._count
        memcpy(self._arena + self._arena_len + 2, c, n * sizeof(int64_t))
        self._slots[slot].hash = h
        self._slots[slot].off = self._arena_len
        self._arena_len += n + 2
        self._nent += 1
        self._count += 1
        if self._nent * 2 > self._nslots:
            self._rehash()
        return self._count - 1

    cdef inline object pyint(self, int64_t r):
        """Python int r, from a cache for indices below size (they repeat a lot)."""
        cdef Py_ssize_t n = len(self._pyidx)
        if r >= self.size:
            return r
        while n <= r:
            self._pyidx.append(n)
            n += 1
        return self._pyidx[r]

    cdef void _overflow(self):
        if self.overfullCount == 0:
            warnings.warn("IHT full, starting to allow collisions", RuntimeWarning, stacklevel=3)
        self.overfullCount += 1

    def count(self):
        """Number of distinct coordinates stored."""
        return self._count

    def fullp(self):
        """True when the table holds ``size`` entries (new tiles then collide)."""
        return self._count >= self.size

    def getindex(self, obj, readonly=False):
        """Index of ``obj`` (a tuple of coordinates); inserts it unless ``readonly``.

        Returns None for an unseen ``obj`` when ``readonly``.
        """
        cdef int64_t buf[MAXC]
        cdef int64_t r
        if type(obj) is tuple and _as_int64(obj, buf):
            r = self.lookup(buf, len(obj), readonly)
            return None if r == -1 else r
        return self._getindex_obj(obj, readonly)

    cdef object _getindex_obj(self, obj, bint readonly):
        d = self._other
        if obj in d:
            return d[obj]
        if readonly:
            return None
        if self._count >= self.size:
            self._overflow()
            return pymod(hash(obj), self.size)
        d[obj] = self._count
        self._count += 1
        return self._count - 1

    cdef list _records(self):
        """[(key tuple, index)] of the int-tuple entries, in insertion order."""
        cdef Py_ssize_t off = 0, j, n
        out = []
        while off < self._arena_len:
            n = self._arena[off]
            out.append((tuple([self._arena[off + 2 + j] for j in range(n)]), self._arena[off + 1]))
            off += 2 + n
        return out

    @property
    def dictionary(self):
        """A dict {coordinates tuple: index} in index order (a copy, built on demand)."""
        out = dict(self._records())
        out.update(self._other)
        return dict(sorted(out.items(), key=lambda kv: kv[1]))

    def __len__(self):
        return self._count

    def __str__(self):
        return ("Collision table: size:" + str(self.size) + " overfullCount:" + str(self.overfullCount)
                + " dictionary:" + str(self._count) + " items")

    def __repr__(self):
        return f"IHT(size={self.size}, count={self._count}, overfullCount={self.overfullCount})"


cdef bint _as_int64(tuple t, int64_t* buf):
    """Fill buf with the tuple's items when all are ints (or integral floats) in int64 range."""
    cdef Py_ssize_t n = len(t), i
    cdef int overflow
    cdef int64_t v
    if n > MAXC:
        return False
    for i in range(n):
        x = t[i]
        if PyLong_CheckExact(x) or isinstance(x, int):
            v = PyLong_AsLongLongAndOverflow(x, &overflow)
            if overflow:
                return False
            buf[i] = v
        elif PyFloat_Check(x):
            f = PyFloat_AS_DOUBLE(x)
            if not isfinite(f) or f != floor(f) or f >= 9.2e18 or f <= -9.2e18:
                return False
            buf[i] = <int64_t>f
        elif hasattr(x, "__index__") and not isinstance(x, (bytes, str)):
            try:
                x = x.__index__()
            except TypeError:
                return False
            v = PyLong_AsLongLongAndOverflow(x, &overflow)
            if overflow:
                return False
            buf[i] = v
        else:
            return False
    return True


# ---------------------------------------------------------------- validation helpers
cdef int _check_numtilings(numtilings) except -1:
    cdef int overflow
    cdef int64_t v
    if PyLong_CheckExact(numtilings):
        v = PyLong_AsLongLongAndOverflow(numtilings, &overflow)
        if not overflow and 0 < v <= (1 << 30):
            return 0
    if isinstance(numtilings, bool) or not isinstance(numtilings, int):
        if hasattr(numtilings, "__index__") and not isinstance(numtilings, bool):
            return _check_numtilings(numtilings.__index__())
        raise TypeError(f"numtilings must be an int, got {type(numtilings).__name__}")
    if numtilings <= 0:
        raise ValueError(f"numtilings must be >= 1, got {numtilings}")
    if numtilings > 1 << 30:
        raise ValueError(f"numtilings must be <= 2**30, got {numtilings}")
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


# ---------------------------------------------------------------- tiles / tileswrap
cdef int _compute(object m, int mode, int64_t nt, int64_t* coords, int ncoord, bint readonly, int64_t size,
                  int64_t* idx) except -1:
    """idx[t] = index of tiling t's coordinates (coords is [nt, ncoord]); -1 for a readonly miss."""
    if mode == 0:
        (<IHT>m).lookup_many(coords, <int>nt, ncoord, readonly, idx)
    else:
        _py_hash_many(coords, <int>nt, ncoord, size, idx)
    return 0


cdef list _int_cache = []


cdef inline object _pyint_small(int64_t r):
    """Python int r from a module cache for 0 <= r < 2**16 (hash-mode indices repeat a lot)."""
    cdef Py_ssize_t n = len(_int_cache)
    if r < 0 or r >= 65536:
        return r
    while n <= r:
        _int_cache.append(n)
        n += 1
    return _int_cache[r]


cdef list _build(object m, int mode, int64_t nt, const int64_t* idx):
    cdef list out = PyList_New(nt)
    cdef int64_t t
    cdef object item
    for t in range(nt):
        if mode == 0:
            item = None if idx[t] == -1 else (<IHT>m).pyint(idx[t])
        else:
            item = _pyint_small(idx[t])
        Py_INCREF(item)
        PyList_SET_ITEM(out, t, item)
    return out


cdef list _finish(object m, int mode, int64_t nt, int64_t* coords, int ncoord, bint readonly, int64_t size):
    """The result list of one call (coords is [nt, ncoord]; mode 2 returns the coordinates)."""
    cdef int64_t idx[MAXC * 64]
    cdef list out
    cdef int64_t t, j
    cdef object item
    if mode != 2:
        _compute(m, mode, nt, coords, ncoord, readonly, size, idx)
        return _build(m, mode, nt, idx)
    out = PyList_New(nt)
    for t in range(nt):
        item = [coords[t * ncoord + j] for j in range(ncoord)]
        Py_INCREF(item)
        PyList_SET_ITEM(out, t, item)
    return out


@cython.cdivision(False)
def _hashcoords_obj(coordinates, m, readonly=False):
    if type(m) is IHT:
        return m.getindex(tuple(coordinates), readonly)
    if m is None:
        return coordinates
    cdef object h = hash(tuple(coordinates))
    return h % m.__index__()


def _tiles_obj(ihtORsize, numtilings, floats, ints, readonly):
    """The published algorithm on Python objects (exact for huge floats and odd ints)."""
    floats = _py.check_floats(floats, numtilings)
    return _py.tiles_unchecked(ihtORsize, numtilings, floats, ints, readonly, hashcoords=_hashcoords_obj)


def _tileswrap_obj(ihtORsize, numtilings, floats, wrapwidths, ints, readonly):
    floats = _py.check_floats(floats, numtilings)
    return _py.tileswrap_unchecked(ihtORsize, numtilings, floats, wrapwidths, ints, readonly,
                                   hashcoords=_hashcoords_obj)


def tiles(ihtORsize, numtilings, floats, ints=(), readonly=False):
    """Tile indices (one per tiling) for ``floats`` (unit-width grid) and integer ``ints``.

    Drop-in for tiles3.tiles; see ``fastfa.tiles3`` for the full documentation.
    """
    cdef int64_t q[MAXC]
    cdef int64_t iv[MAXC]
    cdef int64_t coords[MAXC * 64]
    cdef int64_t nt, t, b, k, base
    cdef int nq, ni, ncoord, mode, j
    cdef int64_t size = 0
    _check_numtilings(numtilings)
    mode = _mode(ihtORsize)
    nt = numtilings
    nq = _quantize(floats, nt, q, MAXC)
    ni = _ints(ints, iv, MAXC)
    if nq < 0 or ni < 0 or 1 + nq + ni > MAXC or nt * (1 + nq + ni) > MAXC * 64:
        return _tiles_obj(ihtORsize, numtilings, _as_list(floats), _as_list(ints), readonly)
    if mode == 1:
        size = _hash_size(ihtORsize)
        if size < 0:
            return _tiles_obj(ihtORsize, numtilings, _as_list(floats), _as_list(ints), readonly)
    ncoord = 1 + nq + ni
    cdef int shift = _log2_or_neg(nt)
    cdef int64_t key[MEMOK]
    cdef int64_t idx[MEMOV]
    cdef int klen = 2 + nq + ni
    cdef IHT iht
    cdef Py_ssize_t before
    if mode == 0 and klen < MEMOK and nt <= MEMOV:
        # memo: all tiles of a call are fixed by (numtilings, q, ints); reuse permanent answers
        iht = <IHT>ihtORsize
        key[0] = nt
        key[1] = nq
        memcpy(key + 2, q, nq * sizeof(int64_t))
        memcpy(key + 2 + nq, iv, ni * sizeof(int64_t))
        if iht.memo_get(key, klen, <int>nt, idx):
            return _build(iht, 0, nt, idx)
        for t in range(nt):
            _tiling_coords(q, nq, nt, shift, t, q, False, iv, ni, coords + t * ncoord)
        before = iht.overfullCount
        iht.lookup_many(coords, <int>nt, ncoord, readonly, idx)
        if iht.overfullCount == before:
            for t in range(nt):
                if idx[t] == -1:
                    break
            else:
                iht.memo_put(key, klen, <int>nt, idx)
        return _build(iht, 0, nt, idx)
    for t in range(nt):
        _tiling_coords(q, nq, nt, shift, t, q, False, iv, ni, coords + t * ncoord)
    return _finish(ihtORsize, mode, nt, coords, ncoord, readonly, size)


def tileswrap(ihtORsize, numtilings, floats, wrapwidths, ints=(), readonly=False):
    """Like :func:`tiles`, but float ``i`` wraps around with period ``wrapwidths[i]`` (falsy: no wrap).

    Drop-in for tiles3.tileswrap (with the published parameter-name typo fixed).
    """
    cdef int64_t q[MAXC]
    cdef int64_t iv[MAXC]
    cdef int64_t w[MAXC]
    cdef int64_t coords[MAXC * 64]
    cdef int64_t nt, t, b, k, base, c
    cdef int nq, ni, ncoord, mode, j, nw
    cdef int64_t size = 0
    _check_numtilings(numtilings)
    mode = _mode(ihtORsize)
    nt = numtilings
    if isinstance(wrapwidths, (str, bytes)) or not hasattr(wrapwidths, "__len__"):
        try:
            wrapwidths = list(wrapwidths)
        except TypeError:
            raise TypeError(f"wrapwidths must be a sequence, got {type(wrapwidths).__name__}") from None
    nq = _quantize(floats, nt, q, MAXC)
    ni = _ints(ints, iv, MAXC)
    nw = len(wrapwidths)
    if nq >= 0 and nw > nq:
        raise ValueError(f"wrapwidths has {nw} entries but floats only {nq}")
    fast = nq >= 0 and ni >= 0 and 1 + nq + ni <= MAXC and nt * (1 + nq + ni) <= MAXC * 64
    if fast:
        for k in range(nq):
            if k >= nw:
                w[k] = 0
                continue
            x = wrapwidths[k]
            if x is None or x is False:
                w[k] = 0
            elif PyLong_CheckExact(x) and -(1LL << 62) < x < (1LL << 62):
                w[k] = x
            else:
                fast = False
                break
    if mode == 1:
        size = _hash_size(ihtORsize)
        if size < 0:
            fast = False
    if not fast:
        return _tileswrap_obj(ihtORsize, numtilings, _as_list(floats), _as_list(wrapwidths), _as_list(ints),
                              readonly)
    ncoord = 1 + nq + ni
    cdef int shift = _log2_or_neg(nt)
    for t in range(nt):
        _tiling_coords(q, nq, nt, shift, t, w, True, iv, ni, coords + t * ncoord)
    return _finish(ihtORsize, mode, nt, coords, ncoord, readonly, size)


cdef list _as_list(x):
    if x is None:
        return []
    if type(x) is list:
        return <list>x
    if type(x) is _NDARRAY:
        return list(x)
    return list(x)


@cython.cdivision(False)
def hashcoords(coordinates, m, readonly=False):
    """Index of one coordinate list: ``m`` is an IHT, an int size (hash), or None (coordinates back)."""
    if type(m) is IHT:
        return m.getindex(tuple(coordinates), readonly)
    if m is None:
        return coordinates
    _mode(m)
    cdef int64_t buf[MAXC]
    t = tuple(coordinates)
    if _as_int64(t, buf):
        if m.__index__() < (1LL << 62):
            return pymod(py_tuple_hash(buf, len(t)), m.__index__())
    cdef object h = hash(t)
    return h % m.__index__()


def tiles_batch(ihtORsize, numtilings, double[:, ::1] floats, int64_t[:, ::1] ints, wrapwidths,
                bint readonly, int64_t[:, ::1] out):
    """Code ``floats[i]`` (+ ``ints[i]``) for every row i into ``out[i, :numtilings]``.

    Trusted inputs (validated by fastfa.tiles3.tiles_batch).  ``wrapwidths`` is
    None or an int64 array with 0 for "no wrap".  Readonly misses give -1.
    Rows are coded in order, so IHT indices match a loop of ``tiles`` calls.

    All tiles of a state are fixed by its quantised floats ``q_k = floor(x_k·n)``
    and its ints, so a direct-mapped cache keyed by that vector skips the
    per-tiling hashing for repeated cells.  A row is cached only when its
    indices cannot change later (hash mode, IHT hits and fresh insertions; not
    IHT overflow, whose counter must grow on every call), so results and IHT
    state are exactly those of the row-by-row loop.
    """
    cdef Py_ssize_t n = floats.shape[0], d = floats.shape[1], ni = ints.shape[1]
    cdef int64_t nt = numtilings
    cdef int mode = _mode(ihtORsize)
    cdef int ncoord = 1 + d + ni
    cdef int kl = d + ni
    cdef int64_t* coords
    cdef int64_t key[MAXC]
    cdef int64_t w[MAXC]
    cdef int shift = _log2_or_neg(numtilings)
    cdef Py_ssize_t i, k, j, slot, cap = 16
    cdef int64_t t, size = 0, before
    cdef double p
    cdef bint wrap = wrapwidths is not None
    cdef IHT iht = None
    cdef int64_t[::1] wv
    cdef int64_t* ckeys
    cdef int64_t* cvals
    cdef char* cvalid
    cdef int64_t* row
    if ncoord > MAXC:
        raise ValueError(f"at most {MAXC - 1} floats + ints per state in a batch, got {d + ni}")
    if mode == 2:
        raise TypeError("tiles_batch needs an IHT or an int size, not None")
    if mode == 0:
        iht = <IHT>ihtORsize
    else:
        if ihtORsize.__index__() >= (1LL << 62):
            raise ValueError("tiles_batch: an int size must be below 2**62")
        size = ihtORsize.__index__()
    if wrap:
        wv = wrapwidths
        for k in range(d):
            w[k] = wv[k]
    if n == 0 or nt == 0:
        return
    while cap < n and cap < (1 << 14):
        cap *= 2
    coords = <int64_t*>malloc(nt * ncoord * sizeof(int64_t))
    ckeys = <int64_t*>malloc(cap * (kl + 1) * sizeof(int64_t))
    cvals = <int64_t*>malloc(cap * nt * sizeof(int64_t))
    cvalid = <char*>calloc(cap, 1)
    if ckeys == NULL or cvals == NULL or cvalid == NULL or coords == NULL:
        free(ckeys); free(cvals); free(cvalid); free(coords)
        raise MemoryError()
    try:
        for i in range(n):
            row = &out[i, 0]
            for k in range(d):
                p = floor(floats[i, k] * <double>nt)
                if not isfinite(p):
                    raise ValueError(f"floats[{i}, {k}] = {floats[i, k]}: tile coding needs finite floats")
                if p >= QLIM or p <= -QLIM:
                    raise ValueError(f"floats[{i}, {k}] = {floats[i, k]} is too large for batch coding "
                                     "(|value * numtilings| must stay below 2**61)")
                key[k] = <int64_t>p
            for j in range(ni):
                key[d + j] = ints[i, j]
            slot = _table_hash(key, kl) & (cap - 1)
            if cvalid[slot] and _same(ckeys + slot * (kl + 1), key, kl):
                memcpy(row, cvals + slot * nt, nt * sizeof(int64_t))
                continue
            before = iht.overfullCount if mode == 0 else 0
            for t in range(nt):
                _tiling_coords(key, d, nt, shift, t, w, wrap, key + d, ni, coords + t * ncoord)
            if mode == 0:
                iht.lookup_many(coords, <int>nt, ncoord, readonly, row)
            else:
                _py_hash_many(coords, <int>nt, ncoord, size, row)
            if mode == 1 or iht.overfullCount == before:
                memcpy(ckeys + slot * (kl + 1), key, kl * sizeof(int64_t))
                memcpy(cvals + slot * nt, row, nt * sizeof(int64_t))
                cvalid[slot] = 1
    finally:
        free(ckeys); free(cvals); free(cvalid); free(coords)
