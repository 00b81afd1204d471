"""Grid tile coding: tiles3's tiles over a bounded box, as dense collision-free indices.

Same partition as Sutton's tiles3 (S&B 9.5.4, displacement 1, 3, 5, ...) for the
scaled floats ``s_k = n_k·x_k/(high_k − low_k)``: ``q_k = ⌊s_k·T⌋``, tiling t has
coordinates ``c_k = ⌊(q_k + (2k+1)t)/T⌋``.  Instead of hashing the coordinates,
the index is their position in the box's grid::

    index = t·tiles_per_tiling + Σ_k (c_k − base_k)·stride_k

so two states share a feature exactly when tiles3 (with a large enough IHT)
gives them the same tile: a linear function over these features equals the
tiles3 one up to a relabelling of the weights.  No table, no collisions, a few
integer operations per tiling.  Points outside the box are clipped to it
(finite values); the Python layer validates before calling.

``anchor=True`` measures from ``low`` instead (``s_k = n_k·(x_k − low_k)/(high_k − low_k)``)
and puts ``x = high`` in the last cell: with one tiling this is the uniform grid of
``n_k`` cells per dimension starting at ``low`` (a discretiser, the lecture's
"discretise the MDP"); index = row-major cell number.

Layout (built by :func:`grid_spec`): ``cf`` float64[5, d] rows low, high, n, origin (0 or
low), largest q (``n·T − 1`` when anchored, else +inf);
``ci`` int64[3 + 2d]: T, tiles_per_tiling, base[d], stride[d], log2(T) (-1 if T is not a power of 2).
"""

import math

import numpy as np

from .._jit import fixed_tuple, njit


def grid_spec(low, high, n_tiles, numtilings, anchor=False):
    """Arrays ``(cf, ci, n_features)`` for :func:`grid_tiles` over the box [low, high]."""
    low = np.asarray(low, dtype=np.float64)
    high = np.asarray(high, dtype=np.float64)
    n = np.broadcast_to(np.asarray(n_tiles, dtype=np.float64), low.shape).copy()
    d = low.shape[0]
    t = int(numtilings)
    origin = low.copy() if anchor else np.zeros(d)
    qmax = n * t - 1 if anchor else np.full(d, np.inf)
    base = np.empty(d, np.int64)
    width = np.empty(d, np.int64)
    for k in range(d):
        q_lo = math.floor((n[k] * (low[k] - origin[k]) / (high[k] - low[k])) * t)
        q_hi = min(math.floor((n[k] * (high[k] - origin[k]) / (high[k] - low[k])) * t), qmax[k])
        base[k] = q_lo // t
        width[k] = (int(q_hi) + (2 * k + 1) * (t - 1)) // t - base[k] + 1
    stride = np.empty(d, np.int64)
    s = 1
    for k in range(d - 1, -1, -1):
        stride[k] = s
        s *= int(width[k])
    cf = np.stack([low, high, n, origin, qmax])
    shift = t.bit_length() - 1 if t & (t - 1) == 0 else -1
    ci = np.concatenate([np.array([t, s], np.int64), base, stride, np.array([shift], np.int64)])
    return cf, ci, t * s


@njit
def grid_tiles(x, cf, ci, out):
    """Active feature of each tiling: ``out[t]`` for t < T (see the module docstring)."""
    d = x.shape[0]
    numt = ci[0]
    per = ci[1]
    shift = ci[2 + 2 * d]
    for t in range(numt):
        out[t] = t * per
    for k in range(d):
        lo = cf[0, k]
        hi = cf[1, k]
        xk = x[k]
        if xk < lo:
            xk = lo
        elif xk > hi:
            xk = hi
        qf = math.floor((cf[2, k] * (xk - cf[3, k]) / (hi - lo)) * numt)
        if qf > cf[4, k]:  # anchored grids: x = high falls in the last cell
            qf = cf[4, k]
        q = np.int64(qf)
        base = ci[2 + k]
        stride = ci[2 + d + k]
        off = 2 * k + 1
        if shift >= 0:  # power-of-two T: ⌊(q + off·t)/T⌋ is an arithmetic shift
            for t in range(numt):
                out[t] += (((q + off * t) >> shift) - base) * stride
        else:  # c_t = ⌊(q + off·t)/T⌋ incrementally (no division in the tiling loop)
            c = q // numt
            r = q - c * numt
            for t in range(numt):
                out[t] += (c - base) * stride
                r += off
                while r >= numt:
                    r -= numt
                    c += 1


