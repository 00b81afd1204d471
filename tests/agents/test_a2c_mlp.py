"""Compiled MLP A2C: gradient of the A2C loss by finite differences, learning CartPole, determinism, errors."""

import gymnasium
import numpy as np
import pytest
from conftest import JIT_DISABLED, scale

from fastfa.agents import A2CMLP
from fastfa.kernels.nn import a2c as KA
from fastfa.kernels.nn import mlp


def test_rmsprop_matches_torch_formula():
    th, g, v = np.array([1.0, -2.0]), np.array([0.5, -0.1]), np.array([0.0, 1.0])
    KA.rmsprop_step(th, g, v, 0.1, 0.9, 1e-5)
    v_ref = np.array([0.1 * 0.25, 0.9 + 0.1 * 0.01])
    np.testing.assert_allclose(v, v_ref)
    np.testing.assert_allclose(
        th, [1.0 - 0.1 * 0.5 / (np.sqrt(v_ref[0]) + 1e-5), -2.0 + 0.1 * 0.1 / (np.sqrt(v_ref[1]) + 1e-5)]
    )


VF = 0.7  # value-loss coefficient (SB3 default 0.5): a non-default value, so the coefficient is checked


def test_first_update_equals_finite_difference_gradient():
    """The gradient the kernel applies = central finite differences of the A2C loss, value by value.

    One update from RMSprop state v = 0 leaves v = (1 − ρ) g² and moves θ by −lr·g/(√v + ε), so the kernel's
    gradient is g = −sign(Δθ)·√(v / (1 − ρ)); it must equal the finite-difference gradient of
    L = −mean(A ln π(a|s)) + c_v·mean((G − V)²) (float64) on the batch the update used, to ~1e-6, with a
    non-default c_v (a wrong value-loss coefficient, a missing 1/B or a sign flip fails)."""
    a = A2CMLP("CartPole-v1", n_envs=2, n_steps=3, seed=4, hidden=(5,), max_grad_norm=0.0, vf_coef=VF)
    th_pi, th_v = a.theta_pi.copy(), a.theta_v.copy()
    a.learn(6)  # one update; its batch stays in the agent's work arrays
    w = a.work
    X, acts, rews, dones, obs = w.X.copy(), w.acts_b.copy(), w.rew.ravel(), w.done.ravel(), a.obs.copy()
    assert X.shape == (6, 4) and set(acts) <= {0, 1}

    def values(tv, x):
        return mlp.mlp_forward(tv, a.sizes_v, a.act, x, np.empty(mlp.mlp_acts_size(a.sizes_v, len(x))))[:, 0].copy()

    def returns(tv):
        g = values(tv, obs)
        G = np.empty(6)
        for n in range(2, -1, -1):
            for k in range(2):
                i = n * 2 + k
                g[k] = rews[i] + (0.0 if dones[i] else 0.99 * g[k])
                G[i] = g[k]
        return G

    G = returns(th_v)  # returns use the (fixed) current critic, as a target

    def loss(tp, tv):
        V = values(tv, X)
        adv = G - values(th_v, X)
        lg = mlp.mlp_forward(tp, a.sizes_pi, a.act, X, np.empty(mlp.mlp_acts_size(a.sizes_pi, 6)))
        lp = lg[np.arange(6), acts] - np.log(np.exp(lg).sum(axis=1))
        return -np.mean(adv * lp) + VF * np.mean((G - V) ** 2)

    eps = 1e-6
    rho = a.config.rms_alpha
    for th, other, new, v, is_pi in (
        (th_pi, th_v, a.theta_pi, a.rms_pi, True),
        (th_v, th_pi, a.theta_v, a.rms_v, False),
    ):
        fd = np.empty_like(th)
        for j in range(th.size):
            e = np.zeros_like(th)
            e[j] = eps
            f = (lambda t: loss(t, other)) if is_pi else (lambda t: loss(other, t))
            fd[j] = (f(th + e) - f(th - e)) / (2 * eps)
        g = -np.sign(new - th) * np.sqrt(v / (1.0 - rho))
        assert np.abs(fd).max() > 1e-3
        np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-8 * np.abs(fd).max())


