"""S&B Figures 12.10/12.11: SARSA(λ) and true online SARSA(λ) on Mountain Car (8 tilings, ε = 0, γ = 1).

Fig 12.10: SARSA(λ) with replacing traces; mean steps per episode over the first 50 episodes
and 100 runs against α x 8, for λ ∈ {0, .68, .84, .92, .96, .98, .99} (larger λ over smaller α,
as in the book).  Fig 12.11: mean return per episode over the first 20 episodes and 100 runs
against α x 8 at λ = 0.9 for true online SARSA(λ) and SARSA(λ) with accumulating traces,
replacing traces, and replacing traces that clear the other actions' traces.

Runs whose q̂ stops being finite (accumulating traces at large α) are stopped at once and
reported (``RuntimeWarning``, metric ``diverged runs``); their (λ, α) point is NaN (left out of
the plot, as the book leaves out diverging settings).

Traces below ``trace_min`` = 1e-3 are dropped (``fastfa.kernels.linear.control_traces``; Sutton's
own Mountain Car code drops them below 0.01): ``--set trace_min=0`` runs the exact algorithm
(slower).  Episodes are capped at ``max_steps`` = 5000 steps (bad settings saturate; the
book's plots stop at 300 steps per episode).

``fastfa run mountaincar-lambda [--runs N] [--quick] [--set lams=[0.9] trace_min=0 alpha8_1211=[]]``
(``alpha8_1211=[]``: Fig 12.10 only; ``lams=[]``: Fig 12.11 only).

Table rows: ``panel`` (``fig12.10`` / ``fig12.11``), ``method``, ``lam``, ``alpha``, ``run``,
``x`` = 0, ``metric`` (``mean_steps_first_episodes`` / ``mean_return_first_episodes``), ``value``.
``--quick``: 5 runs, 20 / 10 episodes, 3 step sizes.

Sweep unit (``fastfa sweep``): ``cell({"lam": 0.92, "alpha": 0.1875}, seeds)`` (Fig 12.10 point).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import Result, experiment
from ._mountaincar import params
from ._params import Float, Int, defaults, resolve

LAMS = [0.0, 0.68, 0.84, 0.92, 0.96, 0.98, 0.99]
ALPHA8 = [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8]
MAX_ALPHA8 = {0.0: 1.8, 0.68: 1.8, 0.84: 1.6, 0.92: 1.4, 0.96: 1.0, 0.98: 0.6, 0.99: 0.4}
METHODS = {
    "true online": ("true_online_sarsa_lambda", "replace"),
    "accumulating": ("sarsa_lambda", "accumulate"),
    "replacing": ("sarsa_lambda", "replace"),
    "replacing, clear others": ("sarsa_lambda", "replace_clear"),
}
PARAMS = (
    Float(
        "lams",
        LAMS,
        "λ of the Fig 12.10 curves ([]: Fig 12.11 only)",
        low=0.0,
        high=1.0,
        many=True,
        max_len=32,
        allow_empty=True,
        quick=[0.0, 0.84, 0.96],
    ),
    Float(
        "alpha8",
        ALPHA8,
        "α x 8 of Fig 12.10 (each λ up to the book's largest α)",
        low=0.0,
        high=8.0,
        low_open=True,
        many=True,
        max_len=64,
        quick=[0.4, 0.8, 1.2],
    ),
    Int("episodes", 50, "episodes per run of Fig 12.10 (the book: the first 50)", low=1, high=100_000, quick=20),
    Int("episodes_1211", 20, "episodes per run of Fig 12.11 (the book: the first 20)", low=1, high=100_000, quick=10),
    Float("lam_1211", 0.9, "λ of Fig 12.11", low=0.0, high=1.0),
    Float(
        "alpha8_1211",
        [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8],
        "α x 8 of Fig 12.11 ([]: Fig 12.10 only)",
        low=0.0,
        high=8.0,
        low_open=True,
        many=True,
        max_len=64,
        allow_empty=True,
        quick=[0.4, 0.8, 1.2],
    ),
    Float("trace_min", 1e-3, "traces below this are dropped (0: the exact algorithm, slower)", low=0.0, high=1.0),
    Int("max_steps", 5000, "cap on the steps of one episode", low=1, high=10_000_000),
    Int("threads", None, "Numba threads of the population (null: all cores)", low=1, high=1024, optional=True),
)
CELL_PARAMS = (
    Float("lam", 0.92, "λ of SARSA(λ), replacing traces", low=0.0, high=1.0),
    Float("alpha", 1.5 / 8, "step size α (per feature)", low=0.0, high=1.0, low_open=True),
    Int("episodes", 50, "episodes per run (the value is their mean steps)", low=1, high=100_000),
    Float("trace_min", 1e-3, "traces below this are dropped", low=0.0, high=1.0),
    Int("max_steps", 5000, "cap on the steps of one episode", low=1, high=10_000_000),
)
DEFAULTS = defaults(PARAMS)
QUICK = defaults(PARAMS, quick=True)


def _pop(alg, trace, alphas, lams, seeds, episodes, trace_min, max_steps, threads=None):
    from ..agents.population import run_population

    return run_population(
        "MountainCar-v0",
        alg,
        alphas=alphas,
        lams=lams,
        seeds=seeds,
        episodes=int(episodes),
        trace=trace,
        trace_min=float(trace_min),
        max_steps=int(max_steps),
        threads=threads,
    )


def cell(params_, seeds):
    """One Fig 12.10 point (λ, α): mean steps over the first ``episodes`` episodes, per seed."""
    p = resolve(CELL_PARAMS, params_, owner="the mountaincar-lambda cell")
    r = _pop(
        "sarsa_lambda",
        "replace",
        [float(p["alpha"])],
        [float(p["lam"])],
        list(seeds),
        p["episodes"],
        p["trace_min"],
        p["max_steps"],
    )
    m = r["steps"][0, 0].mean(axis=1)
    k = len(m)
    return {"seed": np.arange(k), "x": np.zeros(k, int), "metric": np.full(k, "mean_steps_first_episodes"), "value": m}


def plot(table, path) -> None:
    import matplotlib.pyplot as plt

    from ._plot import save_figure

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, panel, key in ((a1, "fig12.10", "lam"), (a2, "fig12.11", "method")):
        sel = table["panel"] == panel
        for g in np.unique(table[key][sel]):
            s = sel & (table[key] == g)
            al = table["alpha"][s].astype(float)
            v = table["value"][s].astype(float)
            xs = np.unique(al)
            ax.plot(xs * 8, [v[al == a].mean() for a in xs], marker=".", label=f"{key}={g}" if key == "lam" else g)
            # a NaN point (a run diverged at that alpha) is left out of the curve, as in the book
        ax.set_xlabel("α × number of tilings (8)")
        ax.legend(fontsize=8)
    a1.set_ylim(170, 300)
    a1.set_ylabel("Steps per episode (first 50 episodes)")
    a1.set_title("Figure 12.10: SARSA(λ), replacing traces")
    a2.set_ylim(-550, -150)
    a2.set_ylabel("Reward per episode (first 20 episodes)")
    a2.set_title("Figure 12.11: λ = 0.9")
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


@experiment(
    "mountaincar-lambda",
    "Fig 12.10/12.11: SARSA(lambda) and true online SARSA(lambda) on Mountain Car",
    default_runs=100,
    cell=cell,
    grid={"lam": LAMS, "alpha": [a / 8 for a in ALPHA8]},
    params=PARAMS,
    cell_params=CELL_PARAMS,
)
def run(ctx) -> Result:
    p = params(ctx.params, QUICK if ctx.quick else DEFAULTS)
    n_runs = ctx.n_runs(100, quick=5)
    seeds = np.random.SeedSequence(ctx.seed).spawn(n_runs)
    cols: dict[str, list[Any]] = {k: [] for k in ("panel", "method", "lam", "alpha", "run", "x", "metric", "value")}
    metrics: dict[str, Any] = {}
    env_steps, wall, n_div = 0, 0.0, 0

    def add(panel, method, lam, alpha, metric, value) -> None:
        for k, v in (("panel", panel), ("method", method), ("lam", lam), ("alpha", alpha), ("metric", metric)):
            cols[k].append(np.full(n_runs, v))
        cols["run"].append(np.arange(n_runs))
        cols["x"].append(np.zeros(n_runs, int))
        cols["value"].append(value)

    best: tuple[Any, Any, float] = (None, None, np.inf)
    for lam in p["lams"]:
        alphas = [a / 8 for a in p["alpha8"] if a <= MAX_ALPHA8.get(float(lam), 1.8) + 1e-9]
        if not alphas:
            continue
        r = _pop(
            "sarsa_lambda",
            "replace",
            alphas,
            [float(lam)],
            seeds,
            p["episodes"],
            p["trace_min"],
            p["max_steps"],
            p["threads"],
        )
        env_steps += r["env_steps"]
        wall += r["wall_time_s"]
        m = np.where(r["diverged"][:, 0], np.nan, r["steps"][:, 0].mean(axis=2))  # diverged runs: NaN
        n_div += int(r["diverged"].sum())
        for k, a in enumerate(alphas):
            add("fig12.10", "replacing", float(lam), a, "mean_steps_first_episodes", m[k])
            if m[k].mean() < best[2]:
                best = (float(lam), a, float(m[k].mean()))
    if best[0] is not None:
        metrics["fig12.10 best lambda"] = best[0]
        metrics["fig12.10 best alpha x 8"] = round(best[1] * 8, 3)
        metrics["fig12.10 best mean steps (first episodes)"] = round(best[2], 1)
    alphas = [a / 8 for a in p["alpha8_1211"]]
    lam = float(p["lam_1211"])
    for name, (alg, trace) in METHODS.items() if alphas else ():  # alpha8_1211=[] skips Fig 12.11
        r = _pop(alg, trace, alphas, [lam], seeds, p["episodes_1211"], p["trace_min"], p["max_steps"], p["threads"])
        env_steps += r["env_steps"]
        wall += r["wall_time_s"]
        m = np.where(r["diverged"][:, 0], np.nan, r["returns"][:, 0].mean(axis=2))
        n_div += int(r["diverged"].sum())
        for k, a in enumerate(alphas):
            add("fig12.11", name, lam, a, "mean_return_first_episodes", m[k])
        means = m.mean(axis=1)  # NaN where a run diverged
        metrics[f"fig12.11 {name}: best mean return"] = (
            round(float(np.nanmax(means)), 1) if np.isfinite(means).any() else None
        )
    metrics["diverged runs (excluded: NaN)"] = n_div
    metrics["env_steps_per_s"] = round(env_steps / wall) if wall else None
    table = {k: np.concatenate(v) for k, v in cols.items()}
    config = {"env": "MountainCar-v0 (compiled twin)", "tilings": 8, "epsilon": 0.0, "gamma": 1.0, "runs": n_runs, **p}
    return Result(table=table, metrics=metrics, config=config, env_steps=env_steps, plot=plot)
