"""Gradient Monte Carlo vs semi-gradient TD(0) on the 1000-state random walk.

Sutton & Barto Example 9.1 / Figures 9.1-9.2 (sections 9.3-9.4): state aggregation into
10 groups of 100 states, then the root-mean-square error of v̂ against the exact v_π
(``fastfa.envs.randomwalk_true_values``), weighted uniformly and by the on-policy
distribution μ (the book's VE, eq. 9.1).

``compiled=True`` runs the whole budget in one Numba call on the env's compiled twin; the
weights are bit-identical to the Python loop (``compiled=False``), just ~100x faster.
Set FASTFA_EXAMPLE_QUICK=1 for a tiny budget.

Run:  python examples/prediction_random_walk.py
"""

import os
import time

import numpy as np

import fastfa
from fastfa.agents import TD0, GradientMC
from fastfa.envs import randomwalk_state_distribution, randomwalk_true_values
from fastfa.features import StateAggregation

QUICK = os.environ.get("FASTFA_EXAMPLE_QUICK") == "1"
EPISODES = 200 if QUICK else 100_000  # the book: 100k (Fig 9.1)

env = fastfa.make("fastfa/RandomWalk1000-v0")  # states 1..1000, terminals 0 and 1001
v_true = randomwalk_true_values()  # exact v_π, shape (1000,)
mu = randomwalk_state_distribution()  # on-policy state distribution
states = np.arange(1, 1001)


def errors(agent):
    err = agent.values(states) - v_true
    return np.sqrt(np.mean(err**2)), np.sqrt(np.sum(mu * err**2))


print(f"1000-state random walk, 10 groups, {EPISODES} episodes each")
for name, cls, alpha in [("gradient MC", GradientMC, 2e-5), ("TD(0)", TD0, 2e-4)]:
    t = time.perf_counter()
    agent = cls(env, StateAggregation(1000, 10, first=1), alpha=alpha, seed=0)
    agent.learn(episodes=EPISODES, compiled=True)
    rms, ve = errors(agent)
    print(f"{name:12s} α={alpha:g}: RMS error {rms:.3f}, √VE {ve:.3f}, {time.perf_counter() - t:.1f} s (incl. compile)")
    print(
        f"             v̂ of groups 1, 5, 10: {agent.value(50):+.3f} {agent.value(450):+.3f} "
        f"{agent.value(950):+.3f}  (true means {v_true[:100].mean():+.3f} "
        f"{v_true[400:500].mean():+.3f} {v_true[900:].mean():+.3f})"
    )

# The same agent in the plain Python loop (any gymnasium env works there) gives the same weights.
n = 20 if QUICK else 200
a_py = TD0(env, StateAggregation(1000, 10, first=1), alpha=2e-4, seed=1).learn(episodes=n)
a_c = TD0(env, StateAggregation(1000, 10, first=1), alpha=2e-4, seed=1).learn(episodes=n, compiled=True)
print(
    f"Python loop vs compiled loop, {n} episodes: identical values = "
    f"{np.array_equal(a_py.values(states), a_c.values(states))}"
)
