"""Numba tile coding: tiles3's coordinates, usable inside compiled loops.

Tile coordinates (Sutton's tiles3, S&B 9.5.4 with offsets 1, 3, 5, ...): for a
state scaled to a unit grid, ``q_k = floor(x_k · n)`` and tiling ``t`` has
coordinates ::

    (t, ⌊(q_1 + t)/n⌋, ⌊(q_2 + 3t)/n⌋, …, ⌊(q_d + (2d−1)t)/n⌋, ints…)

(``tileswrap``: ``c_k = ⌊(q_k + (b mod n))/n⌋ mod w_k`` with the same ``b``).

Two ways to turn coordinates into indices, both identical to tiles3:

* **stateless hash** (tiles3 with an int size): ``hash(tuple(coords)) mod size``
  with CPython's tuple hash (>= 3.8, 64-bit) computed here in uint64
  arithmetic, so indices are the same on every platform, Python version and
  in Numba, Cython and interpreted mode.  A power-of-two size uses a mask.
* **array IHT**: an open-addressing table over preallocated arrays
  (``iht_new``) assigning 0, 1, 2, ... in insertion order, falling back to
  the hash when full, exactly as tiles3's ``IHT`` (indices equal
  ``fastfa.tiles3.IHT`` for the same insertion order).

All functions are pure over arrays; ``out`` arrays receive the result.
"""

import numpy as np

from .._jit import njit

U = np.uint64
XXP1 = U(11400714785074694791)
XXP2 = U(14029467366897019727)
XXP5 = U(2870177450012600261)
LEN_MIX = U(2870177450012600261 ^ 3527539)
HMOD = np.int64((1 << 61) - 1)
S31 = U(31)
S33 = U(33)
MINUS_ONE = U(0xFFFFFFFFFFFFFFFF)


@njit
def py_int_hash(v):
    """CPython's hash(int) for an int64 ``v``, as uint64 (two's complement)."""
    v = np.int64(v)
    if -HMOD < v < HMOD:  # the usual case: hash(v) == v, but hash(-1) == -2
        if v >= 0:
            return U(v)
        if v == -1:
            v = np.int64(-2)
        return MINUS_ONE - U(-(v + 1))
    if v >= 0:
        h = v % HMOD
    else:  # |v| in uint64: -v overflows for v = -2**63
        h = -np.int64((U(-(v + 1)) + U(1)) % U(HMOD))
    if h == -1:
        h = np.int64(-2)
    return U(h) if h >= 0 else MINUS_ONE - U(-(h + 1))


@njit
def _xx_lane(acc, v):
    """One lane of CPython's tuple hash."""
    acc = acc + py_int_hash(v) * XXP2
    acc = (acc << S31) | (acc >> S33)
    return acc * XXP1


@njit
def _xx_finish_mod(acc, n, size):
    """Finish CPython's tuple hash of n items and reduce it modulo size (Python sign rules)."""
    acc = acc + (U(n) ^ LEN_MIX)
    if acc == MINUS_ONE:
        return np.int64(1546275796) % size
    m = U(size)
    if (m & (m - U(1))) == U(0):  # power of two: two's complement mask == Python modulo
        return np.int64(acc & (m - U(1)))
    if acc >> U(63) == U(0):  # non-negative as a signed hash
        return np.int64(acc % m)
    neg = (MINUS_ONE - acc) + U(1)  # |h| of the negative signed hash
    r = neg % m
    return np.int64((m - r) % m)


@njit
def py_tuple_hash_mod(coords, n, size):
    """``hash(tuple(coords[:n])) % size`` exactly as CPython (>= 3.8, 64-bit), size > 0."""
    acc = XXP5
    for i in range(n):
        acc = _xx_lane(acc, coords[i])
    return _xx_finish_mod(acc, n, size)


@njit
def _coord(x_k, numtilings, tiling, k, wrapwidths):
    """Coordinate k (0-based float index) of tiling ``tiling`` for the scaled float x_k."""
    q = np.int64(np.floor(x_k * numtilings))
    b = np.int64(tiling) * (2 * k + 1)
    if wrapwidths.shape[0] > 0:
        c = (q + b % numtilings) // numtilings
        w = wrapwidths[k]
        return c % w if w != 0 else c
    return (q + b) // numtilings


@njit
def tiles_hash(size, numtilings, floats, ints, wrapwidths, out):
    """Stateless tile coding: ``out[t] = hash(coords_t) mod size`` (= tiles3 with an int size).

    ``floats`` float64[d] (already scaled), ``ints`` int64[k], ``wrapwidths``
    int64[0 or d], ``out`` int64[numtilings].  Allocation-free: the tuple hash
    is accumulated coordinate by coordinate.
    """
    d = floats.shape[0]
    n = 1 + d + ints.shape[0]
    for t in range(numtilings):
        acc = _xx_lane(XXP5, t)
        for k in range(d):
            acc = _xx_lane(acc, _coord(floats[k], numtilings, t, k, wrapwidths))
        for j in range(ints.shape[0]):
            acc = _xx_lane(acc, ints[j])
        out[t] = _xx_finish_mod(acc, n, size)


