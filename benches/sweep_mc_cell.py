"""Cells for the sweep benches.

``mc_cell``: a Fig 12.10 point — SARSA(λ) with replacing traces on Mountain Car (S&B §10.1, §12.7),
8 grid tilings of 8x8, ε = 0, a population of runs in one compiled call — through the
``mountaincar-lambda`` experiment's own sweep cell (``fastfa.experiments.mountaincar_lambda.cell``),
with the benches' step-size convention (``alpha`` = α x 8, Fig 12.10's x axis).  Until 2026-12-03
this file held a private copy of SARSA(λ); the tables of benches/sweep.md before that date were
measured with it (one row per episode instead of one per run).

``tiny_cell`` / ``sleep_cell``: near-empty cells that isolate a backend's own overhead.
"""

from __future__ import annotations

import numpy as np


def mc_cell(params, seeds, n_episodes=50, max_steps=5000):
    """Mean steps of the first ``n_episodes`` episodes of SARSA(λ) on Mountain Car, one value per seed
    (``params``: ``alpha`` = α x 8, ``lam``); no seeds: compile or load the loop, no work."""
    from fastfa.experiments.mountaincar_lambda import cell

    p = {
        "alpha": float(params["alpha"]) / 8,
        "lam": float(params["lam"]),
        "episodes": int(n_episodes),
        "max_steps": int(max_steps),
    }
    if len(seeds) == 0:  # warm-up
        cell(dict(p, episodes=1), [np.random.SeedSequence(0)])
        return {
            "seed": np.zeros(0, np.int64),
            "x": np.zeros(0, np.int64),
            "metric": np.zeros(0, str),
            "value": np.zeros(0),
        }
    return cell(p, seeds)


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
