"""End-to-end sweep timings: serial vs process vs Dask (vs Ray), 2-core scaling, Dask overhead.

Each measurement runs in a fresh interpreter (start-up, pool/cluster creation and the
Numba cache load are included; the cache is warmed once first).  Prints a Markdown table.

    python benches/bench_sweep.py                 # all, 30 runs per point
    python benches/bench_sweep.py --runs 10 --only tiny,serial1,process2
    python benches/bench_sweep.py --cell experiment:mountaincar-lambda   # a registered experiment
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
LAMS = [0.0, 0.68, 0.84, 0.92, 0.96, 0.98, 0.99]
ALPHAS = [0.2, 0.4, 0.6, 0.8, 1.0, 1.4]  # alpha x n_tilings, Fig 12.10's x axis

CHILD = r"""
import json, os, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {here!r})
import fastfa
spec = json.loads({spec!r})
if spec["cell"] == "mc":
    from sweep_mc_cell import mc_cell as fn
elif spec["cell"] == "tiny":
    from sweep_mc_cell import tiny_cell as fn
elif spec["cell"] == "sleep":
    from sweep_mc_cell import sleep_cell as fn
else:
    fn = spec["cell"].split(":", 1)[1]
kw = dict(grid=spec["grid"], seeds=spec["runs"], backend=spec["backend"], out=spec["out"], resume=False,
          progress=False, n_workers=spec.get("workers"), threads_per_worker=spec.get("threads"),
          chunk=spec.get("chunk"))
if spec["backend"] == "dask" and spec.get("inproc"):
    from distributed import Client
    kw["client"] = Client(processes=False, n_workers=1, threads_per_worker=spec.get("threads") or 1,
                          dashboard_address=None)
res = fastfa.sweep(fn, **kw)
df = res.df
print(json.dumps({{"total_s": time.perf_counter() - t0, "sweep_s": res.wall_s, "rows": len(df),
                  "checksum": float(df["value"].sum()), "failed": res.n_failed}}))
"""


def measure(name, spec, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    code = CHILD.format(here=str(HERE), spec=json.dumps(spec))
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if p.returncode:
        print(p.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"{name} failed")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    r["wall_s"] = time.perf_counter() - t
    return r


def _burn(n=6_000_000):
    t = time.perf_counter()
    s = 0
    for i in range(n):
        s += i * i % 7
    return time.perf_counter() - t


def machine_scaling() -> float:
    """What 2 processes can get from this machine right now: 2 pure-Python jobs serially vs in
    2 processes (1.0 = no second core available, 2.0 = two idle cores)."""
    from concurrent.futures import ProcessPoolExecutor

    t = time.perf_counter()
    _burn(), _burn()
    one = time.perf_counter() - t
    with ProcessPoolExecutor(2) as ex:
        ex.submit(abs, 1).result()
        t = time.perf_counter()
        list(ex.map(_burn, [6_000_000, 6_000_000]))
        two = time.perf_counter() - t
    return one / two


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--only", default=None)
    ap.add_argument("--cell", default="mc", help="mc (benches/sweep_mc_cell.py) or experiment:NAME")
    ap.add_argument("--out", default="/tmp/fastfa-bench-sweep")
    ap.add_argument("--repeat", type=int, default=1, help="interleaved repetitions; the table shows min and median")
    args = ap.parse_args()
    if args.cell == "mc":
        grid = {"alpha": ALPHAS, "lam": LAMS}
    elif args.cell == "experiment:mountaincar-lambda":  # the book's Fig 12.10: alpha range shrinks with lambda
        from fastfa.experiments.mountaincar_lambda import ALPHA8, MAX_ALPHA8

        grid = [{"lam": [lam], "alpha": [a / 8 for a in ALPHA8 if a <= top]} for lam, top in MAX_ALPHA8.items()]
    else:
        grid = {}
    base = {"cell": args.cell, "grid": grid, "runs": args.runs}
    tiny = {"cell": "tiny", "grid": {"alpha": list(range(20))}, "runs": 10}
    sleep = {"cell": "sleep", "grid": {"alpha": list(range(20))}, "runs": 4}  # 20 cells of 1 s
    configs = {
        "sleep-serial": ({**sleep, "backend": "serial"}, {}),
        "sleep-process2": ({**sleep, "backend": "process", "workers": 2}, {}),
        "sleep-dask2": ({**sleep, "backend": "dask", "workers": 2}, {}),
        "sleep-ray2": ({**sleep, "backend": "ray", "workers": 2}, {}),
        # (spec overrides, env)
        "tiny-serial": ({**tiny, "backend": "serial"}, {}),
        "tiny-process2": ({**tiny, "backend": "process", "workers": 2}, {}),
        "tiny-dask2": ({**tiny, "backend": "dask", "workers": 2}, {}),
        "tiny-ray2": ({**tiny, "backend": "ray", "workers": 2}, {}),
        "serial1": ({**base, "backend": "serial"}, {"NUMBA_NUM_THREADS": "1"}),
        "serial2": ({**base, "backend": "serial"}, {"NUMBA_NUM_THREADS": "2"}),
        "process1": ({**base, "backend": "process", "workers": 1, "threads": 1}, {}),
        "process2": ({**base, "backend": "process", "workers": 2, "threads": 1}, {}),
        "dask2": ({**base, "backend": "dask", "workers": 2, "threads": 1}, {}),
        "dask-inproc": ({**base, "backend": "dask", "inproc": True, "threads": 2}, {}),
        "ray2": ({**base, "backend": "ray", "workers": 2, "threads": 1}, {"NUMBA_NUM_THREADS": "1"}),
    }
    only = args.only.split(",") if args.only else list(configs)
    # warm the Numba cache once
    first = grid[0] if isinstance(grid, list) else grid
    measure(
        "warm",
        {
            **base,
            "grid": {k: v[:1] for k, v in first.items()},
            "runs": 1,
            "backend": "serial",
            "out": args.out + "/warm",
        },
    )
    results: dict = {name: [] for name in only}
    for rep in range(args.repeat):
        for name in only:
            spec, env = configs[name]
            if "ray" in name:
                try:
                    import ray  # noqa: F401
                except ImportError:
                    print(f"{name}: ray not installed, skipped", file=sys.stderr)
                    continue
            r = measure(name, {**spec, "out": f"{args.out}/{name}"}, env)
            r["load"] = os.getloadavg()[0]
            results[name].append(r)
            print(f"{rep} {name}: {r}", file=sys.stderr, flush=True)
    print(
        f"machine check: 2 pure-Python jobs in 2 processes vs serially: {machine_scaling():.2f}x "
        f"(load average {os.getloadavg()[0]:.1f})\n"
    )
    print("| config | sweep s (min) | sweep s (median) | end-to-end s (min) | rows | value checksum | load avg |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    import statistics

    for name, rs in results.items():
        if not rs:
            continue
        sw = [r["sweep_s"] for r in rs]
        print(
            f"| {name} | {min(sw):.2f} | {statistics.median(sw):.2f} | {min(r['wall_s'] for r in rs):.2f} | "
            f"{rs[0]['rows']} | {rs[0]['checksum']:.10g} | {statistics.mean(r['load'] for r in rs):.1f} |"
        )


if __name__ == "__main__":
    main()
