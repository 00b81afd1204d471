"""A2C on CartPole-v1: fastfa's compiled ``A2CMLP`` loop vs whole-loop JAX (``a2c_jax.py``), same run, interleaved.

    python benches/jax_peer/a2c_vs_jax.py [--rounds 5] [--steps 100000] [--jax-python PATH] [--json out.json]

Both sides train with fastfa's default ``A2CMLPConfig`` (8 envs x 5 steps, 64-64 tanh actor and
critic, RMSprop 7e-4, value coefficient 0.5, clip 0.5; see ``a2c_jax.py``), in float32 on both
sides (fastfa: ``dtype="float32"``, :data:`FASTFA_DTYPE`; until 2026-12-04 fastfa ran its float64
default here).

Each side runs in its own long-lived worker process (compiled once, before the
timed rounds; compile time is excluded on both sides and reported separately).
Workers for the "1 core" rows are pinned to the first CPU with ``os.sched_setaffinity``
before JAX or Numba start their thread pools; the "2 cores" workers may use
both CPUs (JAX: two CPU devices, ``pmap`` over them of a ``vmap`` over 5 seeds;
fastfa: the seeds' compiled loops over 2 threads).  Rounds alternate A B, B A, …
with the same work on both sides; the table gives medians with the min–max
spread, and env steps per second (seeds × steps / wall time).

``--jax-python`` lets JAX live in its own virtualenv (``pip install jax jaxlib
optax``, the ``baselines-jax`` extra), so fastfa's environment stays what users
have.  Rows:

* 1 seed, 1 core;  10 seeds, 1 core (JAX ``vmap``; fastfa one seed after another);
* 10 seeds, 2 cores (JAX 2 devices × ``vmap`` 5; fastfa 2 threads).
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
ROWS = [("1 seed, 1 core", 1, 1), ("10 seeds, 1 core", 10, 1), ("10 seeds, 2 cores", 10, 2)]


#: fastfa's network precision in this bench: JAX's (and SB3's) float32
FASTFA_DTYPE = "float32"


# ------------------------------------------------------------------ workers
def _fastfa_worker(steps: int, cores: int):
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from fastfa.agents import A2CMLP

    pool = ThreadPoolExecutor(cores)  # the compiled loop releases the GIL: one seed per thread at a time

    def run(seeds: int, seed0: int):
        if seeds == 1:
            agent = A2CMLP("CartPole-v1", seed=seed0, dtype=FASTFA_DTYPE)
            t = time.perf_counter()
            agent.learn(steps)
            return time.perf_counter() - t, [float(np.mean(agent.episode_returns))]
        agents = [A2CMLP("CartPole-v1", seed=seed0 + i, dtype=FASTFA_DTYPE) for i in range(seeds)]
        t = time.perf_counter()
        list(pool.map(lambda ag: ag.learn(steps), agents))
        return time.perf_counter() - t, [float(np.mean(a.episode_returns)) for a in agents]

    return run


def _jax_worker(steps: int, cores: int):
    sys.path.insert(0, str(HERE))
    import jax

    import a2c_jax

    def run(seeds: int, seed0: int):
        fn, keys = cache.get(seeds) or cache.setdefault(seeds, a2c_jax.build(steps, seeds, cores))
        k = keys(jax.random.PRNGKey(seed0))
        t = time.perf_counter()
        _, stats = jax.block_until_ready(fn(k))
        wall = time.perf_counter() - t
        stats = stats.reshape(-1, 2)
        return wall, [float(x) for x in stats[:, 0] / stats[:, 1]]

    cache: dict = {}
    return run


def worker_main(side: str, steps: int, cores: int):
    if cores == 1:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    run = (_fastfa_worker if side == "fastfa" else _jax_worker)(steps, cores)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        t0 = time.perf_counter()
        if cmd.get("warm"):
            wall, ev = run(cmd["seeds"], 10_000)
            out = {"compile_and_run_s": time.perf_counter() - t0, "wall": wall}
        else:
            wall, ev = run(cmd["seeds"], cmd["seed0"])
            out = {"wall": wall, "eval": ev}
        print(json.dumps(out), flush=True)


# ------------------------------------------------------------------ driver
class Worker:
    def __init__(self, python: str, side: str, steps: int, cores: int):
        env = dict(os.environ)
        if side == "jax":
            env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2").strip()
            env.setdefault("JAX_PLATFORMS", "cpu")
        self.p = subprocess.Popen(
            [python, __file__, "--worker", side, "--steps", str(steps), "--cores", str(cores)],
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
    ap.add_argument("--steps", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--rows", default="0,1,2", help="indices into the row list (0: 1 seed 1 core, ...)")
    ap.add_argument("--jax-python", default=sys.executable)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    if a.worker:
        return worker_main(a.worker, a.steps, a.cores)
    rows = [ROWS[int(i)] for i in a.rows.split(",")]
    load0 = os.getloadavg()
    workers = {}
    for cores in sorted({r[2] for r in rows}):
        workers["fastfa", cores] = Worker(sys.executable, "fastfa", a.steps, cores)
        workers["jax", cores] = Worker(a.jax_python, "jax", a.steps, cores)
    res = {name: {"fastfa": [], "jax": [], "compile": {}} for name, _, _ in rows}
    for name, seeds, cores in rows:
        for side in ("fastfa", "jax"):
            res[name]["compile"][side] = workers[side, cores].ask(warm=True, seeds=seeds)["compile_and_run_s"]
    for r in range(a.rounds):
        for name, seeds, cores in rows:
            order = ("fastfa", "jax") if r % 2 == 0 else ("jax", "fastfa")
            for side in order:
                out = workers[side, cores].ask(seeds=seeds, seed0=100 * r)
                res[name][side].append(out["wall"])
                res[name].setdefault(side + "_mean_episode_return", []).extend(out["eval"])
    for w in workers.values():
        w.close()
    load1 = os.getloadavg()
    print(f"CPU: {cpu_model()}, {os.cpu_count()} CPUs; load average before {load0[0]:.2f}, after {load1[0]:.2f}")
    print(
        f"fastfa side: {versions(sys.executable, 'fastfa numba numpy')}; "
        f"JAX side: {versions(a.jax_python, 'jax jaxlib optax')}"
    )
    print(
        f"CartPole-v1 A2C, {a.steps} env steps per seed, {a.rounds} interleaved rounds, float32 networks on "
        f"both sides (fastfa dtype={FASTFA_DTYPE!r}); median [min-max] wall seconds, compile excluded\n"
    )
    print("| setup | fastfa s | JAX s | fastfa env steps/s | JAX env steps/s | fastfa / JAX speed |")
    print("|---|---|---|---|---|---|")
    for name, seeds, cores in rows:
        f, j = res[name]["fastfa"], res[name]["jax"]
        mf, mj = statistics.median(f), statistics.median(j)
        print(
            f"| {name} | {mf:.2f} [{min(f):.2f}-{max(f):.2f}] | {mj:.2f} [{min(j):.2f}-{max(j):.2f}] | "
            f"{seeds * a.steps / mf:,.0f} | {seeds * a.steps / mj:,.0f} | {mj / mf:.2f}x |"
        )
    print(
        "\nmean return of the training episodes (a learning check; same work on both sides): "
        + "; ".join(
            f"{n}: fastfa {statistics.mean(res[n]['fastfa_mean_episode_return']):.0f}, "
            f"JAX {statistics.mean(res[n]['jax_mean_episode_return']):.0f}"
            for n, _, _ in rows
        )
    )
    print(
        "first call (compile + one run), s: "
        + "; ".join(
            f"{n}: fastfa {res[n]['compile']['fastfa']:.1f}, JAX {res[n]['compile']['jax']:.1f}" for n, _, _ in rows
        )
    )
    if a.json:
        a.json.write_text(
            json.dumps(
                {"cpu": cpu_model(), "load": [load0, load1], "steps": a.steps, "rounds": a.rounds, "results": res},
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
