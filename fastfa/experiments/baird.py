"""S&B Figure 11.2: Baird's counterexample, where off-policy semi-gradient TD(0) and semi-gradient DP diverge.

w₀ = (1, 1, 1, 1, 1, 1, 10, 1), α = 0.01, γ = 0.99; left panel 1000 steps of semi-gradient
off-policy TD(0) under the behaviour policy (6/7 dashed, 1/7 solid), right panel 1000 sweeps of
semi-gradient DP.  The weights grow without bound (w₈ first): the metrics report the final
``max |w|`` and ``diverged`` (growth by more than ``growth`` x).  If a weight stops being
finite or exceeds ``limit`` the run stops there with a ``RuntimeWarning`` naming the step,
and the table holds the weights up to that step: never silent NaN.

``fastfa run baird [--seed S] [--set steps=1000 alpha=0.01 limit=1e12]``

Table rows: ``panel`` (``td`` / ``dp``), ``component`` (1..8), ``run`` = 0, ``x`` (step or
sweep), ``metric`` = ``w``, ``value``.
"""

from __future__ import annotations

import warnings

from typing import Any

import numpy as np

from ._params import Float, Int, defaults
from ._base import Result, experiment
from ._mountaincar import params

PARAMS = (
    Int("steps", 1000, "TD steps and DP sweeps", low=1, high=100_000_000),
    Float("alpha", 0.01, "step size α (the book: 0.01)", low=0.0, high=10.0, low_open=True),
    Float("gamma", 0.99, "discount γ (the book: 0.99)", low=0.0, high=1.0),
    Float(
        "limit",
        1e12,
        "a run stops when a weight exceeds this (keeps the table finite)",
        low=0.0,
        high=1e300,
        low_open=True,
    ),
    Float("growth", 10.0, "'diverged' = the largest weight grew by more than this factor", low=1.0, high=1e300),
)
DEFAULTS = defaults(PARAMS)
W0 = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 10.0, 1.0]


def plot(table, path) -> None:
    import matplotlib.pyplot as plt

    from ._plot import save_figure

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, panel, title in zip(axes, ("td", "dp"), ("Semi-gradient off-policy TD", "Semi-gradient DP")):
        sel = table["panel"] == panel
        for c in range(1, 9):
            s = sel & (table["component"].astype(int) == c)
            ax.plot(table["x"][s].astype(int), table["value"][s].astype(float), label=f"$w_{c}$")
        ax.set_title(title)
        ax.set_xlabel("Steps" if panel == "td" else "Sweeps")
        ax.legend(fontsize=7, ncol=2)
    fig.suptitle("Figure 11.2: Baird's counterexample")
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


@experiment(
    "baird",
    "Fig 11.2: off-policy semi-gradient TD and DP diverge on Baird's counterexample",
    default_runs=1,
    params=PARAMS,
)
def run(ctx) -> Result:
    from ..kernels.linear.baird import baird_features, baird_offpolicy_td, baird_semigradient_dp

    p = params(ctx.params, DEFAULTS)
    n = int(p["steps"])
    if n < 1:
        raise ValueError(f"steps must be >= 1, got {n}")
    if not float(p["alpha"]) > 0:
        raise ValueError(f"alpha must be > 0, got {p['alpha']!r}")
    X = baird_features()
    cols: dict[str, list[Any]] = {k: [] for k in ("panel", "component", "run", "x", "metric", "value")}
    metrics: dict[str, Any] = {}
    import time

    wall = 0.0
    warm = np.zeros((1, 8))  # load the compiled kernels outside the timing (0 steps)
    baird_offpolicy_td(X, np.array(W0), 0.01, 0.99, 0, 1.0, np.random.default_rng(0), warm)
    baird_semigradient_dp(X, np.array(W0), 0.01, 0.99, 0, 1.0, warm)
    for panel in ("td", "dp"):
        w = np.array(W0)
        t0 = time.perf_counter()
        out = np.zeros((n + 1, 8))
        if panel == "td":
            done = baird_offpolicy_td(
                X,
                w,
                float(p["alpha"]),
                float(p["gamma"]),
                n,
                float(p["limit"]),
                np.random.default_rng(np.random.SeedSequence(ctx.seed)),
                out,
            )
        else:
            done = baird_semigradient_dp(X, w, float(p["alpha"]), float(p["gamma"]), n, float(p["limit"]), out)
        wall += time.perf_counter() - t0
        rows = out[: done + 1]
        finite = np.isfinite(rows).all(axis=1)
        rows = rows[finite] if not finite.all() else rows
        if done < n:
            warnings.warn(
                f"baird {panel}: weights diverged (max |w| > {p['limit']:g} or non-finite) at "
                f"{'step' if panel == 'td' else 'sweep'} {done}; stopped there",
                RuntimeWarning,
                stacklevel=2,
            )
        m = rows.shape[0]
        for c in range(8):
            cols["panel"].append(np.full(m, panel))
            cols["component"].append(np.full(m, c + 1))
            cols["run"].append(np.zeros(m, int))
            cols["x"].append(np.arange(m))
            cols["metric"].append(np.full(m, "w"))
            cols["value"].append(rows[:, c])
        wmax = float(np.abs(rows[-1]).max())
        metrics[f"{panel}: final max |w|"] = round(wmax, 3)
        metrics[f"{panel}: final w8"] = round(float(rows[-1, 7]), 3)
        metrics[f"{panel}: diverged"] = bool(done < n or wmax > float(p["growth"]) * np.abs(W0).max())
        metrics[f"{panel}: stopped early at"] = int(done) if done < n else None
    metrics["env_steps_per_s"] = round(2 * n / max(wall, 1e-9))
    table = {k: np.concatenate(v) for k, v in cols.items()}
    return Result(table=table, metrics=metrics, config={"w0": W0, **p}, env_steps=n, plot=plot)
