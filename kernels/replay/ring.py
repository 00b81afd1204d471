"""The uniform ring buffer on preallocated arrays (and the checked ``add`` used from Python).

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
def batch_out(obs, act, rew, next_obs, term, batch):
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
    idx, o_out, a_out, r_out, o2_out, d_out = batch_out(obs, act, rew, next_obs, term, batch)
    replay_sample_into(obs, act, rew, next_obs, term, state, u, idx, o_out, a_out, r_out, o2_out, d_out)
    return o_out, a_out, r_out, o2_out, d_out, idx


@njit
def all_finite(x):
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
    if not all_finite(o):
        return -1
    if not all_finite(o2):
        return -2
    if not np.isfinite(r):
        return -3
    if not all_finite(np.asarray(a)):
        return -4
    return replay_add(obs, act, rew, next_obs, term, state, o, a, r, o2, d)
