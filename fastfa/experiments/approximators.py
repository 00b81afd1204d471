"""The lecture's approximators side by side: tile-coded linear, regression tree, kNN, small MLP.

Online (the same transitions, the same env steps, the same seeds for every approximator):

* **random walk** (prediction, S&B Example 9.1): TD(0) over ``rw_episodes`` episodes;
  RMS error of v̂ over the 1000 states every ``rw_log_every`` episodes;
* **Mountain Car** (control, S&B Example 10.1): SARSA(0), ε-greedy (ε = ``epsilon``),
  ``mc_budget`` env steps, episodes cut at ``mc_cap`` steps; steps per episode, then the
  greedy policy's mean steps to the goal from 10 fixed starts (500 = never).

Batch: fitted Q-iteration (Ernst et al. 2005) on ``fqi_samples`` Mountain Car
transitions from uniformly drawn states and actions, ``fqi_iterations`` iterations,
with extra-trees (``fqi_trees`` trees, the paper's regressor), ridge least squares on
the same tile features, and an MLP; and fitted policy evaluation with extra-trees on
the random walk's transitions (``fitted_q_iteration`` with one action).

Runs go to ``workers`` processes (default: min(2, cores); forked after the warm-up, so they
inherit the compiled kernels); results do not depend on the number of workers.

Costs: wall time per online update (µs per env step, env and Python loop included,
after a warm-up so compilation is excluded), seconds per FQI iteration, and bytes
held by each approximator.

``fastfa run approximators [--runs N] [--quick] [--set mc_budget=... rw_episodes=... fqi_iterations=...]``

Table rows: ``run, task, method, x, metric, value``; metrics ``rms_error`` (x = episode),
``v_hat`` (x = state, run 0), ``episode_steps`` (x = env steps so far), ``eval_steps``
(online: x = budget; FQI: x = iteration), ``us_per_step``, ``s_per_iteration``, ``bytes``.
Metrics: ``randomwalk_final_rms`` and ``mountaincar_eval_steps`` by method, ``us_per_step``,
``bytes``.  ``--quick``: 1 run, tiny budgets (a smoke test).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..loop import Progress
from ._approx_learners import LEARNERS
from ._params import Float, Int, defaults
from ._base import Result, experiment
from ._mountaincar import params as merge

ONLINE = ["linear", "knn", "tree", "mlp"]
RW_KW: dict[str, dict[str, Any]] = {
    "linear": dict(tiles=5, tilings=32, alpha=0.05),
    "knn": dict(capacity=200, k=3, radius=0.01, alpha=0.3),
    "tree": dict(window=3000, refit=500, min_samples_leaf=20),
    "mlp": dict(lr=2e-4),
}
MC_KW: dict[str, dict[str, Any]] = {
    "linear": dict(alpha=0.5),
    "knn": dict(capacity=3000, k=4, radius=0.05, alpha=1.0),
    "tree": dict(window=5000, refit=500, min_samples_leaf=5),
    "mlp": dict(lr=1e-3),
}
PARAMS = (
    Int("rw_episodes", 150, "random-walk TD(0) episodes per learner", low=1, high=1_000_000, quick=6),
    Int("rw_log_every", 10, "random-walk error logged every this many episodes", low=1, high=1_000_000, quick=3),
    Int("rw_fpe_iterations", 20, "fitted policy evaluation iterations (random walk)", low=1, high=100_000, quick=2),
    Int("mc_budget", 15000, "Mountain Car env steps per learner", low=1, high=100_000_000, quick=600),
    Int("mc_cap", 1000, "cap on the steps of one Mountain Car episode", low=1, high=10_000_000, quick=300),
    Float("epsilon", 0.0, "ε of the ε-greedy policy (Mountain Car)", low=0.0, high=1.0),
    Int("fqi_samples", 2500, "transitions collected for fitted Q iteration", low=1, high=10_000_000, quick=200),
    Int("fqi_iterations", 120, "fitted Q iterations", low=1, high=100_000, quick=2),
    Int("fqi_eval_every", 40, "FQI policy evaluated every this many iterations", low=1, high=100_000, quick=1),
    Int("fqi_trees", 8, "trees of the extra-trees regressor", low=1, high=10_000, quick=2),
    Int("workers", None, "worker processes over runs (null: up to 2)", low=1, high=1024, optional=True),
)
DEFAULTS = defaults(PARAMS)
QUICK = defaults(PARAMS, quick=True)


class _Rows:
    def __init__(self) -> None:
        self.cols: dict[str, list[Any]] = {k: [] for k in ("run", "task", "method", "x", "metric", "value")}

    def add(self, run, task, method, metric, x, value) -> None:
        x = np.atleast_1d(x)
        value = np.atleast_1d(value)
        for k, v in (("run", run), ("task", task), ("method", method), ("metric", metric)):
            self.cols[k].extend([v] * len(value))
        self.cols["x"].extend(x.tolist())
        self.cols["value"].extend(np.asarray(value, float).tolist())

    def table(self):
        return {k: np.asarray(v) for k, v in self.cols.items()}


def _warm_up(v_true) -> None:
    """Compile or load every kernel the runs use, so the timed loops measure updates, not compilation."""
    from . import _approx_tasks as T

    for name in ONLINE:
        T.run_randomwalk(
            LEARNERS[name](1, 1, **dict(RW_KW[name], refit=20) if name == "tree" else RW_KW[name]), 2, 0, 1, v_true
        )
        T.run_mountaincar(
            LEARNERS[name](2, 3, **dict(MC_KW[name], refit=50) if name == "tree" else MC_KW[name]), 120, 0, 0.1, 100
        )


def _fqi(rows, j, p, ss, regressors) -> None:
    from ..agents import fitted_q_iteration
    from . import _approx_tasks as T

    S, A, R, S2, term = T.mc_samples(ss, int(p["fqi_samples"]))
    for name, make in regressors.items():
        evals = []

        def cb(it, f) -> None:
            if it % int(p["fqi_eval_every"]) == 0 or it == int(p["fqi_iterations"]):
                evals.append((it, T.mc_evaluate(f.q_values)))

        f = fitted_q_iteration(
            S, A, R, S2, term, n_actions=3, regressor=make, iterations=int(p["fqi_iterations"]), gamma=1.0, callback=cb
        )
        rows.add(j, "mountaincar", name, "eval_steps", [e[0] for e in evals], [e[1] for e in evals])
        rows.add(j, "mountaincar", name, "s_per_iteration", 0, float(np.median(f.fit_seconds)))
        rows.add(j, "mountaincar", name, "bytes", 0, getattr(f.model, "nbytes", 0))


def _fpe(rows, j, p, ss, v_true) -> None:
    """Fitted policy evaluation of the random walk with extra-trees on the online runs' transitions."""
    from ..agents import fitted_q_iteration
    from ..approx import ExtraTrees
    from . import _approx_tasks as T

    S, R, S2, term = T.rw_transitions(ss, int(p["rw_episodes"]))
    f = fitted_q_iteration(
        S,
        np.zeros(len(R), np.int64),
        R,
        S2,
        term,
        n_actions=1,
        gamma=1.0,
        iterations=int(p["rw_fpe_iterations"]),
        regressor=lambda: ExtraTrees(int(p["fqi_trees"]), min_samples_leaf=5, seed=0),
    )
    v = f.q_values(T.rw_x(np.arange(1, T.N_STATES + 1)))[:, 0]
    rows.add(j, "randomwalk", "fqi-trees", "rms_error", int(p["rw_episodes"]), np.sqrt(np.mean((v - v_true) ** 2)))
    if j == 0:
        rows.add(j, "randomwalk", "fqi-trees", "v_hat", np.arange(10, 1001, 10), v[9::10])


