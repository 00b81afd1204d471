"""Shared runner of the DQN experiments (``cartpole-dqn``, ``acrobot-dqn``).

Per seed: train ``fastfa.agents.DQN`` in the compiled loop, pausing every
``eval_every`` env steps for ``eval_episodes`` deterministic (greedy)
evaluation episodes on the compiled twin; record the evaluation curve, the
first env step and training wall time (evaluations excluded) at which the
mean evaluation return reached ``threshold``, and the final evaluation.

Seeds train together: each group of seeds is one population
(:func:`fastfa.agents.learn_population`, k seeds in one compiled loop), and the groups
run in parallel threads (``--set threads=N``, default: one per CPU, at most one per seed; the
compiled loops release the GIL).  Results do not depend on the thread count (each seed has its own
agent and streams, bit-identical to training it alone).  A seed's wall time is its share of its
group's training time (the group's wall time / its number of seeds), measured while the other
threads run; use ``--set threads=1`` for isolated timings.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from typing import Any

import numpy as np

from ._base import Context, Result
from ._params import Bool, Float, Int, Param

LOOP_NAMES = ("total_steps", "eval_every", "eval_episodes", "threads")


def dqn_params(total_steps: int, quick_steps: int, config_overrides: dict | None = None) -> tuple:
    """Declared parameters of a DQN experiment: the loop's, then every ``DQNConfig`` field (default:
    the config default, or the experiment's override; ranges are checked by ``DQNConfig``)."""
    import dataclasses

    from ..agents.dqn import DQNConfig

    out = [
        Int("total_steps", total_steps, "env steps of training per seed", low=1, high=1_000_000_000, quick=quick_steps),
        Int("eval_every", 2_500, "evaluate every this many env steps", low=1, high=1_000_000_000, quick=2_000),
        Int("eval_episodes", 10, "greedy evaluation episodes", low=1, high=100_000),
        Int(
            "threads",
            None,
            "groups of seeds trained in parallel threads, each one population (null: one per CPU, at most one per seed)",
            low=1,
            high=1024,
            optional=True,
        ),
    ]
    over = dict(config_overrides or {})
    for f in dataclasses.fields(DQNConfig):
        d = over.get(f.name, f.default)
        doc = f"DQNConfig.{f.name} (range checked by DQNConfig; see docs/dqn.md)"
        if isinstance(d, bool):
            out.append(Bool(f.name, d, doc))
        elif isinstance(d, tuple):
            out.append(Int(f.name, list(d), doc, low=1, high=1_000_000, many=True, max_len=16))
        elif isinstance(d, int):
            out.append(Int(f.name, d, doc))
        elif isinstance(d, float) or d is None:
            out.append(Float(f.name, d, doc, optional="None" in str(f.type)))
        else:
            out.append(Param(f.name, "str", d, doc))
    return tuple(out)


