"""``policy-gradient-theorem``: the lecture's single-step MDP and the policy gradient theorem, numerically.

1. A contextual bandit (3 contexts, 5 actions, linear softmax over 4 state-action features,
   rewards R(s,a) + N(0, 1) noise): the exact ∇J against the likelihood-ratio estimator
   (1/N) Σ r ∇ ln π(a|s) for N = 10 … 10⁵ samples: relative error ~ 1/√N (unbiased).
2. A random 6-state, 3-action MDP (γ = 0.9): ∇J by finite differences of exact policy
   evaluation vs the theorem's Σ_s d(s) Σ_a ∇π(a|s) Q(s,a) for J_1, J_avV and J_avR
   (see :mod:`fastfa.policies.exact`), and the (non-zero) error of using the discounted Q for J_avV.

Table: ``run``, ``x`` (N, or 0 for the MDP rows), ``metric``, ``value``.
"""

from __future__ import annotations

from pathlib import Path

from typing import Any

import numpy as np

from ._base import Context, Result, experiment


@experiment(
    "policy-gradient-theorem",
    "Single-step MDP: exact gradient vs likelihood ratio; policy gradient theorem for J_1, J_avV, J_avR on a small MDP",
    default_runs=20,
    params=(),
)
def run(ctx: Context) -> Result:
    from ..policies import exact as E

    runs = ctx.n_runs(20, quick=5)
    rng = np.random.default_rng(ctx.seed)
    X, R, d = rng.normal(size=(3, 5, 4)), rng.normal(size=(3, 5)), rng.dirichlet(np.ones(3))
    theta = rng.normal(size=4) * 0.5
    g = E.bandit_gradient(theta, X, R, d)
    fd = E.fd_gradient(lambda t: E.bandit_objective(t, X, R, d), theta)
    Ns = [10, 100, 1000, 10_000] + ([] if ctx.quick else [100_000])
    cols: dict[str, list[Any]] = {"run": [], "x": [], "metric": [], "value": []}
    errs: dict[int, list[float]] = {n: [] for n in Ns}
    for r, ss in enumerate(np.random.SeedSequence(ctx.seed).spawn(runs)):
        est = E.likelihood_ratio_estimates(theta, X, R, d, Ns[-1], np.random.default_rng(ss), noise=1.0)
        for n in Ns:
            e = float(np.linalg.norm(est[:n].mean(axis=0) - g) / np.linalg.norm(g))
            errs[n].append(e)
            cols["run"].append(r)
            cols["x"].append(n)
            cols["metric"].append("lr_relative_error")
            cols["value"].append(e)
    m = E.random_mdp(6, 3, 4, np.random.default_rng(ctx.seed + 1))
    th = np.random.default_rng(ctx.seed + 2).normal(size=4)
    args = (m["X"], m["P"], m["R"], 0.9, m["p0"])
    thm = E.mdp_theorem_gradients(th, *args)
    metrics = {"bandit_exact_vs_fd_max_abs": float(np.max(np.abs(g - fd)))}
    for n in Ns:
        metrics[f"lr_rel_error_N{n}"] = float(np.mean(errs[n]))
    for name in ("J_1", "J_avV", "J_avR"):
        f = E.fd_gradient(lambda t, name=name: E.mdp_objectives(t, *args)[name], th)
        res = float(np.max(np.abs(thm[name] - f)) / np.max(np.abs(f)))
        metrics[f"theorem_{name}_rel_residual"] = res
        cols["run"].append(-1)
        cols["x"].append(0)
        cols["metric"].append(f"theorem_{name}_rel_residual")
        cols["value"].append(res)
        if name == "J_avV":
            metrics["J_avV_with_discounted_Q_rel_error"] = float(
                np.max(np.abs(thm["J_avV_discountedQ"] - f)) / np.max(np.abs(f))
            )

    def plot(table, path: Path) -> None:
        import matplotlib.pyplot as plt

        from ._plot import save_figure

        sel = table["metric"] == "lr_relative_error"
        xs = np.unique(table["x"][sel])
        ys = [table["value"][sel & (table["x"] == x)].mean() for x in xs]
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.loglog(xs, ys, "o-", label="likelihood-ratio estimator")
        ax.loglog(xs, ys[0] * np.sqrt(xs[0] / xs), "k--", lw=0.8, label="∝ 1/√N")
        ax.set_xlabel("samples N")
        ax.set_ylabel(f"‖ĝ − ∇J‖ / ‖∇J‖ (mean of {runs} runs)")
        ax.set_title("Single-step MDP (5 actions): score-function estimator")
        ax.legend()
        fig.tight_layout()
        save_figure(fig, path)
        plt.close(fig)

    return Result(
        table=cols,
        metrics=metrics,
        config={
            "contexts": 3,
            "actions": 5,
            "features": 4,
            "noise": 1.0,
            "N": Ns,
            "mdp_states": 6,
            "mdp_actions": 3,
            "gamma": 0.9,
        },
        env_steps=runs * Ns[-1],
        plot=plot,
    )
