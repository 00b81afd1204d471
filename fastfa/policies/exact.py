"""Exact objectives and gradients of linear softmax policies on small finite problems (S&B 13.2, 13.6).

For a softmax policy π(a|s) ∝ exp(θ·x(s,a)) with state-action features X float[S, A, F]:

* **single-step MDP / contextual bandit**: J(θ) = Σ_s d(s) Σ_a π(a|s) R(s,a);
  exact ∇J = Σ_s d(s) Σ_a π(a|s) R(s,a) ∇ ln π(a|s), and the likelihood-ratio
  (score-function) estimator  ĝ = (1/N) Σ_i r_i ∇ ln π(a_i|s_i),  s_i ~ d, a_i ~ π, E ĝ = ∇J.
* **finite MDP** (P float[S, A, S], R float[S, A], γ < 1, start distribution p0) with the
  three objectives of the lecture:

  - start value J₁ = Σ_s p0(s) V(s), theorem: ∇J₁ = Σ_s d_γ(s) Σ_a ∇π(a|s) Q(s,a),
    d_γ = p0ᵀ(I − γP_π)⁻¹ (discounted visits, unnormalised);
  - average reward J_avR = Σ_s d^π(s) Σ_a π(a|s) R(s,a) (d^π stationary), theorem:
    ∇J_avR = Σ_s d^π(s) Σ_a ∇π(a|s) Q̃(s,a) with the differential action values Q̃;
  - average value J_avV = Σ_s d^π(s) V(s) = J_avR / (1 − γ), so
    ∇J_avV = (1/(1 − γ)) Σ_s d^π(s) Σ_a ∇π(a|s) Q̃(s,a).

All by dense linear algebra (NumPy); meant for checks and teaching, not speed.
"""

from __future__ import annotations

import numpy as np
from numpy.random import Generator

__all__ = [
    "softmax_policy",
    "grad_pi",
    "bandit_objective",
    "bandit_gradient",
    "likelihood_ratio_estimates",
    "mdp_objectives",
    "mdp_theorem_gradients",
    "fd_gradient",
    "random_mdp",
]