# ------------------------------------------------------------------ array IHT
def iht_new(size, max_coords):
    """Allocate an array IHT for ``size`` indices and keys of up to ``max_coords`` coordinates.

    Returns ``(keys, slots, meta)``: ``keys`` int64[size, max_coords + 1] (column 0
    holds the key length), ``slots`` int64[nslots] (entry per slot, -1 empty;
    nslots is a power of two >= 2·size), ``meta`` int64[3] = [count, overfull, size].
    """
    nslots = 1
    while nslots < 2 * size:
        nslots *= 2
    keys = np.zeros((size, max_coords + 1), dtype=np.int64)
    slots = np.full(nslots, -1, dtype=np.int64)
    meta = np.array([0, 0, size], dtype=np.int64)
    return keys, slots, meta


@njit
def _table_hash(coords, n):
    """Internal hash of the open-addressing table (not Python's): multiply-rotate + fmix64."""
    h = U(0x9E3779B97F4A7C15) ^ U(n)
    for i in range(n):
        h = (h ^ U(coords[i])) * U(0xBF58476D1CE4E5B9)
        h = (h << U(27)) | (h >> U(37))
    h = h ^ (h >> U(33))
    h = h * U(0xFF51AFD7ED558CCD)
    h = h ^ (h >> U(33))
    h = h * U(0xC4CEB9FE1A85EC53)
    return h ^ (h >> U(33))


@njit
def iht_getindex(keys, slots, meta, coords, n, readonly):
    """Index of key ``coords[:n]`` in the array IHT (tiles3 ``IHT.getindex``).

    Unseen keys get the next index (``meta[0]``); when the table is full they
    get ``hash(key) mod size`` and ``meta[1]`` (overfull count) grows; a
    readonly miss returns -1.
    """
    r = _iht_find(keys, slots, coords, n)
    if r >= 0:
        return r
    if readonly:
        return np.int64(-1)
    return _iht_insert(keys, slots, meta, coords, n, -r - 1)


@njit
def _iht_find(keys, slots, coords, n):
    """Entry (= index) of key coords[:n], or -(slot + 1) of the empty slot where it belongs."""
    mask = slots.shape[0] - 1
    s = np.int64(_table_hash(coords, n) & U(mask))
    while True:
        e = slots[s]
        if e == -1:
            return -(s + 1)
        if keys[e, 0] == n:
            same = True
            for i in range(n):
                if keys[e, 1 + i] != coords[i]:
                    same = False
                    break
            if same:
                return e
        s = (s + 1) & mask


@njit
def _iht_insert(keys, slots, meta, coords, n, s):
    """Insert a new key at empty slot s (or hash it when the table is full, as tiles3 does)."""
    count = meta[0]
    if count >= meta[2]:
        meta[1] += 1
        return py_tuple_hash_mod(coords, n, meta[2])
    keys[count, 0] = n
    for i in range(n):
        keys[count, 1 + i] = coords[i]
    slots[s] = count
    meta[0] = count + 1
    return count


@njit
def tiles_iht_into(keys, slots, meta, numtilings, floats, ints, wrapwidths, readonly, coords, out):
    """:func:`tiles_iht` with a caller-provided scratch ``coords`` (int64[>= 1 + d + k]): no allocation."""
    d = floats.shape[0]
    ni = ints.shape[0]
    n = 1 + d + ni
    for t in range(numtilings):
        coords[0] = t
        for k in range(d):
            coords[1 + k] = _coord(floats[k], numtilings, t, k, wrapwidths)
        for j in range(ni):
            coords[1 + d + j] = ints[j]
        res = _iht_find(keys, slots, coords, n)
        if res < 0:
            res = np.int64(-1) if readonly else _iht_insert(keys, slots, meta, coords, n, -res - 1)
        out[t] = res


@njit
def tiles_iht(keys, slots, meta, numtilings, floats, ints, wrapwidths, readonly, out):
    """tiles3 ``tiles``/``tileswrap`` with an array IHT: ``out[t]`` for t < numtilings (-1: readonly miss)."""
    coords = np.empty(1 + floats.shape[0] + ints.shape[0], np.int64)
    tiles_iht_into(keys, slots, meta, numtilings, floats, ints, wrapwidths, readonly, coords, out)


@njit
def tiles_hash_batch(size, numtilings, floats, ints, wrapwidths, out):
    """Stateless coding of every row: ``floats`` float64[n, d], ``ints`` int64[n, k], ``out`` int64[n, T]."""
    for i in range(floats.shape[0]):
        tiles_hash(size, numtilings, floats[i], ints[i], wrapwidths, out[i])


@njit
def tiles_iht_batch(keys, slots, meta, numtilings, floats, ints, wrapwidths, readonly, out):
    """Array-IHT coding of every row in order (same IHT state as a loop of single calls)."""
    coords = np.empty(1 + floats.shape[1] + ints.shape[1], np.int64)
    for i in range(floats.shape[0]):
        tiles_iht_into(keys, slots, meta, numtilings, floats[i], ints[i], wrapwidths, readonly, coords, out[i])
