"""``puckworld-reinforce`` and ``puckworld-actor-critic``: Gaussian policies on Puck World (the lecture's example).

Policy: μ(s) linear in tile-coded features of (target − puck, velocity) (8 tilings of 4⁴ tiles,
hashed to 16384 features), σ learned or fixed; critic / baseline linear in the same features.
Training runs fully compiled (``fastfa.agents.pg_compiled.puckworld_train``: the generic fused
policy-gradient loop on ``PuckWorldRelativeCompiledEnv``), episodes of 300
steps; every 50 episodes the mean action is run greedily for 10 fixed-seed episodes and the
mean puck-target distance is recorded.  References: a uniformly random force and no force.

* ``puckworld-reinforce``: Monte Carlo policy gradient, plain (fixed σ = 1) and with a learned
  baseline (and learned σ).
* ``puckworld-actor-critic``: actor-critic with traces (λ = 0.9), the one-step actor-critic
  (λ = 0), and REINFORCE with baseline, each with step sizes tuned on a small grid over seeds
  (see docs/policy_gradient.md): reports the episodes each run needs to reach a mean training
  distance of ``threshold`` (default 0.15; 10-episode moving average of the per-episode mean
  puck-target distance, exploration noise included).

Both save ``OUT/NAME/trajectory.gif`` (pillow) of the trained greedy policy (600 steps, the
target jumps after 300) and plot the learning curves.
Table: ``run``, ``method``, ``x``, ``metric``, ``value`` with metrics ``greedy_distance`` (x = training
episodes), ``train_distance`` (x = episode, mean distance of that training episode) and
``episodes_to_threshold`` (x = threshold; value = first episode at which the 10-episode moving average
is below it, ``episodes`` + 1 if never).
"""

from __future__ import annotations

import time
from pathlib import Path

from typing import Any

import numpy as np

from ._base import Context, Result, experiment
from ._params import Float, Int

COMMON: dict[str, Any] = dict(ep_len=300, n_tilings=8, size=16384, eval_every=50, eval_episodes=10)
# Step sizes (per tiling), γ, λ and tiles per dimension: the best of a grid over 4 runs x 200 episodes,
# checked on 16 fresh runs (docs/policy_gradient.md).  Each method gets its own best features.
METHODS: dict[str, tuple[str, dict[str, Any]]] = {
    "reinforce": ("reinforce", dict(gamma=0.97, alpha=0.0005, alpha_ls=0.0, alpha_w=0.0, tiles_per_dim=4)),
    "reinforce_baseline": ("reinforce", dict(gamma=0.9, alpha=0.05, alpha_ls=0.002, alpha_w=0.3, tiles_per_dim=3)),
    "actor_critic": (
        "actor_critic",
        dict(gamma=0.9, alpha=0.05, alpha_ls=0.002, alpha_w=0.2, lam=0.9, lam_w=0.9, tiles_per_dim=4),
    ),
    "actor_critic_1step": ("actor_critic", dict(gamma=0.9, alpha=0.01, alpha_ls=0.001, alpha_w=0.5, tiles_per_dim=4)),
}
THRESHOLD, WINDOW = 0.15, 10


def episodes_to_threshold(distance, threshold: float = THRESHOLD, window: int = WINDOW):
    """Per run: first episode count e at which the mean of episodes e−window … e−1 is below ``threshold``.

    ``distance`` [runs, episodes] (per-episode mean puck-target distance); runs that never get
    there give ``episodes + 1``.
    """
    d = np.asarray(distance, dtype=np.float64)
    out = np.full(d.shape[0], d.shape[1] + 1, dtype=np.int64)
    if d.shape[1] < window:
        return out
    c = np.cumsum(np.pad(d, ((0, 0), (1, 0))), axis=1)
    ma = (c[:, window:] - c[:, :-window]) / window  # ma[:, j] = mean of episodes j .. j+window-1
    for i in range(d.shape[0]):
        hit = np.nonzero(ma[i] < threshold)[0]
        if hit.size:
            out[i] = hit[0] + window
    return out


