"""k-nearest-neighbour regression kernels: brute force, a k-d tree, kernel weights, the online update.

Memory: ``Xm`` float64[capacity, d] stored states (rows ``0 .. size−1`` in use) and
``Ym`` float64[capacity, n_out] their targets (n_out = 1 for v̂(s), the number of
actions for q̂(s, ·)).  The k nearest rows of a query q are ordered by
``(‖x − q‖², row index)``, so brute force and the k-d tree return the same rows
even when distances tie.

Prediction (Nadaraya-Watson over the k nearest; S&B §9.9, memory-based
approximation): ``v̂(q) = Σ_i w̄_i y_i`` with ``w̄_i = w_i / Σ_j w_j`` and
``w_i = 1`` (``UNIFORM``) or ``exp(−(d_i² − d_min²) / 2h²)`` (``GAUSSIAN``; the shift
by the nearest distance cancels in w̄ and keeps the weights from underflowing).

Online TD (semi-gradient in the stored targets, ``∂v̂/∂y_i = w̄_i``):
``y_i ← y_i + α w̄_i (U − v̂(q))`` for the k neighbours.

k-d tree (Bentley 1975; Friedman, Bentley & Finkel 1977): nodes split at the median
of their widest dimension until at most ``leaf_size`` points remain; a query
visits the nearer child first and skips a node whose bounding box is farther than
the current k-th distance.  Kernels trust their input (k ≤ size, shapes, finite
values): :mod:`fastfa.approx.knn` checks them.
"""

import numpy as np

from .._jit import njit

UNIFORM = 0
GAUSSIAN = 1


@njit
def _offer(d2, i, best_d, best_i, count, k):
    """Insert (d2, i) into the sorted k-best lists; returns the new count."""
    if count == k:
        wd = best_d[k - 1]
        if d2 > wd or (d2 == wd and i > best_i[k - 1]):
            return count
        p = k - 1
    else:
        p = count
        count += 1
    while p > 0 and (best_d[p - 1] > d2 or (best_d[p - 1] == d2 and best_i[p - 1] > i)):
        best_d[p] = best_d[p - 1]
        best_i[p] = best_i[p - 1]
        p -= 1
    best_d[p] = d2
    best_i[p] = i
    return count


@njit
def knn_brute(Xm, size, q, k, best_i, best_d):
    """The k nearest of rows 0..size−1 of ``Xm`` to ``q``: indices and squared distances, nearest first."""
    d = Xm.shape[1]
    count = 0
    for i in range(size):
        s = 0.0
        for j in range(d):
            t = Xm[i, j] - q[j]
            s += t * t
        count = _offer(s, i, best_d, best_i, count, k)


@njit
def knn_weights(best_d, k, kind, bandwidth, w):
    """Normalised weights w̄ of the k neighbours (squared distances ``best_d``, nearest first)."""
    if kind == UNIFORM:
        for i in range(k):
            w[i] = 1.0 / k
        return
    c = 0.5 / (bandwidth * bandwidth)
    tot = 0.0
    for i in range(k):
        w[i] = np.exp(-(best_d[i] - best_d[0]) * c)
        tot += w[i]
    for i in range(k):
        w[i] /= tot


@njit
def knn_average(Ym, best_i, w, k, out):
    for a in range(Ym.shape[1]):
        s = 0.0
        for i in range(k):
            s += w[i] * Ym[best_i[i], a]
        out[a] = s


@njit
def knn_predict_brute(Xm, Ym, size, Q, k, kind, bandwidth, out):
    """``out[n, :] = Σ_i w̄_i Ym[i, :]`` over the k nearest stored rows of each query ``Q[n]`` (brute force)."""
    best_i = np.empty(k, np.int64)
    best_d = np.empty(k)
    w = np.empty(k)
    for n in range(Q.shape[0]):
        knn_brute(Xm, size, Q[n], k, best_i, best_d)
        knn_weights(best_d, k, kind, bandwidth, w)
        knn_average(Ym, best_i, w, k, out[n])


@njit
def knn_td_update(Xm, Ym, size, q, col, target, alpha, k, kind, bandwidth):
    """``y_i[col] ← y_i[col] + α w̄_i (target − v̂(q)[col])`` for the k nearest rows; returns the error."""
    best_i = np.empty(k, np.int64)
    best_d = np.empty(k)
    w = np.empty(k)
    knn_brute(Xm, size, q, k, best_i, best_d)
    knn_weights(best_d, k, kind, bandwidth, w)
    v = 0.0
    for i in range(k):
        v += w[i] * Ym[best_i[i], col]
    delta = target - v
    for i in range(k):
        Ym[best_i[i], col] += alpha * w[i] * delta
    return delta


