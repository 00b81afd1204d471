"""Experience replay on preallocated arrays: a uniform ring buffer and a proportional sum-tree.

Storage (one row per transition, ``capacity`` rows)::

    obs      (capacity, obs_dim)   any numeric dtype (observations flattened)
    act      (capacity,) or (capacity, act_dim)
    rew      (capacity,) float32
    next_obs (capacity, obs_dim)
    term     (capacity,) bool      terminal flag (bootstrap with 0)
    state    int64[2] = [pos, size]   next write row, number of rows stored

``replay_add`` writes row ``pos`` and advances ``pos ← (pos + 1) mod capacity``
(the oldest transition is overwritten once full); ``size ← min(size + 1,
capacity)``.  Uniform sampling draws B row indices i.i.d. uniform on
{0, …, size−1} (with replacement, as Mnih et al. 2015, cpprb and SB3) from an
explicit ``np.random.Generator``.

Prioritized replay (Schaul et al. 2016, proportional variant): row i has
priority pᵢ; it is sampled with probability P(i) = pᵢ^α / Σⱼ pⱼ^α via a sum-tree
(``tree[1]`` = total, leaves at ``cap2 + i``), one draw per equal-mass stratum
[k·T/B, (k+1)·T/B) as in the paper; importance weights
wᵢ = (N·P(i))^−β / maxⱼ (N·P(j))^−β, the max taken from a min-tree.  New rows
get the largest priority seen so far.

Everything is ``@njit`` and usable inside compiled loops (pass the arrays and
the Generator); ``fastfa.buffers`` wraps these kernels with validation.
"""

import numpy as np

from .._jit import njit


@njit
def replay_add(obs, act, rew, next_obs, term, state, o, a, r, o2, d):
    """Store one transition (o, a, r, o2, d) at row ``state[0]``; returns that row."""
    pos = state[0]
    obs[pos] = o
    act[pos] = a
    rew[pos] = r
    next_obs[pos] = o2
    term[pos] = d
    cap = obs.shape[0]
    state[0] = (pos + 1) % cap
    if state[1] < cap:
        state[1] += 1
    return pos


@njit
def replay_add_batch(obs, act, rew, next_obs, term, state, o, a, r, o2, d):
    """Store the rows of (o, a, r, o2, d) in order (as repeated :func:`replay_add`)."""
    for i in range(o.shape[0]):
        replay_add(obs, act, rew, next_obs, term, state, o[i], a[i], r[i], o2[i], d[i])


@njit
def replay_gather(obs, act, rew, next_obs, term, idx, o_out, a_out, r_out, o2_out, d_out):
    """Copy rows ``idx`` of the storage into the ``*_out`` arrays.

    (Explicit column loops, written out here: about twice as fast as the row-slice copy
    ``o_out[k] = obs[i]`` or a helper function for 64 rows of 4 floats.)"""
    D = obs.shape[1]
    for k in range(idx.shape[0]):
        i = idx[k]
        for j in range(D):
            o_out[k, j] = obs[i, j]
        a_out[k] = act[i]
        r_out[k] = rew[i]
        for j in range(D):
            o2_out[k, j] = next_obs[i, j]
        d_out[k] = term[i]


@njit
def replay_sample_into(obs, act, rew, next_obs, term, state, u, idx, o_out, a_out, r_out, o2_out, d_out):
    """Uniform sample driven by the uniforms ``u`` ∈ [0, 1): idx[k] = ⌊u[k]·size⌋, then gather.

    (Bias of ⌊u·n⌋ with a 53-bit u is below n/2⁵³.)  The Python layer draws ``u``
    with ``rng.random(B)``, the compiled path with the same call, so both paths
    sample identical rows for the same Generator state.
    """
    size = state[1]
    for k in range(u.shape[0]):
        i = np.int64(u[k] * size)
        idx[k] = i if i < size else size - 1
    replay_gather(obs, act, rew, next_obs, term, idx, o_out, a_out, r_out, o2_out, d_out)


@njit
def _batch_out(obs, act, rew, next_obs, term, batch):
    """Fresh output arrays for a sample of ``batch`` rows: (idx, obs, act, rew, next_obs, term)."""
    return (
        np.empty(batch, np.int64),
        np.empty((batch,) + obs.shape[1:], obs.dtype),
        np.empty((batch,) + act.shape[1:], act.dtype),
        np.empty(batch, rew.dtype),
        np.empty((batch,) + next_obs.shape[1:], next_obs.dtype),
        np.empty(batch, term.dtype),
    )


