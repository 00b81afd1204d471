"""Linear A2C on binary features (the active tile indices of each state), S&B 13.5 with n-step returns
(Mnih et al. 2016).  Each update takes B = N·K samples (N steps of K envs)::

    A_b = G_b − v̂(S_b),   v̂(s) = Σ_k w[idx_k(s)]
    w ← w + (α_w / B) Σ_b A_b x(S_b)
    θ ← θ + (α / B) Σ_b A_b ∇ ln π(A_b|S_b)

Softmax policy θ [F, A]: ∇ ln π = x(s)(𝟙[b = A] − π(b|s)).  Gaussian policy θ_μ [F, D] with a
state-independent clipped ln σ = b [D]: ∇_θμ ln π = x(s)(a − μ)/σ², ∇_b ln π = (a − μ)²/σ² − 1 (0 where
ln σ is clipped); b moves with step size α·α_σ/α.

These kernels are the arithmetic of both loops of ``fastfa.agents.A2C`` on tile-coded features: the
Python loop (any gymnasium env) calls them once per step and once per update, and the fused loop
``fastfa.kernels.loops.a2c_linear_loop.a2c_lin_run_tpl`` (a compiled env) calls the same functions,
so both give the same numbers, bit for bit.  Sums run in index order (equal to the dense sums over
the 0/1 feature vector when the indices of a state are ascending and distinct, as grid tiles are).
"""

import math
from collections import namedtuple

import numpy as np

from .._jit import njit
from .pg_traces import CRITIC_NOT_FINITE, OK, POLICY_NOT_FINITE
from .policy_gradient import categorical_sample, gaussian_mean, gaussian_sample, softmax_pa_sparse_probs

#: The policy (updated in place): softmax ``theta`` [F, A]; Gaussian ``theta`` (θ_μ) [F, D], ``ls_b``
#: [D], action bounds ``low``/``high`` [D] (empty arrays for a softmax), and ``discrete``.
LinPolicy = namedtuple("LinPolicy", "theta ls_b low high discrete")
#: Step sizes: ``alpha``, ``alpha_w``, ``alpha_std`` (< 0: = alpha), ``gamma``, ``ls_min``, ``ls_max``.
LinHP = namedtuple("LinHP", "alpha alpha_w alpha_std gamma ls_min ls_max")


def make_lin_hp(alpha, alpha_w, alpha_std, gamma, ls_min=-5.0, ls_max=2.0):
    """A :data:`LinHP` with float fields (``alpha_std`` None: = alpha)."""
    return LinHP(
        float(alpha), float(alpha_w), -1.0 if alpha_std is None else float(alpha_std), float(gamma),
        float(ls_min), float(ls_max),
    )  # fmt: skip


@njit
def lin_values(w, rows, out):
    """``out[k]`` = v̂ of the state whose active indices are ``rows[k]``."""
    for k in range(rows.shape[0]):
        v = 0.0
        for j in range(rows.shape[1]):
            v += w[rows[k, j]]
        out[k] = v


@njit
def lin_act(pol, hp, rows, rng, acts, raw):
    """Sample one action per row of ``rows`` from ``rng``, rows in order: softmax into ``acts`` [K];
    Gaussian: the unclipped draws into ``raw`` [K, D] (one ``standard_normal`` per dimension)."""
    if pol.discrete:
        probs = np.empty(pol.theta.shape[1])
        for k in range(rows.shape[0]):
            softmax_pa_sparse_probs(pol.theta, rows[k], probs)
            acts[k] = categorical_sample(probs, rng)
    else:
        D = pol.theta.shape[1]
        mu, ls = np.empty(D), np.empty(D)
        for k in range(rows.shape[0]):
            gaussian_mean(pol.theta, pol.ls_b, rows[k], hp.ls_min, hp.ls_max, mu, ls)
            gaussian_sample(mu, ls, rng, raw[k])


@njit
def lin_update(pol, w, hp, rows, acts, raw, adv):
    """One A2C update from B samples (``rows`` [B, T] active indices, ``acts`` [B] or ``raw`` [B, D],
    advantages ``adv`` [B]); the policy's gradient uses θ before the update.  Returns :data:`OK`,
    :data:`CRITIC_NOT_FINITE` (w was updated) or :data:`POLICY_NOT_FINITE` (θ left unchanged)."""
    B = rows.shape[0]
    theta = pol.theta
    F, A = theta.shape
    acc = np.zeros(w.shape[0])
    for b in range(B):
        for j in range(rows.shape[1]):
            acc[rows[b, j]] += adv[b]
    c = hp.alpha_w / B
    ok = True
    for f in range(w.shape[0]):
        w[f] = w[f] + c * acc[f]
        ok = ok and math.isfinite(w[f])
    if not ok:
        return CRITIC_NOT_FINITE
    grad = np.zeros((F, A))
    gb = np.zeros(A)
    probs = np.empty(A)
    mu, ls = np.empty(A), np.empty(A)
    for b in range(B):
        if pol.discrete:
            softmax_pa_sparse_probs(theta, rows[b], probs)
            for j in range(rows.shape[1]):
                f = rows[b, j]
                for a in range(A):
                    grad[f, a] += adv[b] * ((1.0 if a == acts[b] else 0.0) - probs[a])
        else:
            gaussian_mean(theta, pol.ls_b, rows[b], hp.ls_min, hp.ls_max, mu, ls)
            for d in range(A):
                inv_var = math.exp(-2.0 * ls[d])
                diff = raw[b, d] - mu[d]
                gm = diff * inv_var
                clipped = pol.ls_b[d] < hp.ls_min or pol.ls_b[d] > hp.ls_max
                gb[d] += adv[b] * (0.0 if clipped else diff * diff * inv_var - 1.0)
                for j in range(rows.shape[1]):
                    grad[rows[b, j], d] += adv[b] * gm
    a_std = hp.alpha if hp.alpha_std < 0.0 else hp.alpha * hp.alpha_std / hp.alpha
    for f in range(F):
        for a in range(A):
            ok = ok and math.isfinite(theta[f, a] + hp.alpha * (grad[f, a] / B))
    if not pol.discrete:
        for d in range(A):
            ok = ok and math.isfinite(pol.ls_b[d] + a_std * (gb[d] / B))
    if not ok:
        return POLICY_NOT_FINITE
    for f in range(F):
        for a in range(A):
            theta[f, a] = theta[f, a] + hp.alpha * (grad[f, a] / B)
    if not pol.discrete:
        for d in range(A):
            pol.ls_b[d] = pol.ls_b[d] + a_std * (gb[d] / B)
    return OK
