"""S&B Figure 9.2: semi-gradient TD on the 1000-state random walk with state aggregation.

Left: semi-gradient TD(0), 10 groups, α = 2·10⁻⁴, 100 000 episodes: a staircase
further from v_π than gradient MC's (TD's fixed point, S&B eq. 9.14).
Right: n-step semi-gradient TD, 20 groups, n ∈ {1, 2, 4, …, 512},
α ∈ {0, 0.1, …, 1}: RMS error over the 1000 states (unweighted) at the end of
each of the first 10 episodes, averaged over those episodes and 100 runs.

``fastfa run randomwalk-td [--runs N] [--quick] [--set alpha=... episodes=... ns=[...] alphas=[...]]``
(``--runs`` sets the runs of the n-step sweep; the TD(0) panel is one run).

Table rows: ``agent="td0"``: ``v_hat`` (x = state), ``rmsve`` (x = episode);
``agent="nstep"`` with columns ``n``, ``alpha``: ``rms_error`` (x = episode 1..10).
Metrics: ``td0_final_rmsve``, ``td0_staircase``, ``nstep_avg_error`` ({n: [error per α]}),
``nstep_best`` (n, α, error).  ``--quick``: 10 000 TD(0) episodes at α = 2·10⁻³, 20 runs.

Sweep unit (``fastfa sweep``): ``cell({"n": 4, "alpha": 0.4}, seeds)``.
"""

from __future__ import annotations

import numpy as np

from ..loop import Progress
from ._base import Result, experiment
from ._params import Float, Int, defaults, resolve
from ._randomwalk import concat, curve_rows, log_points, merge_params, population

NS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
ALPHAS = [round(0.1 * k, 1) for k in range(11)]
PARAMS = (
    Float(
        "alpha", 2e-4, "step size α of the TD(0) panel (the book: 2·10⁻⁴)", low=0.0, high=1.0, low_open=True, quick=2e-3
    ),
    Int("episodes", 100_000, "episodes of the TD(0) panel (the book: 100 000)", low=1, high=100_000_000, quick=10_000),
    Int("ns", NS, "n of the n-step TD curves", low=1, high=100_000, many=True, max_len=32),
    Float("alphas", ALPHAS, "step sizes α of the n-step sweep", low=0.0, high=1.0, many=True, max_len=256),
    Int("sweep_episodes", 10, "episodes per run of the n-step sweep (the book: the first 10)", low=1, high=1_000_000),
)
CELL_PARAMS = (
    Int("n", 4, "n of n-step TD", low=1, high=100_000),
    Float("alpha", 0.4, "step size α", low=0.0, high=1.0),
    Int("sweep_episodes", 10, "episodes per run (the value is the error after each)", low=1, high=1_000_000),
)
DEFAULTS = defaults(PARAMS)
QUICK = defaults(PARAMS, quick=True)


def _nstep(seed, n_runs, ns, alphas, episodes):
    from ..features import StateAggregation

    A, Nn = np.meshgrid(np.asarray(alphas, float), np.asarray(ns, np.int64))
    err, _, steps = population(
        "nstep",
        StateAggregation(1000, 20, first=1),
        seed=seed,
        n_runs=n_runs,
        alphas=A.ravel(),
        ns=Nn.ravel(),
        n_episodes=episodes,
        log_at=np.arange(1, episodes + 1),
        weights="uniform",
    )
    return err, A.ravel(), Nn.ravel(), steps


