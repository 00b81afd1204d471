"""Semi-gradient SARSA with tile coding on Mountain Car (Sutton & Barto 10.1, Figure 10.2).

``Sarsa(env, features).learn(...)`` picks the fused compiled loop automatically when the env is
gymnasium's unmodified MountainCar-v0 and the features are a ``GridTileCoder``
(env step + tile coding + ε-greedy + update in one Numba function).  ``compiled=False``
forces the Python loop, which gives the same numbers for the same seed, only slower:
the script checks that on a few episodes.  Then predict/value/evaluate and a pickle-free
save/load (every fastfa agent has these verbs; see docs/coming_from_sb3.md).
Set FASTFA_EXAMPLE_QUICK=1 for a tiny budget.

Run:  python examples/control_mountain_car.py
"""

import os
import tempfile
import time

import gymnasium
import numpy as np

from fastfa.agents import Sarsa
from fastfa.features import GridTileCoder

QUICK = os.environ.get("FASTFA_EXAMPLE_QUICK") == "1"
EPISODES = 20 if QUICK else 500


def make_agent(env):
    # The book's coding: 8 tilings of 8x8 tiles over position x velocity (880 features).
    # (Without features=, Sarsa tile-codes the env's observation box the same way.)
    tiles = GridTileCoder([-1.2, -0.07], [0.5, 0.07], tiles=8, tilings=8)
    # α = 0.5 / 8 per active tile; ε = 0: the zero (optimistic) initial q̂ explores.
    return Sarsa(env, tiles, alpha=0.5 / 8, epsilon=0.0, seed=0)


env = gymnasium.make("MountainCar-v0", max_episode_steps=10_000)
agent = make_agent(env)
t = time.perf_counter()
agent.learn(episodes=EPISODES)  # compiled="auto": the fused loop here
wall = time.perf_counter() - t
lengths = np.asarray(agent.log.lengths)
print(f"SARSA, {EPISODES} episodes, {lengths.sum():,} env steps in {wall:.2f} s (incl. first-use compile)")
print(
    f"steps per episode: first {lengths[0]}, mean of episodes 1-{min(50, EPISODES)} "
    f"{lengths[:50].mean():.0f}, last 10 {lengths[-10:].tolist()}"
)

# Python loop on a few episodes: identical episode lengths, much slower.
n = 3
t = time.perf_counter()
py = make_agent(env).learn(episodes=n, compiled=False)
print(
    f"Python loop, {n} episodes: lengths {py.log.lengths} (compiled: "
    f"{lengths[:n].tolist()}), {time.perf_counter() - t:.2f} s"
)

obs = np.array([-0.5, 0.0])  # bottom of the valley, at rest
print(f"greedy action at {obs}: {agent.predict(obs)} (0 left, 1 none, 2 right), max_a q̂ = {agent.value(obs):.1f}")
res = agent.evaluate(episodes=5, seed=0)  # greedy, on a fresh MountainCar-v0
print(f"greedy evaluation: mean return {res.mean_return:.1f} +/- {res.std_return:.1f}, lengths {res.lengths}")

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "sarsa.npz")
    agent.save(path)  # pickle-free .npz
    again = Sarsa.load(path)
    print(
        f"saved {os.path.getsize(path):,} bytes; reloaded agent: same value "
        f"{again.value(obs) == agent.value(obs)}, same action {again.predict(obs) == agent.predict(obs)}"
    )
