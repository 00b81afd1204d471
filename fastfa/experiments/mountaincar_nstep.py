"""S&B Figures 10.3/10.4: episodic semi-gradient n-step SARSA on Mountain Car (8 tilings, ε = 0, γ = 1).

Fig 10.3: steps per episode, n = 1 (α = 0.5/8) vs n = 8 (α = 0.3/8), 100 runs x 500 episodes.
Fig 10.4: mean steps per episode over the first 50 episodes and 100 runs, against α x 8,
for n ∈ {1, 2, 4, 8, 16}; each n over the book's α range (larger n, smaller α).  Episodes of
the α-sweep are capped at ``max_steps`` = 5000 steps (bad settings saturate; the book's plot
stops at 300 steps per episode); Fig 10.3 episodes are not capped.

``fastfa run mountaincar-nstep [--runs N] [--quick] [--set episodes=500 sweep_episodes=50]``

Table rows: ``panel`` (``fig10.3`` / ``fig10.4``), ``n``, ``alpha``, ``run``, ``x`` (episode
for fig10.3; 0 for fig10.4), ``metric`` (``steps`` / ``mean_steps_first_episodes``), ``value``.
Metrics: Fig 10.3 mean steps per episode (first 50 / last 50) per n, Fig 10.4 best (n, α) and
its value, ``env_steps_per_s``.  ``--quick``: 10 runs, 100 + 20 episodes, fewer α.

Sweep unit (``fastfa sweep``): ``cell({"nstep": 4, "alpha": 0.0625}, seeds)`` (mean steps, first 50
episodes; ``fastfa sweep mountaincar-nstep --grid nstep=1,4 --grid alpha=0.0625``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import Result, experiment
from ._mountaincar import alpha_label, params
from ._params import Float, Int, defaults, resolve

NS = [1, 2, 4, 8, 16]
ALPHA8 = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6]
MAX_ALPHA8 = {1: 1.6, 2: 1.4, 4: 1.0, 8: 0.7, 16: 0.5}
PARAMS = (
    Int("episodes", 500, "episodes per run of Fig 10.3", low=1, high=100_000, quick=100),
    Int(
        "sweep_episodes",
        50,
        "episodes per run of the Fig 10.4 α sweep (the book: the first 50)",
        low=1,
        high=100_000,
        quick=20,
    ),
    Int("ns", NS, "n of the Fig 10.4 curves", low=1, high=1024, many=True, max_len=32),
    Float(
        "alpha8",
        ALPHA8,
        "α x 8 of the Fig 10.4 sweep (each n up to the book's largest α)",
        low=0.0,
        high=8.0,
        low_open=True,
        many=True,
        max_len=64,
        quick=[0.2, 0.5, 1.0],
    ),
    Int("max_steps", 5000, "cap on the steps of one α-sweep episode", low=1, high=10_000_000),
    Int("threads", None, "Numba threads of the population (null: all cores)", low=1, high=1024, optional=True),
)
CELL_PARAMS = (
    Int("nstep", 4, "n of n-step SARSA", low=1, high=1024),
    Int("n", None, "alias of nstep (null: use nstep)", low=1, high=1024, optional=True),
    Float("alpha", 0.5 / 8, "step size α (per feature)", low=0.0, high=1.0, low_open=True),
    Int("sweep_episodes", 50, "episodes per run (the value is their mean steps)", low=1, high=100_000),
    Int("max_steps", 5000, "cap on the steps of one episode", low=1, high=10_000_000),
)
DEFAULTS = defaults(PARAMS)
QUICK = defaults(PARAMS, quick=True)


def _pop(alpha, ns, seeds, episodes, max_steps=0, threads=None):
    from ..agents.population import run_population

    return run_population(
        "MountainCar-v0",
        "nstep_sarsa",
        alphas=np.atleast_1d(alpha),
        ns=ns,
        seeds=seeds,
        episodes=int(episodes),
        max_steps=int(max_steps),
        threads=threads,
    )


def cell(params_, seeds):
    """One (n, α): mean steps per episode over the first ``sweep_episodes`` episodes, per seed.

    The sweep parameter is called ``nstep`` (``n`` is accepted too; the sweep summary uses a
    column ``n`` for counts)."""
    p = resolve(CELL_PARAMS, params_, owner="the mountaincar-nstep cell")
    n = int(p["n"] if p["n"] is not None else p["nstep"])
    r = _pop([float(p["alpha"])], [n], list(seeds), p["sweep_episodes"], p["max_steps"])
    m = r["steps"][0, 0].mean(axis=1)
    k = len(m)
    return {"seed": np.arange(k), "x": np.zeros(k, int), "metric": np.full(k, "mean_steps_first_episodes"), "value": m}


def plot(table, path) -> None:
    import matplotlib.pyplot as plt

    from ._plot import save_figure

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.5))
    panel = table["panel"]
    sel = panel == "fig10.3"
    for n in np.unique(table["n"][sel].astype(int)):
        s = sel & (table["n"].astype(int) == n)
        x = table["x"][s].astype(int)
        v = table["value"][s].astype(float)
        mean = np.bincount(x - 1, weights=v) / np.bincount(x - 1)
        a = float(table["alpha"][s][0])
        a1.plot(np.arange(1, len(mean) + 1), mean, label=f"n={n}, α={alpha_label(a)}")
    a1.set_yscale("log")
    a1.set_ylim(100, 1000)
    a1.set_xlabel("Episode")
    a1.set_ylabel("Steps per episode (log scale)")
    a1.set_title("Figure 10.3")
    a1.legend()
    sel = panel == "fig10.4"
    for n in np.unique(table["n"][sel].astype(int)):
        s = sel & (table["n"].astype(int) == n)
        al = table["alpha"][s].astype(float)
        v = table["value"][s].astype(float)
        xs = np.unique(al)
        a2.plot(xs * 8, [v[al == a].mean() for a in xs], label=f"n={n}")
    a2.set_ylim(210, 300)
    a2.set_xlabel("α × number of tilings (8)")
    a2.set_ylabel("Mountain Car steps per episode (first 50 episodes)")
    a2.set_title("Figure 10.4")
    a2.legend()
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


@experiment(
    "mountaincar-nstep",
    "Fig 10.3/10.4: n-step semi-gradient SARSA on Mountain Car",
    default_runs=100,
    cell=cell,
    grid={"nstep": NS, "alpha": [a / 8 for a in ALPHA8]},
    params=PARAMS,
    cell_params=CELL_PARAMS,
)
def run(ctx) -> Result:
    p = params(ctx.params, QUICK if ctx.quick else DEFAULTS)
    n_runs = ctx.n_runs(100, quick=10)
    seeds = np.random.SeedSequence(ctx.seed).spawn(n_runs)
    cols: dict[str, list[Any]] = {k: [] for k in ("panel", "n", "alpha", "run", "x", "metric", "value")}
    metrics: dict[str, Any] = {}
    env_steps, wall = 0, 0.0

    def add(panel, n, alpha, runs, x, metric, value) -> None:
        m = len(value)
        for k, v in (("panel", panel), ("n", n), ("alpha", alpha), ("metric", metric)):
            cols[k].append(np.full(m, v))
        cols["run"].append(runs)
        cols["x"].append(x)
        cols["value"].append(value)

    for n, a8 in ((1, 0.5), (8, 0.3)):  # Fig 10.3
        r = _pop([a8 / 8], [n], seeds, p["episodes"], 0, p["threads"])
        s = r["steps"][0, 0]
        env_steps += r["env_steps"]
        wall += r["wall_time_s"]
        e = s.shape[1]
        add(
            "fig10.3",
            n,
            a8 / 8,
            np.repeat(np.arange(n_runs), e),
            np.tile(np.arange(1, e + 1), n_runs),
            "steps",
            s.ravel(),
        )
        metrics[f"fig10.3 n={n} alpha={a8:g}/8: mean steps, episodes 1-50"] = round(float(s[:, :50].mean()), 1)
        metrics[f"fig10.3 n={n} alpha={a8:g}/8: mean steps, last 50 episodes"] = round(float(s[:, -50:].mean()), 1)
    best: tuple[Any, Any, float] = (None, None, np.inf)
    for n in p["ns"]:
        alphas = [a / 8 for a in p["alpha8"] if a <= MAX_ALPHA8.get(int(n), 1.6) + 1e-9]
        if not alphas:
            continue
        r = _pop(alphas, [int(n)], seeds, p["sweep_episodes"], p["max_steps"], p["threads"])
        env_steps += r["env_steps"]
        wall += r["wall_time_s"]
        m = np.where(r["diverged"][:, 0], np.nan, r["steps"][:, 0].mean(axis=2))  # [alpha, run]; diverged: NaN
        for k, a in enumerate(alphas):
            add("fig10.4", int(n), a, np.arange(n_runs), np.zeros(n_runs, int), "mean_steps_first_episodes", m[k])
            if m[k].mean() < best[2]:
                best = (int(n), a, float(m[k].mean()))
    metrics["fig10.4 best n"] = best[0]
    metrics["fig10.4 best alpha x 8"] = round(best[1] * 8, 3) if best[1] else None
    metrics["fig10.4 best mean steps (first episodes)"] = round(best[2], 1)
    metrics["env_steps_per_s"] = round(env_steps / wall) if wall else None
    table = {k: np.concatenate(v) for k, v in cols.items()}
    config = {
        "env": "MountainCar-v0 (compiled twin)",
        "algorithm": "n-step semi-gradient SARSA",
        "tilings": 8,
        "epsilon": 0.0,
        "gamma": 1.0,
        "runs": n_runs,
        **p,
    }
    return Result(table=table, metrics=metrics, config=config, env_steps=env_steps, plot=plot)
