"""Small deterministic runs whose outputs must not depend on compilation.

``tests/test_zz_interpreted.py`` computes every case here twice: compiled (in the test process) and
with ``NUMBA_DISABLE_JIT=1`` (``python interp_cases.py OUT.npz`` in a subprocess), then compares the
arrays: integers exactly, floats to ``RTOL``.  Sizes are small so the interpreted side stays fast.
Each case returns a dict of NumPy arrays.
"""

import sys

import numpy as np

RTOL = 1e-12  # same operations in the same order; measured: all equal but A2C-MLP (1e-15: libm tanh/exp)


def tiles():
    from fastfa import tiles3
    from fastfa.features import TileCoder

    rng = np.random.default_rng(0)
    pts = rng.uniform(-3, 3, size=(40, 3))
    iht = tiles3.IHT(512)  # small table: collisions once full
    a = np.array([tiles3.tiles(iht, 8, list(p)) for p in pts])
    b = np.array([tiles3.tileswrap(2**20, 4, list(p), [6, False, 6]) for p in pts])
    tc = TileCoder(low=[-3] * 3, high=[3] * 3, tiles_per_dim=5, n_tilings=8, size=2**12)
    return {"iht": a, "wrap": b, "coder": np.array([tc.indices(p) for p in pts])}


def control_population():
    from fastfa.agents.population import run_population

    out = {}
    for alg in ("sarsa", "sarsa_lambda", "true_online_sarsa_lambda", "q_learning", "expected_sarsa"):
        r = run_population(
            "MountainCar-v0", alg, alphas=[0.5 / 8], lams=[0.9], runs=2, episodes=2, epsilon=0.1, max_steps=150, seed=4
        )
        out[alg] = r["steps"]
        out[alg + "_returns"] = r["returns"]
    r = run_population(
        "MountainCar-v0", "nstep_sarsa", alphas=[0.5 / 8], ns=[3], runs=2, episodes=2, max_steps=150, seed=4
    )
    out["nstep"] = r["steps"]
    return out


def short_corridor():
    from fastfa.agents.pg_compiled import short_corridor_reinforce

    a = short_corridor_reinforce(2**-8, gamma=0.9, episodes=15, runs=2, seed=1, n_threads=1)
    b = short_corridor_reinforce(2**-8, alpha_w=2**-5, episodes=15, runs=2, seed=1, n_threads=1)
    return {"returns": a["returns"], "p_right": a["p_right"], "b_returns": b["returns"], "b_p": b["p_right"]}


def puckworld():
    from fastfa.agents.pg_compiled import puckworld_train

    out = {}
    for m in ("reinforce", "actor_critic"):
        r = puckworld_train(
            m,
            episodes=2,
            ep_len=40,
            runs=1,
            seed=2,
            lam=0.5,
            lam_w=0.5,
            tiles_per_dim=4,
            n_tilings=4,
            size=1024,
            n_threads=1,
        )
        out[m + "_distance"] = r["distance"]
        out[m + "_theta"] = r["theta_mu"]
    return out


def replay():
    from fastfa.buffers import PrioritizedReplayBuffer, ReplayBuffer

    per = PrioritizedReplayBuffer(20, (2,), seed=3, alpha=0.6, beta=0.4)
    uni = ReplayBuffer(20, (2,), seed=3)
    for i in range(30):
        o = np.array([i, -i], np.float32)
        per.add(o, i % 3, float(i), o + 1, i % 7 == 0)
        uni.add(o, i % 3, float(i), o + 1, i % 7 == 0)
    per.update_priorities(np.arange(20), np.linspace(0.0, 4.0, 20))
    s = per.sample(8)
    u = uni.sample(8)
    return {"per_idx": s.indices, "per_w": s.weights, "per_tree": per.sum_tree, "uni_obs": u.obs}


def dqn():
    from fastfa.agents import DQN

    ag = DQN(
        "CartPole-v1",
        seed=0,
        hidden=(8,),
        learning_starts=40,
        train_freq=4,
        gradient_steps=1,
        target_update_interval=20,
        exploration_steps=60,
        buffer_size=100,
        batch_size=8,
    )
    ag.learn(120)
    return {"theta": ag.theta, "q": ag.q_values(np.array([[0.01, 0.0, 0.02, 0.0]])), "cnt": np.asarray(ag.cnt)}


def a2c_mlp():
    from fastfa.agents import A2CMLP

    a = A2CMLP("CartPole-v1", seed=0, hidden=(8,), n_envs=2, n_steps=3)
    a.learn(36)
    return {"theta_pi": a.theta_pi, "theta_v": a.theta_v}


CASES = {f.__name__: f for f in (tiles, control_population, short_corridor, puckworld, replay, dqn, a2c_mlp)}


def run_all() -> dict:
    return {f"{name}/{k}": np.asarray(v) for name, f in CASES.items() for k, v in f().items()}


if __name__ == "__main__":
    np.savez(sys.argv[1], **run_all())
