"""Regression-tree kernels: CART (best split) and extremely randomised trees, fit and predict.

A tree is five flat arrays over its nodes (node 0 is the root; ids in depth-first
order, left child before right, as scikit-learn's depth-first builder numbers them):
``feature`` int64 (−2 at a leaf), ``threshold`` float64 (−2.0 at a leaf),
``left``/``right`` int64 (−1 at a leaf), ``value`` float64 (mean target in the node),
plus ``n_node`` int64 (samples in the node) and ``impurity`` float64 (their variance).
A row ``x`` goes left at node j when ``x[feature[j]] <= threshold[j]``.

Splits (Breiman et al. 1984, CART; Hastie, Tibshirani & Friedman §9.2.2): the
variance reduction of splitting node t into L and R is
``Δ = Var(t) − (n_L/n_t) Var(L) − (n_R/n_t) Var(R)``; maximising Δ over the
splits of t is maximising the proxy ``S_L²/n_L + S_R²/n_R`` (S = sum of targets).
CART scans every feature and every midpoint between consecutive distinct sorted
values; extra-trees (Geurts, Ernst & Wehenkel 2006, Algorithm 1) draws K features
at random among the non-constant ones and one cut-point uniformly in
``[min, max)`` of each, and keeps the best of those K.

A node is a leaf when: depth = max_depth, n < min_samples_split,
n < 2·min_samples_leaf, its variance ≤ machine ε, or no split leaves
min_samples_leaf samples on both sides.  Values closer than ``FEATURE_THRESHOLD``
count as equal (scikit-learn's rule).  Kernels trust their input: sizes, limits and
finiteness are checked by :mod:`fastfa.approx.trees`.
"""

import numpy as np

from .._jit import njit

FEATURE_THRESHOLD = 1e-7
EPSILON = np.finfo(np.float64).eps
LEAF = -1
UNDEFINED = -2


@njit
def _node_stats(y, samples, start, end):
    s = 0.0
    sq = 0.0
    for p in range(start, end):
        v = y[samples[p]]
        s += v
        sq += v * v
    n = end - start
    return s, sq / n - (s / n) * (s / n)


@njit
def _partition(X, samples, start, end, f, thr):
    """Reorder samples[start:end] so rows with X[:, f] <= thr come first; returns the split position."""
    i = start
    j = end
    while i < j:
        if X[samples[i], f] <= thr:
            i += 1
        else:
            j -= 1
            t = samples[i]
            samples[i] = samples[j]
            samples[j] = t
    return i


@njit
def _best_split(X, y, samples, start, end, sum_total, min_samples_leaf, xf, order_buf):
    """CART: the (feature, threshold, proxy) maximising S_L²/n_L + S_R²/n_R; feature −1 if none."""
    n = end - start
    best_f = -1
    best_thr = 0.0
    best_proxy = -np.inf
    for f in range(X.shape[1]):
        for p in range(n):
            xf[p] = X[samples[start + p], f]
        order = np.argsort(xf[:n], kind="mergesort")
        if xf[order[n - 1]] <= xf[order[0]] + FEATURE_THRESHOLD:
            continue  # constant in this node
        for p in range(n):
            order_buf[p] = samples[start + order[p]]
        s_left = 0.0
        for i in range(n - 1):
            s_left += y[order_buf[i]]
            a = xf[order[i]]
            b = xf[order[i + 1]]
            if b <= a + FEATURE_THRESHOLD:
                continue  # not a cut between distinct values
            n_left = i + 1
            n_right = n - n_left
            if n_left < min_samples_leaf or n_right < min_samples_leaf:
                continue
            s_right = sum_total - s_left
            proxy = s_left * s_left / n_left + s_right * s_right / n_right
            if proxy > best_proxy:
                best_proxy = proxy
                best_f = f
                thr = a / 2.0 + b / 2.0
                if thr == b or thr == np.inf or thr == -np.inf:
                    thr = a
                best_thr = thr
    return best_f, best_thr, best_proxy


@njit
def _random_split(X, y, samples, start, end, sum_total, min_samples_leaf, max_features, feats, rng):
    """Extra-trees: best of up to K random cut-points, one per randomly drawn non-constant feature."""
    d = X.shape[1]
    for j in range(d):
        feats[j] = j
    best_f = -1
    best_thr = 0.0
    best_proxy = -np.inf
    visited = 0
    n = end - start
    for j in range(d):
        if visited >= max_features:
            break
        r = j + np.int64(rng.random() * (d - j))  # Fisher-Yates, one uniform draw (cheaper than rng.integers)
        f = feats[r]
        feats[r] = feats[j]
        feats[j] = f
        lo = np.inf
        hi = -np.inf
        for p in range(start, end):
            v = X[samples[p], f]
            if v < lo:
                lo = v
            if v > hi:
                hi = v
        if hi <= lo + FEATURE_THRESHOLD:
            continue  # constant: does not count towards K
        visited += 1
        thr = lo + (hi - lo) * rng.random()
        if thr >= hi:
            thr = lo
        n_left = 0
        s_left = 0.0
        for p in range(start, end):
            if X[samples[p], f] <= thr:
                n_left += 1
                s_left += y[samples[p]]
        n_right = n - n_left
        if n_left < min_samples_leaf or n_right < min_samples_leaf:
            continue
        s_right = sum_total - s_left
        proxy = s_left * s_left / n_left + s_right * s_right / n_right
        if proxy > best_proxy:
            best_proxy = proxy
            best_f = f
            best_thr = thr
    return best_f, best_thr, best_proxy


