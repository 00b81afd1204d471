"""``short-corridor``: S&B Figures 13.1 and 13.2 on the compiled short corridor (Example 13.1).

Fig 13.1: REINFORCE with α = 2^-12, 2^-13, 2^-14 (γ = 1, π(right) ≈ 0.05 at the start).
Fig 13.2: REINFORCE (α = 2^-13) vs REINFORCE with baseline (α^θ = 2^-9, α^w = 2^-6).
The book: 100 runs x 1000 episodes; quick: 10 runs x 300 episodes.

Action probabilities are floored at ``min_prob`` = 0.05 (``--set min_prob=0`` for the exact
softmax), as in the reference code that drew the book's figures: without it a run with a
large step size can collapse to an almost deterministic policy that never reaches the goal.
Episodes are cut at 1000 steps (the env's time limit); runs with cut episodes are counted in
the metrics (``*_runs_with_cut_episodes``).

Table: ``run`` (-1 = mean over runs), ``method``, ``alpha``, ``x`` = episode, ``metric`` in
{``return``, ``p_right``}, ``value``.  Metrics: the optimum v* = -11.657 at p* = 0.586, mean
return of the last 100 episodes per configuration, and the mean return over the first 200
episodes of each method of Fig 13.2 (the baseline learns faster).
"""

from __future__ import annotations

import time
from pathlib import Path

from typing import Any

import numpy as np

from ._base import Context, Result, experiment
from ._params import Float, Int, resolve

PARAMS = (
    Int("episodes", 1000, "episodes per run (the book: 1000)", low=1, high=10_000_000, quick=300),
    Float("min_prob", 0.05, "floor of each action's probability (as the book's reference code)", low=0.0, high=0.5),
)
CELL_PARAMS = (
    Float("alpha", 2**-13, "step size α of the policy", low=0.0, high=1.0, low_open=True),
    Float("alpha_w", 0.0, "step size of the baseline (0: plain REINFORCE)", low=0.0, high=1.0),
    Int("episodes", 1000, "episodes per run", low=1, high=10_000_000),
    Float("min_prob", 0.05, "floor of each action's probability", low=0.0, high=0.5),
)

CONFIGS = [
    ("reinforce", 2**-12, 0.0),
    ("reinforce", 2**-13, 0.0),
    ("reinforce", 2**-14, 0.0),
    ("reinforce_baseline", 2**-9, 2**-6),
]


def cell(params, seeds):
    """One (α, α_w) point for every SeedSequence in ``seeds`` (``fastfa sweep short-corridor``):
    per-episode returns; α_w = 0 is plain REINFORCE.  Params: alpha, alpha_w, episodes, min_prob."""
    from ..agents.pg_compiled import short_corridor_reinforce

    params = resolve(CELL_PARAMS, params, owner="the short-corridor cell")
    alpha = float(params.get("alpha", 2**-13))
    alpha_w = float(params.get("alpha_w", 0.0))
    e = int(params.get("episodes", 1000))
    out = short_corridor_reinforce(
        alpha,
        alpha_w=alpha_w,
        episodes=e,
        max_steps=1000,
        min_prob=float(params.get("min_prob", 0.05)),
        seed_sequences=seeds,
        n_threads=1,
    )
    k = len(seeds)
    return {
        "seed": np.repeat(np.arange(k), e),
        "x": np.tile(np.arange(1, e + 1), k),
        "metric": np.full(k * e, "return"),
        "value": out["returns"].ravel(),
    }


@experiment(
    "short-corridor",
    "S&B Fig 13.1/13.2: REINFORCE with and without baseline on the short corridor",
    default_runs=100,
    cell=cell,
    grid={"alpha": [2.0**-k for k in range(9, 16)], "alpha_w": [0.0, 2.0**-6]},
    params=PARAMS,
    cell_params=CELL_PARAMS,
)
def run(ctx: Context) -> Result:
    from ..agents.pg_compiled import short_corridor_reinforce
    from ..envs import short_corridor_value

    runs = ctx.n_runs(100, quick=10)
    episodes = int(ctx.params.get("episodes", 300 if ctx.quick else 1000))
    cols: dict[str, list[Any]] = {"run": [], "method": [], "alpha": [], "x": [], "metric": [], "value": []}
    metrics, steps, wall = {}, 0, 0.0
    short_corridor_reinforce(2**-13, episodes=2, runs=1)  # compile outside the timing
    ep = np.arange(1, episodes + 1)
    min_prob = float(ctx.params.get("min_prob", 0.05))
    for k, (method, alpha, alpha_w) in enumerate(CONFIGS):
        t0 = time.perf_counter()
        out = short_corridor_reinforce(
            alpha, alpha_w=alpha_w, episodes=episodes, runs=runs, seed=ctx.seed + k, max_steps=1000, min_prob=min_prob
        )
        wall += time.perf_counter() - t0
        steps += out["steps"]
        for metric, arr in (("return", out["returns"]), ("p_right", out["p_right"])):
            m = arr.mean(axis=0)
            cols["run"] += [-1] * episodes
            cols["method"] += [method] * episodes
            cols["alpha"] += [alpha] * episodes
            cols["x"] += ep.tolist()
            cols["metric"] += [metric] * episodes
            cols["value"] += m.tolist()
        key = f"{method}_alpha_2^{int(np.log2(alpha))}"
        metrics[f"{key}_last100_return"] = float(out["returns"][:, -100:].mean())
        metrics[f"{key}_final_p_right"] = float(out["p_right"][:, -1].mean())
        metrics[f"{key}_runs_with_cut_episodes"] = int((out["returns"] <= -1000).any(axis=1).sum())
        if (method, alpha) in (("reinforce", 2**-13), ("reinforce_baseline", 2**-9)):
            metrics[f"{method}_first200_return"] = float(out["returns"][:, :200].mean())
    p_star = 2 - np.sqrt(2)
    metrics.update(
        {
            "p_star": float(p_star),
            "v_star": float(short_corridor_value(p_star)),
            "steps_per_s": steps / wall,
            "runs": runs,
            "episodes": episodes,
        }
    )

    def plot(table, path: Path) -> None:
        import matplotlib.pyplot as plt

        from ._plot import save_figure

        v_star = metrics["v_star"]
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
        for ax, sel_methods, title in (
            (axes[0], [("reinforce", a) for a in (2**-12, 2**-13, 2**-14)], "Fig 13.1: REINFORCE"),
            (axes[1], [("reinforce", 2**-13), ("reinforce_baseline", 2**-9)], "Fig 13.2: with and without baseline"),
        ):
            for method, alpha in sel_methods:
                m = (table["method"] == method) & (table["alpha"] == alpha) & (table["metric"] == "return")
                ax.plot(table["x"][m], table["value"][m], lw=1, label=f"{method} α=2^{int(np.log2(alpha))}")
            ax.axhline(v_star, color="k", ls="--", lw=0.8, label=f"v* = {v_star:.2f}")
            ax.set_ylim(-90, -10)
            ax.set_xlabel("episode")
            ax.set_ylabel(f"total reward per episode (mean of {runs} runs)")
            ax.set_title(title)
            ax.legend(loc="lower right", fontsize=8)
        fig.tight_layout()
        save_figure(fig, path)
        plt.close(fig)

    config = {
        "configs": [list(c) for c in CONFIGS],
        "gamma": 1.0,
        "min_prob": min_prob,
        "max_steps": 1000,
        "theta0": [-1.47, 1.47],
        "episodes": episodes,
        "runs": runs,
    }
    return Result(table=cols, metrics=metrics, config=config, env_steps=steps, plot=plot)
