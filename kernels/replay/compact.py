"""Compact storage: each observation stored once (``next_obs`` kept only where it is not the next
row's ``obs``), for the ring buffer's ``compact=True`` mode."""

import numpy as np

from .._jit import njit
from .ring import batch_out


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
    idx, o_out, a_out, r_out, o2_out, d_out = batch_out(obs, act, rew, obs, term, batch)
    replay_sample_compact_into(obs, act, rew, extra, nxt, term, state, u, idx, o_out, a_out, r_out, o2_out, d_out)
    return o_out, a_out, r_out, o2_out, d_out, idx
