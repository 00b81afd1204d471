"""The speed comparisons of ``benches/report.py``, fastfa first, each peer labelled by kind.

Each ``row_*`` returns ``(title, unit, sides, note)``; the driver calibrates, interleaves and
summarises.  Baselines: "outside" = a library or published code users pick (gymnasium, Sutton's
tiles3 algorithm, SB3, cpprb, torch, CleanRL's script, MushroomRL, JAX); "in-repo" = a loop
written in this repository (labelled so in the tables).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from report_lib import Side

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # tests/naive.py: the published tiles3 algorithm
sys.path.insert(0, str(HERE / "peers"))


def timed(body):
    """``fn(n, r)`` from ``body(n, r) -> units``."""

    def fn(n, r):
        t = time.perf_counter()
        u = body(n, r)
        return time.perf_counter() - t, u

    return fn


# ------------------------------------------------------------------ tile coding
def row_tiles(quick):
    from naive import RefIHT, ref_tiles

    import fastfa.tiles3 as t3

    states = [list(s) for s in np.random.default_rng(0).uniform(0, 8, size=(4096, 2))]

    def calls(fn, table):
        def body(n, r):
            for i in range(n):
                fn(table, 8, states[i & 4095], [i % 3])
            return n

        return timed(body)

    sides = [
        Side("fastfa `tiles3.tiles` (C)", "fastfa", calls(t3.tiles, t3.IHT(4096)), 20_000),
        Side("tiles3 algorithm, pure Python (tests/naive.py)", "outside", calls(ref_tiles, RefIHT(4096)), 2_000),
    ]
    return "`tiles()` from Python, 8 tilings, 2-D + 1 int, IHT 4096", "calls/s", sides, ""


# ------------------------------------------------------------------ Mountain Car SARSA
def _textbook(n, seed):
    """The published reproduction: gymnasium env + pure tiles3 (action as an int coordinate),
    tiles computed 5 times per step (as the widely copied code does)."""
    import gymnasium
    from naive import RefIHT, ref_tiles

    env = gymnasium.make("MountainCar-v0", max_episode_steps=100_000).unwrapped
    iht, w, alpha, rng = RefIHT(4096), np.zeros(4096), 0.5 / 8, np.random.default_rng(seed)

    def feats(s, a):
        return ref_tiles(iht, 8, [8 * s[0] / 1.7, 8 * s[1] / 0.14], [a])

    def act(s):
        q = [w[feats(s, a)].sum() for a in range(3)]
        return int(rng.choice(np.flatnonzero(q == np.max(q))))

    s, _ = env.reset(seed=seed)
    a = act(s)
    for _ in range(n):
        s2, r, term, _, _ = env.step(a)
        f = feats(s, a)
        if term:
            w[f] += alpha * (r - w[f].sum())
            s, _ = env.reset()
            a = act(s)
            continue
        a2 = act(s2)
        w[f] += alpha * (r + w[feats(s2, a2)].sum() - w[f].sum())
        s, a = s2, a2
    return n


def lean_loop(n, seed):
    """What a careful user writes: tiles of a state computed once (reused as the next step's
    current tiles), one weight row per tile with a column per action, gymnasium's env."""
    import gymnasium
    from naive import RefIHT, ref_tiles

    env = gymnasium.make("MountainCar-v0", max_episode_steps=100_000).unwrapped
    iht, w, alpha, rng = RefIHT(4096), np.zeros((4096, 3)), 0.5 / 8, np.random.default_rng(seed)

    def feats(s):
        return ref_tiles(iht, 8, [8 * s[0] / 1.7, 8 * s[1] / 0.14])

    def act(f):
        q = w[f].sum(axis=0)
        return int(rng.choice(np.flatnonzero(q == q.max())))

    s, _ = env.reset(seed=seed)
    f = feats(s)
    a = act(f)
    for _ in range(n):
        s2, r, term, _, _ = env.step(a)
        q = w[f, a].sum()
        if term:
            w[f, a] += alpha * (r - q)
            s, _ = env.reset()
            f = feats(s)
            a = act(f)
            continue
        f2 = feats(s2)
        a2 = act(f2)
        w[f, a] += alpha * (r + w[f2, a2].sum() - q)
        f, a = f2, a2
    return n


