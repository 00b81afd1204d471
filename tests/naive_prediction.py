"""Plain NumPy/Python references for the random walk and linear prediction (tests only)."""
import numpy as np


def naive_randomwalk_values(n=1000, jump=100, tol=1e-12, max_iter=100000):
    """Iterative policy evaluation (synchronous sweeps), independent of the linear solve."""
    v = np.zeros(n)
    s = np.arange(1, n + 1)
    jumps = [j for j in range(-jump, jump + 1) if j != 0]
    for _ in range(max_iter):
        ext = np.r_[-1.0, v, 1.0]  # R + v(terminal) at the two ends
        new = np.mean([ext[np.clip(s + j, 0, n + 1)] for j in jumps], axis=0)
        if np.max(np.abs(new - v)) < tol:
            return new
        v = new
    raise RuntimeError("no convergence")


def naive_randomwalk_episode(rng, n=1000, jump=100, start=500):
    states, rewards = [], []
    s = start
    while True:
        states.append(s)
        k = int(rng.integers(0, 2 * jump))
        s += -(k + 1) if k < jump else k - jump + 1
        if s <= 0:
            rewards.append(-1.0)
            return states, rewards
        if s >= n + 1:
            rewards.append(1.0)
            return states, rewards
        rewards.append(0.0)
