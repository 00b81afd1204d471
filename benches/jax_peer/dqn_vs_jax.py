"""DQN on CartPole-v1: fastfa's compiled loop vs whole-loop JAX (``dqn_jax.py``), same run, interleaved.

    python benches/jax_peer/dqn_vs_jax.py [--rounds 5] [--steps 50000] [--jax-python PATH] [--json out.json]

Each side runs in its own long-lived worker process (compiled once, before the
timed rounds; compile time is excluded on both sides and reported separately).
Workers for the "1 core" rows are pinned to CPU 0 with ``os.sched_setaffinity``
before JAX or Numba start their thread pools; the "2 cores" workers may use
both CPUs (JAX: two CPU devices, ``pmap`` over them of a ``vmap`` over 5 seeds;
fastfa: ``fastfa.agents.learn_population``, 2 threads x a population of 5 seeds).  Rounds alternate A B, B A, …
with the same work on both sides; the table gives medians with the min–max
spread, and env steps per second (seeds × steps / wall time).

``--jax-python`` lets JAX live in its own virtualenv (``pip install jax jaxlib
optax``, the ``baselines-jax`` extra), so fastfa's environment stays what users
have.  Rows:

* 1 seed, 1 core (fastfa: ``agent.learn``);
* 10 seeds, 1 core (JAX ``vmap``; fastfa ``learn_population``: one population of 10 seeds in
  one compiled loop);
* 10 seeds, 2 cores (JAX 2 devices × ``vmap`` 5; fastfa 2 threads × a population of 5).

For the 10-seed rows the table also gives fastfa's previous way, one ``agent.learn`` per seed on a
pool of threads (1 or 2), timed in the same rounds ("fastfa threads" column), so the gain of the
population is visible beside the comparison with JAX.
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


# ------------------------------------------------------------------ workers
def _fastfa_worker(steps: int, cores: int):
    from concurrent.futures import ThreadPoolExecutor

    from fastfa.agents.dqn import DQN
    from fastfa.agents.dqn_population import learn_population

    pool = ThreadPoolExecutor(cores)  # the compiled loop releases the GIL: one seed per thread at a time

    def run(seeds: int, seed0: int, mode: str = "population"):
        if seeds == 1:
            agent = DQN("CartPole-v1", seed=seed0)
            t = time.perf_counter()
            agent.learn(steps)
            return time.perf_counter() - t, [float(agent.evaluate_returns(10, seed=0).mean())]
        agents = [DQN("CartPole-v1", seed=seed0 + i) for i in range(seeds)]
        t = time.perf_counter()
        if mode == "population":  # cores threads x one population of seeds / cores seeds each
            learn_population(agents, steps, threads=cores)
        else:  # one agent.learn per seed, on a pool of `cores` threads
            list(pool.map(lambda ag: ag.learn(steps), agents))
        return time.perf_counter() - t, [float(a.evaluate_returns(10, seed=0).mean()) for a in agents]

    return run


def _jax_worker(steps: int, cores: int):
    sys.path.insert(0, str(HERE))
    import jax

    import dqn_jax

    def run(seeds: int, seed0: int, mode: str = ""):
        fn, keys = cache.get(seeds) or cache.setdefault(seeds, dqn_jax.build(steps, seeds, cores))
        k = keys(jax.random.PRNGKey(seed0))
        t = time.perf_counter()
        jax.block_until_ready(fn(k))
        return time.perf_counter() - t, []

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
        mode = cmd.get("mode", "population")
        if cmd.get("warm"):
            wall, ev = run(cmd["seeds"], 10_000, mode)
            out = {"compile_and_run_s": time.perf_counter() - t0, "wall": wall}
        else:
            wall, ev = run(cmd["seeds"], cmd["seed0"], mode)
            out = {"wall": wall, "eval": ev}
        print(json.dumps(out), flush=True)


# ------------------------------------------------------------------ driver
class Worker:
    def __init__(self, python: str, side: str, steps: int, cores: int):
        env = dict(os.environ)
        if side == "jax":
            env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2").strip()
            env.setdefault("JAX_PLATFORMS", "cpu")
        self.p = subprocess.Popen([python, __file__, "--worker", side, "--steps", str(steps), "--cores", str(cores)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
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
    ap.add_argument("--steps", type=int, default=50_000)
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
    res = {name: {"fastfa": [], "jax": [], "fastfa_threads": [], "compile": {}} for name, _, _ in rows}
    for name, seeds, cores in rows:
        for side in ("fastfa", "jax"):
            res[name]["compile"][side] = workers[side, cores].ask(warm=True, seeds=seeds)["compile_and_run_s"]
        if seeds > 1:
            workers["fastfa", cores].ask(warm=True, seeds=seeds, mode="threads")
    for r in range(a.rounds):
        for name, seeds, cores in rows:
            sides = ("fastfa", "jax", "fastfa_threads") if seeds > 1 else ("fastfa", "jax")
            for side in sides if r % 2 == 0 else sides[::-1]:
                w = workers["fastfa" if side.startswith("fastfa") else "jax", cores]
                out = w.ask(seeds=seeds, seed0=100 * r, mode="threads" if side == "fastfa_threads" else "population")
                res[name][side].append(out["wall"])
                if out.get("eval"):
                    res[name].setdefault(side + "_eval", []).extend(out["eval"])
    for w in workers.values():
        w.close()
    load1 = os.getloadavg()
    print(f"CPU: {cpu_model()}, {os.cpu_count()} CPUs; load average before {load0[0]:.2f}, after {load1[0]:.2f}")
    print(f"fastfa side: {versions(sys.executable, 'fastfa numba numpy')}; "
          f"JAX side: {versions(a.jax_python, 'jax jaxlib optax')}")
    print(f"CartPole-v1 DQN, {a.steps} env steps per seed, {a.rounds} interleaved rounds; "
          "median [min-max] wall seconds, compile excluded\n")
    print("fastfa: `agent.learn` (1 seed), `learn_population` (10 seeds); fastfa threads: one `agent.learn` "
          "per seed on a pool of threads (the previous way)\n")
    print("| setup | fastfa s | JAX s | fastfa env steps/s | JAX env steps/s | fastfa / JAX speed "
          "| fastfa threads s | population / threads speed |")
    print("|---|---|---|---|---|---|---|---|")
    for name, seeds, cores in rows:
        f, j, th = res[name]["fastfa"], res[name]["jax"], res[name]["fastfa_threads"]
        mf, mj = statistics.median(f), statistics.median(j)
        thr = f"{statistics.median(th):.2f} [{min(th):.2f}-{max(th):.2f}] | {statistics.median(th) / mf:.2f}x" \
            if th else "- | -"
        print(f"| {name} | {mf:.2f} [{min(f):.2f}-{max(f):.2f}] | {mj:.2f} [{min(j):.2f}-{max(j):.2f}] | "
              f"{seeds * a.steps / mf:,.0f} | {seeds * a.steps / mj:,.0f} | {mj / mf:.2f}x | {thr} |")
    print("\nfirst call (compile + one run), s: " + "; ".join(
        f"{n}: fastfa {res[n]['compile']['fastfa']:.1f}, JAX {res[n]['compile']['jax']:.1f}" for n, _, _ in rows))
    if a.json:
        a.json.write_text(json.dumps({"cpu": cpu_model(), "load": [load0, load1], "steps": a.steps,
                                      "rounds": a.rounds, "results": res}, indent=1))


if __name__ == "__main__":
    main()
