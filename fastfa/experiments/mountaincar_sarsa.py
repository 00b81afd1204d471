"""S&B Figures 10.1/10.2: episodic semi-gradient SARSA with tile coding on Mountain Car.

Fig 10.1: the cost-to-go function −max_a q̂(s, a) learned during one run (α = 0.5/8) after
episodes 1, 12, 104, 1000 and 9000 (``--quick``: 1, 12, 104), on a 40 x 40 grid of
(position, velocity); saved to ``fig10_1_cost_to_go.npz`` and drawn above Fig 10.2.

8 tilings of 8x8 tiles over position [-1.2, 0.5] x velocity [-0.07, 0.07], weights
initialised to 0 (optimistic: rewards are -1), ε = 0, γ = 1, no time limit (the book's
episodes), α ∈ {0.1/8, 0.2/8, 0.5/8}; 100 runs x 500 episodes, steps per episode
averaged over runs (Fig 10.2, log scale).  All 300 runs are one population in the
fused compiled loop (``fastfa.agents.population``), parallel over cores.

``fastfa run mountaincar-sarsa [--runs N] [--quick] [--set alphas=[0.0625] episodes=200]``

Table rows: ``run``, ``alpha``, ``x`` = episode, ``metric`` = ``steps``, ``value``.
Metrics: mean steps per episode over episodes 1-50 and over the last 50 per α,
first-episode mean, best α, ``env_steps_per_s``.  ``--quick``: 10 runs x 100 episodes.

Sweep unit (``fastfa sweep``): ``cell({"alpha": 0.0625, "episodes": 500}, seeds)``.
"""

from __future__ import annotations

import numpy as np

from ._base import Result, experiment
from ._mountaincar import alpha_label, params, steps_table
from ._params import Float, Int, defaults, resolve

ALPHAS = [0.1 / 8, 0.2 / 8, 0.5 / 8]
PARAMS = (
    Float(
        "alphas",
        ALPHAS,
        "step sizes α of the Fig 10.2 curves (per feature; the book's 0.1/8, 0.2/8, 0.5/8)",
        low=0.0,
        high=1.0,
        low_open=True,
        many=True,
        max_len=64,
    ),
    Int("episodes", 500, "episodes per run (Fig 10.2)", low=1, high=100_000, quick=100),
    Float("epsilon", 0.0, "ε of the ε-greedy policy (the book: 0, optimistic zero weights explore)", low=0.0, high=1.0),
    Int("threads", None, "Numba threads of the population (null: all cores)", low=1, high=1024, optional=True),
    Int(
        "fig10_1_episodes",
        [1, 12, 104, 1000, 9000],
        "episodes after which Fig 10.1 draws the cost-to-go ([] skips Fig 10.1)",
        low=1,
        high=100_000,
        many=True,
        max_len=12,
        allow_empty=True,
        quick=[1, 12, 104],
    ),
)
CELL_PARAMS = (
    Float("alpha", 0.5 / 8, "step size α (per feature)", low=0.0, high=1.0, low_open=True),
    Int("episodes", 500, "episodes per run", low=1, high=100_000),
    Float("epsilon", 0.0, "ε of the ε-greedy policy", low=0.0, high=1.0),
)
DEFAULTS = defaults(PARAMS)
QUICK = defaults(PARAMS, quick=True)
GRID = 40


def cost_to_go(seed, checkpoints, alpha=0.5 / 8):
    """One run of the fused loop; −max_a q̂ on a GRID x GRID (position, velocity) grid at each checkpoint.

    Returns (positions, velocities, surfaces float64[len(checkpoints), GRID(vel), GRID(pos)], steps).
    """
    from ..agents.compiled_control import compiled_unit
    from ..agents.population import MOUNTAINCAR_BOX, TileSpec, spawn_generators
    from ..envs.classic import MountainCarEnv
    from ..kernels.loops.control_loop import ALG_SARSA, make_budget, make_hp
    from ..kernels.features.gridtiles import grid_tiles_batch

    cf, ci, nf = TileSpec(*MOUNTAINCAR_BOX).arrays()
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    env_g, ag_g = spawn_generators([ss])
    w = np.zeros((nf, 3))
    state = np.zeros(2)
    pos = np.linspace(-1.2, 0.5, GRID)
    vel = np.linspace(-0.07, 0.07, GRID)
    out = np.zeros((len(checkpoints), GRID, GRID))
    # the grid's tile indices, velocity-major (out[k, iv, ip]); NumPy, so that nothing is compiled for it
    idx = grid_tiles_batch(np.stack(np.meshgrid(pos, vel), axis=-1).reshape(-1, 2), cf, ci)
    env = MountainCarEnv()
    run = compiled_unit(env, ALG_SARSA, (cf, ci))
    hp = make_hp(alpha, 1.0)
    done, total = 0, 0
    for k, ep in enumerate(checkpoints):
        n = int(ep) - done
        if n > 0:
            st = np.zeros(n, np.int64)
            run(env.params, state, env_g[0], cf, ci, w, hp, make_budget(n), ag_g[0], st, np.zeros(n))
            total += int(st.sum())
            done = int(ep)
        q = w[idx[:, 0]].copy()  # Σ_t w[idx_t] per grid point, added in tiling order
        for t in range(1, idx.shape[1]):
            q += w[idx[:, t]]
        out[k] = -q.max(axis=1).reshape(GRID, GRID)
    return pos, vel, out, total


def _population(alphas, seeds, episodes, epsilon, threads):
    from ..agents.population import run_population

    return run_population(
        "MountainCar-v0",
        "sarsa",
        alphas=alphas,
        seeds=seeds,
        episodes=int(episodes),
        epsilon=float(epsilon),
        threads=threads,
    )