def cell(params, seeds):
    """One (n, α) point of the n-step sweep for every SeedSequence in ``seeds``."""
    p = resolve(CELL_PARAMS, params, owner="the randomwalk-td cell")
    e = int(p["sweep_episodes"])
    err, _, _, _ = _nstep(list(seeds), None, [int(p["n"])], [float(p["alpha"])], e)
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

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.5))
    m, agent = table["metric"], table["agent"]
    s = table["x"][(m == "v_true")].astype(float)
    a1.plot(s, table["value"][m == "v_true"].astype(float), color="tab:red", label="True value $v_\\pi$")
    sel = (m == "v_hat") & (agent == "td0") & (table["run"].astype(int) == 0)
    a1.plot(table["x"][sel].astype(float), table["value"][sel].astype(float), label="Approximate TD value $\\hat v$")
    a1.set_xlabel("State")
    a1.set_ylim(-1, 1)
    a1.legend(loc="upper left")
    sel = (m == "rms_error") & (agent == "nstep")
    n = table["n"][sel].astype(int)
    al = table["alpha"][sel].astype(float)
    val = table["value"][sel].astype(float)
    for nn in np.unique(n):
        alphas = np.unique(al[n == nn])
        means = [val[(n == nn) & (al == a)].mean() for a in alphas]
        a2.plot(alphas, means, label=f"n={nn}")
    a2.set_ylim(0.25, 0.55)
    a2.set_xlabel("$\\alpha$")
    a2.set_ylabel("Average RMS error over 1000 states and first 10 episodes")
    a2.legend(fontsize=7)
    fig.suptitle("Figure 9.2: semi-gradient TD(0) with aggregation; n-step TD sweep")
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


@experiment(
    "randomwalk-td",
    "S&B Fig 9.2: semi-gradient TD(0) staircase and n-step TD alpha sweep",
    default_runs=100,
    cell=cell,
    grid={"n": NS, "alpha": ALPHAS},
    params=PARAMS,
    cell_params=CELL_PARAMS,
)
def run(ctx) -> Result:
    from ..envs.random_walk import randomwalk_true_values
    from ..features import StateAggregation

    p = merge_params(ctx.params, QUICK if ctx.quick else DEFAULTS)
    n_runs = ctx.n_runs(100, quick=20)
    episodes = int(p["episodes"])
    feats = StateAggregation(1000, 10, first=1)
    log_at = log_points(episodes)
    bar = Progress(2, "randomwalk-td", enabled=ctx.progress, unit="panel")
    td_err, w, steps0 = population(
        "nstep", feats, seed=ctx.seed, n_runs=1, alphas=[p["alpha"]], ns=[1], n_episodes=episodes, log_at=log_at
    )
    states = np.arange(1, 1001)
    v_hat = w[0][:, (states - 1) // 100]
    sweep_seeds = np.random.SeedSequence(ctx.seed).spawn(n_runs + 1)[1:]  # independent of the TD(0) run
    bar.update(1)
    err, A, Nn, steps1 = _nstep(sweep_seeds, None, p["ns"], p["alphas"], int(p["sweep_episodes"]))
    bar.update(1)
    bar.close()
    ep = np.arange(1, int(p["sweep_episodes"]) + 1)
    parts = [
        curve_rows(v_hat, states, "v_hat", agent="td0"),
        curve_rows(randomwalk_true_values()[None], states, "v_true", agent="true"),
        curve_rows(td_err[0], log_at, "rmsve", agent="td0"),
    ]
    parts += [
        curve_rows(err[k], ep, "rms_error", agent="nstep", n=int(Nn[k]), alpha=float(A[k])) for k in range(len(A))
    ]
    table = concat(parts, ["run", "agent", "n", "alpha", "x", "metric", "value"])
    avg = err.mean(axis=(1, 2))
    by_n = {int(n): [float(avg[k]) for k in range(len(A)) if Nn[k] == n] for n in p["ns"]}
    b = int(np.argmin(avg))
    metrics = {
        "td0_final_rmsve": float(td_err[0, 0, -1]),
        "td0_staircase": w[0, 0].tolist(),
        "nstep_alphas": [float(a) for a in p["alphas"]],
        "nstep_avg_error": by_n,
        "nstep_best": {"n": int(Nn[b]), "alpha": float(A[b]), "error": float(avg[b])},
    }
    config = dict(
        p, runs=n_runs, td0_features=repr(feats), nstep_features="StateAggregation(1000, 20)", quick=ctx.quick
    )
    return Result(table=table, metrics=metrics, config=config, env_steps=steps0 + steps1, plot=plot)
