"""DQN: gradient-step kernel vs NumPy, determinism, Python loop == compiled loop, save/load resume,
non-finite loss, bad input, and learning CartPole on a reduced budget."""

import gymnasium
import numpy as np
import pytest

from conftest import JIT_DISABLED, scale
from fastfa.agents import DQN, DQNConfig
from fastfa.kernels.nn import dqn as K
from fastfa.kernels.nn import mlp as M
from naive_mlp import naive_backward, naive_forward, naive_td_loss

SMALL = dict(
    hidden=(16, 16),
    learning_starts=100,
    train_freq=4,
    gradient_steps=2,
    target_update_interval=50,
    exploration_steps=300,
    buffer_size=500,
    batch_size=16,
)


def _naive_dqn(theta, theta_t, sizes, x, a, r, disc, x2, w, double, kind):
    q2t, _ = naive_forward(theta_t, sizes, 0, x2)
    if double:
        q2, _ = naive_forward(theta, sizes, 0, x2)
        boot = q2t[np.arange(len(a)), q2.argmax(1)]
    else:
        boot = q2t.max(1)
    y = r + disc * boot
    q, _ = naive_forward(theta, sizes, 0, x)
    pred = q[np.arange(len(a)), a]
    loss, dpred = naive_td_loss(pred, y, w, kind, 1.0)
    dout = np.zeros_like(q)
    dout[np.arange(len(a)), a] = dpred
    return loss, naive_backward(theta, sizes, 0, x, dout), pred - y


@pytest.mark.parametrize("double", [False, True])
@pytest.mark.parametrize("kind", [M.LOSS_SQUARED, M.LOSS_HUBER])
def test_loss_grad_vs_naive(double, kind):
    rng = np.random.default_rng(0)
    sizes = np.array([3, 8, 4], np.int64)
    theta = np.empty(M.mlp_n_params(sizes))
    M.mlp_init(theta, sizes, rng)
    theta_t = theta + rng.normal(scale=0.1, size=theta.size)
    B = 6
    x, x2 = rng.normal(size=(B, 3)), rng.normal(size=(B, 3))
    a = rng.integers(0, 4, B)
    r = rng.normal(size=B) * 2
    disc = np.array([0.99, 0.0, 0.99, 0.5, 0.0, 0.99])  # terminal rows bootstrap with 0
    w = rng.uniform(0.2, 1.0, B)
    grad, td = np.empty_like(theta), np.empty(B)
    loss = K.dqn_loss_grad(theta, theta_t, sizes, 0, x, a, r, disc, x2, w, double, kind, 1.0, grad, td)
    ref_loss, ref_grad, ref_td = _naive_dqn(theta, theta_t, sizes, x, a, r, disc, x2, w, double, kind)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(td, ref_td, rtol=1e-12)


def test_gamma_zero_target_is_reward():
    sizes = np.array([2, 4, 2], np.int64)
    theta = np.empty(M.mlp_n_params(sizes))
    M.mlp_init(theta, sizes, np.random.default_rng(1))
    x = np.ones((2, 2))
    q = naive_forward(theta, sizes, 0, x)[0]
    td = np.empty(2)
    K.dqn_loss_grad(
        theta,
        theta * 3,
        sizes,
        0,
        x,
        np.array([0, 1]),
        np.array([1.0, -2.0]),
        np.zeros(2),
        x,
        np.ones(2),
        True,
        0,
        1.0,
        np.empty_like(theta),
        td,
    )
    np.testing.assert_allclose(td, [q[0, 0] - 1.0, q[1, 1] + 2.0])


def test_epsilon_schedule():
    hp = DQNConfig(exploration_initial_eps=1.0, exploration_final_eps=0.1, exploration_steps=100).hp_array(500)
    assert K.epsilon_at(hp, 0) == 1.0
    assert K.epsilon_at(hp, 50) == pytest.approx(0.55)
    assert K.epsilon_at(hp, 100) == pytest.approx(0.1)
    assert K.epsilon_at(hp, 10_000) == pytest.approx(0.1)


def _weights(seed, steps, **kw):
    ag = DQN("CartPole-v1", seed=seed, **{**SMALL, **kw})
    ag.learn(steps)
    return ag