def cell(params_, seeds):
    """One α for every SeedSequence in ``seeds``: steps per episode."""
    p = resolve(CELL_PARAMS, params_, owner="the mountaincar-sarsa cell")
    r = _population([float(p["alpha"])], list(seeds), p["episodes"], p["epsilon"], None)
    s = r["steps"][0, 0]
    k, e = s.shape
    return {
        "seed": np.repeat(np.arange(k), e),
        "x": np.tile(np.arange(1, e + 1), k),
        "metric": np.full(k * e, "steps"),
        "value": s.ravel(),
    }


def plot(table, path, ctg=None) -> None:
    import matplotlib.pyplot as plt

    from ._plot import save_figure

    if ctg is None:
        fig, ax = plt.subplots(figsize=(6.5, 4.5))
    else:
        pos, vel, surf, eps = ctg
        k = len(eps)
        fig = plt.figure(figsize=(3.2 * max(k, 2), 8))
        for j in range(k):
            a3 = fig.add_subplot(2, k, j + 1, projection="3d")
            P, V = np.meshgrid(pos, vel)
            a3.plot_surface(P, V, surf[j], cmap="viridis", linewidth=0)
            a3.set_title(f"Episode {eps[j]}", fontsize=9)
            a3.set_xlabel("Position", fontsize=7)
            a3.set_ylabel("Velocity", fontsize=7)
            a3.tick_params(labelsize=6)
        ax = fig.add_subplot(2, 1, 2)
    al = table["alpha"].astype(float)
    for a in np.unique(al):
        sel = al == a
        x = table["x"][sel].astype(int)
        v = table["value"][sel].astype(float)
        n_ep = x.max()
        mean = np.bincount(x - 1, weights=v, minlength=n_ep) / np.bincount(x - 1, minlength=n_ep)
        ax.plot(np.arange(1, n_ep + 1), mean, label=f"α={alpha_label(a)}")
    ax.set_yscale("log")
    ax.set_ylim(100, 1000)
    ax.set_yticks([100, 200, 400, 1000], ["100", "200", "400", "1000"])  # the book's ticks
    ax.set_yticks([], minor=True)
    ax.set_xlim(0, max(int(table["x"].max()), 1))
    ax.set_xlabel("Episode")
    ax.set_ylabel("Steps per episode (log scale, mean over runs)")
    ax.set_title(
        "Figure 10.2: semi-gradient SARSA, 8 tilings"
        if ctg is None
        else "Figure 10.1 (top: cost-to-go −max_a q̂, one run) and Figure 10.2"
    )
    ax.legend()
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


def summarize(steps, alphas):
    """Headline numbers from ``steps[alpha, run, episode]``."""
    m = {}
    first50 = steps[:, :, :50].mean(axis=(1, 2))
    last50 = steps[:, :, -50:].mean(axis=(1, 2))
    for a, f, lst, e1 in zip(alphas, first50, last50, steps[:, :, 0].mean(axis=1)):
        lab = alpha_label(a)
        m[f"alpha={lab}: mean steps, episodes 1-50"] = round(float(f), 1)
        m[f"alpha={lab}: mean steps, last 50 episodes"] = round(float(lst), 1)
        m[f"alpha={lab}: episode 1 steps"] = round(float(e1), 1)
    m["best_alpha"] = float(alphas[int(np.argmin(first50))])
    return m


@experiment(
    "mountaincar-sarsa",
    "Fig 10.1/10.2: semi-gradient SARSA, 8 tilings, Mountain Car",
    default_runs=100,
    cell=cell,
    grid={"alpha": ALPHAS},
    params=PARAMS,
    cell_params=CELL_PARAMS,
)
def run(ctx) -> Result:
    p = params(ctx.params, QUICK if ctx.quick else DEFAULTS)
    n_runs = ctx.n_runs(100, quick=10)
    seeds = np.random.SeedSequence(ctx.seed).spawn(n_runs)
    alphas = [float(a) for a in p["alphas"]]
    r = _population(alphas, seeds, p["episodes"], p["epsilon"], p["threads"])
    steps = r["steps"][:, 0]  # [alpha, run, episode]
    metrics = summarize(steps, alphas)
    metrics["env_steps_per_s"] = round(r["env_steps"] / r["wall_time_s"])
    metrics["population_wall_time_s"] = round(r["wall_time_s"], 3)
    table = steps_table(steps, {"alpha": alphas})
    eps = [int(e) for e in p["fig10_1_episodes"]]
    ctg = None
    if eps:
        pos, vel, surf, ctg_steps = cost_to_go(np.random.SeedSequence(ctx.seed).spawn(n_runs + 1)[-1], eps)
        np.savez(ctx.out / "fig10_1_cost_to_go.npz", position=pos, velocity=vel, cost_to_go=surf, episodes=eps)
        ctg = (pos, vel, surf, eps)
        metrics["fig10.1 max cost-to-go after last checkpoint"] = round(float(surf[-1].max()), 1)
        r["env_steps"] += ctg_steps
    config = {
        "env": "MountainCar-v0 (compiled twin, no time limit)",
        "algorithm": "semi-gradient SARSA",
        "tilings": 8,
        "tiles": "8x8",
        "box": [[-1.2, -0.07], [0.5, 0.07]],
        "gamma": 1.0,
        "runs": n_runs,
        **p,
    }
    return Result(
        table=table, metrics=metrics, config=config, env_steps=r["env_steps"], plot=lambda t, path: plot(t, path, ctg)
    )
