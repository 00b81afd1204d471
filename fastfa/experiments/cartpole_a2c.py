"""``cartpole-a2c``: compiled MLP A2C (``fastfa.agents.A2CMLP``) on CartPole-v1 with SB3 / RL-Zoo settings.

8 envs x 5 steps, γ = 0.99, RMSprop lr 7e-4, 64-64 tanh actor and critic, 500k env steps
(quick: 50k), evaluated every 25k steps by 10 greedy episodes.  ``--set sb3=1`` also trains
Stable-Baselines3's ``A2C("MlpPolicy")`` with the same settings on one torch thread, in the
same process, and records its wall time and final evaluation (needs ``torch`` and
``stable-baselines3``; slow: ~10k steps/s on an idle core).

Table: ``run``, ``method`` (fastfa / sb3), ``x`` = env steps, ``metric`` in {``eval_return``,
``wall_time_s``}, ``value``.
"""

from __future__ import annotations

import time
from pathlib import Path

from typing import Any

import numpy as np

from ._base import Context, Result, experiment
from ._params import Bool, Int

PARAMS = (
    Int("total_steps", 500_000, "env steps per run", low=1, high=1_000_000_000, quick=50_000),
    Int("eval_every", 25_000, "evaluate every this many env steps", low=1, high=1_000_000_000),
    Int("eval_episodes", 10, "deterministic evaluation episodes", low=1, high=100_000),
    Bool("sb3", False, "also train stable-baselines3's A2C with the same settings (needs the baselines extra)"),
)


def _sb3_run(steps: int, eval_every: int, seed: int, cb_rows) -> float:
    import gymnasium
    import torch
    from stable_baselines3 import A2C
    from stable_baselines3.common.env_util import make_vec_env

    torch.set_num_threads(1)
    env = make_vec_env("CartPole-v1", n_envs=8, seed=seed)
    model = A2C("MlpPolicy", env, n_steps=5, gamma=0.99, learning_rate=7e-4, ent_coef=0.0, seed=seed, device="cpu")
    wall, done = 0.0, 0
    ev_env = gymnasium.make("CartPole-v1")
    while done < steps:
        t0 = time.perf_counter()
        model.learn(eval_every, reset_num_timesteps=False)
        wall += time.perf_counter() - t0
        done += eval_every
        rets = []
        for e in range(10):
            o, _ = ev_env.reset(seed=e)
            tot, end = 0.0, False
            while not end:
                a, _ = model.predict(o, deterministic=True)
                o, r, term, trunc, _ = ev_env.step(int(a))
                tot += float(r)
                end = term or trunc
            rets.append(tot)
        cb_rows(done, float(np.mean(rets)), wall)
    return wall


@experiment(
    "cartpole-a2c",
    "Compiled MLP A2C on CartPole-v1 (SB3/RL-Zoo settings), optional SB3 A2C comparison",
    default_runs=3,
    params=PARAMS,
)
def run(ctx: Context) -> Result:
    from ..agents import A2CMLP

    runs = ctx.n_runs(3, quick=1)
    steps = int(ctx.params.get("total_steps", 50_000 if ctx.quick else 500_000))
    eval_every = int(ctx.params.get("eval_every", 25_000))
    with_sb3 = bool(int(ctx.params.get("sb3", 0)))
    cols: dict[str, list[Any]] = {"run": [], "method": [], "x": [], "metric": [], "value": []}

    def add(r, m, x, metric, v) -> None:
        cols["run"].append(r)
        cols["method"].append(m)
        cols["x"].append(x)
        cols["metric"].append(metric)
        cols["value"].append(v)

    eval_episodes = int(ctx.params.get("eval_episodes", 10))
    A2CMLP("CartPole-v1", seed=0).learn(40)  # compile outside the timing
    seeds = [int(s.generate_state(1)[0] & 0x7FFFFFFF) for s in np.random.SeedSequence(ctx.seed).spawn(runs)]
    final, walls, sb3_final, sb3_walls = [], [], [], []
    for r, seed in enumerate(seeds):
        agent = A2CMLP("CartPole-v1", seed=seed)
        wall, done = 0.0, 0
        while done < steps:
            t0 = time.perf_counter()
            agent.learn(min(eval_every, steps - done))
            wall += time.perf_counter() - t0
            done = agent.num_timesteps
            # gymnasium's CartPole in Python: nothing more to compile (the compiled greedy loop would
            # double the first run's compile time for a few milliseconds of evaluation)
            ev = agent.evaluate(episodes=eval_episodes, seed=10_000 + r).mean_return
            add(r, "fastfa", done, "eval_return", ev)
            add(r, "fastfa", done, "wall_time_s", wall)
        final.append(ev)
        walls.append(wall)
        if with_sb3:
            last = {}

            def rows(x, ev, w, r=r) -> None:
                add(r, "sb3", x, "eval_return", ev)
                add(r, "sb3", x, "wall_time_s", w)
                last["ev"] = ev

            sb3_walls.append(_sb3_run(steps, eval_every, seed, rows))
            sb3_final.append(last["ev"])
    metrics = {
        "fastfa_final_eval_mean": final,
        "fastfa_steps_per_s": float(steps * runs / sum(walls)),
        "fastfa_train_wall_s": walls,
        "runs": runs,
        "total_steps": steps,
    }
    if with_sb3:
        metrics.update(
            {
                "sb3_final_eval_mean": sb3_final,
                "sb3_steps_per_s": float(steps * runs / sum(sb3_walls)),
                "sb3_train_wall_s": sb3_walls,
                "speedup_vs_sb3": float(sum(sb3_walls) / sum(walls)),
            }
        )

    def plot(table, path: Path) -> None:
        import matplotlib.pyplot as plt

        from ._plot import save_figure

        fig, ax = plt.subplots(figsize=(7, 4))
        for m, style in (("fastfa", "-"), ("sb3", "--")):
            for r in range(runs):
                sel = (table["method"] == m) & (table["run"] == r) & (table["metric"] == "eval_return")
                if sel.any():
                    ax.plot(table["x"][sel], table["value"][sel], style, lw=1, label=f"{m} A2C" if r == 0 else None)
        ax.set_xlabel("environment steps")
        ax.set_ylabel("mean return, 10 greedy episodes")
        ax.set_title("A2C on CartPole-v1 (8 envs x 5 steps, RMSprop 7e-4)")
        ax.legend()
        fig.tight_layout()
        save_figure(fig, path)
        plt.close(fig)

    config = {
        "n_envs": 8,
        "n_steps": 5,
        "gamma": 0.99,
        "learning_rate": 7e-4,
        "hidden": [64, 64],
        "activation": "tanh",
        "vf_coef": 0.5,
        "max_grad_norm": 0.5,
        "total_steps": steps,
        "eval_every": eval_every,
        "sb3": with_sb3,
        "seeds": seeds,
    }
    return Result(
        table=cols, metrics=metrics, config=config, env_steps=steps * runs * (2 if with_sb3 else 1), plot=plot
    )
