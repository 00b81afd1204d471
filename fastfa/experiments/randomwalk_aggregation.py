"""S&B Figure 9.1: gradient Monte Carlo with state aggregation on the 1000-state random walk.

10 groups of 100 states, α = 2·10⁻⁵, 100 000 episodes (the book's single run).
The learned value function is a staircase: in each group, the μ-weighted mean
of the true values (the minimum of the μ-weighted VE for aggregation).

``fastfa run randomwalk-aggregation [--runs N] [--quick] [--set alpha=... episodes=... groups=...]``

Table rows: ``metric = "v_hat"`` (x = state, per run), ``"v_true"`` and ``"mu"`` (run −1),
``"rmsve"`` (x = episode, per run).  Headline metrics: ``final_rmsve``, ``staircase`` (the
group values, mean over runs), ``group_targets`` and ``max_staircase_error`` (largest
distance between the two).  ``--quick``: 10 000 episodes with α = 2·10⁻⁴.
Sweep unit: ``cell({"groups": 20, "alpha": 2e-5, "episodes": 100000}, seeds)`` (√VE curve).
"""

from __future__ import annotations

import numpy as np

from ._base import Result, experiment
from ._params import Float, Int, defaults, resolve
from ._randomwalk import concat, curve_rows, group_targets, log_points, merge_params, population

PARAMS = (
    Float("alpha", 2e-5, "step size α of gradient MC (the book: 2·10⁻⁵)", low=0.0, high=1.0, low_open=True, quick=2e-4),
    Int("episodes", 100_000, "episodes (the book: 100 000)", low=1, high=100_000_000, quick=10_000),
    Int("groups", 10, "groups of the state aggregation (1000 states)", low=1, high=1000),
)
CELL_PARAMS = PARAMS[:3]
DEFAULTS = defaults(PARAMS)
QUICK = defaults(PARAMS, quick=True)


def cell(params, seeds):
    """The √VE curve of gradient MC with ``groups`` groups and step ``alpha`` for every SeedSequence."""
    from ..features import StateAggregation

    p = resolve(CELL_PARAMS, params, owner="the randomwalk-aggregation cell")
    episodes = int(p["episodes"])
    log_at = log_points(episodes)
    err, _, _ = population(
        "mc",
        StateAggregation(1000, int(p["groups"]), first=1),
        seed=list(seeds),
        alphas=[float(p["alpha"])],
        n_episodes=episodes,
        log_at=log_at,
    )
    k = len(seeds)
    return {
        "seed": np.repeat(np.arange(k), len(log_at)),
        "x": np.tile(log_at, k),
        "metric": np.full(k * len(log_at), "rmsve"),
        "value": err[0].ravel(),
    }


def plot(table, path) -> None:
    import matplotlib.pyplot as plt

    from ._plot import save_figure

    fig, ax = plt.subplots(figsize=(7, 4.5))
    m = table["metric"]
    s = table["x"][m == "v_true"].astype(float)
    ax.plot(s, table["value"][m == "v_true"].astype(float), color="tab:red", label="True value $v_\\pi$")
    sel = (m == "v_hat") & (table["run"].astype(int) == 0)
    ax.plot(
        table["x"][sel].astype(float),
        table["value"][sel].astype(float),
        color="tab:blue",
        label="Approximate MC value $\\hat v$",
    )
    ax.set_xlabel("State")
    ax.set_ylabel("Value scale")
    ax.set_ylim(-1, 1)
    ax2 = ax.twinx()
    # one filled step outline, not 1,000 bar patches (~1.5 s of drawing at --quick size)
    ax2.fill_between(s, table["value"][m == "mu"].astype(float), step="mid", color="0.8", lw=0, zorder=0)
    ax2.set_ylim(0, 0.0137 * 3)
    ax2.set_ylabel("Distribution scale")
    ax.set_zorder(ax2.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.legend(loc="upper left")
    ax.set_title("Figure 9.1: gradient MC, state aggregation")
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


@experiment(
    "randomwalk-aggregation",
    "S&B Fig 9.1: gradient MC, 10-group state aggregation, 1000-state walk",
    default_runs=1,
    cell=cell,
    grid={"groups": [5, 10, 20, 50], "alpha": [2e-5, 5e-5, 1e-4]},
    params=PARAMS,
    cell_params=CELL_PARAMS,
)
def run(ctx) -> Result:
    from ..envs.random_walk import randomwalk_state_distribution, randomwalk_true_values
    from ..features import StateAggregation

    p = merge_params(ctx.params, QUICK if ctx.quick else DEFAULTS)
    n_runs = ctx.n_runs(1)
    feats = StateAggregation(1000, int(p["groups"]), first=1)
    episodes = int(p["episodes"])
    log_at = log_points(episodes)
    err, w, steps = population(
        "mc", feats, seed=ctx.seed, n_runs=n_runs, alphas=[p["alpha"]], n_episodes=episodes, log_at=log_at
    )
    states = np.arange(1, 1001)
    groups = (states - 1) * feats.n_groups // 1000
    v_hat = w[0][:, groups]  # [runs, 1000]
    v_true = randomwalk_true_values()
    mu = randomwalk_state_distribution()
    cols = ["run", "agent", "x", "metric", "value"]
    table = concat(
        [
            curve_rows(v_hat, states, "v_hat", agent="gradient_mc"),
            curve_rows(v_true[None], states, "v_true", agent="true"),
            curve_rows(mu[None], states, "mu", agent="true"),
            curve_rows(err[0], log_at, "rmsve", agent="gradient_mc"),
        ],
        cols,
    )
    table["run"][len(v_hat.ravel()) : len(v_hat.ravel()) + 2000] = -1
    targets = group_targets(feats.n_groups)
    stair = w[0].mean(axis=0)
    metrics = {
        "final_rmsve": float(err[0, :, -1].mean()),
        "staircase": stair.tolist(),
        "group_targets": targets.tolist(),
        "max_staircase_error": float(np.abs(stair - targets).max()),
    }
    config = dict(p, runs=n_runs, method="gradient_mc", features=repr(feats), quick=ctx.quick)
    return Result(table=table, metrics=metrics, config=config, env_steps=steps, plot=plot)