def _compiled_mc(n, seed):
    from fastfa.agents.population import run_population

    t = time.perf_counter()
    out = run_population("MountainCar-v0", "sarsa", alphas=[0.5 / 8], runs=1, episodes=n, seed=seed, threads=1)
    return time.perf_counter() - t, out["env_steps"]


def row_mountaincar(quick):
    sides = [
        Side("fastfa compiled loop (`run_population`)", "fastfa", _compiled_mc, 20),
        Side("lean Python loop: gymnasium + tiles3, tiles once per state", "in-repo", timed(lean_loop), 2000),
        Side("textbook loop: gymnasium + tiles3, 5 tile calls per step", "outside", timed(_textbook), 1000),
    ]
    note = (
        "SARSA, 8 tilings, alpha 0.5/8, epsilon 0, gamma 1, 1 thread. All sides are timed around the whole call. The lean loop is "
        "written in this repository (benches/report_rows.py) as a careful user would."
    )
    return "Mountain Car SARSA, env steps per second", "env steps/s", sides, note


# ------------------------------------------------------------------ A2C vs SB3
def row_a2c(quick):
    steps = 5_000 if quick else 100_000

    def fastfa(n, seed):
        from fastfa.agents import A2CMLP

        ag = A2CMLP("CartPole-v1", seed=seed)
        t = time.perf_counter()
        ag.learn(n)
        return time.perf_counter() - t, n

    def sb3(n, seed):
        import torch
        from stable_baselines3 import A2C
        from stable_baselines3.common.env_util import make_vec_env

        torch.set_num_threads(1)
        env = make_vec_env("CartPole-v1", n_envs=8, seed=seed)
        m = A2C("MlpPolicy", env, n_steps=5, gamma=0.99, learning_rate=7e-4, ent_coef=0.0, seed=seed, device="cpu")
        t = time.perf_counter()
        m.learn(n)
        return time.perf_counter() - t, n

    fastfa(400, 0)
    sides = [
        Side("fastfa `A2CMLP` (compiled)", "fastfa", fastfa, steps, calibrate=False),
        Side("SB3 `A2C`, torch 1 thread", "outside", sb3, steps, calibrate=False),
    ]
    note = (
        f"CartPole-v1, {steps:,} env steps per round, one seed per round (round r = seed r, both sides), "
        "SB3/RL-Zoo settings: 8 envs x 5 steps, RMSprop 7e-4, 64-64 tanh actor and critic, no entropy bonus."
    )
    return "CartPole A2C training, same hyper-parameters", "env steps/s", sides, note


# ------------------------------------------------------------------ DQN on CartPole vs SB3 and CleanRL
def row_dqn_sb3(quick):
    import sb3_cartpole
    from fastfa.agents.dqn import DQN, DQNConfig

    steps = 5_000 if quick else 50_000
    cfg = DQNConfig()

    def fastfa(n, seed):
        ag = DQN("CartPole-v1", config=cfg, seed=seed)
        t = time.perf_counter()
        ag.learn(n)
        return time.perf_counter() - t, n

    def sb3(n, seed):
        import torch
        from stable_baselines3 import DQN as SB3DQN

        torch.set_num_threads(1)
        m = SB3DQN("MlpPolicy", "CartPole-v1", seed=seed, **sb3_cartpole.sb3_kwargs(cfg, n))
        t = time.perf_counter()
        m.learn(n)
        return time.perf_counter() - t, n

    fastfa(2000, 0)
    sides = [
        Side("fastfa `DQN` (compiled loop)", "fastfa", fastfa, steps, calibrate=False),
        Side("SB3 `DQN`, torch 1 thread", "outside", sb3, steps, calibrate=False),
    ]
    note = (
        f"CartPole-v1, {steps:,} env steps per round, seed r in round r; fastfa's defaults expressed in SB3 "
        "(64x64 ReLU, 4-step returns, Huber, clip 10, Adam 2.3e-3 decaying, batch 64, 128 gradient steps every 256)."
    )
    return "CartPole DQN training, same hyper-parameters", "env steps/s", sides, note


