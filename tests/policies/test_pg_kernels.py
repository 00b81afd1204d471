"""Policy-gradient kernels and the SoftmaxLinear / GaussianLinear classes."""

import numpy as np
import pytest

from fastfa.kernels.linear import policy_gradient as K
from fastfa.policies import GaussianLinear, SoftmaxLinear
from naive_pg import (
    fd_grad,
    ref_gaussian_log_prob,
    ref_log_softmax,
    ref_pa_batch_grad,
    ref_pa_prefs,
    ref_sa_prefs,
    ref_softmax,
)

RNG = np.random.default_rng(7)


def test_softmax_inplace_stable_and_exact():
    h = np.array([1000.0, 999.0, -1e308, 0.0])
    lse = K.softmax_inplace(h)
    ref = ref_softmax([1000.0, 999.0, -1e308, 0.0])
    assert np.allclose(h, ref, rtol=1e-15, atol=0) and np.all(np.isfinite(h))
    assert lse == pytest.approx(1000.0 + np.log1p(np.exp(-1.0)))
    h = np.zeros(3)
    K.softmax_inplace(h)
    assert np.allclose(h, 1 / 3)


def test_exp_nonpos_matches_numpy():
    x = np.concatenate([-np.abs(RNG.normal(size=3000)) * 30, [0.0, -1e-300, -1.0, -700.0, -707.9]])
    bits, out = np.empty(x.size, np.int64), np.empty(x.size)
    K.exp_nonpos(x, bits, out)
    assert np.max(np.abs(out - np.exp(x)) / np.exp(x)) < 5e-14
    x = np.array([-800.0])  # clamped at -708: tiny absolute error only
    K.exp_nonpos(x, np.empty(1, np.int64), out[:1])
    assert 0 < out[0] < 4e-308


@pytest.mark.parametrize(
    "layout,sparse", [("per_action", False), ("per_action", True), ("state_action", False), ("state_action", True)]
)
def test_softmax_grad_log_pi_finite_differences(layout, sparse):
    F, A = 12, 4
    theta0 = RNG.normal(size=(F, A) if layout == "per_action" else (F,))
    pol = SoftmaxLinear(F, A, layout=layout, theta=theta0)
    if layout == "per_action":
        x = np.array([0, 5, 5, 11]) if sparse else RNG.normal(size=F)
        prefs = lambda th: ref_pa_prefs(th, x)  # noqa: E731
    else:
        x = RNG.integers(0, F, size=(A, 3)) if sparse else RNG.normal(size=(A, F))
        prefs = lambda th: ref_sa_prefs(th, x)  # noqa: E731
    assert np.allclose(pol.probs(x), ref_softmax(prefs(pol.theta)), rtol=1e-13)
    for a in range(A):
        g = pol.grad_log_prob(x, a)
        fd = fd_grad(lambda th: ref_log_softmax(prefs(th))[a], pol.theta.copy())
        assert np.allclose(g, fd, atol=1e-7), (a, g - fd)
        assert pol.log_prob(x, a) == pytest.approx(ref_log_softmax(prefs(pol.theta))[a], abs=1e-12)
        # update = theta + step * grad (sparse kernels update in place)
        p2 = SoftmaxLinear(F, A, layout=layout, theta=pol.theta)
        p2.update(x, a, 0.3)
        assert np.allclose(p2.theta, pol.theta + 0.3 * g, atol=1e-13)


def test_log_prob_finite_when_prob_underflows():
    pol = SoftmaxLinear(2, 3, theta=np.array([[0.0, 800.0, 0.0], [0.0, 0.0, 0.0]]))
    x = np.array([1.0, 0.0])
    assert pol.probs(x)[0] == 0.0
    assert pol.log_prob(x, 0) == pytest.approx(-800.0)
    g = pol.grad_log_prob(x, 0)
    assert np.allclose(g[0], [1.0, -1.0, 0.0])


@pytest.mark.parametrize("B,A", [(0, 4), (1, 4), (37, 4), (64, 2), (33, 2), (20, 3), (21, 5), (8, 6)])
def test_softmax_batch_grad_vs_reference(B, A):
    """A ≤ 4 takes the register path (padding actions), A > 4 the general kernel: both = the reference."""
    F = 16
    theta = RNG.normal(size=(F, A))
    x, a, w = RNG.normal(size=(B, F)), RNG.integers(0, A, B), RNG.normal(size=B)
    pol = SoftmaxLinear(F, A, theta=theta)
    g, total = pol.batch_grad(x, a, w)
    gr, tr = ref_pa_batch_grad(theta, x, a, w)
    assert np.allclose(g, gr, atol=1e-12) and total == pytest.approx(tr, abs=1e-10)
    # the batch is the weighted sum of single-sample scores
    single = sum((w[i] * pol.grad_log_prob(x[i], int(a[i])) for i in range(B)), np.zeros((F, A)))
    assert np.allclose(g, single, atol=1e-12)