@njit
def tree_fit(
    X,
    y,
    max_depth,
    min_samples_split,
    min_samples_leaf,
    max_features,
    randomized,
    rng,
    feature,
    threshold,
    left,
    right,
    value,
    n_node,
    impurity,
):
    """Grow one tree on rows of ``X`` float64[n, d] with targets ``y`` float64[n] (n ≥ 1).

    ``randomized`` False: CART (every feature, every cut; ``max_features``/``rng`` unused);
    True: extra-trees with K = ``max_features`` (1 ≤ K ≤ d) drawn from ``rng``.
    Node arrays must hold 2n − 1 nodes.  Returns the number of nodes written.
    """
    n, d = X.shape
    samples = np.arange(n)
    xf = np.empty(n)
    order_buf = np.empty(n, np.int64)
    feats = np.empty(d, np.int64)
    # stack of (start, end, depth, parent, is_left)
    st_start = np.empty(n + 1, np.int64)
    st_end = np.empty(n + 1, np.int64)
    st_depth = np.empty(n + 1, np.int64)
    st_parent = np.empty(n + 1, np.int64)
    st_left = np.empty(n + 1, np.bool_)
    top = 0
    st_start[0] = 0
    st_end[0] = n
    st_depth[0] = 0
    st_parent[0] = -1
    st_left[0] = False
    top = 1
    count = 0
    while top > 0:
        top -= 1
        start = st_start[top]
        end = st_end[top]
        depth = st_depth[top]
        parent = st_parent[top]
        is_left = st_left[top]
        m = end - start
        s, imp = _node_stats(y, samples, start, end)
        node = count
        count += 1
        if parent >= 0:
            if is_left:
                left[parent] = node
            else:
                right[parent] = node
        feature[node] = UNDEFINED
        threshold[node] = -2.0
        left[node] = LEAF
        right[node] = LEAF
        value[node] = s / m
        n_node[node] = m
        impurity[node] = imp
        is_leaf = depth >= max_depth or m < min_samples_split or m < 2 * min_samples_leaf or imp <= EPSILON
        if is_leaf:
            continue
        if randomized:
            f, thr, _ = _random_split(X, y, samples, start, end, s, min_samples_leaf, max_features, feats, rng)
        else:
            f, thr, _ = _best_split(X, y, samples, start, end, s, min_samples_leaf, xf, order_buf)
        if f < 0:
            continue
        pos = _partition(X, samples, start, end, f, thr)
        if pos <= start or pos >= end:
            continue  # cannot happen for a valid split; keeps the stack bounded regardless
        feature[node] = f
        threshold[node] = thr
        # push right then left: the left child is popped (and numbered) first
        st_start[top] = pos
        st_end[top] = end
        st_depth[top] = depth + 1
        st_parent[top] = node
        st_left[top] = False
        top += 1
        st_start[top] = start
        st_end[top] = pos
        st_depth[top] = depth + 1
        st_parent[top] = node
        st_left[top] = True
        top += 1
    return count


@njit
def tree_apply_row(feature, threshold, left, right, root, x):
    """Index of the leaf that row ``x`` reaches from node ``root``."""
    j = root
    while left[j] >= 0:
        if x[feature[j]] <= threshold[j]:
            j = left[j]
        else:
            j = right[j]
    return j


@njit
def tree_pack(feature, left, right, packed):
    """``packed[j] = (feature, right)`` int64[n, 2] for :func:`forest_predict_packed`.

    In depth-first numbering the left child of node j is j + 1 (checked here: returns False
    otherwise), so a walk needs only the feature (−2 at a leaf), the threshold and the right child.
    """
    for j in range(feature.shape[0]):
        if left[j] >= 0 and left[j] != j + 1:
            return False
        packed[j, 0] = feature[j]
        packed[j, 1] = right[j]
    return True


@njit
def forest_predict_packed(roots, packed, threshold, value, X, out):
    """``out[i] = (1/M) Σ_m value[leaf_m(X[i])]`` over the M trees starting at ``roots`` (trees concatenated,
    child ids absolute; one tree: ``roots = [0]``).  Tree by tree, so one tree's nodes stay in cache;
    at node j a row goes to j + 1 (left) or ``packed[j, 1]`` (right), see :func:`tree_pack`."""
    M = roots.shape[0]
    n = X.shape[0]
    for i in range(n):
        out[i] = 0.0
    for m in range(M):
        r = roots[m]
        for i in range(n):
            j = r
            f = packed[j, 0]
            while f >= 0:
                if X[i, f] <= threshold[j]:
                    j = j + 1
                else:
                    j = packed[j, 1]
                f = packed[j, 0]
            out[i] += value[j]
    if M > 1:
        for i in range(n):
            out[i] /= M


@njit
def forest_predict(roots, feature, threshold, left, right, value, X, out):
    """:func:`forest_predict_packed` on the unpacked node arrays (one row at a time, all trees)."""
    M = roots.shape[0]
    for i in range(X.shape[0]):
        s = 0.0
        for m in range(M):
            s += value[tree_apply_row(feature, threshold, left, right, roots[m], X[i])]
        out[i] = s / M
