"""n-step returns from the ring buffer (S&B 7.1; Hessel et al. 2018): windows of up to n rows cut at
terminal, truncated and newest rows (the ``trunc`` array records time-limit truncations)."""

import numpy as np

from .._jit import njit
from .ring import batch_out, replay_add


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
    idx, o_out, a_out, r_out, o2_out, d_out = batch_out(obs, act, rew, next_obs, term, batch)
    g_out = np.empty(batch, rew.dtype)
    replay_sample_nstep_into(
        obs, act, rew, next_obs, term, trunc, state, n, gamma, u, idx, o_out, a_out, r_out, o2_out, d_out, g_out
    )
    return o_out, a_out, r_out, o2_out, d_out, g_out, idx