@njit
def replay_sample(obs, act, rew, next_obs, term, state, rng, batch):
    """Uniform sample of ``batch`` rows (for compiled code); returns new arrays
    (obs, act, rew, next_obs, term, idx)."""
    u = rng.random(batch)
    idx, o_out, a_out, r_out, o2_out, d_out = _batch_out(obs, act, rew, next_obs, term, batch)
    replay_sample_into(obs, act, rew, next_obs, term, state, u, idx, o_out, a_out, r_out, o2_out, d_out)
    return o_out, a_out, r_out, o2_out, d_out, idx


# --------------------------------------------------------------- n-step returns


@njit
def replay_add_nstep(obs, act, rew, next_obs, term, trunc, state, o, a, r, o2, d, t):
    """:func:`replay_add` that also records the truncation flag ``t`` (episode cut by a time
    limit) in ``trunc``, which :func:`replay_nstep_gather` needs to stop at episode ends."""
    pos = replay_add(obs, act, rew, next_obs, term, state, o, a, r, o2, d)
    trunc[pos] = t
    return pos


@njit
def replay_nstep_gather(
    obs, act, rew, next_obs, term, trunc, state, n, gamma, idx, o_out, a_out, r_out, o2_out, d_out, g_out
):
    """n-step transitions starting at rows ``idx`` (Sutton & Barto §7.1, Mnih/Hessel n-step DQN).

    For row i (time t) the window is rows i, i+1, … (mod capacity, in insertion order) of
    length m = min(n, rows stored from i to the newest), cut at the first k with
    ``term`` or ``trunc``::

        G = Σ_{k<K} γᵏ R_{t+k+1},  next = S_{t+K} (next_obs of the last row of the window),
        discount = 0 if the window ended on ``term`` else γᴷ,  terminated = ``term`` seen

    so the target is G + discount · max_a Q(next, a).  A truncated episode bootstraps
    from its true last observation with γᴷ (the time limit is not part of the MDP);
    at the newest rows the window is shorter (K < n), bootstrapped the same way.
    With n = 1 this is exactly :func:`replay_gather` plus discount = γ·(1 − term).
    """
    cap = obs.shape[0]
    pos = state[0]
    size = state[1]
    oldest = pos if size == cap else 0
    for k in range(idx.shape[0]):
        i = idx[k]
        avail = size - (i - oldest) % cap  # rows from i to the newest, inclusive
        m = n if n < avail else avail
        g = 1.0
        ret = 0.0
        j = i
        done = False
        for s in range(m):
            j = (i + s) % cap
            ret += g * np.float64(rew[j])  # float64 also when interpreted (NumPy 2 would keep float32)
            g *= gamma
            if term[j]:
                done = True
                break
            if trunc[j]:
                break
        for c in range(obs.shape[1]):
            o_out[k, c] = obs[i, c]
        a_out[k] = act[i]
        r_out[k] = ret
        for c in range(obs.shape[1]):
            o2_out[k, c] = next_obs[j, c]
        d_out[k] = done
        g_out[k] = 0.0 if done else g


@njit
def replay_sample_nstep_into(
    obs, act, rew, next_obs, term, trunc, state, n, gamma, u, idx, o_out, a_out, r_out, o2_out, d_out, g_out
):
    """Uniform n-step sample driven by the uniforms ``u`` (rows as :func:`replay_sample_into`)."""
    size = state[1]
    for k in range(u.shape[0]):
        i = np.int64(u[k] * size)
        idx[k] = i if i < size else size - 1
    replay_nstep_gather(
        obs, act, rew, next_obs, term, trunc, state, n, gamma, idx, o_out, a_out, r_out, o2_out, d_out, g_out
    )


@njit
def replay_sample_nstep(obs, act, rew, next_obs, term, trunc, state, rng, batch, n, gamma):
    """Uniform n-step sample (for compiled code); returns new arrays
    (obs, act, n-step return, next_obs, term, discounts, idx)."""
    u = rng.random(batch)
    idx, o_out, a_out, r_out, o2_out, d_out = _batch_out(obs, act, rew, next_obs, term, batch)
    g_out = np.empty(batch, rew.dtype)
    replay_sample_nstep_into(
        obs, act, rew, next_obs, term, trunc, state, n, gamma, u, idx, o_out, a_out, r_out, o2_out, d_out, g_out
    )
    return o_out, a_out, r_out, o2_out, d_out, g_out, idx


# --------------------------------------------------------------- compact storage (each obs once)


