"""Linear A2C (softmax, 8 grid tilings of 8x8, 8 envs x 5 steps) on Mountain Car: the fused compiled loop
against fastfa's own Python loop (the same kernels, one gymnasium env step per call), same run.

    python benches/a2c_linear.py [--rounds 5] [--steps 200000]

This is an in-repo comparison (both sides are fastfa; the Python loop is what runs on an env that is not
compiled): it measures what compiling the env and the loop buys.  Rounds are interleaved (A B A B ...);
the table gives the median and min-max of env steps per second, the Python loop doing a tenth of the
steps per round (it is ~100x slower), and the first-call time of the fused loop (compile or cache load).
The two loops give the same numbers for the same seed (tests/agents/test_a2c_linear.py).
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from fastfa.agents import A2C
from fastfa.features import GridTileCoder

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report_lib import cpu_model  # noqa: E402


def agent(compiled):
    tiles = GridTileCoder([-1.2, -0.07], [0.6, 0.07], 8, 8)
    return A2C("MountainCar-v0", tiles, seed=3, n_envs=8, n_steps=5, alpha=0.05 / 8, alpha_w=0.2 / 8, compiled=compiled)


def rate(compiled, steps):
    a = agent(compiled)
    a.learn(total_steps=400)  # envs started, units loaded
    t = time.perf_counter()
    a.learn(total_steps=steps)
    return steps / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=200_000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    agent(True).learn(total_steps=40)
    first = time.perf_counter() - t0
    load0 = os.getloadavg()[0]
    fused, python = [], []
    for _ in range(args.rounds):
        fused.append(rate(True, args.steps))
        python.append(rate(False, args.steps // 10))
    ratios = [f / p for f, p in zip(fused, python)]

    def fmt(v):
        u, d = ("M", 1e6) if np.median(v) >= 1e6 else ("k", 1e3)
        return f"{np.median(v) / d:.2f} {u} ({min(v) / d:.2f}-{max(v) / d:.2f} {u})"

    print(f"CPU: {cpu_model()}; {args.rounds} interleaved rounds; load average {load0:.2f} -> {os.getloadavg()[0]:.2f}")
    print("| loop | env steps/s, median (min-max) |")
    print("|---|---|")
    print(f"| fused compiled loop (first call {first:.2f} s) | {fmt(fused)} |")
    print(f"| fastfa's Python loop (same kernels, gymnasium env) | {fmt(python)} |")
    print(f"fused / Python: {np.median(ratios):.0f}x (per-round {min(ratios):.0f}-{max(ratios):.0f}x)")


if __name__ == "__main__":
    main()
