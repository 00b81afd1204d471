"""Compiled MLP A2C: gradient of the A2C loss by finite differences, learning CartPole, determinism, errors."""

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
    L = −mean(A ln π(a|s)) + c_v·mean((G − V)²) (float64) to ~1e-6, with a non-default c_v (a wrong value-loss
    coefficient, a missing 1/B or a sign flip fails; the old sign-only check passed c_v × 100)."""
    a = A2CMLP("CartPole-v1", n_envs=2, n_steps=3, seed=4, hidden=(5,), max_grad_norm=0.0, vf_coef=VF)
    th_pi, th_v = a.theta_pi.copy(), a.theta_v.copy()
    obs0 = a.obs.copy()
    # replay the collection with the same generators to get the batch and the returns
    env_rng = np.random.default_rng(0)
    a.env_rng = env_rng
    rng_state = a.rng.bit_generator.state
    a.hp[KA.HP_LR] = 1e-9
    a.learn(6)
    # RMSprop first step from v = 0: v = (1-ρ) g², Δθ = -lr g / (sqrt(1-ρ)|g| + ε) ≈ -lr sign(g)/sqrt(1-ρ)
    # so sign(Δθ) = -sign(g): compare signs with the finite-difference gradient of the loss
    from fastfa.kernels.nn import dqn

    a2 = A2CMLP("CartPole-v1", n_envs=2, n_steps=3, seed=4, hidden=(5,), max_grad_norm=0.0, vf_coef=VF)
    a2.rng.bit_generator.state = rng_state
    X, acts, rews, dones = [], [], [], []
    states = a2.env_states.copy()
    obs = obs0.copy()
    er = np.random.default_rng(0)
    o = np.empty(4)
    acts_buf = np.empty(mlp.mlp_acts_size(a2.sizes_pi, 2))
    for n in range(3):
        logits = mlp.mlp_forward(th_pi, a2.sizes_pi, a2.act, obs, acts_buf).copy()
        for k in range(2):
            p = np.exp(logits[k] - logits[k].max())
            p /= p.sum()
            from fastfa.kernels.linear.policy_gradient import categorical_sample

            act = categorical_sample(p, a2.rng)
            X.append(obs[k].copy())
            acts.append(act)
            r, term = dqn.env_step(a2.env_kind, a2.env_params, states[k], act, o, er)
            rews.append(r)
            dones.append(term)
            if term:
                dqn.env_reset(a2.env_kind, a2.env_params, states[k], er, o)
            obs[k] = o
    X, acts = np.array(X), np.array(acts)

    def values(tv, x):
        return mlp.mlp_forward(tv, a2.sizes_v, a2.act, x, np.empty(mlp.mlp_acts_size(a2.sizes_v, len(x))))[:, 0].copy()

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
        lg = mlp.mlp_forward(tp, a2.sizes_pi, a2.act, X, np.empty(mlp.mlp_acts_size(a2.sizes_pi, 6)))
        lp = lg[np.arange(6), acts] - np.log(np.exp(lg).sum(axis=1))
        return -np.mean(adv * lp) + VF * np.mean((G - V) ** 2)

    eps = 1e-6
    rho = a.hp[KA.HP_RMS_ALPHA]
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
        assert R[:20].mean() < 40 and R[-10:].mean() > 2.5 * R[:20].mean()  # 500 after ~300k steps (bench)


def test_a2c_mlp_errors():
    with pytest.raises(ValueError, match="compiled twin"):
        A2CMLP("Pendulum-v1")
    with pytest.raises(ValueError, match="n_envs"):
        A2CMLP(n_envs=0)
    with pytest.raises(ValueError, match="learning_rate"):
        A2CMLP(learning_rate=0.0)
    a = A2CMLP(learning_rate=1e300, max_grad_norm=0.0, n_envs=2)
    with pytest.raises(FloatingPointError, match="non-finite"):
        a.learn(5000)
    with pytest.raises(ValueError, match="total_steps"):
        a.learn(0)


def test_a2c_mlp_save_load_resumes_bit_identically(tmp_path):
    n = scale(2000, 40)
    a = A2CMLP("CartPole-v1", seed=3).learn(n)
    a.save(tmp_path / "a2c")
    b = A2CMLP.load(tmp_path / "a2c")
    a.learn(n)
    b.learn(n)
    np.testing.assert_array_equal(a.theta_pi, b.theta_pi)
    np.testing.assert_array_equal(a.episode_returns, b.episode_returns)
    assert b.num_timesteps == a.num_timesteps and b.predict(np.zeros(4)) == a.predict(np.zeros(4))