@njit
def replay_add_compact(obs, act, rew, extra, nxt, term, state, estate, o, a, r, o2, d):
    """:func:`replay_add` for compact storage: next_obs is kept only where it is not the
    next row's obs.

    ``nxt[i]`` = −1 when row i's next observation is ``obs[(i+1) mod capacity]``, else the
    slot in ``extra`` (a FIFO ring, ``estate`` = [oldest slot, count]) holding it.  The newest
    row's next_obs is always parked in ``extra``; when the next transition starts from an
    observation bit-identical to it, the slot is released (same episode continues).
    Returns the row written, or −5 (nothing changed) when ``extra`` is full: grow it first.
    """
    cap = obs.shape[0]
    E = extra.shape[0]
    if estate[1] >= E:
        return -5
    pos = state[0]
    size = state[1]
    if size == cap and nxt[pos] >= 0:  # row pos is overwritten: its slot is the oldest one
        estate[0] = (estate[0] + 1) % E
        estate[1] -= 1
        nxt[pos] = -1
    if size > 0 and cap > 1:
        p = (pos - 1) % cap
        sl = nxt[p]
        if sl >= 0:  # the newest slot: release it if the episode continues with o
            same = True
            for k in range(o.shape[0]):
                x = extra[sl, k]
                y = o[k]
                if x != y or np.copysign(1.0, x) != np.copysign(1.0, y):
                    same = False
                    break
            if same:
                estate[1] -= 1
                nxt[p] = -1
    sl = (estate[0] + estate[1]) % E
    extra[sl] = o2
    nxt[pos] = sl
    estate[1] += 1
    obs[pos] = o
    act[pos] = a
    rew[pos] = r
    term[pos] = d
    state[0] = (pos + 1) % cap
    if size < cap:
        state[1] += 1
    return pos


@njit
def replay_gather_compact(obs, act, rew, extra, nxt, term, idx, o_out, a_out, r_out, o2_out, d_out):
    """:func:`replay_gather` for compact storage (next_obs from ``extra`` or the next row)."""
    cap = obs.shape[0]
    for k in range(idx.shape[0]):
        i = idx[k]
        for c in range(obs.shape[1]):
            o_out[k, c] = obs[i, c]
        a_out[k] = act[i]
        r_out[k] = rew[i]
        sl = nxt[i]
        if sl >= 0:
            for c in range(obs.shape[1]):
                o2_out[k, c] = extra[sl, c]
        else:
            n = (i + 1) % cap
            for c in range(obs.shape[1]):
                o2_out[k, c] = obs[n, c]
        d_out[k] = term[i]


@njit
def replay_sample_compact_into(obs, act, rew, extra, nxt, term, state, u, idx, o_out, a_out, r_out, o2_out, d_out):
    """Uniform sample from compact storage; same rows as :func:`replay_sample_into` for the same ``u``."""
    size = state[1]
    for k in range(u.shape[0]):
        i = np.int64(u[k] * size)
        idx[k] = i if i < size else size - 1
    replay_gather_compact(obs, act, rew, extra, nxt, term, idx, o_out, a_out, r_out, o2_out, d_out)


@njit
def replay_sample_compact(obs, act, rew, extra, nxt, term, state, rng, batch):
    """Uniform sample from compact storage (for compiled code); returns (obs, act, rew, next_obs, term, idx)."""
    u = rng.random(batch)
    idx, o_out, a_out, r_out, o2_out, d_out = _batch_out(obs, act, rew, obs, term, batch)
    replay_sample_compact_into(obs, act, rew, extra, nxt, term, state, u, idx, o_out, a_out, r_out, o2_out, d_out)
    return o_out, a_out, r_out, o2_out, d_out, idx


# --------------------------------------------------------------- sum-tree (PER)


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
    idx, o_out, a_out, r_out, o2_out, d_out = _batch_out(obs, act, rew, next_obs, term, batch)
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


# ------------------------------------------------------------- checked entry points (one call from Python)


@njit
def _all_finite(x):
    for v in x.flat:
        if not np.isfinite(v):
            return False
    return True


@njit
def replay_add_checked(obs, act, rew, next_obs, term, state, o, a, r, o2, d):
    """:func:`replay_add` after checking that o, o2, r (and a float a) are finite.

    Returns the row written, or −1 (o), −2 (o2), −3 (r), −4 (a) for the first non-finite input
    (nothing is stored then).
    """
    if not _all_finite(o):
        return -1
    if not _all_finite(o2):
        return -2
    if not np.isfinite(r):
        return -3
    if not _all_finite(np.asarray(a)):
        return -4
    return replay_add(obs, act, rew, next_obs, term, state, o, a, r, o2, d)


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
