"""Python-loop policy-gradient agents: equal to the compiled loops, hand-computed steps, learning, errors."""

import gymnasium
import numpy as np
import pytest
from conftest import scale
from gymnasium import spaces

from fastfa.agents import QAC, ActorCritic, ConstantFeatures, PGConfig, Reinforce, ReinforceBaseline
from fastfa.agents.pg_compiled import short_corridor_reinforce

# These tests use the 0.1.0 constructor and learn(env, ...) forms on purpose: they show that the
# old forms keep working (with a DeprecationWarning) for one release.  The contract form is tested
# in test_contract.py.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class Bandit(gymnasium.Env):
    """One-step episodes; Discrete(k): reward = means[a]; Box(1): reward = -(a - 0.5)^2."""

    def __init__(self, continuous=False, means=(0.0, 1.0, 0.2)):
        self.observation_space = spaces.Box(0.0, 1.0, (1,), np.float32)
        self.action_space = spaces.Box(-1.0, 1.0, (1,), np.float32) if continuous else spaces.Discrete(len(means))
        self.means, self.continuous = means, continuous

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(1, np.float32), {}

    def step(self, a):
        r = -float((a[0] - 0.5) ** 2) if self.continuous else float(self.means[a])
        return np.zeros(1, np.float32), r, True, False, {}


def _sc_agent(cls, **kw):
    env = gymnasium.make("fastfa/ShortCorridor-v0")
    agent = cls(ConstantFeatures(), env.action_space, seed=5, **kw)
    agent.policy.theta[0] = [1.47, -1.47]  # (left, right): pi(right) ~ 0.05 as in the book
    return env, agent


def _sc_compiled(alpha, alpha_w, gamma, gamma_t, n):
    """The compiled short-corridor REINFORCE (the generic fused loop) from θ = (−1.47, 1.47) with the
    generator ``default_rng(5)``: (θ [right, left], w, returns)."""
    out = short_corridor_reinforce(
        alpha,
        alpha_w=alpha_w,
        gamma=gamma,
        gamma_t=gamma_t,
        episodes=n,
        theta0=(-1.47, 1.47),
        max_steps=10**6,
        seed_sequences=[np.random.SeedSequence(5)],
    )
    return out["theta"][0], out["w"][0:1], out["returns"][0]


@pytest.mark.parametrize("baseline", [False, True])
def test_reinforce_python_equals_compiled(baseline):
    n = scale(60, 15)
    kw = dict(alpha=2**-9, alpha_w=2**-6) if baseline else dict(alpha=2**-12)
    env, agent = _sc_agent(ReinforceBaseline if baseline else Reinforce, **kw)
    agent.learn(env, episodes=n, seed=0)
    th, w, R = _sc_compiled(kw["alpha"], kw.get("alpha_w", 0.0), 1.0, True, n)
    np.testing.assert_array_equal(agent.log.as_arrays()[0], R)
    np.testing.assert_allclose(agent.policy.theta[0], th[::-1], rtol=1e-9)
    if baseline:
        assert agent.w[0] == pytest.approx(w[0], rel=1e-9)


@pytest.mark.parametrize("gamma_t", [True, False])
def test_reinforce_discounted_gamma_t_switch_equals_compiled(gamma_t):
    n = scale(40, 10)
    env, agent = _sc_agent(Reinforce, alpha=2**-11, gamma=0.9, gamma_t=gamma_t)
    agent.learn(env, episodes=n, seed=0)
    th, w, R = _sc_compiled(2**-11, 0.0, 0.9, gamma_t, n)
    np.testing.assert_array_equal(agent.log.as_arrays()[0], R)
    np.testing.assert_allclose(agent.policy.theta[0], th[::-1], rtol=1e-9)


