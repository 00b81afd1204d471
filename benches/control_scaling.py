"""2-core scaling of populations: best-of-N wall time for 1 and 2 threads (run as a script).

    python benches/control_scaling.py [repeats [runs episodes]]

Runs the same population (64 runs x 300 episodes of Mountain Car SARSA, ~2.4 M steps) with 1 and 2
worker threads, alternating, and prints the best wall time of each, the speed-up, CPU/wall and
the load average (the machine is shared: the speed-up is only meaningful when it is idle).
As a calibration it first measures the same for a perfectly parallel ``nogil`` Numba loop: when
that reference does not reach ~2x either, the machine has no free second core at the moment.
"""

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from fastfa.agents.population import run_population


@numba.njit(nogil=True, cache=False)
def _spin(n):
    s = 0.0
    for i in range(n):
        s += np.sqrt(i * 1.0)
    return s


def calibration(repeats):
    _spin(10)
    best = {}
    for th in (1, 2):
        for _ in range(repeats):
            t0 = time.perf_counter()
            with ThreadPoolExecutor(th) as pool:
                list(pool.map(_spin, [20_000_000] * 4))
            best[th] = min(best.get(th, 1e9), time.perf_counter() - t0)
    return best[1] / best[2]


RUNS, EPISODES = 64, 300


def main(repeats=7):
    print(f"calibration (perfectly parallel nogil loop): 2 threads vs 1: {calibration(repeats):.2f}x")
    run_population("MountainCar-v0", "sarsa", alphas=[0.5 / 8], runs=1, episodes=2)
    best = {1: (1e9, 0, 0), 2: (1e9, 0, 0)}
    for _ in range(repeats):
        for th in (1, 2):
            c0, t0 = time.process_time(), time.perf_counter()
            r = run_population("MountainCar-v0", "sarsa", alphas=[0.5 / 8], runs=RUNS, episodes=EPISODES, threads=th)
            w, c = time.perf_counter() - t0, time.process_time() - c0
            if w < best[th][0]:
                best[th] = (w, c, r["env_steps"])
    for th, (w, c, n) in best.items():
        print(f"threads={th}: best wall {w:.3f} s, cpu {c:.3f} s (cpu/wall {c / w:.2f}), {n / w / 1e6:.1f} M steps/s")
    print(f"speed-up 2 threads vs 1: {best[1][0] / best[2][0]:.2f}x; load average {os.getloadavg()}")


if __name__ == "__main__":
    if len(sys.argv) > 2:
        RUNS, EPISODES = int(sys.argv[2]), int(sys.argv[3])
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
