"""S&B Figures 12.3, 12.6 and 12.8: λ sweeps on the 19-state random walk.

Tabular (one feature per state) prediction on the 19-state random walk of
Example 7.1 (start in the centre, ±1 steps, reward −1 / +1 at the left /
right end, γ = 1): RMS error over the 19 states at the end of each of the
first 10 episodes, averaged over those episodes and 100 runs, as a function
of α for λ ∈ {0, .4, .8, .9, .95, .975, .99, 1}, for

* ``lambda_return``: the offline λ-return algorithm (Fig 12.3);
* ``td_lambda``: semi-gradient TD(λ), accumulating traces (Fig 12.6; it
  diverges for large λ and α: those errors are inf/NaN in the table);
* ``true_online``: true online TD(λ) (Fig 12.8; close to the λ-return algorithm).

``fastfa run randomwalk-lambda [--runs N] [--quick] [--set methods=[...] lams=[...] alphas=[...]]``

Table rows: ``run, agent, lam, alpha, x (episode 1..10), metric="rms_error", value``.
Metrics: ``best`` per method (λ, α, error) and ``min_error_by_lam`` per method (finite only).
``--quick``: 10 runs (a smoke run: 20 took ~3 s of its ~5 s).
Sweep unit: ``cell({"method": "true_online", "lam": 0.8, "alpha": 0.4}, seeds)``.
"""

from __future__ import annotations

import numpy as np

from ..loop import Progress
from ._base import Result, experiment
from ._params import Choice, Float, Int, defaults, resolve
from ._randomwalk import concat, curve_rows, merge_params, population

LAMS = [0.0, 0.4, 0.8, 0.9, 0.95, 0.975, 0.99, 1.0]
ALPHAS = [round(0.05 * k, 2) for k in range(21)]
METHODS = {"lambda_return": "lambda_return", "td_lambda": "td_lambda_acc", "true_online": "true_online"}
PARAMS = (
    Choice("methods", list(METHODS), "methods swept (Figs 12.3, 12.6, 12.8)", list(METHODS), many=True),
    Float("lams", LAMS, "λ of the curves", low=0.0, high=1.0, many=True, max_len=64),
    Float("alphas", ALPHAS, "step sizes α on the x axis", low=0.0, high=1.0, many=True, max_len=256),
    Int("episodes", 10, "episodes per run (the book: the first 10)", low=1, high=1_000_000),
    Int("n_states", 19, "non-terminal states of the random walk (the book: 19)", low=3, high=100_001),
)
CELL_PARAMS = (
    Choice("method", "true_online", "the method", list(METHODS)),
    Float("lam", 0.8, "λ", low=0.0, high=1.0),
    Float("alpha", 0.4, "step size α", low=0.0, high=1.0),
    Int("episodes", 10, "episodes per run", low=1, high=1_000_000),
    Int("n_states", 19, "non-terminal states of the random walk", low=3, high=100_001),
)
DEFAULTS = defaults(PARAMS)


def _sweep(method, lams, alphas, seeds, episodes, n_states):
    from ..features import StateAggregation

    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    A, L = np.meshgrid(np.asarray(alphas, float), np.asarray(lams, float))
    with np.errstate(over="ignore", invalid="ignore"):
        err, _, steps = population(
            METHODS[method],
            StateAggregation(n_states, n_states, first=1),
            seed=seeds,
            alphas=A.ravel(),
            lams=L.ravel(),
            n_episodes=episodes,
            log_at=np.arange(1, episodes + 1),
            weights="uniform",
            n_states=n_states,
            max_jump=1,
        )
    return err, A.ravel(), L.ravel(), steps


def cell(params, seeds):
    """One (method, λ, α) point for every SeedSequence in ``seeds``."""
    p = resolve(CELL_PARAMS, params, owner="the randomwalk-lambda cell")
    e = int(p["episodes"])
    err, _, _, _ = _sweep(p["method"], [float(p["lam"])], [float(p["alpha"])], list(seeds), e, int(p["n_states"]))
    k = len(seeds)
    return {
        "seed": np.repeat(np.arange(k), e),
        "x": np.tile(np.arange(1, e + 1), k),
        "metric": np.full(k * e, "rms_error"),
        "value": err[0].ravel(),
    }


def plot(table, path) -> None:
    import matplotlib.pyplot as plt

    from ._plot import save_figure

    methods = [m for m in METHODS if (table["agent"] == m).any()]
    fig, axes = plt.subplots(1, len(methods), figsize=(5 * len(methods), 4.2), squeeze=False)
    titles = {
        "lambda_return": "Off-line λ-return (Fig 12.3)",
        "td_lambda": "TD(λ) (Fig 12.6)",
        "true_online": "True online TD(λ) (Fig 12.8)",
    }
    for ax, m in zip(axes[0], methods):
        sel = table["agent"] == m
        lam, al = table["lam"][sel].astype(float), table["alpha"][sel].astype(float)
        val = table["value"][sel].astype(float)
        for lv in np.unique(lam):
            alphas = np.unique(al[lam == lv])
            means = [val[(lam == lv) & (al == a)].mean() for a in alphas]
            ax.plot(alphas, means, label=f"λ={lv:g}")
        ax.set_ylim(0.25, 0.55)
        ax.set_xlabel("α")
        ax.set_title(titles[m])
    axes[0][0].set_ylabel("RMS error at the end of the episode\nover the first 10 episodes")
    axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


@experiment(
    "randomwalk-lambda",
    "S&B Figs 12.3/12.6/12.8: offline λ-return, TD(λ), true online TD(λ) sweeps",
    default_runs=100,
    cell=cell,
    grid={"method": list(METHODS), "lam": LAMS, "alpha": ALPHAS},
    params=PARAMS,
    cell_params=CELL_PARAMS,
)
def run(ctx) -> Result:
    p = merge_params(ctx.params, DEFAULTS)
    n_runs = ctx.n_runs(100, quick=10)
    seeds = np.random.SeedSequence(ctx.seed).spawn(n_runs)
    e = int(p["episodes"])
    parts, best, by_lam, steps = [], {}, {}, 0
    bar = Progress(len(p["methods"]), "randomwalk-lambda", enabled=ctx.progress, unit="method")
    for m in p["methods"]:
        err, A, L, s = _sweep(m, p["lams"], p["alphas"], seeds, e, int(p["n_states"]))
        steps += s
        parts += [
            curve_rows(err[k], np.arange(1, e + 1), "rms_error", agent=m, lam=float(L[k]), alpha=float(A[k]))
            for k in range(len(A))
        ]
        with np.errstate(invalid="ignore", over="ignore"):
            avg = err.mean(axis=(1, 2))
        avg = np.where(np.isfinite(avg), avg, np.inf)
        b = int(np.argmin(avg))
        best[m] = {"lam": float(L[b]), "alpha": float(A[b]), "error": float(avg[b])}
        by_lam[m] = {
            str(lv): float(avg[L == lv].min()) if np.isfinite(avg[L == lv].min()) else None for lv in p["lams"]
        }
        bar.update(1)
    bar.close()
    table = concat(parts, ["run", "agent", "lam", "alpha", "x", "metric", "value"])
    config = dict(p, runs=n_runs, features="tabular (StateAggregation(19, 19))", quick=ctx.quick)
    return Result(
        table=table, metrics={"best": best, "min_error_by_lam": by_lam}, config=config, env_steps=steps, plot=plot
    )
