"""Plain-Python reference for n-step replay sampling (fastfa.kernels.replay.replay.replay_nstep_gather).

Works from the full stream of transitions in insertion order (no ring arithmetic):
the buffer holds the last ``min(len(stream), capacity)`` of them, and the transition
added at global time t lives in row ``t % capacity``.
"""

import numpy as np

__all__ = ["naive_nstep_row", "naive_tree_rebuild", "naive_per_indices"]


def naive_nstep_row(stream, capacity, row, n, gamma):
    """n-step (obs, action, return, next_obs, terminated, discount) for ring ``row``.

    ``stream``: list of (obs, action, reward, next_obs, terminated, truncated) in the
    order they were added.
    """
    total = len(stream)
    first = max(0, total - capacity)
    t0 = next(t for t in range(first, total) if t % capacity == row)
    ret, disc, done = 0.0, 1.0, False
    last = t0
    for t in range(t0, min(t0 + n, total)):
        _, _, r, _, term, trunc = stream[t]
        ret += disc * float(np.float32(r))
        disc *= gamma
        last = t
        if term:
            done = True
            break
        if trunc:
            break
    o, a = stream[t0][0], stream[t0][1]
    return o, a, ret, stream[last][3], done, 0.0 if done else disc


def naive_tree_rebuild(sum_tree, min_tree):
    """Sum and min trees recomputed bottom-up from the leaves (node n = f(2n, 2n+1))."""
    s, m = sum_tree.copy(), min_tree.copy()
    for n in range(s.shape[0] // 2 - 1, 0, -1):
        s[n] = s[2 * n] + s[2 * n + 1]
        m[n] = min(m[2 * n], m[2 * n + 1])
    return s, m


def naive_per_indices(sum_tree, min_tree, size, beta, u):
    """Stratified proportional sample, one plain descent per draw: (indices, float32 weights)."""
    cap2 = sum_tree.shape[0] // 2
    B = len(u)
    total = sum_tree[1]
    seg = total / B
    max_w = (size * (min_tree[1] / total)) ** (-beta)
    idx, w = [], []
    for k in range(B):
        mass, n = (k + u[k]) * seg, 1
        while n < cap2:
            if mass < sum_tree[2 * n]:
                n = 2 * n
            else:
                mass -= sum_tree[2 * n]
                n = 2 * n + 1
        i = min(n - cap2, size - 1)
        while sum_tree[cap2 + i] <= 0.0 and i > 0:
            i -= 1
        idx.append(i)
        w.append(np.float32((size * (sum_tree[cap2 + i] / total)) ** (-beta) / max_w))
    return np.array(idx, np.int64), np.array(w, np.float32)


def paper_per_sample(p, beta, u):
    """Proportional prioritisation from Schaul et al. (2016), written without a sum-tree.

    ``p`` holds the stored rows' p_i^α (any non-negative numbers, at least one positive).  The
    paper's stratified sampler: the range [0, Σp) is cut into B equal segments and draw k takes the
    transition whose cumulative-sum interval holds the mass m_k = (k + u_k)·Σp/B, i.e. the smallest i
    with Σ_{j≤i} p_j > m_k (``np.searchsorted(cumsum, m, "right")``).  A mass at or past the total
    (rounding) takes the last positive row.  IS weights (paper, eq. 1 and §3.4):
    w_i = (N·P(i))^(−β) / max_j w_j with P(i) = p_i/Σp and the max over the N stored rows.
    Returns (indices int64, weights float32).
    """
    p = np.asarray(p, np.float64)
    N, B = p.shape[0], len(u)
    c = np.cumsum(p)
    total = c[-1]
    m = (np.arange(B) + np.asarray(u, np.float64)) * (total / B)
    idx = np.searchsorted(c, m, side="right")
    idx[idx >= N] = np.flatnonzero(p > 0)[-1]
    P = p / total
    with np.errstate(divide="ignore"):  # a zero priority has an infinite weight (the paper assumes p > 0)
        w_all = (N * P) ** (-beta)
        w = (N * P[idx]) ** (-beta) / w_all.max()
    return idx.astype(np.int64), w.astype(np.float32)
