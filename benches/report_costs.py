"""Costs users meet, for ``benches/report.py``: start-up (cold/warm, with and without SciPy),
peak RSS per experiment, RSS of a 10^6-transition buffer per storage mode, Numba cache size on
disk, and CartPole DQN outcomes on seeds never used for tuning.

Every measurement is a fresh child process timed from start to exit (``os.wait4``: wall, CPU,
peak RSS).  "Without SciPy" makes ``import scipy`` fail in the child (``sys.modules["scipy"] =
None``), as if it were not installed.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from report_lib import timed_process

# the tuning runs of benches/tune_cartpole_dqn.py used seeds 0-19 and the 10 seeds of `fastfa run
# cartpole-dqn` (SeedSequence(0).spawn(10)); these were never used for any choice
CLEAN_SEEDS = list(range(7001, 7021))

_START = (
    "import sys, runpy\n"
    "if {block}: sys.modules['scipy'] = None\n"
    "sys.argv = ['fastfa.startup', {name!r}, {out!r}, {rep!r}]\n"
    "try:\n    runpy.run_module('fastfa.startup', run_name='__main__')\n"
    "finally:\n"
    "    hwm = [ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM:')][0]\n"
    "    loaded = 'scipy' in sys.modules and sys.modules['scipy'] is not None\n"
    "    open({rep!r} + '.mods', 'w').write(str(loaded) + ' ' + hwm)\n"
)


def _du(path: str) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


def _start(name: str, cache: str, tmp: str, block: bool) -> dict:
    rep = os.path.join(tmp, f"{name}-{block}.json")
    code = _START.format(block=block, name=name, out=os.path.join(tmp, "out"), rep=rep)
    m = timed_process([sys.executable, "-c", code], env={"NUMBA_CACHE_DIR": cache})
    if m["rc"] != 0 or not os.path.exists(rep):
        raise RuntimeError(f"fastfa run {name} --quick failed: {m['stderr'][-1500:]}")
    child = json.loads(Path(rep).read_text())
    loaded, hwm_kib = Path(rep + ".mods").read_text().split()
    scipy_loaded = loaded == "True"
    # peak RSS from the child's own VmHWM: wait4's ru_maxrss also counts the parent's pages at fork
    return {
        "wall_s": m["wall_s"],
        "cpu_s": m["cpu_s"],
        "rss_mib": int(hwm_kib) / 1024,
        "compile_cpu_s": child["compile_s"],
        "units": child["units"],
        "scipy_loaded": scipy_loaded,
    }


def startup(names: list, log, cold_both=("mountaincar-sarsa", "cartpole-dqn")) -> list:
    """Per experiment: cold (empty Numba cache) and warm, SciPy importable; warm with SciPy blocked
    too, and cold with SciPy blocked for ``cold_both`` (the SciPy import is the same for every
    experiment; compiling dominates cold starts)."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="fastfa-report-") as tmp:
        for name in names:
            cache = os.path.join(tmp, f"cache-{name}")
            row = {"experiment": name, "cold_scipy": _start(name, cache, tmp, False)}
            row["cache_mib"] = _du(cache) / 2**20
            row["warm_scipy"] = _start(name, cache, tmp, False)
            row["warm_noscipy"] = _start(name, cache, tmp, True)
            if name in cold_both:
                row["cold_noscipy"] = _start(name, cache + "-noscipy", tmp, True)
            log(f"  startup {name}: cold {row['cold_scipy']['wall_s']:.1f} s, warm {row['warm_scipy']['wall_s']:.1f} s")
            rows.append(row)
    return rows


