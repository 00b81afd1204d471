"""Prioritized replay (Schaul et al. 2016, proportional variant) on the ring buffer's rows.

Row i has priority pᵢ; it is sampled with probability P(i) = pᵢ^α / Σⱼ pⱼ^α via a sum-tree
(``tree[1]`` = total, leaves at ``cap2 + i``), one draw per equal-mass stratum
[k·T/B, (k+1)·T/B) as in the paper; importance weights
wᵢ = (N·P(i))^−β / maxⱼ (N·P(j))^−β, the max taken from a min-tree.  New rows
get the largest priority seen so far.
"""

import numpy as np

from .._jit import njit
from .ring import batch_out, replay_add, replay_add_checked, replay_gather


@njit
def sumtree_set(sum_tree, min_tree, i, p):
    """Set leaf i to p (= priority^α) and recompute its ancestors exactly (no drift)."""
    cap2 = sum_tree.shape[0] // 2
    n = cap2 + i
    sum_tree[n] = p
    min_tree[n] = p
    n //= 2
    while n >= 1:
        sum_tree[n] = sum_tree[2 * n] + sum_tree[2 * n + 1]
        min_tree[n] = min(min_tree[2 * n], min_tree[2 * n + 1])
        n //= 2


@njit
def sumtree_find(sum_tree, mass):
    """Smallest leaf i with prefix sum Σ_{j≤i} p_j > mass (descending the tree)."""
    cap2 = sum_tree.shape[0] // 2
    n = 1
    while n < cap2:
        left = sum_tree[2 * n]
        if mass < left:
            n = 2 * n
        else:
            mass -= left
            n = 2 * n + 1
    return n - cap2


@njit
def per_add(obs, act, rew, next_obs, term, state, sum_tree, min_tree, pstate, o, a, r, o2, d):
    """:func:`replay_add` with the new row's priority^α set to ``pstate[0]`` (max priority^α so far)."""
    pos = replay_add(obs, act, rew, next_obs, term, state, o, a, r, o2, d)
    sumtree_set(sum_tree, min_tree, pos, pstate[0])
    return pos


@njit
def per_sample_indices(sum_tree, min_tree, size, beta, u, idx, w):
    """Stratified proportional sample: idx[k] = leaf holding mass (k + u[k])·T/B, and
    normalised IS weights ``w``.  Returns False when the total priority is 0 or not finite."""
    B = idx.shape[0]
    cap2 = sum_tree.shape[0] // 2
    total = sum_tree[1]
    if not (total > 0.0) or not np.isfinite(total):
        return False
    seg = total / B
    p_min = min_tree[1] / total
    max_w = (size * p_min) ** (-beta)
    # :func:`sumtree_find` for all B masses at once, level by level and branch-free: the loads
    # of different samples are independent (their cache misses overlap) and the left/right
    # coin flip costs no mispredicted branch; same arithmetic, so the same leaves
    mass = np.empty(B, np.float64)
    for k in range(B):
        mass[k] = (k + u[k]) * seg
        idx[k] = 1
    n = 1
    while n < cap2:
        for k in range(B):
            j = idx[k]
            left = sum_tree[2 * j]
            right = not (mass[k] < left)
            mass[k] -= left * right  # exact: the total is finite, so left is finite and >= 0
            idx[k] = 2 * j + right
        n *= 2
    for k in range(B):
        i = idx[k] - cap2
        # rounding can land past the data or on a zero leaf: step back to a positive one
        if i >= size:
            i = size - 1
        while sum_tree[cap2 + i] <= 0.0 and i > 0:
            i -= 1
        idx[k] = i
        w[k] = (size * (sum_tree[cap2 + i] / total)) ** (-beta) / max_w
    return True


