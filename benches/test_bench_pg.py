"""Policy-gradient speed: batched softmax score kernel, compiled REINFORCE, compiled MLP A2C vs SB3.

    pytest benches/test_bench_pg.py --benchmark-enable --benchmark-only -q \
        --benchmark-group-by=group --benchmark-columns=min,median,mean,rounds

Groups (each pairs fastfa with its baseline in the same run):

* ``softmax-batch-grad``: Σ_i w_i ∇_θ ln π(a_i|s_i) for 1024 states x 16 features x 4 actions
  (θ [16, 4]): the Numba kernel, vectorised NumPy, and a per-sample Python loop (64 samples,
  scaled in ``extra_info``).
* ``short-corridor-reinforce``: REINFORCE (α = 2^-13) on the short corridor, 200 episodes: the
  compiled loop vs the ``Reinforce`` agent on the gymnasium env (Python loop + compiled kernels).
* ``cartpole-a2c``: 20k env steps of A2C with SB3's A2C / RL-Zoo CartPole settings (8 envs x 5
  steps, RMSprop 7e-4, 64-64 tanh actor and critic): ``A2CMLP`` (compiled) vs SB3's ``A2C`` with
  ``DummyVecEnv`` on one torch thread (skipped unless stable-baselines3 is installed).
"""

import numpy as np
import pytest

from fastfa.kernels.linear import policy_gradient as K

B, F, A = 1024, 16, 4


def _data():
    rng = np.random.default_rng(0)
    return (rng.normal(size=(F, A)) * 0.3, rng.normal(size=(B, F)), rng.integers(0, A, B), rng.normal(size=B))


def numpy_batch_grad(theta, x, a, w):
    h = x @ theta
    h -= h.max(axis=1, keepdims=True)
    p = np.exp(h)
    p /= p.sum(axis=1, keepdims=True)
    c = -p * w[:, None]
    c[np.arange(len(a)), a] += w
    return x.T @ c


def python_batch_grad(theta, x, a, w):
    g = [[0.0] * A for _ in range(F)]
    for i in range(len(a)):
        h = [sum(x[i][f] * theta[f][b] for f in range(F)) for b in range(A)]
        m = max(h)
        e = [np.exp(v - m) for v in h]
        z = sum(e)
        for b in range(A):
            c = w[i] * ((1.0 if b == a[i] else 0.0) - e[b] / z)
            for f in range(F):
                g[f][b] += c * x[i][f]
    return g


@pytest.mark.benchmark(group="softmax-batch-grad")
def test_kernel_batch_grad(benchmark):
    theta, x, a, w = _data()
    probs, grad = np.empty((B, A)), np.empty((F, A))
    K.softmax_pa_batch_grad(theta, x, a, w, probs, grad)
    benchmark(K.softmax_pa_batch_grad, theta, x, a, w, probs, grad)
    np.testing.assert_allclose(grad, numpy_batch_grad(theta, x, a, w), atol=1e-10)


@pytest.mark.benchmark(group="softmax-batch-grad")
def test_numpy_batch_grad(benchmark):
    theta, x, a, w = _data()
    benchmark(numpy_batch_grad, theta, x, a, w)


@pytest.mark.benchmark(group="softmax-batch-grad")
def test_python_per_sample_batch_grad(benchmark):
    theta, x, a, w = _data()
    n = 64
    args = (theta.tolist(), x[:n].tolist(), a[:n].tolist(), w[:n].tolist())
    benchmark.pedantic(python_batch_grad, args=args, rounds=5, iterations=1)
    benchmark.extra_info["scaled_to_1024_s"] = benchmark.stats.stats.min * B / n


@pytest.mark.benchmark(group="short-corridor-reinforce")
def test_short_corridor_compiled(benchmark):
    from fastfa.agents.pg_compiled import short_corridor_reinforce

    short_corridor_reinforce(2**-13, episodes=2, runs=1)
    out = {}

    def go():
        out["r"] = short_corridor_reinforce(2**-13, episodes=200, runs=1, seed=0, n_threads=1)

    benchmark.pedantic(go, rounds=5, iterations=1)
    benchmark.extra_info["env_steps_per_s"] = out["r"]["steps"] / benchmark.stats.stats.min


