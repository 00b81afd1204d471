"""Linear SARSA on Mountain Car: fastfa's compiled population vs whole-loop JAX (``sarsa_jax.py``),
same run, interleaved.

    python benches/jax_peer/sarsa_vs_jax.py [--rounds 5] [--episodes 100] [--jax-python PATH] [--json out.json]

The work: tile-coded one-step SARSA on Mountain Car, the book's Fig 10.1/10.2 setting (8 tilings
of 8x8, alpha 0.5/8, epsilon 0, no time limit).  fastfa runs
``run_population("MountainCar-v0", "sarsa", episodes=E)`` (one compiled loop per seed, on a
thread pool); JAX runs the same number of env steps per seed as fastfa's warm-up run took (its
``lax.scan`` has a fixed length), so both sides do the same env steps, tile codings and updates.
Speed is env steps per second (seeds x steps / wall time); both sides also report the episodes
finished, which shows that the two learn alike.

Each side runs in its own long-lived worker process, compiled once before the timed rounds
(compile time excluded, reported separately).  "1 core" workers are pinned to CPU 0 with
``os.sched_setaffinity`` before JAX or Numba start their thread pools; for "2 cores" JAX uses two
CPU devices (``pmap`` over them of a ``vmap`` over half the seeds), fastfa 2 threads.  JAX runs
in float32, its fastest variant (``--jax-f64``: float64, as fastfa).  Rounds alternate
A B, B A, ...; the table gives medians with the min-max spread.  ``--jax-python`` lets JAX live in
its own virtualenv (``pip install jax jaxlib``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROWS = [
    ("1 seed, 1 core", 1, 1),
    ("10 seeds, 1 core", 10, 1),
    ("10 seeds, 2 cores", 10, 2),
    ("100 seeds, 2 cores", 100, 2),
]


# ------------------------------------------------------------------ workers
def _fastfa_worker(episodes: int, cores: int):
    from fastfa.agents.population import run_population

    def run(seeds: int, seed0: int, steps: int):
        t = time.perf_counter()
        r = run_population(
            "MountainCar-v0",
            "sarsa",
            alphas=[0.5 / 8],
            runs=seeds,
            seed=seed0,
            episodes=episodes,
            epsilon=0.0,
            threads=cores,
        )
        wall = time.perf_counter() - t  # the whole call (run_population's own wall_time_s excludes its setup)
        return wall, int(r["env_steps"]), [episodes] * seeds

    return run


def _jax_worker(episodes: int, cores: int):
    sys.path.insert(0, str(HERE))
    import jax

    import sarsa_jax

    cache: dict = {}

    def run(seeds: int, seed0: int, steps: int):
        fn, keys = cache.get((seeds, steps)) or cache.setdefault((seeds, steps), sarsa_jax.build(steps, seeds, cores))
        k = keys(jax.random.PRNGKey(seed0))
        t = time.perf_counter()
        eps = jax.block_until_ready(fn(k))
        return time.perf_counter() - t, seeds * steps, [int(e) for e in eps.reshape(-1)]

    return run


def worker_main(side: str, episodes: int, cores: int):
    if cores == 1:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    run = (_fastfa_worker if side == "fastfa" else _jax_worker)(episodes, cores)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        t0 = time.perf_counter()
        wall, n_steps, eps = run(cmd["seeds"], cmd["seed0"], cmd.get("steps", 0))
        print(
            json.dumps({"wall": wall, "steps": n_steps, "episodes": eps, "first_call_s": time.perf_counter() - t0}),
            flush=True,
        )


# ------------------------------------------------------------------ driver
class Worker:
    def __init__(self, python: str, side: str, episodes: int, cores: int, f64: bool = False):
        env = dict(os.environ)
        if side == "jax":
            env["SARSA_JAX_F64"] = "1" if f64 else "0"
            env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2").strip()
            env.setdefault("JAX_PLATFORMS", "cpu")
        self.p = subprocess.Popen(
            [python, __file__, "--worker", side, "--episodes", str(episodes), "--cores", str(cores)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self._read()

    def _read(self):
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("worker died")
        return json.loads(line)

    def ask(self, **cmd):
        self.p.stdin.write(json.dumps(cmd) + "\n")
        self.p.stdin.flush()
        return self._read()

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def versions(python: str, mods: str) -> str:
    code = f"import importlib.metadata as m; print(' '.join(n + ' ' + m.version(n) for n in {mods!r}.split()))"
    return subprocess.run([python, "-c", code], capture_output=True, text=True).stdout.strip()


def cpu_model() -> str:
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", choices=["fastfa", "jax"])
    ap.add_argument("--cores", type=int, default=1)
    ap.add_argument("--episodes", type=int, default=100, help="fastfa's episodes per seed (JAX: the same steps)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--rows", default="0,1,2,3", help="indices into the row list (0: 1 seed 1 core, ...)")
    ap.add_argument("--jax-python", default=sys.executable)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--jax-f64", action="store_true", help="JAX in float64 (default float32, its fastest)")
    a = ap.parse_args()
    if a.worker:
        return worker_main(a.worker, a.episodes, a.cores)
    rows = [ROWS[int(i)] for i in a.rows.split(",")]
    load0 = os.getloadavg()
    workers = {}
    for cores in sorted({r[2] for r in rows}):
        workers["fastfa", cores] = Worker(sys.executable, "fastfa", a.episodes, cores)
        workers["jax", cores] = Worker(a.jax_python, "jax", a.episodes, cores, a.jax_f64)
    res = {name: {"fastfa": [], "jax": [], "compile": {}, "episodes": {}} for name, _, _ in rows}
    steps_per_seed = {}
    for name, seeds, cores in rows:  # warm-up: compile, and fix the JAX scan length to fastfa's steps
        out = workers["fastfa", cores].ask(seeds=seeds, seed0=10_000)
        res[name]["compile"]["fastfa"] = out["first_call_s"]
        steps_per_seed[name] = max(1, round(out["steps"] / seeds))
        out = workers["jax", cores].ask(seeds=seeds, seed0=10_000, steps=steps_per_seed[name])
        res[name]["compile"]["jax"] = out["first_call_s"]
    for r in range(a.rounds):
        for name, seeds, cores in rows:
            order = ("fastfa", "jax") if r % 2 == 0 else ("jax", "fastfa")
            for side in order:
                out = workers[side, cores].ask(seeds=seeds, seed0=100 * r, steps=steps_per_seed[name])
                # seconds per million env steps (fastfa's steps vary a little with the seed): lower is faster
                res[name][side].append(out["wall"] / out["steps"] * 1e6)
                res[name]["episodes"].setdefault(side, []).extend(out["episodes"])
    for w in workers.values():
        w.close()
    load1 = os.getloadavg()
    print(f"CPU: {cpu_model()}, {os.cpu_count()} CPUs; load average before {load0[0]:.2f}, after {load1[0]:.2f}")
    print(
        f"fastfa side: {versions(sys.executable, 'fastfa numba numpy')}; JAX side: {versions(a.jax_python, 'jax jaxlib')}"
    )
    print(
        f"Mountain Car tile-coded SARSA (8x8x8 tiles, alpha 0.5/8, epsilon 0): fastfa {a.episodes} episodes per seed, "
        f"JAX ({'float64' if a.jax_f64 else 'float32'}) the same env steps; {a.rounds} interleaved rounds; median [min-max] env steps/s, compile excluded\n"
    )
    print(
        "| setup | fastfa M steps/s | JAX M steps/s | fastfa / JAX speed | steps per seed | episodes per seed (fastfa / JAX, median) |"
    )
    print("|---|---|---|---|---|---|")
    for name, seeds, cores in rows:
        f, j = [1.0 / x for x in res[name]["fastfa"]], [1.0 / x for x in res[name]["jax"]]  # M steps/s
        mf, mj = statistics.median(f), statistics.median(j)
        ef, ej = (statistics.median(res[name]["episodes"][s]) for s in ("fastfa", "jax"))
        print(
            f"| {name} | {mf:.2f} [{min(f):.2f}-{max(f):.2f}] | {mj:.2f} [{min(j):.2f}-{max(j):.2f}] | "
            f"{mf / mj:.2f}x | {steps_per_seed[name]:,} | {ef:.0f} / {ej:.0f} |"
        )
    print(
        "\nfirst call (compile + one run), s: "
        + "; ".join(
            f"{n}: fastfa {res[n]['compile']['fastfa']:.1f}, JAX {res[n]['compile']['jax']:.1f}" for n, _, _ in rows
        )
    )
    if a.json:
        a.json.write_text(
            json.dumps(
                {
                    "cpu": cpu_model(),
                    "load": [load0, load1],
                    "episodes": a.episodes,
                    "steps_per_seed": steps_per_seed,
                    "rounds": a.rounds,
                    "results": res,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