def softmax_policy(theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    """π [S, A] for θ [F] and X [S, A, F] (log-sum-exp stable)."""
    H = X @ theta
    H = H - H.max(axis=1, keepdims=True)
    P = np.exp(H)
    return P / P.sum(axis=1, keepdims=True)


def grad_log_pi(theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    """∇ ln π(a|s) = x(s,a) − Σ_b π(b|s) x(s,b), [S, A, F]."""
    pi = softmax_policy(theta, X)
    return X - np.einsum("sb,sbf->sf", pi, X)[:, None, :]


def grad_pi(theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    """∇π(a|s) = π(a|s) ∇ ln π(a|s), [S, A, F]."""
    return softmax_policy(theta, X)[:, :, None] * grad_log_pi(theta, X)


def _check(theta: np.ndarray, X: np.ndarray):
    theta = np.asarray(theta, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 3 or theta.shape != (X.shape[2],):
        raise ValueError(f"X must be [S, A, F] and theta [F]; got {X.shape} and {theta.shape}")
    return theta, X


def bandit_objective(theta: np.ndarray, X: np.ndarray, R, d) -> float:
    """J(θ) = Σ_s d(s) Σ_a π(a|s) R(s,a)."""
    theta, X = _check(theta, X)
    return float(d @ (softmax_policy(theta, X) * R).sum(axis=1))


def bandit_gradient(theta: np.ndarray, X: np.ndarray, R, d) -> np.ndarray:
    """Exact ∇J = Σ_s d(s) Σ_a ∇π(a|s) R(s,a)."""
    theta, X = _check(theta, X)
    return np.einsum("s,saf,sa->f", d, grad_pi(theta, X), R)


def likelihood_ratio_estimates(
    theta: np.ndarray, X: np.ndarray, R, d, n, rng: Generator, noise: float = 1.0
) -> np.ndarray:
    """``n`` single-sample estimates r ∇ ln π(a|s) (rows), s ~ d, a ~ π, r = R(s,a) + noise·N(0,1)."""
    theta, X = _check(theta, X)
    pi = softmax_policy(theta, X)
    gl = grad_log_pi(theta, X)
    s = rng.choice(len(d), size=n, p=d)
    u = rng.random(n)
    a = (np.cumsum(pi[s], axis=1) < u[:, None]).sum(axis=1).clip(max=X.shape[1] - 1)
    r = R[s, a] + noise * rng.standard_normal(n)
    return r[:, None] * gl[s, a]


def _policy_matrices(theta: np.ndarray, X: np.ndarray, P, R):
    pi = softmax_policy(theta, X)
    return pi, np.einsum("sa,sat->st", pi, P), (pi * R).sum(axis=1)


def _stationary(P_pi):
    S = P_pi.shape[0]
    A = np.vstack([P_pi.T - np.eye(S), np.ones(S)])
    b = np.zeros(S + 1)
    b[-1] = 1.0
    return np.linalg.lstsq(A, b, rcond=None)[0]


def mdp_objectives(theta: np.ndarray, X: np.ndarray, P, R, gamma, p0) -> dict:
    """{"J_1", "J_avV", "J_avR"} of the softmax policy by exact policy evaluation."""
    theta, X = _check(theta, X)
    pi, P_pi, r_pi = _policy_matrices(theta, X, P, R)
    S = P_pi.shape[0]
    V = np.linalg.solve(np.eye(S) - gamma * P_pi, r_pi)
    d = _stationary(P_pi)
    return {"J_1": float(p0 @ V), "J_avV": float(d @ V), "J_avR": float(d @ r_pi)}


def mdp_theorem_gradients(theta: np.ndarray, X: np.ndarray, P, R, gamma, p0) -> dict:
    """The policy-gradient-theorem right-hand sides for J_1, J_avV and J_avR (see module doc).

    Also ``"J_avV_discountedQ"`` = (1/(1−γ)) Σ_s d^π(s) Σ_a ∇π(a|s) Q_γ(s,a), the tempting
    but inexact form with the discounted action values (it ignores ∇d^π).
    """
    theta, X = _check(theta, X)
    pi, P_pi, r_pi = _policy_matrices(theta, X, P, R)
    S = P_pi.shape[0]
    V = np.linalg.solve(np.eye(S) - gamma * P_pi, r_pi)
    Q = R + gamma * P @ V
    d_gamma = np.linalg.solve((np.eye(S) - gamma * P_pi).T, p0)
    d = _stationary(P_pi)
    rho = float(d @ r_pi)
    # differential values: (I − P_π) Ṽ = r_π − ρ, fixed by d·Ṽ = 0
    A = np.vstack([np.eye(S) - P_pi, d])
    Vt = np.linalg.lstsq(A, np.concatenate([r_pi - rho, [0.0]]), rcond=None)[0]
    Qt = R - rho + P @ Vt
    gp = grad_pi(theta, X)
    g_avr = np.einsum("s,saf,sa->f", d, gp, Qt)
    return {
        "J_1": np.einsum("s,saf,sa->f", d_gamma, gp, Q),
        "J_avR": g_avr,
        "J_avV": g_avr / (1.0 - gamma),
        "J_avV_discountedQ": np.einsum("s,saf,sa->f", d, gp, Q) / (1.0 - gamma),
    }


def fd_gradient(f, theta: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central finite differences of the scalar f(θ)."""
    theta = np.asarray(theta, dtype=np.float64)
    g = np.empty_like(theta)
    for i in range(theta.shape[0]):
        e = np.zeros_like(theta)
        e[i] = eps
        g[i] = (f(theta + e) - f(theta - e)) / (2 * eps)
    return g


def random_mdp(n_states: int, n_actions: int, n_features: int, rng: Generator) -> dict:
    """A random ergodic MDP with random state-action features (for checks): keys P, R, X, p0."""
    P = rng.dirichlet(np.ones(n_states), size=(n_states, n_actions))
    R = rng.normal(size=(n_states, n_actions))
    X = rng.normal(size=(n_states, n_actions, n_features))
    p0 = rng.dirichlet(np.ones(n_states))
    return {"P": P, "R": R, "X": X, "p0": p0}