def grid_tiles_batch(X, cf, ci):
    """:func:`grid_tiles` of every row of ``X`` float64[m, d], in NumPy (no compilation: for plots that
    code a grid of states once): int64[m, T], the same indices (tested)."""
    X = np.asarray(X, dtype=np.float64)
    d = X.shape[1]
    numt, per = int(ci[0]), int(ci[1])
    t = np.arange(numt, dtype=np.int64)
    out = np.repeat((t * per)[None, :], X.shape[0], axis=0)
    for k in range(d):
        lo, hi = cf[0, k], cf[1, k]
        xk = np.minimum(np.maximum(X[:, k], lo), hi)
        qf = np.minimum(np.floor((cf[2, k] * (xk - cf[3, k]) / (hi - lo)) * numt), cf[4, k])
        c = (qf.astype(np.int64)[:, None] + (2 * k + 1) * t) // numt
        out += (c - ci[2 + k]) * ci[2 + d + k]
    return out


@njit
def grid_consts(cf, ci, d):
    """The layout ``(cf, ci)`` as a tuple of scalars and d-tuples for :func:`grid_tiles_consts`:
    ``(low, high, n, origin, qmax, stride, T, tiles_per_tiling, log2 T, Σ_k base_k·stride_k, q)``
    (``q`` int64[d] is scratch).

    ``d`` must be a compile-time constant (a literal or a global of a specialised loop).  A loop
    that builds this once and codes with :func:`grid_tiles_consts` keeps the layout in registers:
    arrays would be re-read after every weight store (LLVM cannot rule out that they alias).
    """
    base_off = 0
    for k in range(d):
        base_off += ci[2 + k] * ci[2 + d + k]
    return (
        fixed_tuple(cf[0], d),
        fixed_tuple(cf[1], d),
        fixed_tuple(cf[2], d),
        fixed_tuple(cf[3], d),
        fixed_tuple(cf[4], d),
        fixed_tuple(ci[2 + d : 2 + 2 * d], d),
        ci[0],
        ci[1],
        ci[2 + 2 * d],
        base_off,
        np.empty(d, np.int64),
    )


@njit(inline="always")
def grid_tiles_consts(x, g, out):
    """:func:`grid_tiles` with the layout from :func:`grid_consts` (same indices, tested), one pass
    per tiling: ``out[t] = t·tiles_per_tiling + Σ_k (⌊(q_k + (2k+1)t)/T⌋ − base_k)·stride_k``."""
    low, high, n, origin, qmax, stride, numt, per, shift, base_off, q = g
    for k in range(len(low)):
        xk = x[k]
        if xk < low[k]:
            xk = low[k]
        elif xk > high[k]:
            xk = high[k]
        qf = math.floor((n[k] * (xk - origin[k]) / (high[k] - low[k])) * numt)
        if qf > qmax[k]:  # anchored grids: x = high falls in the last cell
            qf = qmax[k]
        q[k] = np.int64(qf)
    if shift >= 0:  # power-of-two T: the floor division is an arithmetic shift
        for t in range(numt):
            acc = t * per - base_off
            for k in range(len(low)):
                acc += ((q[k] + (2 * k + 1) * t) >> shift) * stride[k]
            out[t] = acc
    else:
        for t in range(numt):
            acc = t * per - base_off
            for k in range(len(low)):
                acc += ((q[k] + (2 * k + 1) * t) // numt) * stride[k]
            out[t] = acc
