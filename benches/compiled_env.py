"""A user-written Mountain Car (fastfa.envs.CompiledEnv) vs the built-in twin, linear SARSA, same run.

    python benches/compiled_env.py [--episodes 200] [--rounds 7]

Both go through the same fused loop template (fastfa.kernels.loops.control_loop.control_run_tpl),
specialised on the env's functions; the user's unit is compiled in this process, the built-in
one loads from the Numba cache.  Rounds are interleaved (A B, B A, ...); the table gives the
median and the spread (min-max) of env steps per second of one run (one thread, book settings:
8 tilings of 8x8, alpha 0.5/8, epsilon 0, gamma 1, no time limit), and the compile times.
Both runs give the same episodes (asserted).
"""

import argparse
import math
import platform
import time

import numba
import numpy as np
from gymnasium import spaces

from fastfa.agents.population import TileSpec, run_population
from fastfa.envs import CompiledEnv


@numba.njit
def reset(params, state, rng):
    state[0] = rng.uniform(low=-0.6, high=-0.4)
    state[1] = 0.0


@numba.njit
def step(params, state, action, rng):
    vel = min(max(state[1] + (action - 1) * 0.001 + math.cos(3 * state[0]) * (-0.0025), -0.07), 0.07)
    pos = min(max(state[0] + vel, -1.2), 0.6)
    if pos == -1.2 and vel < 0:
        vel = 0.0
    state[0] = pos
    state[1] = vel
    return -1.0, bool(pos >= 0.5 and vel >= 0.0)


@numba.njit
def observe(params, state, out):
    out[0] = state[0]
    out[1] = state[1]


def user_env():
    box = spaces.Box(np.array([-1.2, -0.07], np.float32), np.array([0.6, 0.07], np.float32), dtype=np.float32)
    return CompiledEnv(reset, step, observe, np.zeros(1), 2, box, spaces.Discrete(3), id="UserMountainCar")


def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def one(env, episodes, seed):
    r = run_population(
        env,
        "sarsa",
        alphas=[0.5 / 8],
        runs=1,
        episodes=episodes,
        seed=seed,
        threads=1,
        tiles=TileSpec((-1.2, -0.07), (0.5, 0.07), 8, 8),
    )
    return r["env_steps"] / r["wall_time_s"], r["steps"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=7)
    a = ap.parse_args()
    first = {}
    for name, mk in (("built-in twin", lambda: "MountainCar-v0"), ("user CompiledEnv", user_env)):
        t0 = time.perf_counter()
        one(mk(), 1, 0)
        first[name] = time.perf_counter() - t0
    rates = {"built-in twin": [], "user CompiledEnv": []}
    order = list(rates)
    for k in range(a.rounds):
        outs = {}
        for name in order if k % 2 == 0 else order[::-1]:
            env = "MountainCar-v0" if name == "built-in twin" else user_env()
            rate, steps = one(env, a.episodes, k)
            rates[name].append(rate)
            outs[name] = steps
        assert np.array_equal(outs["built-in twin"], outs["user CompiledEnv"]), "the two envs must give the same run"
    print(f"CPU: {cpu()}; numba {numba.__version__}; {a.episodes} episodes x {a.rounds} interleaved rounds")
    print("| env | first call (check + compile or cache load) | env steps/s, median | min - max |")
    print("|---|---|---|---|")
    for name, r in rates.items():
        print(
            f"| {name} | {first[name]:.2f} s | {np.median(r) / 1e6:.2f} M | {min(r) / 1e6:.2f} - {max(r) / 1e6:.2f} M |"
        )
    print(
        f"ratio built-in / user (medians): {np.median(rates['built-in twin']) / np.median(rates['user CompiledEnv']):.3f}"
    )


if __name__ == "__main__":
    main()
