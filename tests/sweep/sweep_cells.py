"""Small sweep cells for tests/sweep (importable by worker processes: tests/sweep is on sys.path)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

TRUE_V = np.arange(1, 6) / 6.0  # 5-state random walk, Example 6.2


def rw_cell(params, seeds):
    """TD(0) on the 5-state random walk, one run per seed: RMS error after each episode."""
    alpha = float(params["alpha"])
    episodes = int(params.get("episodes", 10))
    cols = {"seed": [], "x": [], "metric": [], "value": []}
    for i, ss in enumerate(seeds):
        rng = np.random.default_rng(ss)
        v = np.full(5, 0.5)
        for ep in range(episodes):
            s = 2
            while True:
                s2 = s + (1 if rng.random() < 0.5 else -1)
                if s2 < 0 or s2 > 4:
                    r = 1.0 if s2 > 4 else 0.0
                    v[s] += alpha * (r - v[s])
                    break
                v[s] += alpha * (v[s2] - v[s])
                s = s2
            cols["seed"].append(i)
            cols["x"].append(ep + 1)
            cols["metric"].append("rmsve")
            cols["value"].append(float(np.sqrt(np.mean((v - TRUE_V) ** 2))))
    return {k: np.asarray(v) for k, v in cols.items()}


def crash_once_cell(params, seeds, marker_dir, always=False):
    """Like rw_cell, but the worker process dies (os._exit) on the first attempt of alpha=0.2 cells
    (and on every attempt of alpha=0.5, lam=0.9 cells when `always`)."""
    if not seeds:  # a warm-up call: record which process made it
        (Path(marker_dir) / f"warm-{os.getpid()}").write_text("")
    if always and params["alpha"] == 0.5 and params["lam"] == 0.9 and seeds:
        os._exit(4)
    if params["alpha"] == 0.2 and seeds:
        marker = Path(marker_dir) / f"crashed-{params['lam']}-{seeds[0].spawn_key[-1]}"
        if not marker.exists():
            marker.write_text("x")
            os._exit(3)
    return rw_cell(params, seeds)


def flaky_cell(params, seeds, marker_dir):
    """Raises on the first attempt of alpha=0.2 cells; alpha=0.5 always raises."""
    if params["alpha"] == 0.5 and seeds:
        raise ValueError("alpha=0.5 is cursed")
    if params["alpha"] == 0.2 and seeds:
        marker = Path(marker_dir) / f"raised-{params['lam']}-{seeds[0].spawn_key[-1]}"
        if not marker.exists():
            marker.write_text("x")
            raise RuntimeError("transient failure")
    return rw_cell(params, seeds)


def logging_cell(params, seeds, log_dir, stop_after=None):
    """rw_cell that logs every computed run; raises KeyboardInterrupt once `stop_after` runs are logged."""
    log = Path(log_dir)
    done = len(list(log.iterdir()))
    if stop_after is not None and done >= stop_after:
        raise KeyboardInterrupt
    for ss in seeds:
        (log / f"{params['alpha']}_{params['lam']}-{ss.spawn_key[-1]}-{len(list(log.iterdir()))}").write_text("")
    return rw_cell(params, seeds)


def register_test_experiment(name="test-sweep-rw"):
    """Register (idempotently) an experiment with rw_cell as its sweep cell; returns its name."""
    from fastfa.experiments import Result, experiment

    def run(ctx):  # pragma: no cover - only the cell is used
        return Result(table={}, metrics={}, config={})

    from fastfa.experiments._base import _REGISTRY

    if name not in _REGISTRY:
        experiment(
            name, "5-state random walk TD(0) (sweep tests)", default_runs=4, cell=rw_cell, grid={"alpha": [0.1, 0.5]}
        )(run)
    return name


import multiprocessing  # noqa: E402

if multiprocessing.parent_process() is not None:  # a worker: the driver registered it in a fixture
    register_test_experiment()
