"""Policy-gradient agents on a user's CompiledEnv: the fused compiled loop gives the Python loop's
numbers bit for bit (parameters, critic, episode log, generator states), softmax and Gaussian."""

import numpy as np
import pytest
from conftest import scale

from fastfa.agents import QAC, ActorCritic, Reinforce, ReinforceBaseline
from fastfa.envs.examples import user_continuous_mountain_car, user_mountain_car
from fastfa.features import GridTileCoder

CASES = [
    (Reinforce, dict(alpha=1e-5, gamma=0.99)),
    (ReinforceBaseline, dict(alpha=1e-4, alpha_w=0.1 / 8, gamma=0.99)),
    (ActorCritic, dict(alpha=0.01 / 8, alpha_w=0.1 / 8, gamma=0.99)),
]
ENVS = {"softmax": lambda: user_mountain_car(200), "gaussian": lambda: user_continuous_mountain_car(300)}


def _train(cls, kw, env_name, compiled, budget):
    agent = cls(ENVS[env_name](), GridTileCoder([-1.2, -0.07], [0.6, 0.07], 8, 8), seed=3, **kw)
    agent.learn(compiled=compiled, **budget)
    params = [agent.policy.theta] if agent.discrete else [agent.policy.theta_mu, agent.policy.log_std_b]
    return agent, params + [agent.w]


@pytest.mark.parametrize("env_name", sorted(ENVS))
@pytest.mark.parametrize("cls,kw", CASES, ids=[c[0].__name__ for c in CASES])
def test_compiled_equals_python_loop(cls, kw, env_name):
    budget = dict(total_steps=scale(2500, 400))  # ends inside an episode: the cut one is not learned from
    a, pa = _train(cls, kw, env_name, False, budget)
    b, pb = _train(cls, kw, env_name, True, budget)
    assert a.log.n_episodes >= 2
    for x, y in zip(pa, pb):
        np.testing.assert_array_equal(x, y)
    assert np.any(pa[0] != 0.0)  # it learned something
    assert a.log.returns == b.log.returns and a.log.lengths == b.log.lengths
    assert a.log.total_steps == b.log.total_steps == budget["total_steps"]
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    assert a.env.unwrapped.np_random.bit_generator.state == b.env.unwrapped.np_random.bit_generator.state


@pytest.mark.parametrize("steps", [scale(2500, 400), 200])  # 200: the budget ends exactly with an episode's truncation
def test_qac_compiled_equals_python_loop(steps):
    """QAC (softmax only) draws A' inside its update, before the critic step: same numbers both ways."""
    kw = dict(alpha=1e-3 / 8, alpha_w=0.1 / 8, gamma=0.99)
    a, pa = _train(QAC, kw, "softmax", False, dict(total_steps=steps))
    b, pb = _train(QAC, kw, "softmax", True, dict(total_steps=steps))
    assert a.w.shape == (a.features.n_features, 3)
    assert np.any(a.w != 0.0) and np.any(pa[0] != 0.0)
    for x, y in zip(pa, pb):
        np.testing.assert_array_equal(x, y)
    assert a.log.returns == b.log.returns and a.log.lengths == b.log.lengths
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    # and it learns on a built-in twin through the same loop (gymnasium's MountainCar)
    c = QAC("MountainCar-v0", GridTileCoder([-1.2, -0.07], [0.6, 0.07], 8, 8), seed=3, **kw)
    c.learn(total_steps=400, compiled=True)
    d = QAC("MountainCar-v0", GridTileCoder([-1.2, -0.07], [0.6, 0.07], 8, 8), seed=3, **kw)
    d.learn(total_steps=400, compiled=False)
    np.testing.assert_array_equal(c.w, d.w)


def test_episode_budget_and_callback_keep_the_numbers():
    """An episode budget with a per-episode callback (one episode per kernel call) continues one stream."""
    seen = []
    a, pa = _train(ActorCritic, CASES[2][1], "softmax", False, dict(episodes=3))
    b = ActorCritic(user_mountain_car(200), GridTileCoder([-1.2, -0.07], [0.6, 0.07], 8, 8), seed=3, **CASES[2][1])
    b.learn(episodes=3, compiled=True, callback=lambda info: seen.append(info["length"]))
    np.testing.assert_array_equal(pa[0], b.policy.theta)
    assert seen == a.log.lengths == b.log.lengths