@pytest.mark.benchmark(group="short-corridor-reinforce")
def test_short_corridor_python_agent(benchmark):
    import gymnasium

    from fastfa.agents import ConstantFeatures, Reinforce

    env = gymnasium.make("fastfa/ShortCorridor-v0")
    out = {}

    def go():
        ag = Reinforce(env, ConstantFeatures(), alpha=2**-13, seed=0)
        ag.policy.theta[0] = [1.47, -1.47]
        out["log"] = ag.learn(episodes=200).log

    benchmark.pedantic(go, rounds=2, iterations=1)
    benchmark.extra_info["env_steps_per_s"] = out["log"].total_steps / benchmark.stats.stats.min


A2C_STEPS = 20_000


@pytest.mark.benchmark(group="cartpole-a2c")
def test_a2c_compiled(benchmark):
    from fastfa.agents import A2CMLP

    A2CMLP("CartPole-v1", seed=0).learn(400)

    def go():
        A2CMLP("CartPole-v1", seed=0).learn(A2C_STEPS)

    benchmark.pedantic(go, rounds=3, iterations=1)
    benchmark.extra_info["env_steps_per_s"] = A2C_STEPS / benchmark.stats.stats.min


@pytest.mark.benchmark(group="cartpole-a2c")
def test_a2c_sb3(benchmark):
    sb3 = pytest.importorskip("stable_baselines3")
    import torch
    from stable_baselines3.common.env_util import make_vec_env

    torch.set_num_threads(1)

    def go():
        env = make_vec_env("CartPole-v1", n_envs=8, seed=0)
        model = sb3.A2C("MlpPolicy", env, n_steps=5, gamma=0.99, learning_rate=7e-4, ent_coef=0.0, seed=0, device="cpu")
        model.learn(A2C_STEPS)

    benchmark.pedantic(go, rounds=1, iterations=1)
    benchmark.extra_info["env_steps_per_s"] = A2C_STEPS / benchmark.stats.stats.min


@pytest.mark.benchmark(group="puckworld-actor-critic")
@pytest.mark.parametrize("lam", [0.0, 0.9])
def test_puckworld_ac_compiled(benchmark, lam):
    """One-step (λ = 0, sparse updates) and λ = 0.9 (sparse trace list, trace_min 1e-8; the experiment's setting)."""
    from fastfa.agents.pg_compiled import puckworld_train

    kw = dict(
        alpha=0.01,
        alpha_ls=0.001,
        alpha_w=0.5,
        gamma=0.9,
        lam=lam,
        lam_w=lam,
        tiles_per_dim=4,
        size=16384,
        runs=1,
        n_threads=1,
    )
    puckworld_train("actor_critic", episodes=1, ep_len=10, **kw)
    out = {}

    def go():
        out["r"] = puckworld_train("actor_critic", episodes=100, ep_len=300, **kw)

    benchmark.pedantic(go, rounds=3, iterations=1)
    benchmark.extra_info["env_steps_per_s"] = out["r"]["steps"] / benchmark.stats.stats.min


@pytest.mark.benchmark(group="puckworld-actor-critic")
def test_puckworld_ac_python_agent(benchmark):
    """The ActorCritic agent (Python loop) with the same features and a Gaussian policy (dense x)."""
    import gymnasium

    from fastfa.agents import ActorCritic
    from fastfa.agents.pg_compiled import puckworld_features

    class Rel:  # the compiled loop's features: tiles of (target - puck, velocity)
        sparse, n_features = True, 16384

        def __init__(self):
            self.tc = puckworld_features(4, 8, 16384)

        def indices(self, obs):
            return self.tc.indices([obs[4] - obs[0], obs[5] - obs[1], obs[2], obs[3]])

    env = gymnasium.make("fastfa/PuckWorld-v0", max_episode_steps=300)
    agent = ActorCritic(env, Rel(), alpha=0.01 / 8, alpha_w=0.5 / 8, gamma=0.9, gamma_t=False, seed=0)
    out = {}

    def go():
        before = agent.log.total_steps  # the log accumulates over learn calls
        agent.learn(episodes=1)
        out["steps"] = agent.log.total_steps - before

    benchmark.pedantic(go, rounds=2, iterations=1)
    benchmark.extra_info["env_steps_per_s"] = out["steps"] / benchmark.stats.stats.min