def _reference_distances(ep_len: int, episodes: int) -> dict:
    """Mean distance of a uniformly random force and of no force, same fixed start seeds as the evaluation."""
    from ..kernels.envs import puck_corridor as pg_envs

    P = pg_envs.puckworld_params()
    out = {}
    for name in ("random_policy", "zero_force"):
        d = []
        for e in range(episodes):
            rng = np.random.default_rng(10_000 + e)
            act = np.random.default_rng(e)
            s = np.empty(9)
            pg_envs.puckworld_reset(P, s, rng)
            tot = 0.0
            for _ in range(ep_len):
                f = act.uniform(-1, 1, 2) if name == "random_policy" else (0.0, 0.0)
                pg_envs.puckworld_step(P, s, f[0], f[1], rng)
                tot += np.hypot(s[0] - s[4], s[1] - s[5])
            d.append(tot / ep_len)
        out[name] = float(np.mean(d))
    return out


def save_trajectory_gif(result: dict, path: Path, n_steps: int = 600, every: int = 4, seed: int = 12345) -> Path | None:
    """Greedy rollout of run 0's policy drawn with ``fastfa.envs.pg_envs.draw_puckworld``; None without pillow."""
    try:
        from PIL import Image
    except ImportError:
        return None
    from ..agents.pg_compiled import puckworld_greedy
    from ..envs.pg_envs import draw_puckworld

    tc, P = result["features"], result["env_params"]
    states = np.empty((n_steps + 1, 9))
    puckworld_greedy(result["theta_mu"][0], tc, n_steps, np.random.default_rng(seed), env_params=P, states_out=states)
    frames = [Image.fromarray(draw_puckworld(P, states[t], size=192)) for t in range(0, n_steps + 1, every)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=40, loop=0)
    return path


