"""Machinery of ``benches/report.py``: machine facts, interleaved rounds, worker processes, venvs.

A comparison is a set of *sides* (fastfa and its peers), each a callable ``run(r) -> seconds``
that does one round of a fixed amount of work (round ``r`` may pick the seed) and returns the
time it measured.  :func:`interleave` calls them A B C, B C A, ... for the same number of
rounds, so every side sees the same machine states; a row reports the median and the min-max of
each side and the median of the per-round ratios (adjacent in time, so the load cancels better
than in best-of-N).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: where the report keeps the virtualenvs of peers that cannot share fastfa's environment
VENV_HOME = Path(os.environ.get("FASTFA_BENCH_VENVS", Path.home() / ".cache" / "fastfa-bench"))
#: a row is flagged "under load" when the 1-minute load average exceeds this (2 cores)
LOADED = 1.5


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo; else what ``platform`` says)."""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict:
    """CPU model and flags that matter for the kernels, cores, memory, versions."""
    info = {"cpu": cpu_model(), "flags": [], "cores": os.cpu_count()}
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                have = set(line.split(":", 1)[1].split())
                info["flags"] = [f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni") if f in have]
                break
    except OSError:
        pass
    try:
        info["mem_gib"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        pass
    try:
        virt = subprocess.run(["systemd-detect-virt"], capture_output=True, text=True, timeout=5).stdout.strip()
        info["virtualisation"] = virt or "none"
    except (OSError, subprocess.SubprocessError):
        pass
    info["python"] = platform.python_version()
    info["versions"] = versions(
        sys.executable, "fastfa numpy numba gymnasium scipy torch stable-baselines3 cpprb jax optax"
    )
    try:
        info["git"] = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        info["git"] = ""
    return info


def versions(python: str, names: str) -> dict:
    """``{package: version}`` of the installed ``names`` in the interpreter ``python`` (absent ones left out)."""
    code = (
        "import importlib.metadata as m, json\nout = {}\n"
        f"for n in {names!r}.split():\n"
        "    try:\n        out[n] = m.version(n)\n    except m.PackageNotFoundError:\n        pass\n"
        "print(json.dumps(out))"
    )
    try:
        p = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
        return json.loads(p.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return {}


def load() -> float:
    return os.getloadavg()[0]


class Side:
    """One side of a comparison: ``fn(n, r) -> (seconds, units)`` does ``n`` units of work in round
    ``r`` (``r`` picks the seed) and returns the time it measured and the units done (env steps,
    calls, ...).  ``kind``: "fastfa", "outside" (a library or published code users pick) or
    "in-repo" (a baseline written in this repository)."""

    def __init__(self, label: str, kind: str, fn, n: int, calibrate: bool = True):
        self.label, self.kind, self.fn, self.n, self.calibrate = label, kind, fn, n, calibrate

    def tune(self, seconds: float):
        """Warm up (compile, caches), then scale ``n`` so one round lasts about ``seconds``."""
        t, _ = self.fn(self.n, 0)
        if not self.calibrate:
            return
        for _ in range(2):
            self.n = max(1, int(self.n * min(seconds / max(t, 1e-6), 1000)))
            t, _ = self.fn(self.n, 0)
            if 0.5 * seconds < t < 2 * seconds:
                break


def interleave(sides: list, rounds: int) -> dict:
    """Run every side once per round, the order rotating each round (A B C, B C A, ...): every side
    sees the same machine states.  Returns ``{label: [(seconds, units)]}`` and ``"_load"``."""
    times = {s.label: [] for s in sides}
    l0 = load()
    for r in range(rounds):
        k = r % len(sides)
        for s in sides[k:] + sides[:k]:
            times[s.label].append(tuple(float(x) for x in s.fn(s.n, r)))
    times["_load"] = [l0, load()]
    return times


def summarise(sides: list, times: dict) -> dict:
    """Per side: rate = units / second (median, min, max over rounds) and, for each peer, how many
    times faster the first side (fastfa) is: the median of the per-round rate ratios (the two
    rounds adjacent in time) with their min-max."""
    out = {"load": times["_load"], "loaded": max(times["_load"]) > LOADED, "sides": {}}
    ref = [u / t for t, u in times[sides[0].label]]
    for s in sides:
        rates = [u / t for t, u in times[s.label]]
        ratios = [a / b for a, b in zip(ref, rates)]
        out["sides"][s.label] = {
            "kind": s.kind,
            "n": s.n,
            "rounds": times[s.label],
            "median": statistics.median(rates),
            "min": min(rates),
            "max": max(rates),
            "fastfa_x": statistics.median(ratios),
            "fastfa_x_min": min(ratios),
            "fastfa_x_max": max(ratios),
        }
    return out


class Worker:
    """A long-lived Python process (possibly another virtualenv) answering JSON lines.

    The child runs ``python benches/report_worker.py MODULE [ARGS]``: MODULE's ``setup(args)``
    returns ``(run, info)`` with ``run(n, r) -> (seconds, units)``; a request ``{"n": n, "round": r}``
    gets ``{"s": seconds, "u": units}``.  A Worker is a ``Side`` function."""

    def __init__(self, python: str, module: str, *args: str, env: dict | None = None, cores: set | None = None):
        full = dict(os.environ, **(env or {}))
        full["PYTHONPATH"] = os.pathsep.join([str(HERE), full.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        cmd = [python, str(HERE / "report_worker.py"), module, *args]
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=full)
        if cores:
            os.sched_setaffinity(self.p.pid, cores)
        self.info = self._read()

    def _read(self) -> dict:
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError(f"worker {self.p.args} died (exit {self.p.wait()})")
        return json.loads(line)

    def __call__(self, n: int, r: int):
        self.p.stdin.write(json.dumps({"n": n, "round": r}) + "\n")
        self.p.stdin.flush()
        out = self._read()
        return out["s"], out["u"]

    def close(self):
        if self.p.poll() is None:
            self.p.stdin.close()
            self.p.wait(timeout=60)


def find_or_make_venv(name: str, installs: list, log) -> str | None:
    """The interpreter of ``VENV_HOME/name``, made on first use with ``python -m venv`` and one
    ``pip install ARGS`` per item of ``installs`` (the only network use of the report: package
    installs).  None (and a log line) if that fails."""
    d = VENV_HOME / name
    py = d / "bin" / "python"
    stamp = d / "fastfa-bench-ok"
    if stamp.exists() and py.exists():
        return str(py)
    log(f"making the virtualenv {d} (once): " + "; ".join("pip install " + " ".join(a) for a in installs))
    try:
        subprocess.run([sys.executable, "-m", "venv", str(d)], check=True, timeout=300)
        for args in installs:
            subprocess.run([str(py), "-m", "pip", "install", "-q", *args], check=True, timeout=1800)
    except (OSError, subprocess.SubprocessError) as e:
        log(f"  could not make {d}: {e}")
        return None
    stamp.write_text(json.dumps(installs))
    return str(py)


def timed_process(cmd: list, env: dict | None = None) -> dict:
    """Wall seconds and CPU seconds of one child process, started to exited (its peak RSS is not
    taken from here: Linux's ru_maxrss survives exec, so it includes the forking parent's pages)."""
    import tempfile

    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, env=dict(os.environ, **(env or {})), stdout=fo, stderr=fe)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read(), fe.read()
    return {
        "wall_s": wall,
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "rc": p.returncode,
        "stdout": out.decode(errors="replace"),
        "stderr": err.decode(errors="replace")[-3000:],
    }