def plot(table, path) -> None:
    import matplotlib.pyplot as plt

    from ._plot import save_figure

    m, task, meth = table["metric"], table["task"], table["method"]
    x, v = table["x"].astype(float), table["value"].astype(float)
    colors = {
        "linear": "tab:blue",
        "knn": "tab:green",
        "tree": "tab:orange",
        "mlp": "tab:red",
        "fqi-trees": "tab:orange",
        "fqi-linear": "tab:blue",
        "fqi-mlp": "tab:red",
    }
    fig, axs = plt.subplots(1, 3, figsize=(16, 4.5))
    for name in ONLINE:
        sel = (m == "rms_error") & (task == "randomwalk") & (meth == name)
        xs = np.unique(x[sel])
        axs[0].plot(xs, [v[sel & (x == t)].mean() for t in xs], color=colors[name], label=name)
    sel = (m == "rms_error") & (meth == "fqi-trees")
    if sel.any():
        axs[0].plot(x[sel].mean(), v[sel].mean(), "*", ms=14, color="tab:orange", label="fitted eval. (trees, batch)")
    axs[0].set(xlabel="episodes", ylabel="RMS error of v̂ (1000 states)", title="Random walk: TD(0) online")
    axs[0].legend()
    budget = x[(m == "eval_steps") & (task == "mountaincar") & np.isin(meth, ONLINE)].max(initial=1)
    edges = np.linspace(0, budget, 21)
    for name in ONLINE:
        sel = (m == "episode_steps") & (meth == name)
        idx = np.digitize(x[sel], edges)
        mids = [(edges[i - 1] + edges[i]) / 2 for i in range(1, len(edges)) if (idx == i).any()]
        axs[1].plot(
            mids,
            [v[sel][idx == i].mean() for i in range(1, len(edges)) if (idx == i).any()],
            color=colors[name],
            label=name,
        )
    axs[1].set(
        xlabel="env steps", ylabel="steps per episode (cut at cap)", yscale="log", title="Mountain Car: SARSA(0) online"
    )
    axs[1].legend()
    for name in ("fqi-trees", "fqi-linear", "fqi-mlp"):
        sel = (m == "eval_steps") & (meth == name)
        xs = np.unique(x[sel])
        axs[2].plot(xs, [v[sel & (x == t)].mean() for t in xs], "-o", color=colors[name], label=name)
    for name in ONLINE:
        sel = (m == "eval_steps") & (meth == name)
        if sel.any():
            axs[2].axhline(v[sel].mean(), ls="--", lw=1, color=colors[name], label=f"{name} online (end)")
    axs[2].set(
        xlabel="FQI iteration",
        ylabel="greedy steps to goal (500 = never)",
        ylim=(0, 520),
        title="Mountain Car: fitted Q-iteration (batch)",
    )
    axs[2].legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