class _Plain(gymnasium.Wrapper):
    """A wrapper fastfa does not know: the env runs in the Python loop."""


def _same(a, b):
    np.testing.assert_array_equal(a.theta_pi, b.theta_pi)
    np.testing.assert_array_equal(a.theta_v, b.theta_v)
    np.testing.assert_array_equal(a.rms_pi, b.rms_pi)
    assert a.log.returns == b.log.returns and a.log.lengths == b.log.lengths
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    assert a.env_rng.bit_generator.state == b.env_rng.bit_generator.state


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_compiled_loop_equals_python_loop_on_gymnasium_cartpole(dtype):
    """Same seed: the fused loop over CartPole's twin and the Python loop over gymnasium's CartPole
    (behind a wrapper, 4 envs, truncation at 60 steps) give bit-identical networks, logs and generators,
    in either precision."""
    kw = dict(seed=7, n_envs=4, n_steps=5, hidden=(16, 16), dtype=dtype)
    n = scale(3000, 200)
    a = A2CMLP(gymnasium.make("CartPole-v1", max_episode_steps=60), **kw).learn(n)
    b = A2CMLP(_Plain(gymnasium.make("CartPole-v1", max_episode_steps=60)), **kw).learn(n)
    assert a.compiled and not b.compiled
    _same(a, b)
    assert max(a.log.lengths) <= 60 and len(a.log.lengths) > 5
    assert a.log.returns == [float(x) for x in a.log.lengths]  # CartPole: +1 per step
    np.testing.assert_array_equal(a.evaluate_returns(3, seed=2), b.evaluate(episodes=3, seed=2).returns)
    assert a.theta_pi.dtype == a.theta_v.dtype == a.work.X.dtype == np.dtype(dtype)


def test_compiled_loop_on_a_user_env_equals_python_loop():
    """A user's CompiledEnv (Mountain Car written as three jitted functions): compiled == Python loop,
    and both equal gymnasium's MountainCar-v0 run through fastfa's twin."""
    from fastfa.envs.examples import user_mountain_car

    kw = dict(seed=3, n_envs=2, n_steps=8, hidden=(8,), learning_rate=0.01)
    n = scale(2400, 160)
    runs = [
        A2CMLP(user_mountain_car(100), **kw).learn(n),
        A2CMLP(user_mountain_car(100), compiled=False, **kw).learn(n),
        A2CMLP(gymnasium.make("MountainCar-v0", max_episode_steps=100), **kw).learn(n),
    ]
    assert [r.compiled for r in runs] == [True, False, True]
    for r in runs[1:]:
        _same(runs[0], r)
    assert runs[0].log.lengths and set(runs[0].log.lengths) == {100}


def test_learn_episodes_and_the_log():
    a = A2CMLP("CartPole-v1", seed=0, n_envs=4)
    assert a.learn(episodes=7) is a
    n = a.log.n_episodes
    assert 7 <= n < 7 + 4 * 5  # stops after the update (4 envs x 5 steps) in which the 7th episode ends
    assert a.num_timesteps % 20 == 0 and a.log.total_steps == a.num_timesteps
    assert sum(a.log.lengths) <= a.num_timesteps and a.log.returns == [float(x) for x in a.log.lengths]
    b = A2CMLP("CartPole-v1", seed=0, n_envs=4).learn(a.num_timesteps)
    _same(a, b)  # the same updates as a step budget
    a.learn(episodes=3, total_steps=20)  # whichever ends first: one update
    assert a.num_timesteps == b.num_timesteps + 20
    with pytest.raises(ValueError, match="checkpoint_every"):
        a.learn(episodes=3, checkpoint_every=100, checkpoint_path="x.npz")
    with pytest.raises(ValueError, match="episodes"):
        a.learn(episodes=0)


