"""Single-step MDP: exact gradient vs likelihood ratio; policy gradient theorem for J_1, J_avV, J_avR."""

import numpy as np
import pytest

from fastfa.policies import exact as E
from fastfa.policies import SoftmaxLinear


def _bandit(rng, S=3, A=5, F=4):
    return rng.normal(size=(S, A, F)), rng.normal(size=(S, A)), rng.dirichlet(np.ones(S))


def test_bandit_exact_gradient_is_finite_difference_of_J():
    rng = np.random.default_rng(0)
    X, R, d = _bandit(rng)
    theta = rng.normal(size=4)
    g = E.bandit_gradient(theta, X, R, d)
    fd = E.fd_gradient(lambda t: E.bandit_objective(t, X, R, d), theta)
    np.testing.assert_allclose(g, fd, atol=1e-8)
    # and the score function agrees with the SoftmaxLinear kernels
    pol = SoftmaxLinear(4, 5, layout="state_action", theta=theta)
    np.testing.assert_allclose(pol.grad_log_prob(X[1], 3), E.grad_log_pi(theta, X)[1, 3], atol=1e-13)


def test_likelihood_ratio_estimator_is_unbiased():
    rng = np.random.default_rng(1)
    X, R, d = _bandit(rng)
    theta = rng.normal(size=4)
    g = E.bandit_gradient(theta, X, R, d)
    est = E.likelihood_ratio_estimates(theta, X, R, d, 40_000, np.random.default_rng(2), noise=0.5)
    se = est.std(axis=0) / np.sqrt(len(est))
    assert np.all(np.abs(est.mean(axis=0) - g) < 4.5 * se)
    # the test has power: flipping the sign of the clearest coordinate would be detected
    i = int(np.argmax(np.abs(g) / se))
    assert abs(est.mean(axis=0)[i] + g[i]) > 4.5 * se[i]


@pytest.mark.parametrize("gamma", [0.5, 0.9])
def test_policy_gradient_theorem_three_objectives(gamma):
    rng = np.random.default_rng(3)
    m = E.random_mdp(5, 3, 4, rng)
    theta = rng.normal(size=4)
    args = (m["X"], m["P"], m["R"], gamma, m["p0"])
    th = E.mdp_theorem_gradients(theta, *args)
    J = E.mdp_objectives(theta, *args)
    assert J["J_avV"] == pytest.approx(J["J_avR"] / (1 - gamma), rel=1e-10)
    for name in ("J_1", "J_avV", "J_avR"):
        fd = E.fd_gradient(lambda t: E.mdp_objectives(t, *args)[name], theta)
        np.testing.assert_allclose(th[name], fd, rtol=1e-6, atol=1e-7, err_msg=name)
    # with the discounted Q (instead of the differential one) the average-value gradient is NOT exact
    fd = E.fd_gradient(lambda t: E.mdp_objectives(t, *args)["J_avV"], theta)
    assert np.max(np.abs(th["J_avV_discountedQ"] - fd)) > 1e-4


def test_bad_shapes():
    with pytest.raises(ValueError, match="theta"):
        E.bandit_objective(np.zeros(3), np.zeros((2, 2, 4)), np.zeros((2, 2)), np.ones(2) / 2)
