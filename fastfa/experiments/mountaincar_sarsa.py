"""S&B Figures 10.1/10.2: episodic semi-gradient SARSA with tile coding on Mountain Car.

8 tilings of 8x8 tiles over position [-1.2, 0.5] x velocity [-0.07, 0.07], weights
initialised to 0 (optimistic: rewards are -1), ε = 0, γ = 1, no time limit (the book's
episodes), α ∈ {0.1/8, 0.2/8, 0.5/8}; 100 runs x 500 episodes, steps per episode
averaged over runs (Fig 10.2, log scale).  All 300 runs are one population in the
fused compiled loop (``fastfa.agents.population``), parallel over cores.

``fastfa run mountaincar-sarsa [--runs N] [--quick] [--set alphas=[0.0625] episodes=200]``

Table rows: ``run``, ``alpha``, ``x`` = episode, ``metric`` = ``steps``, ``value``.
Metrics: mean steps per episode over episodes 1-50 and over the last 50 per α,
first-episode mean, best α, ``env_steps_per_s``.  ``--quick``: 10 runs x 100 episodes.

Sweep unit (``fastfa sweep``): ``cell({"alpha": 0.0625, "episodes": 500}, seeds)``.
"""
from __future__ import annotations

import numpy as np

from ._base import Result, experiment
from ._mountaincar import alpha_label, params, steps_table

ALPHAS = [0.1 / 8, 0.2 / 8, 0.5 / 8]
DEFAULTS = {"alphas": ALPHAS, "episodes": 500, "epsilon": 0.0, "threads": None}
QUICK = dict(DEFAULTS, episodes=100)


def _population(alphas, seeds, episodes, epsilon, threads):
    from ..agents.population import run_population

    return run_population("MountainCar-v0", "sarsa", alphas=alphas, seeds=seeds, episodes=int(episodes),
                          epsilon=float(epsilon), threads=threads)


def cell(params_, seeds):
    """One α for every SeedSequence in ``seeds``: steps per episode."""
    p = params(params_, {"alpha": 0.5 / 8, "episodes": 500, "epsilon": 0.0})
    r = _population([float(p["alpha"])], list(seeds), p["episodes"], p["epsilon"], None)
    s = r["steps"][0, 0]
    k, e = s.shape
    return {"seed": np.repeat(np.arange(k), e), "x": np.tile(np.arange(1, e + 1), k),
            "metric": np.full(k * e, "steps"), "value": s.ravel()}


def plot(table, path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    al = table["alpha"].astype(float)
    for a in np.unique(al):
        sel = al == a
        x = table["x"][sel].astype(int)
        v = table["value"][sel].astype(float)
        n_ep = x.max()
        mean = np.bincount(x - 1, weights=v, minlength=n_ep) / np.bincount(x - 1, minlength=n_ep)
        ax.plot(np.arange(1, n_ep + 1), mean, label=f"α={alpha_label(a)}")
    ax.set_yscale("log")
    ax.set_ylim(100, 1000)
    ax.set_xlabel("Episode")
    ax.set_ylabel("Steps per episode (log scale, mean over runs)")
    ax.set_title("Figure 10.2: semi-gradient SARSA, 8 tilings")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def summarize(steps, alphas):
    """Headline numbers from ``steps[alpha, run, episode]``."""
    m = {}
    first50 = steps[:, :, :50].mean(axis=(1, 2))
    last50 = steps[:, :, -50:].mean(axis=(1, 2))
    for a, f, lst, e1 in zip(alphas, first50, last50, steps[:, :, 0].mean(axis=1)):
        lab = alpha_label(a)
        m[f"alpha={lab}: mean steps, episodes 1-50"] = round(float(f), 1)
        m[f"alpha={lab}: mean steps, last 50 episodes"] = round(float(lst), 1)
        m[f"alpha={lab}: episode 1 steps"] = round(float(e1), 1)
    m["best_alpha"] = float(alphas[int(np.argmin(first50))])
    return m


@experiment("mountaincar-sarsa", "Fig 10.1/10.2: semi-gradient SARSA, 8 tilings, Mountain Car", default_runs=100,
            cell=cell, grid={"alpha": ALPHAS})
def run(ctx) -> Result:
    p = params(ctx.params, QUICK if ctx.quick else DEFAULTS)
    n_runs = ctx.n_runs(100, quick=10)
    seeds = np.random.SeedSequence(ctx.seed).spawn(n_runs)
    alphas = [float(a) for a in p["alphas"]]
    r = _population(alphas, seeds, p["episodes"], p["epsilon"], p["threads"])
    steps = r["steps"][:, 0]  # [alpha, run, episode]
    metrics = summarize(steps, alphas)
    metrics["env_steps_per_s"] = round(r["env_steps"] / r["wall_time_s"])
    metrics["population_wall_time_s"] = round(r["wall_time_s"], 3)
    table = steps_table(steps, {"alpha": alphas})
    config = {"env": "MountainCar-v0 (compiled twin, no time limit)", "algorithm": "semi-gradient SARSA",
              "tilings": 8, "tiles": "8x8", "box": [[-1.2, -0.07], [0.5, 0.07]], "gamma": 1.0, "runs": n_runs, **p}
    return Result(table=table, metrics=metrics, config=config, env_steps=r["env_steps"], plot=plot)
