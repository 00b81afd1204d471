"""Tile coding over a box, with tiles3 or uniform offsets, hash or array-IHT indices.

One kernel family behind :class:`fastfa.features.TileCoder`, callable inside
compiled loops (S&B 9.5.4).  For an observation ``o`` in the box
``[low, high]`` (clipped to it, except wrapped dimensions) the scaled
coordinate is ``s_k = (o_k − low_k) · n_k / (high_k − low_k)`` (``n_k`` tiles
per dimension, tile width 1 in scaled units), ``q_k = ⌊s_k · T⌋`` for ``T``
tilings, and tiling ``t`` has the coordinates ::

    (t, ⌊(q_1 + t·δ_1)/T⌋, …, ⌊(q_d + t·δ_d)/T⌋, ints…)

i.e. tiling ``t`` is displaced by ``t·δ_k/T`` of a tile width in dimension k.
Displacements ``δ = (1, 3, 5, …)`` are tiles3's asymmetric offsets (the
book's recommendation; coordinates then equal ``tiles3.tiles`` exactly);
``δ = (1, 1, …)`` are uniform offsets (all tilings shifted along the
diagonal).  A wrapped dimension of width ``w_k = n_k`` uses tiles3's
``tileswrap`` form ``c_k = ⌊(q_k + (t·δ_k mod T))/T⌋ mod w_k`` (and, as in
tileswrap, the ``mod T`` form is used for all dimensions as soon as one wraps).

Indices: a coordinate tuple becomes ``hash(tuple) mod size`` (stateless,
``keys.shape[0] == 0``) or an index of the array IHT ``(keys, slots, meta)``
of :func:`fastfa.kernels.features.tiles.iht_new` (insertion order, tiles3's ``IHT``).
"""

import numpy as np

from .._jit import njit
from .tiles import iht_getindex, py_tuple_hash_mod


@njit
def tc_coords(obs, ints, low, high, scale, wrapw, disp, n_tilings, tiling, q, out):
    """Coordinates of tiling ``tiling`` into ``out`` (length ``1 + d + len(ints)``); ``q`` is scratch."""
    d = obs.shape[0]
    wrap = wrapw.shape[0] > 0
    if tiling == 0:  # quantize once per observation
        for k in range(d):
            x = obs[k]
            if not (wrap and wrapw[k] != 0):
                if x < low[k]:
                    x = low[k]
                elif x > high[k]:
                    x = high[k]
            q[k] = np.int64(np.floor((x - low[k]) * scale[k] * n_tilings))
    out[0] = tiling
    for k in range(d):
        b = np.int64(tiling) * disp[k]
        if wrap:
            c = (q[k] + b % n_tilings) // n_tilings
            w = wrapw[k]
            out[1 + k] = c % w if w != 0 else c
        else:
            out[1 + k] = (q[k] + b) // n_tilings
    for j in range(ints.shape[0]):
        out[1 + d + j] = ints[j]
    return 1 + d + ints.shape[0]


@njit
def tc_indices(obs, ints, low, high, scale, wrapw, disp, n_tilings, size, keys, slots, meta, out):
    """Active tile indices of one observation: ``out[t]`` for t < n_tilings.

    ``obs`` float64[d]; ``ints`` int64[k] extra integer coordinates (e.g. the
    action); ``low``/``high``/``scale`` float64[d] with ``scale = n/(high−low)``;
    ``wrapw`` int64[0 or d]; ``disp`` int64[d]; hash mode when ``keys.shape[0] == 0``
    (indices in ``[0, size)``), else array IHT (inserting unseen tiles).
    """
    q = np.empty(obs.shape[0], np.int64)
    coords = np.empty(1 + obs.shape[0] + ints.shape[0], np.int64)
    tc_indices_scratch(obs, ints, low, high, scale, wrapw, disp, n_tilings, size, keys, slots, meta, q, coords, out)


@njit
def tc_indices_scratch(obs, ints, low, high, scale, wrapw, disp, n_tilings, size, keys, slots, meta, q, coords, out):
    """:func:`tc_indices` with caller-owned scratch ``q`` int64[d] and ``coords`` int64[1 + d + len(ints)]
    (no allocation per call: for compiled loops that code a state every step)."""
    use_iht = keys.shape[0] > 0
    for t in range(n_tilings):
        n = tc_coords(obs, ints, low, high, scale, wrapw, disp, n_tilings, t, q, coords)
        if use_iht:
            out[t] = iht_getindex(keys, slots, meta, coords, n, False)
        else:
            out[t] = py_tuple_hash_mod(coords, n, size)


@njit
def tc_indices_batch(obs, ints, low, high, scale, wrapw, disp, n_tilings, size, keys, slots, meta, out):
    """:func:`tc_indices` for every row (``obs`` float64[n, d], ``ints`` int64[n, k], ``out`` int64[n, T]),
    in row order (an IHT ends as after a loop of single calls)."""
    q = np.empty(obs.shape[1], np.int64)
    coords = np.empty(1 + obs.shape[1] + ints.shape[1], np.int64)
    for i in range(obs.shape[0]):
        tc_indices_scratch(
            obs[i], ints[i], low, high, scale, wrapw, disp, n_tilings, size, keys, slots, meta, q, coords, out[i]
        )


@njit
def tc_coords_batch(obs, ints, low, high, scale, wrapw, disp, n_tilings, out):
    """All coordinate tuples: ``out`` int64[n, T, 1 + d + k] (for collision reports)."""
    d = obs.shape[1]
    q = np.empty(d, np.int64)
    for i in range(obs.shape[0]):
        for t in range(n_tilings):
            tc_coords(obs[i], ints[i], low, high, scale, wrapw, disp, n_tilings, t, q, out[i, t])
