"""Hashed tile coding (``TileCoder(mode="hash")`` without wrap) as a fused-loop feature map.

The same indices as :func:`fastfa.kernels.features.tilecoding.tc_indices` for a coder in hash mode
with no wrapped dimension (tested), from two arrays a compiled loop can take in place of grid tiles'
``(cf, ci)`` (built by ``fastfa.features.TileCoder.hash_spec``)::

    cf float64[3, d]: rows low, high, scale (= tiles_per_dim / (high − low))
    ci int64[2 + d]:  n_tilings T, size, displacement[d]

    q_k = ⌊(clip(x_k) − low_k)·scale_k·T⌋;  tiling t: c = (t, ⌊(q_k + t·disp_k)/T⌋ …);  index = hash(c) mod size

with CPython's tuple hash (so the indices equal tiles3's ``hash(tuple) % size``).  Fast path: T a power
of two (the floor division is an arithmetic shift, the same result for negative coordinates), and for
non-negative coordinates and a power-of-two ``size`` the tuple hash is inlined.
"""

import numpy as np

from .._jit import njit
from .tiles import LEN_MIX, MINUS_ONE, S31, S33, XXP1, XXP2, XXP5, py_tuple_hash_mod


@njit
def hash_consts(cf, ci, d):
    """Scratch and constants of :func:`hash_tiles_consts`: ``(cf, ci, q int64[d], coords int64[1 + d], log2 T or -1)``."""
    n_tilings = ci[0]
    shift = 0
    while (np.int64(1) << shift) < n_tilings:
        shift += 1
    if (np.int64(1) << shift) != n_tilings:
        shift = -1
    return (cf, ci, np.empty(d, np.int64), np.empty(1 + d, np.int64), shift)


@njit
def hash_tiles_consts(obs, g, out):
    """Tile indices of ``obs`` [d] into ``out`` [T] (``g`` from :func:`hash_consts`)."""
    cf, ci, q, coords, shift = g
    n_tilings = ci[0]
    size = ci[1]
    d = obs.shape[0]
    nonneg = True
    for k in range(d):
        x = min(max(obs[k], cf[0, k]), cf[1, k])
        q[k] = np.int64(np.floor((x - cf[0, k]) * cf[2, k] * n_tilings))
        nonneg = nonneg and q[k] >= 0 and ci[2 + k] >= 0
    if shift < 0 or not nonneg or (size & (size - 1)) != 0:
        for t in range(n_tilings):
            coords[0] = t
            for k in range(d):
                if shift >= 0:
                    coords[1 + k] = (q[k] + np.int64(t) * ci[2 + k]) >> shift
                else:
                    coords[1 + k] = (q[k] + np.int64(t) * ci[2 + k]) // n_tilings
            out[t] = py_tuple_hash_mod(coords, 1 + d, size)
        return
    # CPython's tuple hash inlined for non-negative coordinates (hash(v) = v) and a power-of-two size
    mask = np.uint64(size - 1)
    fin = np.uint64(1 + d) ^ LEN_MIX
    for t in range(n_tilings):
        acc = XXP5 + np.uint64(t) * XXP2
        acc = ((acc << S31) | (acc >> S33)) * XXP1
        for k in range(d):
            acc = acc + np.uint64((q[k] + np.int64(t) * ci[2 + k]) >> shift) * XXP2
            acc = ((acc << S31) | (acc >> S33)) * XXP1
        acc = acc + fin
        if acc == MINUS_ONE:  # CPython maps a hash of -1 to 1546275796
            out[t] = np.int64(1546275796) & np.int64(size - 1)
        else:
            out[t] = np.int64(acc & mask)


@njit
def hash_tiles(obs, cf, ci, out):
    """:func:`hash_tiles_consts` for one observation (allocates its scratch: for tests and Python callers)."""
    hash_tiles_consts(obs, hash_consts(cf, ci, obs.shape[0]), out)
