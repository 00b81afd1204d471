"""S&B Figure 9.5: polynomial vs Fourier bases on the 1000-state random walk.

Gradient Monte Carlo, bases of order 5, 10 and 20 over the state scaled to
[0, 1], α = 10⁻⁴ (polynomial) and 5·10⁻⁵ (Fourier), 30 runs x 5000 episodes;
the curve is the √VE (RMSVE weighted by the on-policy distribution μ, S&B
eq. 9.1) averaged over runs.  The Fourier basis learns faster and further.

``fastfa run randomwalk-bases [--runs N] [--quick] [--set episodes=... orders=[...] alpha_poly=... alpha_fourier=...]``

Table rows: ``run, basis, order, x (episode), metric="rmsve", value``.
Metrics: ``final_rmsve`` ({"polynomial_5": ..., "fourier_20": ...}, mean over runs).
``--quick``: 5 runs x 1000 episodes.  Sweep unit: ``cell({"basis": "fourier", "order": 5,
"alpha": 5e-5}, seeds)``.
"""

from __future__ import annotations

import numpy as np

from ..loop import Progress
from ._base import Result, experiment
from ._params import Choice, Float, Int, defaults, resolve
from ._randomwalk import check_log_every, concat, curve_rows, merge_params, population

PARAMS = (
    Int("episodes", 5000, "episodes per run (the book: 5000)", low=1, high=10_000_000, quick=1000),
    Int("orders", [5, 10, 20], "orders of the polynomial and Fourier bases", low=1, high=1000, many=True, max_len=16),
    Float("alpha_poly", 1e-4, "step size α of the polynomial bases", low=0.0, high=1.0, low_open=True),
    Float("alpha_fourier", 5e-5, "step size α of the Fourier bases", low=0.0, high=1.0, low_open=True),
    Int("log_every", 50, "error logged every this many episodes (at most episodes)", low=1, high=10_000_000),
)
CELL_PARAMS = (
    Choice("basis", "fourier", "the basis", ["polynomial", "fourier"]),
    Int("order", 5, "order of the basis", low=1, high=1000),
    Float("alpha", 5e-5, "step size α", low=0.0, high=1.0, low_open=True),
    Int("episodes", 5000, "episodes per run", low=1, high=10_000_000),
    Int("log_every", 50, "error logged every this many episodes (at most episodes)", low=1, high=10_000_000),
)
DEFAULTS = defaults(PARAMS)
QUICK = defaults(PARAMS, quick=True)


def _features(basis, order):
    from ..features import Fourier, Polynomial

    if basis not in ("polynomial", "fourier"):
        raise ValueError(f"basis must be 'polynomial' or 'fourier', got {basis!r}")
    return (Polynomial if basis == "polynomial" else Fourier)(1, 1000, int(order))


def _curve(basis, order, alpha, seed, n_runs, episodes, log_every):
    log_at = np.arange(log_every, episodes + 1, log_every)
    err, _, steps = population(
        "mc", _features(basis, order), seed=seed, n_runs=n_runs, alphas=[alpha], n_episodes=episodes, log_at=log_at
    )
    return err[0], log_at, steps


def cell(params, seeds):
    """One (basis, order, α) learning curve for every SeedSequence in ``seeds``."""
    p = check_log_every(resolve(CELL_PARAMS, params, owner="the randomwalk-bases cell"))
    err, log_at, _ = _curve(
        p["basis"], p["order"], float(p["alpha"]), list(seeds), None, int(p["episodes"]), int(p["log_every"])
    )
    k = len(seeds)
    return {
        "seed": np.repeat(np.arange(k), len(log_at)),
        "x": np.tile(log_at, k),
        "metric": np.full(err.size, "rmsve"),
        "value": err.ravel(),
    }


def plot(table, path) -> None:
    import matplotlib.pyplot as plt

    from ._plot import save_figure

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for basis, style in (("polynomial", "--"), ("fourier", "-")):
        for order in sorted({int(o) for o in table["order"][table["basis"] == basis]}):
            sel = (table["basis"] == basis) & (table["order"].astype(int) == order)
            x = table["x"][sel].astype(int)
            v = table["value"][sel].astype(float)
            xs = np.unique(x)
            ax.plot(xs, [v[x == e].mean() for e in xs], style, label=f"{basis} order {order}")
    ax.set_xlabel("Episodes")
    ax.set_ylabel("$\\sqrt{\\overline{VE}}$ averaged over runs")
    ax.set_ylim(0, 0.5)
    ax.legend()
    ax.set_title("Figure 9.5: Fourier vs polynomial bases, gradient MC")
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


@experiment(
    "randomwalk-bases",
    "S&B Fig 9.5: polynomial vs Fourier bases (orders 5/10/20), gradient MC",
    default_runs=30,
    cell=cell,
    grid={"basis": ["polynomial", "fourier"], "order": [5, 10, 20]},
    params=PARAMS,
    cell_params=CELL_PARAMS,
)
def run(ctx) -> Result:
    p = merge_params(ctx.params, QUICK if ctx.quick else DEFAULTS)
    n_runs = ctx.n_runs(30, quick=5)
    seeds = np.random.SeedSequence(ctx.seed).spawn(n_runs)  # the same episodes for every basis
    parts, final, steps = [], {}, 0
    bar = Progress(2 * len(p["orders"]), "randomwalk-bases", enabled=ctx.progress, unit="curve")
    for basis in ("polynomial", "fourier"):
        alpha = float(p["alpha_poly"] if basis == "polynomial" else p["alpha_fourier"])
        for order in p["orders"]:
            err, log_at, s = _curve(basis, order, alpha, seeds, None, int(p["episodes"]), int(p["log_every"]))
            steps += s
            parts.append(curve_rows(err, log_at, "rmsve", basis=basis, order=int(order), alpha=alpha))
            final[f"{basis}_{order}"] = float(err[:, -1].mean())
            bar.update(1)
    bar.close()
    table = concat(parts, ["run", "basis", "order", "alpha", "x", "metric", "value"])
    config = dict(p, runs=n_runs, method="gradient_mc", quick=ctx.quick)
    return Result(table=table, metrics={"final_rmsve": final}, config=config, env_steps=steps, plot=plot)