def test_qac_hand_step():
    env, agent = _sc_agent(QAC, alpha=0.1, alpha_w=0.5, gamma=0.9)
    agent.policy.theta[0] = [0.0, 0.0]
    agent.w[0] = [-1.0, -3.0]  # Q(s, left), Q(s, right)
    a0 = agent.begin_episode(0)
    q0 = agent.w[0, a0]
    agent.step(0, a0, -1.0, 1, False, False)
    a1 = agent._at
    g = np.array([-0.5, -0.5])
    g[a0] += 1
    np.testing.assert_allclose(agent.policy.theta[0], 0.1 * q0 * g)  # actor: alpha Q(S,A) grad ln pi
    q1 = [-1.0, -3.0][a1] if a1 != a0 else q0  # Q(S', A') read before the critic update
    want = q0 + 0.5 * (-1.0 + 0.9 * q1 - q0)
    assert agent.w[0, a0] == pytest.approx(want)
    assert agent.value(0) == pytest.approx(agent.policy.probs(np.ones(1)) @ agent.w[0])


def test_actor_critic_hand_step_with_traces():
    cfg = PGConfig(alpha=0.1, alpha_w=0.5, gamma=0.9, lam=0.5, lam_w=0.8)
    env, agent = _sc_agent(ActorCritic, **{k: getattr(cfg, k) for k in ("alpha", "alpha_w", "gamma", "lam", "lam_w")})
    agent.policy.theta[0] = [0.0, 0.0]
    agent.w[0] = -2.0
    agent.begin_episode(0)
    a0 = agent._at
    agent.step(0, a0, -1.0, 1, False, False)
    # delta = -1 + 0.9 (-2) - (-2) = -0.8; z_w = 1; w = -2 + 0.5 (-0.8); z_theta = grad = e_a - 0.5
    assert agent.w[0] == pytest.approx(-2.4)
    g = np.array([-0.5, -0.5])
    g[a0] += 1
    np.testing.assert_allclose(agent.policy.theta[0], 0.1 * -0.8 * g)
    th1, a1, p1 = agent.policy.theta[0].copy(), agent._at, agent.policy.probs(np.ones(1))
    agent.step(1, a1, -1.0, 3, True, False)  # terminal: delta = -1 - v(S)
    delta = -1.0 - (-2.4)
    g1 = -p1.copy()
    g1[a1] += 1
    z = 0.9 * 0.5 * g + 0.9 * g1  # I = gamma after one step (gamma_t)
    np.testing.assert_allclose(agent.policy.theta[0], th1 + 0.1 * delta * z, atol=1e-12)
    assert agent.w[0] == pytest.approx(-2.4 + 0.5 * delta * (0.9 * 0.8 + 1))


@pytest.mark.parametrize("cls", [Reinforce, ReinforceBaseline, ActorCritic, QAC])
def test_agents_learn_discrete_bandit(cls):
    env = Bandit()
    agent = cls(ConstantFeatures(), env.action_space, alpha=0.2, alpha_w=0.2, seed=1)
    agent.learn(env, episodes=scale(400, 200), seed=0)
    p = agent.policy.probs(np.ones(1))
    assert p[1] > 0.8 and agent.predict(np.zeros(1)) == 1


@pytest.mark.parametrize("cls", [Reinforce, ReinforceBaseline, ActorCritic])
def test_agents_learn_gaussian_bandit(cls):
    env = Bandit(continuous=True)
    agent = cls(ConstantFeatures(), env.action_space, alpha=0.05, alpha_w=0.2, init_std=0.5, seed=2)
    agent.learn(env, episodes=scale(1500, 600), seed=0)
    assert agent.predict(np.zeros(1))[0] == pytest.approx(0.5, abs=0.15)
    a = agent.predict(np.zeros(1), deterministic=False)
    assert a.shape == (1,) and a.dtype == np.float32 and -1 <= a[0] <= 1


