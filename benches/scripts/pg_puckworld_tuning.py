"""Step-size grid behind the puckworld-actor-critic settings (actor-critic vs REINFORCE with baseline).

    python benches/scripts/pg_puckworld_tuning.py                 # γ in the grid (the experiment's settings)
    python benches/scripts/pg_puckworld_tuning.py --gamma 0.98    # a fixed long horizon for both methods

Each configuration: 4 runs x EPISODES episodes (seed 100); score = mean over runs of the episodes to
a 10-episode moving-average training distance < 0.15 (runs that never get there count EPISODES + 1),
ties broken by the mean distance.  The best 3 per method are re-run on 16 fresh runs (seed 999).
"""

import argparse
import itertools

import numpy as np

from fastfa.agents.pg_compiled import puckworld_train
from fastfa.experiments.puckworld_pg import episodes_to_threshold


def score(method, seed, runs, episodes, **kw):
    try:
        d = puckworld_train(method, seed=seed, ep_len=300, n_tilings=8, size=16384, runs=runs, episodes=episodes, **kw)[
            "distance"
        ]
    except FloatingPointError:
        return np.inf, np.inf
    return float(episodes_to_threshold(d).mean()), float(d.mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gamma", type=float, default=None)
    ap.add_argument("--episodes", type=int, default=200)
    args = ap.parse_args()
    gammas = [args.gamma] if args.gamma else [0.9, 0.95]
    ac = [
        dict(alpha=a, alpha_ls=s, alpha_w=w, lam=lam, lam_w=lam, gamma=g, tiles_per_dim=t)
        for a, s, w, lam, g, t in itertools.product(
            [0.02, 0.05, 0.1], [0.002, 0.005], [0.2, 0.5], [0.0, 0.8, 0.9], gammas, [3, 4]
        )
    ]
    rf = [
        dict(alpha=a, alpha_ls=s, alpha_w=w, gamma=g, tiles_per_dim=t)
        for a, s, w, g, t in itertools.product(
            [0.005, 0.01, 0.02, 0.05], [0.002, 0.005], [0.1, 0.3, 1.0], gammas, [3, 4]
        )
    ]
    for method, grid in (("actor_critic", ac), ("reinforce", rf)):
        rows = sorted(((score(method, 100, 4, args.episodes, **kw), kw) for kw in grid), key=lambda r: r[0])
        print(f"{method}: {len(grid)} configurations")
        for (e, d), kw in rows[:3]:
            e2, d2 = score(method, 999, 16, args.episodes, **kw)
            print(
                f"  {kw}\n    grid: episodes to 0.15 {e:.1f}, mean distance {d:.3f} | 16 fresh runs: {e2:.1f}, {d2:.3f}"
            )


if __name__ == "__main__":
    main()
