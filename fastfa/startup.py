"""``fastfa bench startup``: how long a new user waits, cold and warm, per experiment.

For each experiment, ``fastfa run NAME --quick`` runs in a fresh interpreter
twice: first with an empty Numba cache (a new ``NUMBA_CACHE_DIR``: every
kernel it uses is compiled and written to that cache), then again with that
cache (kernels load from disk).  The wall time is measured around the whole
child process (interpreter start to results written).  The child records,
through Numba's event API (``numba.core.event``, event ``numba:compile``),
every compilation: the number of compiled units and the CPU seconds spent in
each function, its callees excluded (library overloads such as ``np.empty``
count as their own units), plus the process's peak RSS.

    fastfa bench startup                       # cartpole-dqn, mountaincar-sarsa
    fastfa bench startup --experiments all     # every built-in experiment (minutes)
    fastfa bench startup --experiments cartpole-dqn --top 15

"Empty cache" is the user's Numba cache: what the install built ahead of time (the main job's loop,
the experiments' kernels for this CPU: ``fastfa info``'s ``prebuilt`` lines) is used, as on a new
user's first run.  ``FASTFA_AOT=0 fastfa bench startup`` measures with nothing prebuilt (every
kernel compiled), as does an editable install (it builds none of it).

Numbers depend on the CPU and on load: a shared machine gives longer and
noisier cold starts (compilation is CPU-bound, single-threaded); the CPU-seconds
columns (user + system time of the child) move less with load than wall time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT = ("cartpole-dqn", "mountaincar-sarsa")


def _child(name: str, out: str, report: str) -> int:
    """Run ``fastfa run NAME --quick`` in this process, recording compile events into ``report``."""
    import resource

    from numba.core import event

    totals: dict[str, float] = {}
    counts: dict[str, int] = {}
    stack: list = []

    class _Listener(event.Listener):
        def on_start(self, ev) -> None:
            d = ev.data.get("dispatcher")
            fn = getattr(d, "py_func", None)
            mod = getattr(fn, "__module__", "") or ""
            label = f"{mod}.{getattr(fn, '__qualname__', d)}" if fn is not None else str(d)
            stack.append((label, time.thread_time()))

        def on_end(self, ev) -> None:
            label, t0 = stack.pop()
            dt = time.thread_time() - t0
            totals[label] = totals.get(label, 0.0) + dt
            counts[label] = counts.get(label, 0) + 1
            if stack:  # exclusive times: a callee's compile is not its caller's
                totals[stack[-1][0]] = totals.get(stack[-1][0], 0.0) - dt

    listener = _Listener()
    event.register("numba:compile", listener)
    from . import cli

    try:
        rc = cli.main(["run", name, "--quick", "--out", out, "--no-progress"])
    finally:
        event.unregister("numba:compile", listener)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    rss_mb = ru.ru_maxrss / 1024
    Path(report).write_text(
        json.dumps(
            {
                "rc": rc,
                "compile_s": sum(totals.values()),
                "units": sum(counts.values()),
                "by_function": totals,
                "rss_mb": rss_mb,
                "cpu_s": ru.ru_utime + ru.ru_stime,
            }
        )
    )
    return rc


def _measure(name: str, cache: str, tmp: str) -> dict:
    report = os.path.join(tmp, f"{name}.json")
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "fastfa.startup", name, os.path.join(tmp, "out"), report],
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not os.path.exists(report):
        raise RuntimeError(f"fastfa run {name} --quick failed:\n{proc.stderr[-2000:]}")
    out = json.loads(Path(report).read_text())
    out["wall_s"] = wall
    return out


def main(experiments=None, top: int = 8) -> int:
    from .experiments import names

    known = names()
    if experiments in (None, "", ()):
        todo = [n for n in DEFAULT if n in known]
    elif experiments == "all" or experiments == ["all"]:
        todo = known
    else:
        todo = [e.strip() for e in (experiments.split(",") if isinstance(experiments, str) else experiments)]
        bad = [e for e in todo if e not in known]
        if bad:
            raise ValueError(f"unknown experiment(s) {', '.join(bad)}; known: {', '.join(known)}")
    import numba
    import platform

    load0 = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory(prefix="fastfa-startup-") as tmp:
        for name in todo:
            cache = os.path.join(tmp, "cache-" + name)
            cold = _measure(name, cache, tmp)
            warm = _measure(name, cache, tmp)
            rows.append((name, cold, warm))
    print(
        f"fastfa bench startup: `fastfa run NAME --quick` in a new process; Python {platform.python_version()}, "
        f"numba {numba.__version__}, {os.cpu_count()} CPUs, load average {load0:.2f} -> {os.getloadavg()[0]:.2f}"
    )
    from . import _prebuild
    from .kernels.loops import aot

    print(f"prebuilt: main-job loop {aot.status()}; experiments' kernels {_prebuild.status()}")
    print(
        "\n| experiment | cold s (empty cache) | warm s (cached) | cold / warm CPU s | compile CPU s | "
        "compiled units | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, cold, warm in rows:
        print(
            f"| {name} | {cold['wall_s']:.2f} | {warm['wall_s']:.2f} | {cold['cpu_s']:.1f} / {warm['cpu_s']:.1f} | "
            f"{cold['compile_s']:.2f} | {cold['units']} | {cold['rss_mb']:.0f} |"
        )
    for name, cold, _ in rows:
        items = sorted(cold["by_function"].items(), key=lambda kv: -kv[1])[:top]
        print(f"\n{name}, cold: compile CPU seconds per function (callees excluded), top {len(items)}:")
        for label, s in items:
            print(f"  {s:6.2f}  {label}")
    return 0


if __name__ == "__main__":  # the child process
    sys.exit(_child(sys.argv[1], sys.argv[2], sys.argv[3]))