def run_dqn_experiment(
    ctx: Context,
    env_id: str,
    threshold: float,
    total_steps: int,
    quick_steps: int,
    config_overrides: dict | None = None,
) -> Result:
    from ..agents.dqn import DQN, DQNConfig
    from ..agents.dqn_population import learn_population

    n_runs = ctx.n_runs(10, quick=2)
    p = dict(ctx.params)
    steps = int(p.get("total_steps", quick_steps if ctx.quick else total_steps))
    eval_every = int(p.get("eval_every", 2_500 if not ctx.quick else 2_000))
    eval_episodes = int(p.get("eval_episodes", 10))
    overrides = dict(config_overrides or {})
    for k, v in p.items():
        if k not in LOOP_NAMES:
            overrides[k] = tuple(v) if isinstance(v, list) else v
    config = DQNConfig(**overrides)
    seeds = [int(s.generate_state(1)[0] & 0x7FFFFFFF) for s in np.random.SeedSequence(ctx.seed).spawn(n_runs)]
    threads = p.get("threads")
    threads = int(threads) if threads is not None else min(os.cpu_count() or 1, n_runs)
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")

    def one_group(runs):
        """Train and evaluate the seeds ``runs`` as one population; per run its table rows and summary numbers."""
        agents = [DQN(env_id, config=config, seed=seeds[run], compiled=True) for run in runs]
        agents[0].evaluate_returns(1, seed=0)  # load compiled code before timing
        k = len(agents)
        rows: list[list] = [[] for _ in runs]
        hit_step: list[Any] = [None] * k
        hit_wall: list[Any] = [None] * k
        evs = [0.0] * k
        wall = 0.0
        done = 0
        while done < steps:
            n = min(eval_every, steps - done)
            t0 = time.perf_counter()
            learn_population(agents, n)  # compiled, releases the GIL: groups run in parallel threads
            wall += (time.perf_counter() - t0) / k  # each seed's share
            done += n
            for j, (run, agent) in enumerate(zip(runs, agents)):
                ev = agent.evaluate_returns(eval_episodes, seed=10_000 * run + done)
                evs[j] = float(ev.mean())
                rows[j] += [(run, done, "eval_return", evs[j]), (run, done, "wall_time_s", wall)]
                if hit_step[j] is None and ev.mean() >= threshold:
                    hit_step[j], hit_wall[j] = done, wall
        for j, (run, agent) in enumerate(zip(runs, agents)):
            rows[j] += [
                (run, end, "train_return", float(g)) for g, end in zip(agent.episode_returns, agent.episode_end_steps)
            ]
        return [(rows[j], hit_step[j], hit_wall[j], evs[j], wall) for j in range(k)]

    n_groups = min(threads, n_runs)
    q, extra = divmod(n_runs, n_groups)
    starts = np.cumsum([0] + [q + (1 if g < extra else 0) for g in range(n_groups)])
    groups = [list(range(starts[g], starts[g + 1])) for g in range(n_groups)]
    t_all = time.perf_counter()
    if n_groups == 1:
        outs = one_group(groups[0])
    else:
        with ThreadPoolExecutor(n_groups) as pool:
            outs = [o for group_out in pool.map(one_group, groups) for o in group_out]
    total_wall = time.perf_counter() - t_all
    cols: dict[str, list[Any]] = {"run": [], "x": [], "metric": [], "value": []}
    first_step, first_wall, final, train_wall = [], [], [], []
    for rows, hit_step, hit_wall, fin, wall in outs:  # in run order, whatever the thread count
        for r, x, m, v in rows:
            cols["run"].append(r)
            cols["x"].append(x)
            cols["metric"].append(m)
            cols["value"].append(v)
        first_step.append(hit_step)
        first_wall.append(hit_wall)
        final.append(fin)
        train_wall.append(wall)
    env_steps = steps * n_runs
    solved = [f >= threshold for f in final]
    reached = [s for s in first_step if s is not None]
    metrics = {
        "threshold": threshold,
        "final_eval_mean": final,
        "final_solved": int(sum(solved)),
        "runs": n_runs,
        "first_step_to_threshold": first_step,
        "first_wall_s_to_threshold": first_wall,
        "median_first_step_to_threshold": float(np.median(reached)) if reached else None,
        "train_wall_s": train_wall,
        "mean_train_wall_s": float(np.mean(train_wall)),
        "threads": threads,
        "total_wall_s": total_wall,
        "seeds": seeds,
    }
    cfg = {
        "env_id": env_id,
        "total_steps": steps,
        "eval_every": eval_every,
        "eval_episodes": eval_episodes,
        "dqn": {k: (list(v) if isinstance(v, tuple) else v) for k, v in config.__dict__.items()},
    }

    def plot(table, path: Path) -> None:
        import matplotlib.pyplot as plt

        from ._plot import save_figure

        fig, ax = plt.subplots(figsize=(7, 4))
        sel = table["metric"] == "eval_return"
        for r in np.unique(table["run"][sel]):
            m = sel & (table["run"] == r)
            ax.plot(table["x"][m], table["value"][m], lw=1, alpha=0.8)
        ax.axhline(threshold, color="k", ls="--", lw=0.8, label=f"threshold {threshold:g}")
        ax.set_xlabel("environment steps")
        ax.set_ylabel(f"mean return, {eval_episodes} greedy episodes")
        ax.set_title(f"DQN on {env_id}: {sum(solved)}/{n_runs} runs at >= {threshold:g} at the end")
        ax.legend(loc="lower right")
        fig.tight_layout()
        save_figure(fig, path)
        plt.close(fig)

    return Result(table=cols, metrics=metrics, config=cfg, env_steps=env_steps, plot=plot)