def test_a2c_mlp_learns_cartpole_and_is_deterministic():
    steps = scale(60_000, 80)
    a = A2CMLP("CartPole-v1", seed=0).learn(steps)
    b = A2CMLP("CartPole-v1", seed=0).learn(steps)
    np.testing.assert_array_equal(a.theta_pi, b.theta_pi)
    np.testing.assert_array_equal(a.episode_returns, b.episode_returns)
    n = scale(400, 40)
    c = A2CMLP("CartPole-v1", seed=1).learn(n)
    assert not np.array_equal(c.theta_pi, A2CMLP("CartPole-v1", seed=0).learn(n).theta_pi)
    assert a.num_timesteps >= steps
    if not JIT_DISABLED:
        R = a.episode_returns
        # band from seeds 0-3: first 20 episodes 18.6-24.2, last 10 of 60k steps 94-210 (3.9x-10.4x the
        # first 20); 500 after ~300k steps (bench)
        assert R[:20].mean() < 40 and R[-10:].mean() > 2.5 * R[:20].mean()


def test_a2c_mlp_errors():
    with pytest.raises(ValueError, match="Discrete"):
        A2CMLP("Pendulum-v1")
    with pytest.raises(ValueError, match="compiled=True"):
        A2CMLP(_Plain(gymnasium.make("CartPole-v1")), compiled=True)
    with pytest.raises(ValueError, match="compiled"):
        A2CMLP(compiled="yes")
    with pytest.raises(ValueError, match="n_envs"):
        A2CMLP(n_envs=0)
    with pytest.raises(ValueError, match="learning_rate"):
        A2CMLP(learning_rate=0.0)
    a = A2CMLP(learning_rate=1e300, max_grad_norm=0.0, n_envs=2)
    with pytest.raises(FloatingPointError, match="non-finite"):
        a.learn(5000)
    with pytest.raises(ValueError, match="total_steps"):
        a.learn(0)


@pytest.mark.parametrize("mid_run", [False, True])
def test_a2c_mlp_save_load_resumes_bit_identically(tmp_path, mid_run):
    """Saved before the first learn or mid-run (envs, generators, RMSprop state, episodes in progress):
    load + learn equals learning on without the file."""
    n = scale(2000, 40)
    a = A2CMLP("CartPole-v1", seed=3, n_envs=4)
    if mid_run:
        a.learn(n)
    a.save(tmp_path / "a2c")
    b = A2CMLP.load(tmp_path / "a2c")
    a.learn(n)
    b.learn(n)
    _same(a, b)
    assert b.num_timesteps == a.num_timesteps and b.predict(np.zeros(4)) == a.predict(np.zeros(4))


def test_python_loop_agent_saves_and_loads(tmp_path):
    """The Python loop's gymnasium envs are not in the file: a loaded agent keeps the networks and the
    log and restarts its envs."""
    a = A2CMLP(_Plain(gymnasium.make("CartPole-v1")), seed=1, n_envs=2).learn(100)
    b = A2CMLP.load(a.save(tmp_path / "p"), env=_Plain(gymnasium.make("CartPole-v1")))
    assert not b.compiled and b.log.returns == a.log.returns and b.num_timesteps == a.num_timesteps
    np.testing.assert_array_equal(a.theta_pi, b.theta_pi)
    assert b.learn(20).num_timesteps == a.num_timesteps + 20


def test_float32_learns_like_float64_and_round_trips(tmp_path):
    """float32 networks (the precision of SB3 and JAX) learn CartPole as float64 ones do (same band),
    and a saved float32 agent loads as float32 and resumes bit for bit."""
    steps = scale(60_000, 80)
    a = A2CMLP("CartPole-v1", seed=0, dtype="float32").learn(steps)
    assert a.theta_pi.dtype == np.float32
    if not JIT_DISABLED:
        R = a.episode_returns
        assert R[:20].mean() < 40 and R[-10:].mean() > 2.5 * R[:20].mean()  # the float64 test's band
    b = A2CMLP.load(a.save(tmp_path / "f32"))
    assert b.config.dtype == "float32" and b.theta_pi.dtype == np.float32
    a.learn(200)
    b.learn(200)
    _same(a, b)
    with pytest.raises(ValueError, match="dtype"):
        A2CMLP(dtype="float16")