def _run(ctx: Context, methods: list[str], gif_method: str, name: str) -> Result:
    from ..agents.pg_compiled import puckworld_train

    runs = ctx.n_runs(8, quick=2)
    episodes = int(ctx.params.get("episodes", 100 if ctx.quick else 600))
    threshold = float(ctx.params.get("threshold", THRESHOLD))
    cols: dict[str, list[Any]] = {"run": [], "method": [], "x": [], "metric": [], "value": []}
    metrics: dict = {}
    steps = 0
    results = {}
    for m in methods:  # compile (or load) each method's loop and the greedy rollout outside the timing
        algo, kw = METHODS[m]
        puckworld_train(algo, episodes=1, runs=1, ep_len=10, eval_every=1, eval_episodes=1, size=64, **kw)
    for m in methods:
        algo, kw = METHODS[m]
        t0 = time.perf_counter()
        r = puckworld_train(algo, episodes=episodes, runs=runs, seed=ctx.seed, **COMMON, **kw)  # same seeds per method
        wall = time.perf_counter() - t0
        results[m] = r
        steps += r["steps"]
        for i in range(runs):
            n = len(r["eval_x"])
            cols["run"] += [i] * n
            cols["method"] += [m] * n
            cols["x"] += r["eval_x"].tolist()
            cols["metric"] += ["greedy_distance"] * n
            cols["value"] += r["eval_distance"][i].tolist()
        for i in range(runs):
            cols["run"] += [i] * episodes
            cols["method"] += [m] * episodes
            cols["x"] += list(range(1, episodes + 1))
            cols["metric"] += ["train_distance"] * episodes
            cols["value"] += r["distance"][i].tolist()
        ett = episodes_to_threshold(r["distance"], threshold)
        cols["run"] += list(range(runs))
        cols["method"] += [m] * runs
        cols["x"] += [threshold] * runs
        cols["metric"] += ["episodes_to_threshold"] * runs
        cols["value"] += ett.tolist()
        curve = r["eval_distance"].mean(axis=0)
        below = np.nonzero(curve < threshold)[0]
        metrics[f"{m}_final_greedy_distance"] = float(curve[-1])
        metrics[f"{m}_greedy_episodes_to_{threshold}"] = int(r["eval_x"][below[0]]) if below.size else None
        metrics[f"{m}_episodes_to_{threshold}_mean"] = float(ett.mean())  # runs that never reach count episodes + 1
        metrics[f"{m}_episodes_to_{threshold}_median"] = float(np.median(ett))
        metrics[f"{m}_runs_reaching_{threshold}"] = int((ett <= episodes).sum())
        metrics[f"{m}_mean_train_distance"] = float(r["distance"].mean())
        metrics[f"{m}_steps_per_s"] = r["steps"] / wall  # includes the greedy evaluations
    metrics.update(_reference_distances(COMMON["ep_len"], COMMON["eval_episodes"]))
    metrics["untrained_greedy_distance"] = float(results[methods[0]]["eval_distance"][:, 0].mean())
    gif = save_trajectory_gif(results[gif_method], ctx.out / "trajectory.gif")
    metrics["trajectory_gif"] = str(gif) if gif else None

    def plot(table, path: Path) -> None:
        import matplotlib.pyplot as plt

        from ._plot import save_figure

        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4))
        for m in methods:
            sel = (table["method"] == m) & (table["metric"] == "greedy_distance")
            xs = np.unique(table["x"][sel])
            ys = [table["value"][sel & (table["x"] == x)].mean() for x in xs]
            ax.plot(xs, ys, marker="o", ms=3, label=m)
            sel = (table["method"] == m) & (table["metric"] == "train_distance")
            xs = np.unique(table["x"][sel])
            ys_ = np.array([table["value"][sel & (table["x"] == x)].mean() for x in xs])
            k = min(WINDOW, len(ys_))
            ax2.plot(xs[k - 1 :], np.convolve(ys_, np.ones(k) / k, mode="valid"), label=m)
        ax2.axhline(threshold, color="k", ls=":", lw=0.8, label=f"threshold {threshold}")
        ax2.set_xlabel("training episode")
        ax2.set_ylabel(f"training mean distance ({WINDOW}-episode moving average)")
        ax2.set_ylim(0, None)
        ax2.legend()
        ax.axhline(metrics["random_policy"], color="r", ls="--", lw=0.8, label="uniform random force")
        ax.axhline(metrics["zero_force"], color="gray", ls=":", lw=0.8, label="no force")
        ax.set_xlabel("training episodes (300 steps each)")
        ax.set_ylabel(f"mean puck-target distance, greedy (mean of {runs} runs)")
        ax.set_title(f"Puck World: {name}")
        ax.set_ylim(0, None)
        ax.legend()
        fig.tight_layout()
        save_figure(fig, path)
        plt.close(fig)

    config = {
        "methods": {m: METHODS[m] for m in methods},
        **COMMON,
        "episodes": episodes,
        "runs": runs,
        "threshold": threshold,
        "window": WINDOW,
    }
    return Result(table=cols, metrics=metrics, config=config, env_steps=steps, plot=plot)


PARAMS = (
    Int("episodes", 600, "training episodes per run", low=1, high=1_000_000, quick=100),
    Float("threshold", THRESHOLD, "mean greedy distance counted as 'reached'", low=0.0, high=2.0, low_open=True),
)


@experiment(
    "puckworld-reinforce",
    "Puck World: Monte Carlo policy gradient (Gaussian on tile codes), plain and with baseline",
    default_runs=8,
    params=PARAMS,
)
def run_reinforce(ctx: Context) -> Result:
    return _run(ctx, ["reinforce", "reinforce_baseline"], "reinforce_baseline", "REINFORCE")


@experiment(
    "puckworld-actor-critic",
    "Puck World: actor-critic (lambda = 0.9, and one-step) vs REINFORCE with "
    "baseline; episodes to a mean distance threshold",
    default_runs=8,
    params=PARAMS,
)
def run_actor_critic(ctx: Context) -> Result:
    return _run(
        ctx, ["actor_critic", "actor_critic_1step", "reinforce_baseline"], "actor_critic", "actor-critic vs REINFORCE"
    )