def test_n_rollouts_holds_theta_then_averages():
    env, agent = _sc_agent(Reinforce, alpha=2**-10, n_rollouts=3)
    th0 = agent.policy.theta.copy()
    agent.learn(env, episodes=2, seed=0)
    np.testing.assert_array_equal(agent.policy.theta, th0)
    agent.learn(env, episodes=1)
    assert not np.array_equal(agent.policy.theta, th0)


def test_save_load_roundtrip(tmp_path):
    from fastfa.features import TileCoder

    env = gymnasium.make("fastfa/PuckWorldDiscrete-v0")
    tc = TileCoder(low=np.zeros(6), high=np.ones(6), tiles_per_dim=2, n_tilings=2, size=512)
    agent = ActorCritic(tc, env.action_space, alpha=0.01, alpha_w=0.05, seed=3)
    agent.learn(env, total_steps=scale(300, 50), seed=0)
    obs = env.reset(seed=1)[0]
    agent.save(tmp_path / "ac")
    back = ActorCritic.load(tmp_path / "ac")
    np.testing.assert_array_equal(back.policy.theta, agent.policy.theta)
    assert back.value(obs) == agent.value(obs) and back.predict(obs) == agent.predict(obs)
    assert back.predict(obs, deterministic=False) == agent.predict(obs, deterministic=False)


def test_errors():
    sp = spaces.Discrete(2)
    with pytest.raises(ValueError, match="alpha"):
        Reinforce(ConstantFeatures(), sp, alpha=0.0)
    with pytest.raises(ValueError, match="alpha_w"):
        ActorCritic(ConstantFeatures(), sp, alpha_w=-1.0)
    with pytest.raises(ValueError, match="init_std"):
        Reinforce(ConstantFeatures(), spaces.Box(-1, 1, (1,)), init_std=0.0)
    with pytest.raises(TypeError, match="action_space"):
        Reinforce(ConstantFeatures(), spaces.MultiBinary(3))
    with pytest.raises(TypeError, match="Discrete"):
        QAC(ConstantFeatures(), spaces.Box(-1, 1, (1,)))
    with pytest.raises(TypeError, match="no value"):
        Reinforce(ConstantFeatures(), sp).value(0)
    env, agent = _sc_agent(Reinforce, alpha=1e307)
    with pytest.raises(FloatingPointError, match="non-finite"):
        agent.learn(env, episodes=20, seed=0)
    env, agent = _sc_agent(ActorCritic, alpha_w=1e308)
    with pytest.raises(FloatingPointError, match="non-finite"):
        agent.learn(env, episodes=20, seed=0)
    with pytest.raises(ValueError, match="action_space"):
        Reinforce(ConstantFeatures(), spaces.Discrete(3)).learn(env, episodes=1)


@pytest.mark.parametrize("continuous", [False, True])
def test_one_step_sparse_path_equals_trace_path(continuous):
    """λ = 0 takes sparse updates; λ = 1e-300 takes the dense trace code: same parameters."""
    import dataclasses

    from fastfa.features import TileCoder

    env_id = "fastfa/PuckWorld-v0" if continuous else "fastfa/PuckWorldDiscrete-v0"
    env = gymnasium.make(env_id, max_episode_steps=scale(60, 20))
    tc = TileCoder(low=np.zeros(6), high=np.ones(6), tiles_per_dim=2, n_tilings=4, size=1024)
    kw = dict(alpha=0.05, alpha_w=0.2, gamma=0.9, init_std=0.5, seed=7)
    fast = ActorCritic(tc, env.action_space, **kw).learn(env, episodes=2, seed=0)
    slow = ActorCritic(tc, env.action_space, **kw)
    slow.config = dataclasses.replace(slow.config, lam=1e-300, lam_w=1e-300)
    slow.learn(env, episodes=2, seed=0)
    np.testing.assert_allclose(fast.w, slow.w, rtol=1e-9, atol=1e-12)
    for p, q in zip(fast._params(), slow._params()):
        np.testing.assert_allclose(p, q, rtol=1e-9, atol=1e-12)
