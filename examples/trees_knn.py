"""Regression trees and nearest neighbours as value approximators (the lecture's "other" approximators).

1. Supervised warm-up: ``RegressionTree`` (CART) and ``ExtraTrees`` (Geurts et al. 2006) on a noisy
   curve, and ``KNNRegressor`` with a k-d tree.
2. Online: TD(0) on the 1000-state random walk (S&B Example 9.1) with a kNN memory: a visited state
   farther than a radius from every stored one is stored, and ``update`` moves the stored targets of
   its k neighbours towards the TD target (S&B 9.9, memory-based approximation).
3. Batch: fitted Q-iteration (Ernst, Geurts & Wehenkel 2005) with extra-trees on Mountain Car
   transitions from uniformly drawn states and actions, then the greedy policy on gymnasium's env.

See docs/approximators.md for where each one works and where it fails.
Set FASTFA_EXAMPLE_QUICK=1 for a tiny budget.

Run:  python examples/trees_knn.py
"""

import os
import time

import gymnasium as gym
import numpy as np

import fastfa
from fastfa.agents import fitted_q_iteration
from fastfa.approx import ExtraTrees, KNNRegressor, RegressionTree
from fastfa.envs import randomwalk_true_values

QUICK = os.environ.get("FASTFA_EXAMPLE_QUICK") == "1"
rng = np.random.default_rng(0)

# 1. supervised: y = sin(6x) + noise
X = rng.random((2000, 1))
y = np.sin(6 * X[:, 0]) + 0.2 * rng.standard_normal(2000)
Xt = np.linspace(0, 1, 500).reshape(-1, 1)
truth = np.sin(6 * Xt[:, 0])
for name, model in [
    ("CART, min 20 per leaf", RegressionTree(min_samples_leaf=20)),
    ("extra-trees, 50 trees, n_min 20", ExtraTrees(50, min_samples_split=20, seed=0)),
]:
    model.fit(X, y)
    print(f"{name:34s} test MSE {np.mean((model.predict(Xt) - truth) ** 2):.4f}, {model.node_count} nodes")
knn = KNNRegressor(capacity=2000, n_dims=1, k=30, algorithm="kdtree")
knn.add(X, y)
print(f"{'kNN, k = 30 (k-d tree)':34s} test MSE {np.mean((knn.predict(Xt) - truth) ** 2):.4f}")

# 2. online TD(0) with a kNN memory on the random walk (states scaled to (0, 1])
env = fastfa.make("fastfa/RandomWalk1000-v0")
mem = KNNRegressor(capacity=300, n_dims=1, k=3)
radius, alpha, episodes = 0.01, 0.3, 20 if QUICK else 300
t0 = time.perf_counter()
for ep in range(episodes):
    obs, _ = env.reset(seed=ep)
    done = False
    while not done:
        x = np.array([obs / 1000.0])
        obs, r, terminated, truncated, _ = env.step(0)
        done = terminated or truncated
        if mem.size == 0 or mem.neighbors(x)[1][0] > radius**2:
            mem.add(x.reshape(1, 1), [0.0])  # a new memory, target 0
        target = r if terminated else r + mem.predict(np.array([[obs / 1000.0]]))[0]
        mem.update(x, target, alpha)
v = mem.predict(np.arange(1, 1001).reshape(-1, 1) / 1000.0)
rms = np.sqrt(np.mean((v - randomwalk_true_values()) ** 2))
print(
    f"kNN TD(0), {episodes} episodes: RMS error {rms:.3f} with {mem.size} stored states "
    f"({time.perf_counter() - t0:.1f} s)"
)

# 3. fitted Q-iteration with extra-trees on Mountain Car
n, iterations = (300, 4) if QUICK else (2500, 120)
low, high = np.array([-1.2, -0.07]), np.array([0.6, 0.07])
mc = gym.make("MountainCar-v0").unwrapped
S = low + (high - low) * rng.random((n, 2))
S[:, 0] = np.minimum(S[:, 0], 0.49)
A = rng.integers(0, 3, n)
S2, R, T = np.empty_like(S), np.empty(n), np.zeros(n, bool)
for i in range(n):
    mc.reset(seed=i)
    mc.state = S[i].copy()
    S2[i], R[i], T[i], _, _ = mc.step(int(A[i]))
scale = lambda s: (np.asarray(s) - low) / (high - low)  # noqa: E731
t0 = time.perf_counter()
fqi = fitted_q_iteration(
    scale(S), A, R, scale(S2), T, n_actions=3, iterations=iterations, gamma=1.0, regressor=lambda: ExtraTrees(8, seed=0)
)
print(
    f"FQI, {n} transitions, {iterations} iterations: {time.perf_counter() - t0:.1f} s "
    f"(median {1e3 * np.median(fqi.fit_seconds):.0f} ms per iteration)"
)
test = gym.make("MountainCar-v0", max_episode_steps=500)
steps = []
for seed in range(5):
    obs, _ = test.reset(seed=seed)
    for t in range(1, 501):
        obs, _, terminated, truncated, _ = test.step(fqi.act(scale(obs)))
        if terminated or truncated:
            break
    steps.append(t if terminated else 500)
print(f"greedy FQI policy, steps to the goal from 5 starts (500 = not reached): {steps}")
print("done: trees and kNN example")