def _one_run(j, seed, p, v_true):
    """Every method on run j's seeds; returns (tidy columns, env steps)."""
    from ..approx import ExtraTrees
    from . import _approx_tasks as T

    rows = _Rows()
    env_steps = 0
    ss = [np.random.SeedSequence([seed, j, task]) for task in range(3)]
    for name in ONLINE:
        lr = LEARNERS[name](1, 1, **dict(RW_KW[name], seed=j))
        at, err, steps, wall = T.run_randomwalk(lr, int(p["rw_episodes"]), ss[0], int(p["rw_log_every"]), v_true)
        rows.add(j, "randomwalk", name, "rms_error", at, err)
        rows.add(j, "randomwalk", name, "us_per_step", 0, 1e6 * wall / steps)
        rows.add(j, "randomwalk", name, "bytes", 0, lr.nbytes)
        if j == 0:
            rows.add(
                j,
                "randomwalk",
                name,
                "v_hat",
                np.arange(10, 1001, 10),
                lr.q_batch(T.rw_x(np.arange(10, 1001, 10)))[:, 0],
            )
        env_steps += steps
        lm = LEARNERS[name](2, 3, **dict(MC_KW[name], seed=j))
        lens, ends, wall = T.run_mountaincar(lm, int(p["mc_budget"]), ss[1], float(p["epsilon"]), int(p["mc_cap"]))
        rows.add(j, "mountaincar", name, "episode_steps", ends, lens)
        rows.add(j, "mountaincar", name, "eval_steps", int(p["mc_budget"]), T.mc_evaluate(lm.q_batch))
        rows.add(j, "mountaincar", name, "us_per_step", 0, 1e6 * wall / int(p["mc_budget"]))
        rows.add(j, "mountaincar", name, "bytes", 0, lm.nbytes)
        env_steps += int(p["mc_budget"])
    _fpe(rows, j, p, ss[0], v_true)
    mlp = T.MLPRegressor(2, 3, hidden=32, epochs=2, batch=128, seed=j)  # warm-started across iterations
    lsq = T.TilesLSQ(2, 3)
    _fqi(
        rows,
        j,
        p,
        ss[2],
        {
            "fqi-trees": lambda: ExtraTrees(int(p["fqi_trees"]), seed=ss[2]),
            "fqi-linear": lambda: lsq,
            "fqi-mlp": lambda: mlp,
        },
    )
    env_steps += int(p["fqi_samples"])
    return rows.cols, env_steps


