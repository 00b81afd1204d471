"""Your own environment at compiled speed: Puddle World as three @njit functions (fastfa.envs.CompiledEnv).

Puddle World (Sutton 1996, "Generalization in RL: successful examples using sparse coarse coding";
S&B 2nd ed. 9.5 uses the same kind of task): a point in the unit square moves 0.05 up, down, left or
right plus Gaussian noise (sd 0.01); every step costs -1, and inside one of two "puddles" (radius 0.1
around two segments) it costs 400 x the depth more; the episode ends in the top-right corner
(x + y >= 1.9).  The noise comes from ``rng``, so the Python loop and the compiled loop draw the same
numbers and give identical results.

fastfa has no Puddle World built in: the three functions below are all it takes.  ``Sarsa`` then runs
its fused compiled loop over them (checked once with ``check_compiled_env`` first),
``run_population`` runs many seeds of it on all cores, ``ActorCritic`` (softmax actor, linear
critic) and ``DQN`` (an MLP Q-network with replay) run their own fused loops on the same env.
"""

import math
import os
import time

import numba
import numpy as np
from gymnasium import spaces

from fastfa.agents import DQN, ActorCritic, Sarsa
from fastfa.agents.population import TileSpec, run_population
from fastfa.envs import CompiledEnv
from fastfa.features import GridTileCoder

QUICK = os.environ.get("FASTFA_EXAMPLE_QUICK") == "1"
# params: step length, noise sd, puddle radius, puddle cost scale
PARAMS = np.array([0.05, 0.01, 0.1, 400.0])
PUDDLES = np.array(
    [
        [0.10, 0.75, 0.45, 0.75],  # segment (x0, y0) - (x1, y1)
        [0.45, 0.40, 0.45, 0.80],
    ]
)


@numba.njit
def _dist_to_segment(x, y, s):
    dx, dy = s[2] - s[0], s[3] - s[1]
    t = ((x - s[0]) * dx + (y - s[1]) * dy) / (dx * dx + dy * dy)
    t = min(max(t, 0.0), 1.0)
    return math.hypot(x - (s[0] + t * dx), y - (s[1] + t * dy))


@numba.njit
def reset(params, state, rng):
    while True:  # uniform start outside the goal corner
        state[0] = rng.random()
        state[1] = rng.random()
        if state[0] + state[1] < 1.9:
            return


@numba.njit
def step(params, state, action, rng):
    dx = (0.0, 0.0, -1.0, 1.0)[action]
    dy = (1.0, -1.0, 0.0, 0.0)[action]
    state[0] = min(max(state[0] + dx * params[0] + rng.normal(0.0, params[1]), 0.0), 1.0)
    state[1] = min(max(state[1] + dy * params[0] + rng.normal(0.0, params[1]), 0.0), 1.0)
    reward = -1.0
    for k in range(PUDDLES.shape[0]):
        depth = params[2] - _dist_to_segment(state[0], state[1], PUDDLES[k])
        if depth > 0.0:
            reward -= params[3] * depth
    return reward, state[0] + state[1] >= 1.9


@numba.njit
def observe(params, state, out):
    out[0] = state[0]
    out[1] = state[1]


def puddle_world():
    return CompiledEnv(
        reset,
        step,
        observe,
        PARAMS,
        2,
        spaces.Box(0.0, 1.0, (2,), np.float64),
        spaces.Discrete(4),
        max_episode_steps=500,
        id="PuddleWorld",
    )


def actor_critic_part(episodes):
    """One-step actor-critic (softmax policy, linear critic) on the same env, compiled vs Python loop."""
    times, agents = {}, {}
    for compiled in (True, False):
        agent = ActorCritic(
            puddle_world(), GridTileCoder([0.0, 0.0], [1.0, 1.0], 8, 8), seed=1, alpha=0.1 / 8, alpha_w=0.2 / 8
        )
        t0 = time.perf_counter()
        agent.learn(episodes=episodes, compiled=compiled)
        times[compiled], agents[compiled] = time.perf_counter() - t0, agent
    same = np.array_equal(agents[True].policy.theta, agents[False].policy.theta) and np.array_equal(
        agents[True].w, agents[False].w
    )
    lengths = agents[True].log.lengths
    print(f"ActorCritic on Puddle World, {episodes} episodes: first 5 lengths {lengths[:5]}, last 5 {lengths[-5:]}")
    print(
        f"compiled loop {times[True]:.2f} s (first call includes compilation), Python loop {times[False]:.2f} s; "
        f"identical policy and critic: {same}"
    )


def dqn_part(steps):
    """DQN on the same env: its fused loop (acting, replay, training in one compiled call) vs Python."""
    times, agents = {}, {}
    for compiled in ("auto", False):
        agent = DQN(puddle_world(), seed=1, compiled=compiled, hidden=(64, 64), learning_starts=500,
                    exploration_steps=steps // 2, target_update_interval=100)  # fmt: skip
        t0 = time.perf_counter()
        agent.learn(steps)
        times[compiled], agents[compiled] = time.perf_counter() - t0, agent
    same = np.array_equal(agents["auto"].theta, agents[False].theta)
    ret = agents["auto"].evaluate_returns(5, seed=100)
    print(
        f"DQN on Puddle World, {steps} steps: compiled loop {times['auto']:.2f} s (first call includes "
        f"compilation), Python loop {times[False]:.2f} s; identical network: {same}; greedy mean return "
        f"{ret.mean():.1f}"
    )


def main():
    episodes = 20 if QUICK else 300
    tiles = {"low": [0.0, 0.0], "high": [1.0, 1.0], "tiles": 8, "tilings": 8}
    times = {}
    agents = {}
    for compiled in (True, False):
        agent = Sarsa(puddle_world(), GridTileCoder(**tiles), seed=1, alpha=0.3 / 8, epsilon=0.1)
        t0 = time.perf_counter()
        agent.learn(episodes=episodes, compiled=compiled)
        times[compiled], agents[compiled] = time.perf_counter() - t0, agent
    same = np.array_equal(agents[True].approx.w, agents[False].approx.w)
    lengths = agents[True].log.lengths
    print(f"Sarsa on Puddle World, {episodes} episodes: first 5 lengths {lengths[:5]}, last 5 {lengths[-5:]}")
    print(
        f"compiled loop {times[True]:.2f} s (first call includes the check and compilation), "
        f"Python loop {times[False]:.2f} s; identical weights: {same}"
    )
    ev = agents[True].evaluate(episodes=5, seed=100)
    print(f"greedy evaluation: mean return {ev.mean_return:.1f} over {len(ev)} episodes")
    pop = run_population(
        puddle_world(),
        "sarsa",
        alphas=[0.1 / 8, 0.3 / 8],
        runs=2 if QUICK else 8,
        episodes=episodes,
        epsilon=0.1,
        tiles=TileSpec((0.0, 0.0), (1.0, 1.0), 8, 8),
    )
    mean_last = pop["steps"][..., -10:].mean(axis=(1, 2, 3))
    print(
        f"population: {pop['env_steps']} env steps in {pop['wall_time_s']:.2f} s; mean length of the last 10 "
        f"episodes per alpha {dict(zip(pop['alphas'].round(4).tolist(), mean_last.round(1).tolist()))}"
    )
    actor_critic_part(episodes)
    dqn_part(2_000 if QUICK else 20_000)
    print("done: custom compiled env example")


if __name__ == "__main__":
    main()
