"""Plain-Python reference for n-step replay sampling (fastfa.kernels.replay.replay_nstep_gather).

Works from the full stream of transitions in insertion order (no ring arithmetic):
the buffer holds the last ``min(len(stream), capacity)`` of them, and the transition
added at global time t lives in row ``t % capacity``.
"""
import numpy as np

__all__ = ["naive_nstep_row"]


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