def _pool(workers, n_runs):
    """A fork-based process pool over runs (Linux/macOS), or None: run in this process."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    if workers <= 1 or n_runs <= 1 or "fork" not in mp.get_all_start_methods():
        return None
    # fork after the warm-up: the workers inherit the loaded kernels (no compilation, no cache reads)
    return ProcessPoolExecutor(min(workers, n_runs), mp_context=mp.get_context("fork"))


@experiment(
    "approximators",
    "Linear vs tree vs kNN vs MLP online (random walk, Mountain Car) and FQI (batch)",
    default_runs=3,
    params=PARAMS,
)
def run(ctx) -> Result:
    import os

    from ..envs.random_walk import randomwalk_true_values

    p = merge(ctx.params, QUICK if ctx.quick else DEFAULTS)
    n_runs = ctx.n_runs(3, quick=1)
    v_true = np.asarray(randomwalk_true_values(), float)
    workers = p["workers"] if p["workers"] is not None else min(2, os.cpu_count() or 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an int >= 1 or None, got {workers!r}")
    bar = Progress(n_runs, "approximators", enabled=ctx.progress, unit="run")
    _warm_up(v_true)
    pool = _pool(workers, n_runs)
    if pool is None:
        parts = []
        for j in range(n_runs):
            parts.append(_one_run(j, ctx.seed, p, v_true))
            bar.update(1)
    else:
        with pool:
            futures = [pool.submit(_one_run, j, ctx.seed, p, v_true) for j in range(n_runs)]
            parts = []
            for f in futures:  # in run order: the table does not depend on which worker finished first
                parts.append(f.result())
                bar.update(1)
    bar.close()
    rows = _Rows()
    for cols, _ in parts:
        for k, v in cols.items():
            rows.cols[k].extend(v)
    table = rows.table()
    config = dict(p, runs=n_runs, seed=ctx.seed, workers=workers, rw=RW_KW, mc=MC_KW)
    return Result(table=table, metrics=_metrics(table), config=config, env_steps=sum(e for _, e in parts), plot=plot)


def _metrics(t):
    m, task, meth, x, v = t["metric"], t["task"], t["method"], t["x"].astype(float), t["value"].astype(float)
    out = {
        "randomwalk_final_rms": {},
        "mountaincar_eval_steps": {},
        "us_per_step": {},
        "bytes": {},
        "fqi_s_per_iteration": {},
    }
    for name in map(str, np.unique(meth)):
        sel = (m == "rms_error") & (meth == name)
        if sel.any():
            out["randomwalk_final_rms"][name] = float(v[sel & (x == x[sel].max())].mean())
        sel = (m == "eval_steps") & (meth == name)
        if sel.any():
            out["mountaincar_eval_steps"][name] = float(v[sel & (x == x[sel].max())].mean())
        for metric, key in (
            ("us_per_step", "us_per_step"),
            ("bytes", "bytes"),
            ("s_per_iteration", "fqi_s_per_iteration"),
        ):
            for tk in ("randomwalk", "mountaincar"):
                sel = (m == metric) & (meth == name) & (task == tk)
                if sel.any():
                    out[key][f"{tk}/{name}"] = float(np.median(v[sel]))
    return out
