"""Start-up and full-figure wall times of ``mountaincar-sarsa`` (run as a script, not by pytest).

    python benches/control_startup.py

1. cold: a fresh process with an empty ``NUMBA_CACHE_DIR`` runs one small population
   (compiles the fused Mountain Car SARSA loop), time from interpreter start to the first result;
2. cached: the same in a new process with that cache filled;
3. ``fastfa run mountaincar-sarsa --quick`` end to end (cached), and
4. the full Fig 10.2 population (3 alphas x 100 runs x 500 episodes, compiled, 1 and 2 threads).
Prints wall and CPU seconds and the load average (the machine is shared).
"""

import os
import subprocess
import sys
import tempfile
import time

SNIPPET = r"""
import time, resource
t0 = time.perf_counter()
from fastfa.agents.population import run_population
r = run_population("MountainCar-v0", "sarsa", alphas=[0.5 / 8], runs=2, episodes=5)
ru = resource.getrusage(resource.RUSAGE_SELF)
print(f"{time.perf_counter() - t0:.3f} {ru.ru_utime + ru.ru_stime:.3f} {int(r['steps'].sum())}")
"""

FULL = r"""
import time
from fastfa.agents.population import run_population
run_population("MountainCar-v0", "sarsa", alphas=[0.5 / 8], runs=1, episodes=1)
for th in (1, 2):
    c0 = time.process_time()
    r = run_population("MountainCar-v0", "sarsa", alphas=[0.1 / 8, 0.2 / 8, 0.5 / 8], runs=100, episodes=500,
                       threads=th)
    c = time.process_time() - c0
    print(f"threads={th}: wall {r['wall_time_s']:.2f} s, cpu {c:.2f} s, {r['env_steps']:,} steps, "
          f"{r['env_steps'] / r['wall_time_s'] / 1e6:.1f} M steps/s wall, {r['env_steps'] / c / 1e6:.1f} M per cpu-s")
"""


def timed(cmd, env):
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout.strip()
    return time.perf_counter() - t0, out


def main():
    print("load average:", os.getloadavg())
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, NUMBA_CACHE_DIR=d)
        for label in ("cold (compile)", "cached"):
            wall, out = timed([sys.executable, "-c", SNIPPET], env)
            inner, cpu, _ = out.split()
            print(f"{label:16s} process wall {wall:.2f} s; import+first result {inner} s; cpu {cpu} s")
    with tempfile.TemporaryDirectory() as d:
        wall, _ = timed(
            [sys.executable, "-m", "fastfa", "run", "mountaincar-sarsa", "--quick", "--no-progress", "--out", d],
            dict(os.environ),
        )
        print(f"fastfa run mountaincar-sarsa --quick (cached, incl. plot): {wall:.2f} s")
    print(timed([sys.executable, "-c", FULL], dict(os.environ))[1])
    print("load average:", os.getloadavg())


if __name__ == "__main__":
    main()
