"""The lecture's "discretise the continuous MDP" baseline vs tile coding, on Mountain Car.

Tabular Q-learning on a uniform grid of ``bins`` x ``bins`` cells over the book's box (one active
feature per state: ``DiscretizedQLearning``), α = 0.5, for several grid sizes, against
semi-gradient SARSA with 8 tilings of 8x8 (α = 0.5/8, Fig 10.2's best); ε = 0 with optimistic
zero initial values, γ = 1, no time limit, episodes capped at ``max_steps`` = 5000.  Coarse grids
cannot represent the value function (some never reach the goal reliably); fine grids
generalise too little and learn slowly: tile coding gets both.

``fastfa run mountaincar-discretized [--runs N] [--quick] [--set bins=[10,20] episodes=300]``

Table rows: ``method`` (``grid BxB`` / ``tiles 8x8x8``), ``run``, ``x`` = episode, ``metric`` =
``steps``, ``value``.  Metrics: mean steps per episode over the first and the last 50 episodes
per method.  ``--quick``: 5 runs x 100 episodes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._params import Float, Int, defaults
from ._base import Result, experiment
from ._mountaincar import params

PARAMS = (
    Int(
        "bins",
        [6, 10, 20, 40],
        "grid cells per dimension of the tabular baselines",
        low=1,
        high=512,
        many=True,
        max_len=16,
        quick=[10, 20],
    ),
    Int("episodes", 500, "episodes per run", low=1, high=100_000, quick=100),
    Float("alpha", 0.5, "step size of tabular Q-learning", low=0.0, high=1.0, low_open=True),
    Int("max_steps", 5000, "cap on the steps of one episode", low=1, high=10_000_000),
    Int("threads", None, "Numba threads of the population (null: all cores)", low=1, high=1024, optional=True),
)
DEFAULTS = defaults(PARAMS)
QUICK = defaults(PARAMS, quick=True)


def plot(table, path) -> None:
    import matplotlib.pyplot as plt

    from ._plot import save_figure

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for m in dict.fromkeys(table["method"].tolist()):
        s = table["method"] == m
        x = table["x"][s].astype(int)
        v = table["value"][s].astype(float)
        ok = v >= 0
        mean = np.bincount(x[ok] - 1, weights=v[ok]) / np.maximum(np.bincount(x[ok] - 1), 1)
        ax.plot(np.arange(1, len(mean) + 1), mean, label=m)
    ax.set_yscale("log")
    ax.set_xlabel("Episode")
    ax.set_ylabel("Steps per episode (log scale, mean over runs)")
    ax.set_title("Discretised tabular Q-learning vs tile-coded SARSA")
    ax.legend()
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


@experiment(
    "mountaincar-discretized",
    "Lecture baseline: tabular Q-learning on a grid vs tile coding, Mountain Car",
    default_runs=30,
    params=PARAMS,
)
def run(ctx) -> Result:
    from ..agents.population import MOUNTAINCAR_BOX, TileSpec, run_population

    p = params(ctx.params, QUICK if ctx.quick else DEFAULTS)
    n_runs = ctx.n_runs(30, quick=5)
    seeds = np.random.SeedSequence(ctx.seed).spawn(n_runs)
    cols: dict[str, list[Any]] = {k: [] for k in ("method", "run", "x", "metric", "value")}
    metrics: dict[str, Any] = {}
    env_steps, wall = 0, 0.0
    jobs = [
        (f"grid {b}x{b}", "q_learning", float(p["alpha"]), TileSpec(*MOUNTAINCAR_BOX, int(b), 1, True))
        for b in p["bins"]
    ]
    jobs.append(("tiles 8x8x8", "sarsa", 0.5 / 8, TileSpec(*MOUNTAINCAR_BOX)))
    for name, alg, alpha, spec in jobs:
        r = run_population(
            "MountainCar-v0",
            alg,
            alphas=[alpha],
            seeds=seeds,
            episodes=int(p["episodes"]),
            tiles=spec,
            max_steps=int(p["max_steps"]),
            threads=p["threads"],
        )
        s = r["steps"][0, 0]
        env_steps += r["env_steps"]
        wall += r["wall_time_s"]
        e = s.shape[1]
        cols["method"].append(np.full(s.size, name))
        cols["run"].append(np.repeat(np.arange(n_runs), e))
        cols["x"].append(np.tile(np.arange(1, e + 1), n_runs))
        cols["metric"].append(np.full(s.size, "steps"))
        cols["value"].append(s.ravel())
        ok = np.where(s >= 0, s, np.nan)
        metrics[f"{name}: mean steps, episodes 1-50"] = round(float(np.nanmean(ok[:, :50])), 1)
        metrics[f"{name}: mean steps, last 50 episodes"] = round(float(np.nanmean(ok[:, -50:])), 1)
    metrics["env_steps_per_s"] = round(env_steps / wall) if wall else None
    table = {k: np.concatenate(v) for k, v in cols.items()}
    config = {"env": "MountainCar-v0 (compiled twin)", "epsilon": 0.0, "gamma": 1.0, "runs": n_runs, **p}
    return Result(table=table, metrics=metrics, config=config, env_steps=env_steps, plot=plot)
