"""Plain references for the tree and nearest-neighbour kernels (fastfa.kernels.approx.tree, fastfa.kernels.approx.knn).

CART is written from its textbook description (recursive, exhaustive): the split
of a node maximises the drop in summed squared error
``SSE(node) − SSE(left) − SSE(right)`` over every feature and every midpoint
between consecutive distinct values, with both sides keeping ``min_samples_leaf``
rows; the first best (lowest feature, lowest cut) wins.  Nodes are numbered in
pre-order, left child first.  kNN sorts all distances.
"""

import numpy as np

__all__ = ["naive_cart", "naive_knn", "naive_knn_predict"]


def _sse(v):
    return float(((v - v.mean()) ** 2).sum())


def naive_cart(X, y, max_depth=None, min_samples_split=2, min_samples_leaf=1):
    """List of nodes (dicts: feature, threshold, left, right, value, n) in pre-order."""
    X = np.asarray(X, np.float64)
    y = np.asarray(y, np.float64)
    nodes = []

    def grow(rows, depth):
        me = len(nodes)
        node = {"feature": -2, "threshold": -2.0, "left": -1, "right": -1, "value": y[rows].mean(), "n": len(rows)}
        nodes.append(node)
        n = len(rows)
        if (
            (max_depth is not None and depth >= max_depth)
            or n < min_samples_split
            or n < 2 * min_samples_leaf
            or np.var(y[rows]) <= np.finfo(float).eps
        ):
            return me
        base = _sse(y[rows])
        best = None
        for f in range(X.shape[1]):
            xs = np.unique(X[rows, f])
            for a, b in zip(xs[:-1], xs[1:]):
                if b <= a + 1e-7:
                    continue
                thr = a / 2 + b / 2
                go_left = X[rows, f] <= thr
                nl = int(go_left.sum())
                if nl < min_samples_leaf or n - nl < min_samples_leaf:
                    continue
                gain = base - _sse(y[rows][go_left]) - _sse(y[rows][~go_left])
                if best is None or gain > best[0] + 1e-12:
                    best = (gain, f, thr)
        if best is None:
            return me
        _, f, thr = best
        node["feature"], node["threshold"] = f, thr
        go_left = X[rows, f] <= thr
        node["left"] = grow(rows[go_left], depth + 1)
        node["right"] = grow(rows[~go_left], depth + 1)
        return me

    grow(np.arange(len(y)), 0)
    return nodes


def naive_knn(Xm, q, k):
    """(rows, squared distances) of the k nearest rows of ``Xm`` to ``q``, ordered by (distance², row)."""
    d2 = ((np.asarray(Xm, float) - np.asarray(q, float)) ** 2).sum(axis=1)
    order = np.lexsort((np.arange(len(d2)), d2))[:k]
    return order, d2[order]


def naive_knn_predict(Xm, Ym, Q, k, kernel="uniform", bandwidth=1.0):
    out = []
    for q in np.atleast_2d(Q):
        rows, d2 = naive_knn(Xm, q, k)
        w = np.ones(len(rows)) if kernel == "uniform" else np.exp(-d2 / (2 * bandwidth**2))
        out.append((w[:, None] * np.asarray(Ym, float).reshape(len(Xm), -1)[rows]).sum(0) / w.sum())
    return np.array(out)
