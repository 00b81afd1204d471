"""Tuning of the DQN defaults on CartPole-v1 (compiled loop, 50k env steps per run).

    python benches/scripts/tune_cartpole_dqn.py --configs S1,H64 --seeds tune       # seeds 0-9
    python benches/scripts/tune_cartpole_dqn.py --configs H64 --seeds heldout       # seeds of `fastfa run cartpole-dqn`
    python benches/scripts/tune_cartpole_dqn.py --list

Per config and seed: ``DQN("CartPole-v1", seed=s, **cfg).learn(50_000)`` then the final evaluation =
mean of 10 greedy episodes.  ``tune`` seeds are 0-9 evaluated with ``evaluate(10, seed=1000 + s)``
(the tuning table of benches/dqn.md); ``heldout`` seeds are the 10 seeds ``fastfa run cartpole-dqn``
draws from ``SeedSequence(0)``, evaluated with the seed that experiment uses for its last
evaluation (``10_000 * run + 50_000``), so the finals equal that experiment's.  Solved = final
>= 475.  ``extra`` = seeds 10-19 (a second held-out set, evaluated like ``tune``).  One process, seeds one after the other (the machine is shared).

Every config is written out in full relative to ``BASE`` (the pre-tuning ``DQNConfig`` defaults,
config "S3" of benches/dqn.md), so the table does not change meaning when the defaults change.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from fastfa.agents.dqn import DQN, DQNConfig

# Config "S3" (128x128, batch 128, Double DQN, squared loss, lr 2.3e-3 -> 0, train_freq 256 /
# 128 gradient steps, target every 10 steps, eps 1 -> 0.04 over 8k steps, clip 10).
BASE = dict(
    hidden=(128, 128),
    learning_rate=2.3e-3,
    learning_rate_end=0.0,
    lr_decay_steps=50_000,
    buffer_size=100_000,
    learning_starts=1_000,
    batch_size=128,
    gamma=0.99,
    train_freq=256,
    gradient_steps=128,
    target_update_interval=10,
    tau=1.0,
    exploration_initial_eps=1.0,
    exploration_final_eps=0.04,
    exploration_steps=8_000,
    max_grad_norm=10.0,
    double_dqn=True,
    loss="squared",
)
S1 = dict(BASE, hidden=(64, 64))  # 6/10 in the first tuning round
SB = dict(S1, double_dqn=False, loss="huber")  # S1 in SB3-expressible form

CONFIGS: dict[str, dict] = {
    "S3": BASE,
    "S1": S1,
    "SB": SB,
}


def _add(name, base, **kw):
    CONFIGS[name] = dict(base, **kw)


# round 2 (64x64): which of Double DQN / squared loss matters, then one lever at a time on SB
_add("SD", SB, double_dqn=True)  # Double, Huber
_add("SQ", SB, loss="squared")  # no Double, squared
_add("SB-lr1.5", SB, learning_rate=1.5e-3)
_add("SB-lr3.5", SB, learning_rate=3.5e-3)
_add("SB-b64", SB, batch_size=64)
_add("SB-b256", SB, batch_size=256)
_add("SB-g64", SB, gradient_steps=64)
_add("SB-eps.01", SB, exploration_final_eps=0.01)
_add("SB-x16k", SB, exploration_steps=16_000)
_add("SB-g.98", SB, gamma=0.98)
_add("SB-noclip", SB, max_grad_norm=float("inf"))
_add("SB-ls5k", SB, learning_starts=5_000)

# round 3: gamma 0.98 was the only single change reaching 8/10; its neighbourhood and combinations
G98 = dict(SB, gamma=0.98)
_add("SB-g.97", SB, gamma=0.97)
_add("SB-g.985", SB, gamma=0.985)
_add("G98-eps.01", G98, exploration_final_eps=0.01)
_add("G98-b64", G98, batch_size=64)
_add("G98-lr3", G98, learning_rate=3e-3)
_add("G98-lr1.8", G98, learning_rate=1.8e-3)
_add("G98-g96", G98, gradient_steps=96)
CONFIGS["G98"] = G98

# round 4: target smoothing and phase length (SB3-expressible)
_add("SB-tau.05", SB, tau=0.05)
_add("SB-tau.2", SB, tau=0.2)
_add("SB-g192", SB, gradient_steps=192)
_add("SB-t512", SB, train_freq=512, gradient_steps=256)

# round 5: S1 (Double DQN, squared loss, 64x64) solved 9/10 tuning and 8/10 held-out seeds; neighbours
_add("S1-g.98", S1, gamma=0.98)
_add("S1-eps.01", S1, exploration_final_eps=0.01)
_add("S1-lr2", S1, learning_rate=2e-3)
_add("S1-lr2.6", S1, learning_rate=2.6e-3)
_add("S1-g96", S1, gradient_steps=96)

# round 6: n-step returns (SB3 >= 2.6 has DQN(n_steps=n) with the same window rules as DQNConfig.n_step)
_add("SB-n2", SB, n_step=2)
_add("SB-n3", SB, n_step=3)
_add("SB-n5", SB, n_step=5)
_add("SB-n4", SB, n_step=4)  # -> the DQNConfig defaults since this round

# round 7: neighbours of SB-n4
N4 = CONFIGS["SB-n4"]
_add("N4-b64", N4, batch_size=64)
_add("N4-eps.01", N4, exploration_final_eps=0.01)
_add("S1-n4", S1, n_step=4)  # Double DQN + squared loss + 4-step
_add("N4-b64-eps.01", N4, batch_size=64, exploration_final_eps=0.01)
_add("S1-n3", S1, n_step=3)


def heldout_seeds(n=10):
    return [int(s.generate_state(1)[0] & 0x7FFFFFFF) for s in np.random.SeedSequence(0).spawn(n)]


def run_config(cfg: dict, seeds: str, steps: int, verbose: bool):
    if seeds == "tune":
        pairs = [(s, 1000 + s) for s in range(10)]
    elif seeds == "extra":
        pairs = [(s, 1000 + s) for s in range(10, 20)]
    else:
        pairs = [(s, 10_000 * r + steps) for r, s in enumerate(heldout_seeds())]
    finals, walls = [], []
    for s, es in pairs:
        ag = DQN("CartPole-v1", config=DQNConfig(**cfg), seed=s, compiled=True)
        t = time.perf_counter()
        ag.learn(steps)
        walls.append(time.perf_counter() - t)
        finals.append(float(ag.evaluate_returns(10, seed=es).mean()))
        if verbose:
            print(f"   seed {s}: final {finals[-1]:6.1f}  wall {walls[-1]:5.2f} s", flush=True)
    return finals, walls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", default="S1")
    ap.add_argument("--seeds", choices=("tune", "heldout", "extra"), default="tune")
    ap.add_argument("--steps", type=int, default=50_000)
    ap.add_argument("--set", action="append", default=[], help="extra override name=json-value for all configs")
    ap.add_argument("--log", default=None, help="append one JSON line per config to this file")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("-v", action="store_true", help="print each seed")
    args = ap.parse_args()
    if args.list:
        for k, v in CONFIGS.items():
            print(k, {f: x for f, x in v.items() if BASE.get(f) != x})
        return
    extra = {}
    for kv in args.set:
        k, v = kv.split("=", 1)
        extra[k] = json.loads(v)
    DQN("CartPole-v1", config=DQNConfig(**S1), seed=0).learn(2_000)  # compile / load the cache first
    for name in args.configs.split(","):
        cfg = dict(CONFIGS[name], **extra)
        if "hidden" in extra:
            cfg["hidden"] = tuple(cfg["hidden"])
        finals, walls = run_config(cfg, args.seeds, args.steps, args.v)
        solved = sum(f >= 475 for f in finals)
        diff = {f: x for f, x in cfg.items() if BASE.get(f) != x}
        print(
            f"{name:10s} {args.seeds:7s} solved {solved:2d}/10  mean final {np.mean(finals):6.1f}  "
            f"mean wall {np.mean(walls):5.2f} s  finals {[round(f) for f in finals]}  {diff}",
            flush=True,
        )
        if args.log:
            with open(args.log, "a") as fh:
                fh.write(
                    json.dumps(
                        {
                            "name": name,
                            "seeds": args.seeds,
                            "solved": solved,
                            "finals": finals,
                            "walls": walls,
                            "cfg": {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()},
                        }
                    )
                    + "\n"
                )


if __name__ == "__main__":
    main()