_BUF = """
import sys, numpy as np
kind, n = sys.argv[1], int(sys.argv[2])

def rss():  # resident set now, MiB
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

rng = np.random.default_rng(0)
C = 10_000
o = rng.normal(size=(C, 4)).astype(np.float32); o2 = np.roll(o, -1, axis=0)
a = rng.integers(0, 2, C); r = rng.normal(size=C).astype(np.float32); d = rng.random(C) < 0.05
if kind.startswith("fastfa"):
    from fastfa.buffers import PrioritizedReplayBuffer, ReplayBuffer
    for w in (ReplayBuffer(C, (4,)), ReplayBuffer(C, (4,), store_next_obs=False), PrioritizedReplayBuffer(C, (4,)),
              ReplayBuffer(C, (4,), obs_dtype=np.uint8)):  # load the compiled code first: not the buffer's memory
        w.add_batch(o.astype(w.obs_dtype), a, r, o2.astype(w.obs_dtype), d)
    del w
elif kind == "cpprb":
    import cpprb
else:
    import gymnasium
    from stable_baselines3.common.buffers import ReplayBuffer as SB3Buffer
base = rss()
if kind == "fastfa":
    b = ReplayBuffer(n, (4,)); add = lambda: b.add_batch(o, a, r, o2, d)
elif kind == "fastfa-compact":
    b = ReplayBuffer(n, (4,), store_next_obs=False); add = lambda: b.add_batch(o, a, r, o2, d)
elif kind == "fastfa-uint8":
    ou, ou2 = o.astype(np.uint8), o2.astype(np.uint8)
    b = ReplayBuffer(n, (4,), obs_dtype=np.uint8); add = lambda: b.add_batch(ou, a, r, ou2, d)
elif kind == "fastfa-prioritized":
    b = PrioritizedReplayBuffer(n, (4,)); add = lambda: b.add_batch(o, a, r, o2, d)
elif kind == "cpprb":
    b = cpprb.ReplayBuffer(n, {"obs": {"shape": 4}, "act": {"dtype": np.int64}, "rew": {}, "next_obs": {"shape": 4},
                               "done": {}})
    d32 = d.astype(np.float32); add = lambda: b.add(obs=o, act=a, rew=r, next_obs=o2, done=d32)
else:
    b = SB3Buffer(n, gymnasium.spaces.Box(-9, 9, (4,), np.float32), gymnasium.spaces.Discrete(2), "cpu",
                  optimize_memory_usage=kind == "sb3-optimized", handle_timeout_termination=False)
    def add():  # SB3 adds one transition per call; writing its arrays in slices touches the same pages
        p = b.pos
        b.observations[p:p + C, 0] = o; b.actions[p:p + C, 0, 0] = a; b.rewards[p:p + C, 0] = r
        b.dones[p:p + C, 0] = d
        if not b.optimize_memory_usage:
            b.next_observations[p:p + C, 0] = o2
        b.pos += C
for _ in range(n // C):
    add()
hwm = [ln.split()[1] for ln in open("/proc/self/status") if ln.startswith("VmHWM:")][0]
print(rss() - base, int(hwm) / 1024)
"""

BUFFER_KINDS = {
    "fastfa": "fastfa `ReplayBuffer`, float32 obs and next obs",
    "fastfa-compact": "fastfa `ReplayBuffer(store_next_obs=False)`",
    "fastfa-uint8": "fastfa `ReplayBuffer(obs_dtype=np.uint8)`",
    "fastfa-prioritized": "fastfa `PrioritizedReplayBuffer`",
    "cpprb": "cpprb `ReplayBuffer` (outside)",
    "sb3": "SB3 `ReplayBuffer` (outside)",
    "sb3-optimized": "SB3 `ReplayBuffer(optimize_memory_usage=True)` (outside)",
}


def buffer_rss(n: int, log, kinds=None) -> list:
    """Resident memory added by storing ``n`` CartPole transitions (4 floats per observation), filled
    10,000 at a time (SB3: its arrays written in slices of 10,000), measured from /proc/self/status."""
    rows = []
    for kind, label in BUFFER_KINDS.items():
        if kinds is not None and kind not in kinds:
            continue
        m = timed_process([sys.executable, "-c", _BUF, kind, str(n)])
        if m["rc"] != 0:
            log(f"  buffer {kind}: failed {m['stderr'][-300:]}")
            continue
        added, peak = (float(v) for v in m["stdout"].split()[-2:])
        rows.append({"kind": kind, "label": label, "added_mib": added, "rss_mib": peak})
    return rows


def clean_seeds(n: int, log) -> dict:
    """CartPole DQN with the defaults on seeds never used for tuning: final greedy evaluation."""
    from fastfa.agents.dqn import DQN

    finals = []
    for s in CLEAN_SEEDS[:n]:
        ag = DQN("CartPole-v1", seed=s)
        ag.learn(50_000)
        finals.append(float(ag.evaluate_returns(10, seed=100_000 + s).mean()))
    solved = sum(f >= 475 for f in finals)
    log(f"  clean seeds: {solved}/{len(finals)} solved")
    return {"seeds": CLEAN_SEEDS[:n], "finals": finals, "solved": solved, "median": float(np.median(finals))}
