"""S&B Figure 9.10: one tiling (state aggregation) vs 50 tilings on the 1000-state random walk.

Gradient Monte Carlo, tiles 200 states wide; 50 tilings offset by 4 states
(uniform offsets) with α = 10⁻⁴/50 (the book's α/n convention), against a
single tiling (5 groups) with α = 10⁻⁴; 30 runs x 5000 episodes; √VE averaged
over runs.  Tile coding learns faster and reaches a lower error.

``fastfa run randomwalk-tiling [--runs N] [--quick] [--set episodes=... tilings=[1, 50] alpha=... tile_width=...]``

Table rows: ``run, tilings, alpha, x (episode), metric="rmsve", value``.
Metrics: ``final_rmsve`` ({"1": ..., "50": ...}).  ``--quick``: 5 runs x 1000 episodes.
Sweep unit: ``cell({"tilings": 50}, seeds)``.
"""

from __future__ import annotations

import numpy as np

from ..loop import Progress
from ._base import Result, experiment
from ._params import Float, Int, defaults, resolve
from ._randomwalk import check_log_every, concat, curve_rows, merge_params, population

PARAMS = (
    Int("episodes", 5000, "episodes per run (the book: 5000)", low=1, high=10_000_000, quick=1000),
    Int(
        "tilings",
        [1, 50],
        "numbers of tilings compared (1: state aggregation)",
        low=1,
        high=1000,
        many=True,
        max_len=16,
    ),
    Float("alpha", 1e-4, "step size α before division by the number of tilings", low=0.0, high=1.0, low_open=True),
    Int("tile_width", 200, "states per tile", low=1, high=1000),
    Int("log_every", 50, "error logged every this many episodes (at most episodes)", low=1, high=10_000_000),
)
CELL_PARAMS = (
    Int("tilings", 50, "number of tilings", low=1, high=1000),
    *PARAMS[2:],
    PARAMS[0],
)
DEFAULTS = defaults(PARAMS)
QUICK = defaults(PARAMS, quick=True)


def _features(tilings, tile_width):
    from ..features import TileCoder

    n_tiles = -(-1000 // int(tile_width))
    return TileCoder(
        1,
        1 + n_tiles * int(tile_width),
        n_tiles,
        int(tilings),
        offsets="uniform",
        mode="iht",
        size=int(tilings) * (n_tiles + 1),
    )


def _curve(tilings, p, seed, n_runs):
    feats = _features(tilings, p["tile_width"])
    log_at = np.arange(int(p["log_every"]), int(p["episodes"]) + 1, int(p["log_every"]))
    alpha = float(p["alpha"]) / feats.n_active
    err, _, steps = population(
        "mc", feats, seed=seed, n_runs=n_runs, alphas=[alpha], n_episodes=int(p["episodes"]), log_at=log_at
    )
    return err[0], log_at, alpha, steps


def cell(params, seeds):
    """One learning curve (``tilings``; α = alpha / tilings) for every SeedSequence in ``seeds``."""
    p = check_log_every(resolve(CELL_PARAMS, params, owner="the randomwalk-tiling cell"))
    err, log_at, _, _ = _curve(int(p["tilings"]), p, list(seeds), None)
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
    for t in sorted({int(v) for v in table["tilings"]}):
        sel = table["tilings"].astype(int) == t
        x = table["x"][sel].astype(int)
        v = table["value"][sel].astype(float)
        xs = np.unique(x)
        label = "State aggregation (one tiling)" if t == 1 else f"Tile coding ({t} tilings)"
        ax.plot(xs, [v[x == e].mean() for e in xs], label=label)
    ax.set_xlabel("Episodes")
    ax.set_ylabel("$\\sqrt{\\overline{VE}}$ averaged over runs")
    ax.set_ylim(0, 0.5)
    ax.legend()
    ax.set_title("Figure 9.10: tile coding vs state aggregation, gradient MC")
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


@experiment(
    "randomwalk-tiling",
    "S&B Fig 9.10: 1 tiling (aggregation) vs 50 tilings, gradient MC",
    default_runs=30,
    cell=cell,
    grid={"tilings": [1, 50]},
    params=PARAMS,
    cell_params=CELL_PARAMS,
)
def run(ctx) -> Result:
    p = merge_params(ctx.params, QUICK if ctx.quick else DEFAULTS)
    n_runs = ctx.n_runs(30, quick=5)
    seeds = np.random.SeedSequence(ctx.seed).spawn(n_runs)
    parts, final, steps = [], {}, 0
    bar = Progress(len(p["tilings"]), "randomwalk-tiling", enabled=ctx.progress, unit="curve")
    for t in p["tilings"]:
        err, log_at, alpha, s = _curve(int(t), p, seeds, None)
        steps += s
        parts.append(curve_rows(err, log_at, "rmsve", tilings=int(t), alpha=alpha))
        final[str(int(t))] = float(err[:, -1].mean())
        bar.update(1)
    bar.close()
    table = concat(parts, ["run", "tilings", "alpha", "x", "metric", "value"])
    config = dict(p, runs=n_runs, method="gradient_mc", offsets="uniform", quick=ctx.quick)
    return Result(table=table, metrics={"final_rmsve": final}, config=config, env_steps=steps, plot=plot)