def test_determinism_same_seed_bit_identical():
    n = scale(1500, 400)
    a, b, c = _weights(3, n), _weights(3, n), _weights(4, n)
    assert a.n_updates > 0
    np.testing.assert_array_equal(a.theta, b.theta)
    np.testing.assert_array_equal(a.theta_target, b.theta_target)
    assert not np.array_equal(a.theta, c.theta)


@pytest.mark.parametrize("env_id", ["CartPole-v1", "fastfa/PuckWorldDiscrete-v0"])
def test_python_loop_equals_compiled_loop(env_id):
    """Same seed: the gymnasium env through fastfa.loop.run == the fused compiled loop (twins are bit-identical)."""
    n = scale(1200, 300)
    comp = DQN(env_id, seed=5, **SMALL).learn(n)
    py = DQN(gymnasium.make(env_id), seed=5, **SMALL)
    assert not py.compiled and comp.compiled
    py.learn(n)
    assert py.n_updates == comp.n_updates > 0
    np.testing.assert_array_equal(py.theta, comp.theta)
    assert py.episode_returns == comp.episode_returns[: len(py.episode_returns)]


def test_learn_in_pieces_and_save_load_resume(tmp_path):
    n = scale(1000, 300)
    whole = _weights(6, 2 * n)
    part = _weights(6, n)
    path = part.save(tmp_path / "dqn", include_buffer=True)
    again = DQN.load(path)
    again.learn(n)
    part.learn(n)
    np.testing.assert_array_equal(again.theta, whole.theta)
    np.testing.assert_array_equal(part.theta, whole.theta)
    assert again.num_timesteps == 2 * n and again.episode_returns == whole.episode_returns
    np.testing.assert_array_equal(again.predict(np.zeros((3, 4), np.float32)), whole.predict(np.zeros((3, 4))))
    # without the buffer the weights load, but training continues on an empty buffer
    path2 = part.save(tmp_path / "nobuf")
    assert len(DQN.load(path2).buffer) == 0
    np.testing.assert_array_equal(DQN.load(path2).theta, part.theta)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_non_finite_loss_stops_with_step():
    ag = DQN(
        "CartPole-v1",
        seed=0,
        **{**SMALL, "learning_rate": 1e25, "loss": "squared", "optimizer": "sgd", "max_grad_norm": float("inf")},
    )
    with pytest.raises(FloatingPointError, match=r"non-finite at env step \d+"):
        ag.learn(scale(3000, 400))
    assert ag.cnt[K.C_BAD_STEP] > SMALL["learning_starts"]


def test_bad_input():
    ag = DQN("CartPole-v1", seed=0, **SMALL)
    with pytest.raises(ValueError, match="obs must have shape"):
        ag.predict(np.zeros(5))
    with pytest.raises(ValueError, match="NaN"):
        ag.predict(np.array([0.0, np.nan, 0.0, 0.0]))
    with pytest.raises(ValueError, match="total_steps"):
        ag.learn(0)
    with pytest.raises(TypeError, match="Discrete action"):
        DQN("Pendulum-v1")
    with pytest.raises(TypeError, match="unknown DQN option"):
        DQN("CartPole-v1", hiden=(3,))
    with pytest.raises(ValueError, match="DQNConfig.gamma"):
        DQNConfig(gamma=1.5)
    with pytest.raises(ValueError, match="compiled twin"):
        DQN("Pendulum-v1", compiled=True)
    py = DQN(gymnasium.make("CartPole-v1"), seed=0, **SMALL)
    py.begin_episode(np.zeros(4, np.float32))
    with pytest.raises(ValueError, match="next_obs contains NaN"):
        py.step(np.zeros(4), 0, 1.0, np.array([np.nan, 0, 0, 0]), False, False)
    with pytest.raises(ValueError, match="next_obs must have shape"):
        py.step(np.zeros(4), 0, 1.0, np.zeros(3), False, False)