@pytest.mark.parametrize("A", [2, 4, 5])
def test_softmax_batch_grad_extreme_and_uniform(A):
    """Huge preferences (π underflows to 0) stay finite and exact; θ = 0 gives z = A (ln of 1…4 tested)."""
    F, B = 5, 11
    x, a, w = RNG.normal(size=(B, F)), RNG.integers(0, A, B), RNG.normal(size=B)
    probs, grad = np.empty((B, A)), np.empty((F, A))
    theta = RNG.normal(size=(F, A)) * 300.0
    total = K.softmax_pa_batch_grad(theta, x, a, w, probs, grad)
    gr, tr = ref_pa_batch_grad(theta, x, a, w)
    assert np.all(np.isfinite(grad)) and np.allclose(grad, gr, atol=1e-10)
    assert total == pytest.approx(tr, rel=1e-12)
    total = K.softmax_pa_batch_grad(np.zeros((F, A)), x, a, w, probs, grad)
    assert total == pytest.approx(-np.log(A) * w.sum(), rel=1e-14, abs=1e-14)
    assert np.allclose(probs, 1.0 / A, rtol=1e-15)


def test_softmax_sa_batch_grad():
    B, A, F = 9, 3, 5
    theta = RNG.normal(size=F)
    x, a, w = RNG.normal(size=(B, A, F)), RNG.integers(0, A, B), RNG.normal(size=B)
    pol = SoftmaxLinear(F, A, layout="state_action", theta=theta)
    g, _ = pol.batch_grad(x, a, w)
    single = sum(w[i] * pol.grad_log_prob(x[i], int(a[i])) for i in range(B))
    assert np.allclose(g, single, atol=1e-12)


def test_categorical_sample_frequencies_and_determinism():
    p = np.array([0.1, 0.0, 0.6, 0.3])
    rng = np.random.default_rng(3)
    counts = np.bincount([K.categorical_sample(p, rng) for _ in range(20000)], minlength=4) / 20000
    assert np.allclose(counts, p, atol=0.015) and counts[1] == 0
    # inverse CDF with one uniform per draw: the same stream as NumPy's rng.random() + searchsorted
    cdf = np.cumsum(p)
    ref_rng, rng = np.random.default_rng(11), np.random.default_rng(11)
    draws = [K.categorical_sample(p, rng) for _ in range(500)]
    assert draws == np.searchsorted(cdf, ref_rng.random(500), side="right").tolist()
    # round-off guard: u above the total mass (here a deliberately short sum) gives the last non-zero action
    q = np.array([0.1, 0.2, 0.0])
    ref_rng, rng = np.random.default_rng(12), np.random.default_rng(12)
    draws = [K.categorical_sample(q, rng) for _ in range(200)]
    assert draws == np.minimum(np.searchsorted(np.cumsum(q), ref_rng.random(200), side="right"), 1).tolist()


@pytest.mark.parametrize("state_dep", [False, True])
def test_gaussian_grad_finite_differences(state_dep):
    F, D = 6, 2
    pol = GaussianLinear(F, D, init_std=0.7, state_dependent_std=state_dep)
    pol.theta_mu[:] = RNG.normal(size=(F, D))
    if state_dep:
        pol.log_std_w[:] = 0.1 * RNG.normal(size=(F, D))
    x, a = RNG.normal(size=F), RNG.normal(size=D)
    g = pol.grad_log_prob(x, a)
    lw, lb = pol.log_std_w.copy(), pol.log_std_b.copy()
    assert pol.log_prob(x, a) == pytest.approx(ref_gaussian_log_prob(pol.theta_mu, lw, lb, x, a), abs=1e-12)
    assert np.allclose(
        g["theta_mu"], fd_grad(lambda t: ref_gaussian_log_prob(t, lw, lb, x, a), pol.theta_mu.copy()), atol=1e-6
    )
    assert np.allclose(
        g["log_std_b"], fd_grad(lambda b: ref_gaussian_log_prob(pol.theta_mu, lw, b, x, a), lb.copy()), atol=1e-6
    )
    if state_dep:
        assert np.allclose(
            g["log_std_w"], fd_grad(lambda w: ref_gaussian_log_prob(pol.theta_mu, w, lb, x, a), lw.copy()), atol=1e-6
        )


