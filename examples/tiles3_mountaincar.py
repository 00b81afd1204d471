"""Tile-coded semi-gradient SARSA on gymnasium's MountainCar-v0 with the tiles3 drop-in.

The code a textbook user writes with Sutton's tiles3, unchanged except for the import.
(fastfa's agents and compiled loops do the same thing thousands of times faster:
`fastfa run mountaincar-sarsa`.)
"""

import gymnasium as gym
import numpy as np

from fastfa.tiles3 import IHT, tiles

N_TILINGS, ALPHA, EPISODES = 8, 0.5 / 8, 50
iht, w = IHT(4096), np.zeros(4096)
env = gym.make("MountainCar-v0")


def active(obs, a):
    x, v = obs
    return tiles(iht, N_TILINGS, [N_TILINGS * x / 1.7, N_TILINGS * v / 0.14], [a])


def q(obs, a):
    return w[active(obs, a)].sum()


def policy(obs):  # greedy; optimistic zero init explores on its own
    values = [q(obs, a) for a in range(3)]
    return int(np.random.default_rng().choice(np.flatnonzero(values == np.max(values))))


for ep in range(EPISODES):
    obs, _ = env.reset(seed=ep)
    a, steps, done = policy(obs), 0, False
    while not done:
        obs2, r, term, trunc, _ = env.step(a)
        steps += 1
        idx = active(obs, a)
        if term:
            w[idx] += ALPHA * (r - w[idx].sum())
            break
        a2 = policy(obs2)
        w[idx] += ALPHA * (r + q(obs2, a2) - w[idx].sum())
        obs, a, done = obs2, a2, trunc
    if ep % 10 == 9:
        print(f"episode {ep + 1}: {steps} steps")
