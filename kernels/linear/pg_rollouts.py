"""REINFORCE averaged over N rollouts (the lecture's estimator with G̃, the mean of N returns): θ is held
fixed for N episodes, their gradients are summed, and θ moves by α times the mean::

    acc ← acc + γᵗ δ_t ∇ ln π(A_t|S_t)   for every t of every one of the N episodes   (δ_t = G_t or G_t − v̂)
    θ ← θ + α acc / N;   acc ← 0

On binary features (active indices ``idx``), in the order of floating-point operations of
``fastfa.agents.Reinforce.end_episode`` with ``n_rollouts > 1`` (dense gradients, duplicates
counted), so the fused loop (``fastfa.kernels.loops.pg_env_loop``) and the Python loop agree bit for
bit.  Softmax: ∇ ln π = x(s)(𝟙[b = A] − π(b|s)); Gaussian (θ_μ, clipped ln σ = b): ∇_θμ = x(s)(a − μ)/σ²,
∇_b = (a − μ)²/σ² − 1 (0 where clipped), b moving with α·α_σ/α.
"""

import math

from .._jit import njit
from .pg_traces import OK, POLICY_NOT_FINITE
from .policy_gradient import gaussian_mean, softmax_pa_sparse_probs


@njit
def rollout_add_softmax(theta, acc, idx, a, scale, probs):
    """acc ← acc + scale · ∇ ln π(a|s) (softmax θ [F, A], π from θ into ``probs``)."""
    softmax_pa_sparse_probs(theta, idx, probs)
    for k in range(idx.shape[0]):
        f = idx[k]
        for b in range(acc.shape[1]):
            g = -probs[b]
            if b == a:
                g = g + 1.0
            acc[f, b] += scale * g


@njit
def rollout_add_gaussian(theta_mu, ls_b, acc, acc_b, idx, a, scale, ls_min, ls_max, mu, ls):
    """acc, acc_b ← + scale · ∇ ln π(a|s) (Gaussian; ``a`` the unclipped draw; ``mu``/``ls`` scratch)."""
    gaussian_mean(theta_mu, ls_b, idx, ls_min, ls_max, mu, ls)
    for d in range(mu.shape[0]):
        inv_var = math.exp(-2.0 * ls[d])
        diff = a[d] - mu[d]
        gm = diff * inv_var
        for k in range(idx.shape[0]):
            acc[idx[k], d] += scale * gm
        clipped = ls_b[d] < ls_min or ls_b[d] > ls_max
        acc_b[d] += scale * (0.0 if clipped else diff * diff * inv_var - 1.0)


@njit
def rollout_apply(theta, ls_b, acc, acc_b, n, alpha, a_std):
    """θ ← θ + α (acc / n), b ← b + a_std (acc_b / n), then acc ← 0; :data:`POLICY_NOT_FINITE` (nothing
    changed) if a parameter would turn non-finite."""
    ok = True
    for f in range(acc.shape[0]):
        for b in range(acc.shape[1]):
            ok = ok and math.isfinite(theta[f, b] + alpha * (acc[f, b] / n))
    for d in range(acc_b.shape[0]):
        ok = ok and math.isfinite(ls_b[d] + a_std * (acc_b[d] / n))
    if not ok:
        return POLICY_NOT_FINITE
    for f in range(acc.shape[0]):
        for b in range(acc.shape[1]):
            theta[f, b] = theta[f, b] + alpha * (acc[f, b] / n)
            acc[f, b] = 0.0
    for d in range(acc_b.shape[0]):
        ls_b[d] = ls_b[d] + a_std * (acc_b[d] / n)
        acc_b[d] = 0.0
    return OK