def test_gaussian_clip_behaviour_and_sampling():
    pol = GaussianLinear(2, 1, low=-1.0, high=1.0, init_std=np.exp(-5.0))
    x = np.array([1.0, 0.0])
    g = pol.grad_log_prob(x, [0.5])
    assert g["log_std_b"][0] != 0.0  # at the bound but not beyond: still learns
    pol.log_std_b[:] = -9.0  # beyond the bound: clipped, gradient 0
    assert pol.grad_log_prob(x, [0.5])["log_std_b"][0] == 0.0
    _, std = pol.mean_std(x)
    assert std[0] == pytest.approx(np.exp(-5.0))
    pol = GaussianLinear(2, 1, low=-1.0, high=1.0, init_std=3.0)
    pol.theta_mu[0, 0] = 0.9
    raw, clipped = zip(*(pol.sample(x, np.random.default_rng(s)) for s in range(200)))
    raw, clipped = np.concatenate(raw), np.concatenate(clipped)
    assert raw.max() > 1 and clipped.max() == 1.0 and clipped.min() >= -1.0
    r1 = pol.sample(x, np.random.default_rng(5))[0]
    mu, std = pol.mean_std(x)
    np.testing.assert_allclose(r1, mu + std * np.random.default_rng(5).standard_normal(1), rtol=1e-15)
    assert mu[0] == 0.9 and std[0] == pytest.approx(3.0)


def test_gaussian_sparse_update_matches_dense():
    n, D = 20, 2
    idx = np.array([1, 4, 9])
    x = np.zeros(n)
    x[idx] = 1.0
    a = np.array([0.3, -0.8])
    dense = GaussianLinear(n, D, init_std=0.5)
    dense.theta_mu[:] = RNG.normal(size=(n, D))
    tm, lb = dense.theta_mu.copy(), dense.log_std_b.copy()
    lp_dense = dense.update(x, a, 0.1, 0.05)
    mu, ls = np.empty(D), np.empty(D)
    lp = K.gaussian_sparse_update(tm, lb, idx, a, 0.1, 0.05, dense.ls_min, dense.ls_max, mu, ls)
    assert lp == pytest.approx(lp_dense)
    assert np.allclose(tm, dense.theta_mu) and np.allclose(lb, dense.log_std_b)


def test_bad_inputs():
    pol = SoftmaxLinear(4, 3)
    with pytest.raises(ValueError, match="x"):
        pol.probs(np.array([np.nan, 0, 0, 0]))
    with pytest.raises(ValueError, match="x"):
        pol.probs(np.zeros(5))
    with pytest.raises(ValueError, match="indices"):
        pol.probs(np.array([0, 4]))
    with pytest.raises(ValueError, match="a must be"):
        pol.log_prob(np.zeros(4), 3)
    with pytest.raises(ValueError, match="n_actions"):
        SoftmaxLinear(4, 1)
    with pytest.raises(TypeError, match="rng"):
        pol.sample(np.zeros(4), 0)
    with pytest.raises(FloatingPointError, match="non-finite"):
        pol.update(np.array([1e300, 0, 0, 0]), 0, 1e300)
    assert np.all(pol.theta == 0)
    big = np.zeros((4, 3))
    big[0, 1] = 1.7e308
    pol = SoftmaxLinear(4, 3, theta=big)
    with pytest.raises(FloatingPointError, match="non-finite"):
        pol.update(np.array([0]), 0, -1.7e308)  # sparse kernel path: theta[0, 1] -> inf
    assert np.array_equal(pol.theta, big)
    with pytest.raises(ValueError, match="init_std"):
        GaussianLinear(3, 1, init_std=0.0)
    with pytest.raises(ValueError, match="low"):
        GaussianLinear(3, 1, low=1.0, high=0.0)
    g = GaussianLinear(3, 2)
    with pytest.raises(ValueError, match="a must"):
        g.log_prob(np.zeros(3), [0.0])
    with pytest.raises(ValueError, match="x"):
        g.log_prob(np.array([0.0, np.inf, 0.0]), [0.0, 0.0])