def test_predict_shapes():
    ag = DQN("Acrobot-v1", seed=0, **SMALL)
    assert isinstance(ag.predict(np.zeros(6)), int)
    assert ag.predict(np.zeros((5, 6))).shape == (5,)
    assert ag.q_values(np.zeros(6)).shape == (3,)
    ag.learn(scale(600, 200))  # Acrobot twin runs in the compiled loop too
    assert ag.num_timesteps == scale(600, 200)


@pytest.mark.skipif(JIT_DISABLED, reason="learning run needs compiled code")
def test_learns_cartpole_reduced_budget():
    """Default (tuned) config, 20k of its 50k steps: greedy evaluation far above random (~22)."""
    ag = DQN("CartPole-v1", seed=0)
    ag.learn(20_000)
    ev = ag.evaluate(10, seed=123)
    # band from several seeds, not this one's value: seeds 0-3 gave 119-171 (so 100 is below all four, and
    # far above a random policy's ~22); a broken update (e.g. wrong TD sign) stays near 22
    assert ev.mean() >= 100, ev


class _GridObsEnv(gymnasium.Env):
    """Tiny env: Box obs of shape (2, 2), Discrete(3, start=1); reward 1 for action 2, 10-step episodes."""

    observation_space = gymnasium.spaces.Box(-1.0, 1.0, (2, 2), np.float32)
    action_space = gymnasium.spaces.Discrete(3, start=1)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return self.np_random.uniform(-1, 1, (2, 2)).astype(np.float32), {}

    def step(self, action):
        assert action in (1, 2, 3), action
        self.t += 1
        obs = self.np_random.uniform(-1, 1, (2, 2)).astype(np.float32)
        return obs, float(action == 2), False, self.t >= 10, {}


def test_python_loop_any_box_discrete_env(tmp_path):
    ag = DQN(
        _GridObsEnv(),
        seed=0,
        **{
            **SMALL,
            "learning_starts": 50,
            "exploration_steps": 200,
            "gamma": 0.0,
            "learning_rate": 1e-2,
            "learning_rate_end": None,
        },
    )
    assert not ag.compiled and ag.sizes.tolist() == [4, 16, 16, 3]
    ag.learn(scale(1500, 400))
    assert ag.predict(np.zeros((2, 2))) in (1, 2, 3)
    if not JIT_DISABLED:
        assert ag.predict(np.zeros((2, 2))) == 2  # learned the rewarding action (offset by start=1)
    assert len(ag.episode_returns) == ag.num_timesteps // 10
    path = ag.save(tmp_path / "grid")
    again = DQN.load(path, env=_GridObsEnv())
    np.testing.assert_array_equal(again.q_values(np.ones((2, 2))), ag.q_values(np.ones((2, 2))))


def test_learn_episodes_budget_compiled_equals_python_loop(tmp_path):
    """learn(episodes=N): the fused loop stops after the step (training included) that ends episode N,
    as the Python loop does; the same with chunks and a callback; total_steps caps it; the episode
    budget continues across calls."""
    comp = DQN("CartPole-v1", seed=5, **SMALL).learn(episodes=12)
    py = DQN(gymnasium.make("CartPole-v1"), seed=5, **SMALL).learn(episodes=12)
    assert comp.compiled and not py.compiled
    assert len(comp.episode_returns) == len(py.episode_returns) == 12
    assert comp.num_timesteps == py.num_timesteps == sum(comp.episode_lengths) > SMALL["learning_starts"]
    assert comp.n_updates == py.n_updates > 0
    np.testing.assert_array_equal(comp.theta, py.theta)
    seen = []
    chunked = DQN("CartPole-v1", seed=5, **SMALL)
    chunked.learn(episodes=5, callback=lambda info: seen.append(info["episode"]), chunk=37)
    chunked.learn(episodes=7, chunk=50)
    assert seen == [1, 2, 3, 4, 5] and chunked.num_timesteps == comp.num_timesteps
    np.testing.assert_array_equal(chunked.theta, comp.theta)
    capped = DQN("CartPole-v1", seed=5, **SMALL).learn(total_steps=60, episodes=1000)
    assert capped.num_timesteps == 60
    with pytest.raises(ValueError, match="checkpoint"):
        DQN("CartPole-v1", seed=5, **SMALL).learn(episodes=2, checkpoint_every=10, checkpoint_path=tmp_path / "c")