@njit
def kdtree_build(Xm, size, leaf_size, perm, start, end, left, right, lo, hi):
    """Build a k-d tree over rows 0..size−1 (size ≥ 1); node arrays hold 2·size − 1 nodes.

    ``perm`` int64[size] gets the row order (each node owns perm[start:end]); ``lo``/``hi``
    float64[nodes, d] the nodes' bounding boxes; ``left``/``right`` −1 at a leaf.
    Returns the number of nodes.
    """
    d = Xm.shape[1]
    for i in range(size):
        perm[i] = i
    stack = np.empty(size + 1, np.int64)
    start[0] = 0
    end[0] = size
    stack[0] = 0
    top = 1
    count = 1
    while top > 0:
        top -= 1
        node = stack[top]
        s = start[node]
        e = end[node]
        for j in range(d):
            lo[node, j] = np.inf
            hi[node, j] = -np.inf
        for p in range(s, e):
            r = perm[p]
            for j in range(d):
                v = Xm[r, j]
                if v < lo[node, j]:
                    lo[node, j] = v
                if v > hi[node, j]:
                    hi[node, j] = v
        left[node] = -1
        right[node] = -1
        m = e - s
        if m <= leaf_size:
            continue
        dim = 0
        for j in range(1, d):
            if hi[node, j] - lo[node, j] > hi[node, dim] - lo[node, dim]:
                dim = j
        if hi[node, dim] <= lo[node, dim]:
            continue  # all points equal: one leaf
        keys = np.empty(m)
        seg = perm[s:e].copy()
        for p in range(m):
            keys[p] = Xm[seg[p], dim]
        order = np.argsort(keys, kind="mergesort")
        for p in range(m):
            perm[s + p] = seg[order[p]]
        mid = s + m // 2
        for child, cs, ce in ((0, s, mid), (1, mid, e)):
            c = count
            count += 1
            start[c] = cs
            end[c] = ce
            if child == 0:
                left[node] = c
            else:
                right[node] = c
            stack[top] = c
            top += 1
    return count


@njit
def _box_d2(lo, hi, node, q):
    s = 0.0
    for j in range(q.shape[0]):
        if q[j] < lo[node, j]:
            t = lo[node, j] - q[j]
            s += t * t
        elif q[j] > hi[node, j]:
            t = q[j] - hi[node, j]
            s += t * t
    return s


@njit
def kdtree_query(Xm, perm, start, end, left, right, lo, hi, q, k, best_i, best_d, stack, stack_d):
    """The k nearest rows to ``q`` (same rows and order as :func:`knn_brute`).

    ``stack`` int64 and ``stack_d`` float64 scratch, each ≥ nodes + 1 long (a node waits on the stack
    with its box distance, computed once).
    """
    d = Xm.shape[1]
    count = 0
    stack[0] = 0
    stack_d[0] = 0.0
    top = 1
    while top > 0:
        top -= 1
        node = stack[top]
        if count == k and stack_d[top] > best_d[k - 1]:
            continue
        if left[node] < 0:
            for p in range(start[node], end[node]):
                r = perm[p]
                s = 0.0
                for j in range(d):
                    t = Xm[r, j] - q[j]
                    s += t * t
                count = _offer(s, r, best_d, best_i, count, k)
            continue
        a = left[node]
        b = right[node]
        da = _box_d2(lo, hi, a, q)
        db = _box_d2(lo, hi, b, q)
        if da <= db:  # the nearer child is popped first
            stack[top], stack_d[top], stack[top + 1], stack_d[top + 1] = b, db, a, da
        else:
            stack[top], stack_d[top], stack[top + 1], stack_d[top + 1] = a, da, b, db
        top += 2


@njit
def kdtree_predict(Xm, Ym, perm, start, end, left, right, lo, hi, Q, k, kind, bandwidth, out):
    """:func:`knn_predict_brute` through the k-d tree."""
    best_i = np.empty(k, np.int64)
    best_d = np.empty(k)
    w = np.empty(k)
    stack = np.empty(start.shape[0] + 1, np.int64)
    stack_d = np.empty(start.shape[0] + 1)
    for n in range(Q.shape[0]):
        kdtree_query(Xm, perm, start, end, left, right, lo, hi, Q[n], k, best_i, best_d, stack, stack_d)
        knn_weights(best_d, k, kind, bandwidth, w)
        knn_average(Ym, best_i, w, k, out[n])
