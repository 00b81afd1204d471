"""SoftmaxMLP / GaussianMLP: scores by finite differences, batching, sampling, errors."""

import numpy as np
import pytest

from fastfa.policies import GaussianMLP, SoftmaxMLP
from naive_pg import fd_grad


def test_softmax_mlp_grad_matches_finite_differences():
    pol = SoftmaxMLP(3, 4, hidden=(5, 4), seed=0)
    x = np.array([0.3, -1.2, 0.7])
    for a in range(4):
        g = pol.grad_log_prob(x, a)
        th0 = pol.theta.copy()

        def f(t):
            pol.theta[:] = t
            return pol.log_prob(x, a)

        fd = fd_grad(f, th0.copy())
        pol.theta[:] = th0
        np.testing.assert_allclose(g, fd, atol=1e-7)
    assert pol.probs(x).sum() == pytest.approx(1.0)


def test_softmax_mlp_batch_is_weighted_sum():
    pol = SoftmaxMLP(2, 3, hidden=(6,), activation="relu", seed=1)
    rng = np.random.default_rng(0)
    X, A, W = rng.normal(size=(7, 2)), rng.integers(0, 3, 7), rng.normal(size=7)
    g = pol.grad_log_prob(X, A, W)
    ref = sum(W[i] * pol.grad_log_prob(X[i], int(A[i])) for i in range(7))
    np.testing.assert_allclose(g, ref, atol=1e-12)
    assert pol.probs(X).shape == (7, 3) and pol.log_prob(X, A).shape == (7,)
    counts = np.bincount([pol.sample(X[0], rng) for _ in range(4000)], minlength=3) / 4000
    np.testing.assert_allclose(counts, pol.probs(X[0]), atol=0.03)


def test_gaussian_mlp_grad_matches_finite_differences():
    pol = GaussianMLP(3, 2, hidden=(4,), init_std=0.6, seed=2)
    x, a = np.array([0.1, 0.5, -0.3]), np.array([0.4, -0.2])
    g = pol.grad_log_prob(x, a)
    th0 = pol.theta.copy()

    def f(t):
        pol.theta[:] = t
        return pol.log_prob(x, a)

    fd = fd_grad(f, th0.copy())
    pol.theta[:] = th0
    np.testing.assert_allclose(g["theta"], fd, atol=1e-7)
    ls0 = pol.log_std.copy()

    def fl(ls):
        pol.log_std[:] = ls
        return pol.log_prob(x, a)

    np.testing.assert_allclose(g["log_std"], fd_grad(fl, ls0.copy()), atol=1e-7)
    pol.log_std[:] = ls0
    raw, clipped = pol.sample(x, np.random.default_rng(0))
    assert raw.shape == (2,) and np.array_equal(raw, clipped)  # unbounded space


def test_mlp_policy_errors():
    with pytest.raises(ValueError, match="n_actions"):
        SoftmaxMLP(3, 1)
    with pytest.raises(ValueError, match="activation"):
        SoftmaxMLP(3, 2, activation="sigmoid")
    pol = SoftmaxMLP(3, 2)
    with pytest.raises(ValueError, match="x"):
        pol.probs(np.zeros(4))
    with pytest.raises(ValueError, match="x"):
        pol.probs(np.array([np.nan, 0, 0]))
    with pytest.raises(ValueError, match="a must"):
        pol.grad_log_prob(np.zeros(3), 2)
    with pytest.raises(ValueError, match="init_std"):
        GaussianMLP(2, 1, init_std=0.0)
