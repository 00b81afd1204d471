"""A Fig 12.10-style sweep cell for the sweep benches: Sarsa(λ) with replacing traces on
Mountain Car (S&B §10.1, §12.7), 8 grid tilings of 8x8 (asymmetric offsets), ε = 0,
a population of runs in one compiled call (prange over runs, one Generator per run).

Self-contained on purpose (benches must not depend on unfinished experiments); the real
``mountaincar-lambda`` experiment replaces it in benches/sweep.md when it lands.
"""

from __future__ import annotations

import numpy as np
import numba
from numba import prange

N_TILINGS, N_GRID = 8, 8
SIDE = N_GRID + 1
N_W = N_TILINGS * SIDE * SIDE * 3


@numba.njit(cache=True, nogil=True)
def _active(x, v, out):
    sx = (x + 1.2) / 1.7 * N_GRID
    sv = (v + 0.07) / 0.14 * N_GRID
    for t in range(N_TILINGS):
        ix = int(sx + t / N_TILINGS)
        iv = int(sv + 3.0 * t / N_TILINGS) % SIDE
        out[t] = (t * SIDE + ix) * SIDE + iv


@numba.njit(cache=True, nogil=True)
def _q(w, tiles, a):
    s = 0.0
    for k in range(N_TILINGS):
        s += w[tiles[k] * 3 + a]
    return s


@numba.njit(cache=True, nogil=True)
def _greedy(w, tiles, rng):
    best = -1e300
    n_best = 0
    pick = 0
    for a in range(3):
        q = _q(w, tiles, a)
        if q > best:
            best, n_best, pick = q, 1, a
        elif q == best:
            n_best += 1
            if rng.random() * n_best < 1.0:  # reservoir: uniform among ties
                pick = a
    return pick


@numba.njit(cache=True, nogil=True)
def _run(alpha, lam, n_episodes, max_steps, rng, steps_out):
    w = np.zeros(N_W)
    z = np.zeros(N_W)
    tiles = np.empty(N_TILINGS, np.int64)
    tiles2 = np.empty(N_TILINGS, np.int64)
    a_step = alpha / N_TILINGS
    for ep in range(n_episodes):
        z[:] = 0.0
        x = rng.uniform(-0.6, -0.4)
        v = 0.0
        _active(x, v, tiles)
        a = _greedy(w, tiles, rng)
        t = 0
        while True:
            t += 1
            v = min(max(v + 0.001 * (a - 1) - 0.0025 * np.cos(3.0 * x), -0.07), 0.07)
            x = min(max(x + v, -1.2), 0.5)
            if x == -1.2:
                v = 0.0
            for k in range(N_TILINGS):
                z[tiles[k] * 3 + a] = 1.0  # replacing traces
            delta = -1.0 - _q(w, tiles, a)
            if x >= 0.5 or t >= max_steps:
                w += a_step * delta * z
                break
            _active(x, v, tiles2)
            a2 = _greedy(w, tiles2, rng)
            delta += _q(w, tiles2, a2)
            w += a_step * delta * z
            z *= lam
            tiles, tiles2 = tiles2, tiles
            a = a2
        steps_out[ep] = t


@numba.njit(cache=True, nogil=True, parallel=True)
def _population(alpha, lam, n_episodes, max_steps, rngs, steps):
    for r in prange(len(rngs)):
        _run(alpha, lam, n_episodes, max_steps, rngs[r], steps[r])


def mc_cell(params, seeds, n_episodes=50, max_steps=5000):
    """Steps per episode of Sarsa(λ) on Mountain Car, one run per seed (Fig 12.10 cell)."""
    from numba.typed import List

    n = len(seeds)
    steps = np.zeros((n, n_episodes), np.int64)
    rngs = List([np.random.default_rng(s) for s in seeds]) if n else List([np.random.default_rng(0)])
    if n == 0:  # warm-up: compile (or load from the cache) with zero work
        _population(float(params["alpha"]), float(params["lam"]), 0, max_steps, rngs, steps)
    else:
        _population(float(params["alpha"]), float(params["lam"]), n_episodes, max_steps, rngs, steps)
    seed = np.repeat(np.arange(n), n_episodes)
    return {
        "seed": seed,
        "x": np.tile(np.arange(1, n_episodes + 1), n),
        "metric": np.full(n * n_episodes, "steps"),
        "value": steps.ravel().astype(np.float64),
    }


def tiny_cell(params, seeds):
    """A near-empty cell (one draw per run): measures a backend's fixed and per-cell overhead."""
    vals = np.array([np.random.default_rng(s).random() for s in seeds])
    n = len(seeds)
    return {"seed": np.arange(n), "x": np.zeros(n, np.int64), "metric": np.full(n, "u"), "value": vals}


def sleep_cell(params, seeds):
    """Sleeps 0.25 s per run (no CPU): isolates a backend's overhead from CPU contention."""
    import time

    time.sleep(0.25 * len(seeds))
    return tiny_cell(params, seeds)