def row_dqn_cleanrl(quick):
    import cleanrl_dqn
    from fastfa.agents.dqn import DQN

    steps = 20_000 if quick else 100_000

    def fastfa(n, seed):
        ag = DQN("CartPole-v1", config=cleanrl_dqn.fastfa_config(n), seed=seed)
        t = time.perf_counter()
        ag.learn(n)
        return time.perf_counter() - t, n

    def clean(n, seed):
        t = time.perf_counter()
        cleanrl_dqn.train(n, seed)
        return time.perf_counter() - t, n

    fastfa(11_000, 0)
    sides = [
        Side("fastfa `DQN` configured like CleanRL", "fastfa", fastfa, steps, calibrate=False),
        Side("CleanRL-style single-file DQN (benches/peers/cleanrl_dqn.py)", "outside", clean, steps, calibrate=False),
    ]
    note = (
        f"CartPole-v1, {steps:,} env steps per round. CleanRL dqn.py defaults on both sides: 120-84 ReLU, "
        "1-step targets, squared loss (fastfa ½δ², CleanRL mean δ²: the same under Adam up to eps), no clipping, "
        "constant Adam 2.5e-4, buffer 10k, batch 128, train every 10 steps after 10k, target copy every 500, "
        "ε 1 → 0.05 over half the run. The CleanRL side is re-written from the published script's defaults "
        "(SB3 replay buffer, torch 1 thread), not vendored."
    )
    return "CartPole DQN training, CleanRL's defaults", "env steps/s", sides, note


# ------------------------------------------------------------------ Puck World actor-critic
def _puck_python(n, seed, alpha=0.01 / 8, alpha_ls=0.001 / 8, alpha_w=0.5 / 8, gamma=0.9):
    """A sparse Python loop: one-step actor-critic with a Gaussian policy (mean and log-std linear
    in the tiles), touching only the 8 active rows per step, on the gymnasium Puck World env."""
    import gymnasium

    import fastfa.envs  # noqa: F401 - registers fastfa/PuckWorld-v0
    from fastfa.agents.pg_compiled import puckworld_features

    tc = puckworld_features(4, 8, 16384)
    env = gymnasium.make("fastfa/PuckWorld-v0", max_episode_steps=300)
    rng = np.random.default_rng(seed)
    mu_w, ls_w, w = np.zeros((16384, 2)), np.zeros((16384, 2)), np.zeros(16384)

    def feats(o):
        return tc.indices([o[4] - o[0], o[5] - o[1], o[2], o[3]])

    o, _ = env.reset(seed=seed)
    f = feats(o)
    for _ in range(n):
        mu = mu_w[f].sum(axis=0)
        sd = np.clip(np.exp(ls_w[f].sum(axis=0)), 0.05, 2.0)
        a = mu + sd * rng.standard_normal(2)
        o2, r, term, trunc, _ = env.step(np.clip(a, -1.0, 1.0))  # learning uses the unclipped draw
        f2 = feats(o2)
        v = w[f].sum()
        delta = r + (0.0 if term else gamma * w[f2].sum()) - v
        z = (a - mu) / sd
        w[f] += alpha_w * delta
        mu_w[f] += alpha * delta * z / sd
        ls_w[f] += alpha_ls * delta * (z * z - 1.0)
        if term or trunc:
            o2, _ = env.reset()
            f2 = feats(o2)
        f = f2
    return n


def row_puckworld(quick):
    from fastfa.agents.pg_compiled import puckworld_train

    kw = dict(
        alpha=0.01,
        alpha_ls=0.001,
        alpha_w=0.5,
        gamma=0.9,
        lam=0.0,
        lam_w=0.0,
        tiles_per_dim=4,
        size=16384,
        runs=1,
        n_threads=1,
    )

    def compiled(n, seed):
        t = time.perf_counter()
        out = puckworld_train("actor_critic", episodes=n, ep_len=300, seed=seed, **kw)
        return time.perf_counter() - t, out["steps"]

    sides = [
        Side("fastfa compiled actor-critic (`puckworld_train`)", "fastfa", compiled, 5),
        Side("sparse Python loop: gymnasium env, 8 active tiles", "in-repo", timed(_puck_python), 500),
    ]
    note = (
        "One-step actor-critic (λ = 0), Gaussian policy on 8 tilings of 4⁴ tiles hashed into 16,384 features, "
        "300-step episodes. The Python loop (benches/report_rows.py) updates only the 8 active rows per step, "
        "with fastfa's tile coder called from Python; it replaces the dense `ActorCritic` baseline of the "
        "former ~8000x row."
    )
    return "Puck World actor-critic, env steps per second", "env steps/s", sides, note