@pytest.mark.parametrize("env_name", sorted(ENVS))
@pytest.mark.parametrize("lams", [(0.8, 0.0), (0.0, 0.9), (0.7, 0.9)])
def test_actor_critic_with_traces_compiled_equals_python_loop(lams, env_name):
    """Actor-critic with eligibility traces (softmax and Gaussian): the dense trace update of the Python
    agent, operation for operation, in the fused loop (γ < 1 and γᵗ on: I and the trace decays matter;
    Gaussian: a separate log-std step size, so α_σ/α is exercised)."""
    kw = dict(alpha=0.01 / 8, alpha_w=0.1 / 8, gamma=0.97, lam=lams[0], lam_w=lams[1])
    if env_name == "gaussian":
        kw.update(alpha=1e-3 / 8, alpha_std=3e-4 / 8)
    budget = dict(total_steps=scale(1500, 450))
    a, pa = _train(ActorCritic, kw, env_name, False, budget)
    b, pb = _train(ActorCritic, kw, env_name, True, budget)
    for x, y in zip(pa, pb):
        np.testing.assert_array_equal(x, y)
    fresh = ActorCritic(ENVS[env_name](), GridTileCoder([-1.2, -0.07], [0.6, 0.07], 8, 8), seed=3, **kw)
    p0 = [fresh.policy.theta] if fresh.discrete else [fresh.policy.theta_mu, fresh.policy.log_std_b]
    assert all(np.any(p != q) for p, q in zip(pa, p0 + [fresh.w]))  # every parameter array moved
    assert a.log.returns == b.log.returns and a.log.lengths == b.log.lengths
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    # the traces change the result: the one-step agent learns other parameters
    c, pc = _train(ActorCritic, dict(kw, lam=0.0, lam_w=0.0), env_name, True, budget)
    assert not np.array_equal(pc[0], pa[0])


def test_without_a_compiled_loop_compiled_true_says_why():
    from fastfa.features import Fourier

    agent = Reinforce(user_mountain_car(200), Fourier([-1.2, -0.07], [0.6, 0.07], order=2))
    with pytest.raises(ValueError, match="GridTileCoder"):  # dense features: the Python loop only
        agent.learn(total_steps=10, compiled=True)


@pytest.mark.parametrize("env_name", sorted(ENVS))
@pytest.mark.parametrize("cls", [Reinforce, ReinforceBaseline])
def test_reinforce_over_n_rollouts_compiled_equals_python_loop(cls, env_name):
    """REINFORCE with the gradient averaged over N = 3 rollouts (θ fixed within a batch): the fused loop
    == the Python loop, also when a batch spans two learn calls (4 episodes, then 4 more)."""
    kw = dict(alpha=2e-4 if env_name == "softmax" else 2e-5, gamma=0.99, n_rollouts=3)
    if cls is ReinforceBaseline:
        kw["alpha_w"] = 0.1 / 8
    if env_name == "gaussian":
        kw["alpha_std"] = 1e-5
    out = []
    for compiled in (True, False):
        a = cls(ENVS[env_name](), GridTileCoder([-1.2, -0.07], [0.6, 0.07], 8, 8), seed=3, **kw)
        a.learn(episodes=4, compiled=compiled)
        assert a._n_eps == 1  # one episode of the second batch summed
        a.learn(episodes=4, compiled=compiled)
        params = [a.policy.theta] if a.discrete else [a.policy.theta_mu, a.policy.log_std_b]
        out.append((params + [a.w], a.log.lengths, a.rng.bit_generator.state, a._n_eps))
    for x, y in zip(out[0][0], out[1][0]):
        np.testing.assert_array_equal(x, y)
    assert out[0][1:] == out[1][1:] and out[0][3] == 2
    assert np.any(out[0][0][0] != 0.0)
    # the mean over rollouts is not the book's per-step update
    one = cls(ENVS[env_name](), GridTileCoder([-1.2, -0.07], [0.6, 0.07], 8, 8), seed=3, **dict(kw, n_rollouts=1))
    one.learn(episodes=8, compiled=True)
    assert not np.array_equal(one.policy.theta if one.discrete else one.policy.theta_mu, out[0][0][0])
