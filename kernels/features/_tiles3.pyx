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

from . import tiles3_py as _py

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


include "_tiles3_hash.pxi"

include "_tiles3_iht.pxi"

include "_tiles3_checks.pxi"


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
    if not PyLong_CheckExact(numtilings):  # a NumPy uint8 would overflow in the general path's arithmetic
        numtilings = numtilings.__index__()
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
    if not PyLong_CheckExact(numtilings):  # a NumPy uint8 would overflow in the general path's arithmetic
        numtilings = numtilings.__index__()
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
