"""Linear SARSA on Mountain Car: the fused template on a user-written env and on the built-in twin,
against the loop written out by hand, same run.

    python benches/compiled_env.py [--episodes 1000] [--rounds 15]

* "hand-written loop": benches/mountaincar_sarsa_handwritten.py, the in-repo yardstick (Mountain Car
  + SARSA + tile coding in one loop body; it was the built-in path until the template caught up);
* "built-in twin": ``run_population("MountainCar-v0", ...)``, the template specialised on
  ``fastfa.envs.classic.MountainCarEnv`` (cached on disk);
* "user CompiledEnv": the same call on ``fastfa.envs.examples.user_mountain_car()``, a Mountain Car
  written as a user writes it (checked, then compiled in this process).

Rounds are interleaved (the order rotates each round); the table gives the median and the spread
(min-max) of env steps per second of one run (one thread, book settings: 8 tilings of 8x8, alpha
0.5/8, epsilon 0, gamma 1, no time limit), the first-call times (check + compile, or cache load) and
the hand-written / template ratios.  All three give the same episodes (asserted).
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numba
import numpy as np

from fastfa.agents.population import TileSpec, run_population, spawn_generators
from fastfa.envs.classic import MountainCarEnv
from fastfa.envs.examples import user_mountain_car
from fastfa.kernels.loops.control_loop import make_budget, make_hp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mountaincar_sarsa_handwritten import mountaincar_sarsa_run  # noqa: E402
from report_lib import cpu_model  # noqa: E402

TILES = TileSpec((-1.2, -0.07), (0.5, 0.07), 8, 8)


def one(env, episodes, seed):
    r = run_population(env, "sarsa", alphas=[0.5 / 8], runs=1, episodes=episodes, seed=seed, threads=1, tiles=TILES)
    return r["env_steps"] / r["wall_time_s"], r["steps"][0, 0, 0]


def one_handwritten(episodes, seed):
    """The same run as :func:`one` (same generators, arrays and budget) through the hand-written loop."""
    cf, ci, nf = TILES.arrays()
    env_rng, rng = (g[0] for g in spawn_generators(np.random.SeedSequence(seed).spawn(1)))
    w, state = np.zeros((nf, 3)), np.zeros(2)
    steps, rets = np.zeros(episodes, np.int64), np.zeros(episodes)
    t0 = time.perf_counter()
    _, total = mountaincar_sarsa_run(
        MountainCarEnv().params,
        state,
        env_rng,
        cf,
        ci,
        w,
        make_hp(0.5 / 8, 1.0),
        make_budget(episodes),
        rng,
        steps,
        rets,
    )
    return total / (time.perf_counter() - t0), steps


RUNS = {
    "hand-written loop": lambda ep, seed: one_handwritten(ep, seed),
    "built-in twin": lambda ep, seed: one("MountainCar-v0", ep, seed),
    "user CompiledEnv": lambda ep, seed: one(user_mountain_car(), ep, seed),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=15)
    a = ap.parse_args()
    first = {}
    for name, run in RUNS.items():
        t0 = time.perf_counter()
        run(1, 0)
        first[name] = time.perf_counter() - t0
    rates = {name: [] for name in RUNS}
    order = list(RUNS)
    for k in range(a.rounds):
        outs = {}
        for name in order[k % 3 :] + order[: k % 3]:
            rate, steps = RUNS[name](a.episodes, k)
            rates[name].append(rate)
            outs[name] = steps
        ref = outs["hand-written loop"]
        assert all(np.array_equal(ref, v) for v in outs.values()), "the three must give the same run"
    print(
        f"CPU: {cpu_model()}; numba {numba.__version__}; {a.episodes} episodes x {a.rounds} interleaved rounds; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print("| loop | first call (check + compile, or cache load) | env steps/s, median | min - max |")
    print("|---|---|---|---|")
    for name, r in rates.items():
        print(
            f"| {name} | {first[name]:.2f} s | {np.median(r) / 1e6:.2f} M | {min(r) / 1e6:.2f} - {max(r) / 1e6:.2f} M |"
        )
    hand = np.array(rates["hand-written loop"])
    for name in ("built-in twin", "user CompiledEnv"):
        per_round = hand / np.array(rates[name])  # paired: the same round, adjacent in time
        print(
            f"ratio hand-written / {name}: {np.median(per_round):.3f} (median of the per-round ratios; "
            f"{per_round.min():.3f} - {per_round.max():.3f}); best round / best round: "
            f"{hand.max() / max(rates[name]):.3f}"
        )


if __name__ == "__main__":
    main()
