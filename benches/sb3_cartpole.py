"""CartPole-v1, 50k env steps: fastfa DQN (compiled loop) vs Stable-Baselines3 DQN with the SAME
hyper-parameters, measured in the same run.  Prints a Markdown table (wall time of ``learn`` and
the final evaluation: mean of 10 deterministic episodes) per seed.

    python benches/sb3_cartpole.py --seeds 3 --fastfa-seeds 10 [--steps 50000] [--threads 1] [--set batch_size=64]

Rows per seed: ``fastfa-same`` and ``sb3`` use identical hyper-parameters
(``DQNConfig()`` defaults with ``double_dqn=False, loss="huber"``: SB3 has no Double DQN and its
loss is Huber(1); the linear
learning-rate decay becomes SB3's learning-rate schedule; ``exploration_steps`` becomes
``exploration_fraction``; ``n_step`` becomes SB3's ``n_steps`` (same n-step windows));
``fastfa-default`` is fastfa's default when that differs (e.g. with ``--hidden``, or defaults
using Double DQN).  Since the n-step defaults (64x64, n_step=4, no Double DQN, Huber) the defaults
ARE the same-params config and ``fastfa-same`` runs ``max(--seeds, --fastfa-seeds)`` seeds.  Needs ``pip install torch==2.13.0 stable-baselines3==2.9.2``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from fastfa.agents.dqn import DQN, DQNConfig


def sb3_kwargs(cfg: DQNConfig, steps: int) -> dict:
    import torch

    if cfg.double_dqn:
        raise SystemExit("SB3 has no Double DQN: compare with double_dqn=False")
    if cfg.loss != "huber" or cfg.huber_kappa != 1.0 or cfg.optimizer != "adam" or cfg.tau <= 0:
        raise SystemExit("SB3 uses Huber(1) loss and Adam")
    if cfg.prioritized:
        raise SystemExit("SB3 has no prioritized replay")
    lr0, lr1 = cfg.learning_rate, cfg.learning_rate_end
    if lr1 is not None and cfg.lr_decay_steps > 0:
        decay_frac = cfg.lr_decay_steps / steps

        def lr(progress_remaining):  # SB3 calls this with 1 -> 0 over the run
            frac = min(1.0, (1.0 - progress_remaining) / decay_frac)
            return lr0 + frac * (lr1 - lr0)
    else:
        lr = lr0
    return dict(
        learning_rate=lr,
        buffer_size=cfg.buffer_size,
        learning_starts=cfg.learning_starts,
        batch_size=cfg.batch_size,
        gamma=cfg.gamma,
        train_freq=cfg.train_freq,
        gradient_steps=cfg.gradient_steps,
        target_update_interval=cfg.target_update_interval,
        tau=cfg.tau,
        n_steps=cfg.n_step,
        exploration_initial_eps=cfg.exploration_initial_eps,
        exploration_final_eps=cfg.exploration_final_eps,
        exploration_fraction=cfg.exploration_steps / steps,
        max_grad_norm=cfg.max_grad_norm,
        policy_kwargs={
            "net_arch": list(cfg.hidden),
            "activation_fn": torch.nn.ReLU if cfg.activation == "relu" else torch.nn.Tanh,
            "optimizer_kwargs": {"eps": cfg.adam_eps, "betas": (cfg.adam_beta1, cfg.adam_beta2)},
        },
        device="cpu",
        verbose=0,
    )


def eval_sb3(model, seed, episodes=10):
    import gymnasium

    env = gymnasium.make("CartPole-v1")
    out = []
    for e in range(episodes):
        obs, _ = env.reset(seed=seed if e == 0 else None)
        g, done = 0.0, False
        while not done:
            a, _ = model.predict(obs, deterministic=True)
            obs, r, term, trunc, _ = env.step(int(a))
            g += r
            done = term or trunc
        out.append(g)
    return float(np.mean(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3, help="SB3 seeds (slow)")
    ap.add_argument("--fastfa-seeds", type=int, default=10)
    ap.add_argument("--steps", type=int, default=50_000)
    ap.add_argument("--threads", type=int, default=1, help="torch threads")
    ap.add_argument("--hidden", default=None, help="override the hidden widths of both, e.g. 64,64")
    ap.add_argument("--set", action="append", default=[], help="override a DQNConfig field of both, e.g. batch_size=64")
    args = ap.parse_args()
    import dataclasses

    default = DQNConfig()
    if args.hidden:
        default = dataclasses.replace(default, hidden=tuple(int(h) for h in args.hidden.split(",")))
    for kv in args.set:
        k, v = kv.split("=", 1)
        default = dataclasses.replace(default, **{k: type(getattr(default, k))(v)})
    cfg = dataclasses.replace(default, double_dqn=False, loss="huber")
    rows = []
    DQN("CartPole-v1", config=cfg, seed=0).learn(cfg.train_freq * 2 + cfg.learning_starts)  # load compiled code
    runs = (("fastfa-same", cfg, args.seeds), ("fastfa-default", default, args.fastfa_seeds))
    if cfg == default:  # the defaults are SB3-expressible: one fastfa row set, the same params as SB3
        runs = (("fastfa-same", cfg, max(args.seeds, args.fastfa_seeds)),)
    for name, c, n in runs:
        for seed in range(n):
            ag = DQN("CartPole-v1", config=c, seed=seed)
            t0 = time.perf_counter()
            ag.learn(args.steps)
            wall = time.perf_counter() - t0
            rows.append((name, seed, wall, float(ag.evaluate_returns(10, seed=1000 + seed).mean()), ag.n_updates))
            print(rows[-1], flush=True)
    try:
        import torch
        from stable_baselines3 import DQN as SB3DQN
    except ImportError:
        print("SB3/torch not installed: fastfa only")
    else:
        torch.set_num_threads(args.threads)
        for seed in range(args.seeds):
            model = SB3DQN("MlpPolicy", "CartPole-v1", seed=seed, **sb3_kwargs(cfg, args.steps))
            t0 = time.perf_counter()
            model.learn(args.steps)
            wall = time.perf_counter() - t0
            rows.append(("sb3", seed, wall, eval_sb3(model, 1000 + seed), model._n_updates))
            print(rows[-1], flush=True)
    print(f"\nCartPole-v1, {args.steps} steps, same-params config: {cfg}\n")
    print("| library | seed | learn wall time (s) | final eval (10 greedy episodes) | gradient steps |")
    print("|---|---|---|---|---|")
    for lib, seed, wall, ev, nup in rows:
        print(f"| {lib} | {seed} | {wall:.2f} | {ev:.1f} | {nup} |")
    for lib in ("fastfa-same", "sb3", "fastfa-default"):
        r = [x for x in rows if x[0] == lib]
        if r:
            print(
                f"\n{lib}: mean wall {np.mean([x[2] for x in r]):.2f} s, final eval >= 475 in "
                f"{sum(x[3] >= 475 for x in r)}/{len(r)} seeds"
            )
    same = [x[2] for x in rows if x[0] == "fastfa-same"]
    sb3 = [x[2] for x in rows if x[0] == "sb3"]
    if same and sb3:
        print(f"\nwall-time ratio SB3 / fastfa (same params, mean per seed): {np.mean(sb3) / np.mean(same):.1f}x")


if __name__ == "__main__":
    main()