@njit
def per_sample_into(
    obs, act, rew, next_obs, term, state, sum_tree, min_tree, beta, u, idx, w, o_out, a_out, r_out, o2_out, d_out
):
    """Prioritised sample driven by uniforms ``u`` (B of them) into the ``*_out`` arrays."""
    ok = per_sample_indices(sum_tree, min_tree, state[1], beta, u, idx, w)
    if ok:
        replay_gather(obs, act, rew, next_obs, term, idx, o_out, a_out, r_out, o2_out, d_out)
    return ok


@njit
def per_sample(obs, act, rew, next_obs, term, state, sum_tree, min_tree, rng, batch, beta):
    """Prioritised sample (for compiled code); returns (obs, act, rew, next_obs, term, idx, weights, ok)."""
    u = rng.random(batch)
    w = np.empty(batch, np.float32)
    idx, o_out, a_out, r_out, o2_out, d_out = batch_out(obs, act, rew, next_obs, term, batch)
    ok = per_sample_into(
        obs, act, rew, next_obs, term, state, sum_tree, min_tree, beta, u, idx, w, o_out, a_out, r_out, o2_out, d_out
    )
    return o_out, a_out, r_out, o2_out, d_out, idx, w, ok


@njit
def _sumtree_set_many(sum_tree, min_tree, pstate, idx, pa):
    """:func:`sumtree_set` of leaves ``idx`` to ``pa`` (in order: a repeated index keeps its last
    value), then the ancestors level by level (independent loads).  Every internal node ends as
    the sum/min of its children either way, so the tree equals one-path-at-a-time updates."""
    B = idx.shape[0]
    cap2 = sum_tree.shape[0] // 2
    node = np.empty(B, np.int64)
    for k in range(B):
        n = cap2 + idx[k]
        sum_tree[n] = pa[k]
        min_tree[n] = pa[k]
        node[k] = n // 2
        if pa[k] > pstate[0]:
            pstate[0] = pa[k]
    n = cap2 // 2
    while n >= 1:
        for k in range(B):
            j = node[k]
            sum_tree[j] = sum_tree[2 * j] + sum_tree[2 * j + 1]
            min_tree[j] = min(min_tree[2 * j], min_tree[2 * j + 1])
            node[k] = j // 2
        n //= 2


@njit
def per_update(sum_tree, min_tree, pstate, idx, priorities, alpha):
    """pᵢ ← priorities^α for the rows ``idx`` (priorities ≥ 0); tracks the max in ``pstate[0]``."""
    pa = np.empty(idx.shape[0], np.float64)
    for k in range(idx.shape[0]):
        pa[k] = priorities[k] ** alpha
    _sumtree_set_many(sum_tree, min_tree, pstate, idx, pa)


@njit
def per_add_checked(obs, act, rew, next_obs, term, state, sum_tree, min_tree, pstate, o, a, r, o2, d):
    """:func:`per_add` with the checks of :func:`replay_add_checked` (same return codes)."""
    pos = replay_add_checked(obs, act, rew, next_obs, term, state, o, a, r, o2, d)
    if pos >= 0:
        sumtree_set(sum_tree, min_tree, pos, pstate[0])
    return pos


@njit
def per_update_checked(sum_tree, min_tree, pstate, idx, priorities, alpha, eps, size):
    """:func:`per_update` with priorities + eps, after validating every entry first.

    Returns −1 if all is well (and applies the update), else the position k of the first
    bad entry with a code: returns (k, code), code 1 index out of [0, size), 2 priority not
    finite, 3 priority < 0, 4 priority + eps ≤ 0.  Nothing is updated when an entry is bad.
    """
    for k in range(idx.shape[0]):
        if idx[k] < 0 or idx[k] >= size:
            return k, 1
        p = priorities[k]
        if not np.isfinite(p):
            return k, 2
        if p < 0:
            return k, 3
        if p + eps <= 0:
            return k, 4
    pa = np.empty(idx.shape[0], np.float64)
    for k in range(idx.shape[0]):
        pa[k] = (priorities[k] + eps) ** alpha
    _sumtree_set_many(sum_tree, min_tree, pstate, idx, pa)
    return -1, 0
