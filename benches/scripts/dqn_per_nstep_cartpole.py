"""CartPole-v1, 50k steps, compiled loop: DQN defaults vs prioritized replay and/or n-step returns.

    python benches/scripts/dqn_per_nstep_cartpole.py --seeds 5 --configs default,per+n3

Per seed and config: wall time of ``learn(50_000)`` and the final evaluation (mean of 10 greedy
episodes, ``evaluate(10, seed=1000 + s)``, as the tuning table of benches/dqn.md); solved = >= 475.
All other hyper-parameters are the ``DQNConfig()`` defaults (tuned for uniform one-step replay).

    python benches/scripts/dqn_per_nstep_cartpole.py --step-cost

instead times one training phase (128 gradient steps, batch 128, 128x128 net) per config from a
full 50k-row buffer (filled with ``learning_starts=50_000``, so no training), median of 15.
"""

import argparse
import time

import numpy as np

from fastfa.agents import DQN

CONFIGS = {
    "default": {},
    "per": dict(prioritized=True),
    "n3": dict(n_step=3),
    "per+n3": dict(prioritized=True, n_step=3),
    "per+n2": dict(prioritized=True, n_step=2),
    "per_a04+n3": dict(prioritized=True, n_step=3, per_alpha=0.4),
}


def step_cost():
    from fastfa.kernels.nn import dqn as K

    for name in ("default", "per", "n3", "per+n3"):
        kw = CONFIGS[name]
        ag = DQN("CartPole-v1", seed=0, learning_starts=50_000, **kw).learn(50_000)
        args = (
            ag.theta,
            ag.theta_target,
            ag.sizes,
            ag.adam_m,
            ag.adam_v,
            ag.cnt,
            ag.hp,
            *ag._buffer_args(),
            ag.buffer.rng,
            128,
        )
        K.dqn_train_steps(*args)
        ts = []
        for _ in range(15):
            t = time.perf_counter()
            K.dqn_train_steps(*args)
            ts.append(time.perf_counter() - t)
        print(
            f"{name:8s} {np.median(ts) / 128 * 1e6:7.1f} us per gradient step (min {min(ts) / 128 * 1e6:.1f})",
            flush=True,
        )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=50_000)
    ap.add_argument("--configs", default="default,per+n3")
    ap.add_argument("--step-cost", action="store_true")
    args = ap.parse_args()
    if args.step_cost:
        return step_cost()
    DQN("CartPole-v1", seed=0, **CONFIGS["per+n3"]).learn(2_000)  # compile / load the cache first
    for name in args.configs.split(","):
        walls, finals = [], []
        for s in range(args.first_seed, args.first_seed + args.seeds):
            ag = DQN("CartPole-v1", seed=s, **CONFIGS[name])
            t = time.perf_counter()
            ag.learn(args.steps)
            walls.append(time.perf_counter() - t)
            finals.append(float(ag.evaluate_returns(10, seed=1000 + s).mean()))
            print(f"{name:8s} seed {s}: wall {walls[-1]:5.1f} s  final eval {finals[-1]:6.1f}", flush=True)
        print(
            f"{name:8s} solved {sum(f >= 475 for f in finals)}/{len(finals)}  mean final {np.mean(finals):.1f}  "
            f"mean wall {np.mean(walls):.1f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
