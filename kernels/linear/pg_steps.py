"""Per-step policy-gradient updates on binary (tile) features, shared by the fused loop
(``fastfa.kernels.loops.pg_env_loop``) and the Python agents: values, critic steps, the softmax and
Gaussian policy steps (each returns False when a touched parameter turns non-finite), and the
softmax probability floor (``min_prob``: the book's reference code for Fig 13.1/13.2).
"""

import math

from .._jit import njit
from .dot import dense_value  # noqa: F401  (re-exported: the fused loop and the agents import it from here)
from .policy_gradient import gaussian_mean, softmax_pa_sparse_probs, softmax_pa_sparse_update


@njit
def std_step(step, alpha, alpha_std):
    """The log-std step of a policy step, as ``fastfa.agents`` computes it: ``step·α_σ/α`` (α_σ < 0: ``step``)."""
    return step if alpha_std < 0.0 else step * alpha_std / alpha


@njit
def sparse_value(w, idx):
    """v̂(s) = Σ_k w[idx_k] summed in index order (the Python agents use this kernel too)."""
    v = 0.0
    for k in range(idx.shape[0]):
        v += w[idx[k]]
    return v


@njit
def sparse_q(w, idx, a, n_a):
    """Q_w(s, a) = Σ_k w[idx_k, a] summed in index order, ``w`` [F, A] flattened in C order (the
    Python QAC uses this kernel too)."""
    q = 0.0
    for k in range(idx.shape[0]):
        q += w[idx[k] * n_a + a]
    return q


@njit
def sparse_q_add(w, idx, a, n_a, scale):
    """w[idx_k, a] += scale for each k, in order, ``w`` flattened; False if a touched weight is not finite."""
    ok = True
    for k in range(idx.shape[0]):
        w[idx[k] * n_a + a] += scale
    for k in range(idx.shape[0]):
        ok = ok and math.isfinite(w[idx[k] * n_a + a])
    return ok


@njit
def sparse_add(w, idx, scale):
    """w[idx_k] += scale for each k, in order; False if a touched weight is not finite."""
    ok = True
    for k in range(idx.shape[0]):
        w[idx[k]] += scale
    for k in range(idx.shape[0]):
        ok = ok and math.isfinite(w[idx[k]])
    return ok


@njit
def gaussian_step(theta_mu, ls_b, idx, a, step_mu, step_std, ls_min, ls_max, mu, ls, fresh=False):
    """θ_μ[idx, d] += step_mu ((a_d − μ_d)/σ_d²);  b_d += step_std ((a_d − μ_d)²/σ_d² − 1) unless ln σ is
    clipped — the operations of ``GaussianLinear.update`` on binary features; False if not finite.
    ``fresh``: ``mu``/``ls`` already hold μ(s) and ln σ of the current parameters (not recomputed)."""
    if not fresh:
        gaussian_mean(theta_mu, ls_b, idx, ls_min, ls_max, mu, ls)
    ok = True
    for d in range(mu.shape[0]):
        inv_var = math.exp(-2.0 * ls[d])
        diff = a[d] - mu[d]
        gm = diff * inv_var
        for k in range(idx.shape[0]):
            theta_mu[idx[k], d] += step_mu * gm
            ok = ok and math.isfinite(theta_mu[idx[k], d])
        clipped = ls_b[d] < ls_min or ls_b[d] > ls_max
        ls_b[d] += step_std * (0.0 if clipped else diff * diff * inv_var - 1.0)
        ok = ok and math.isfinite(ls_b[d])
    return ok


@njit
def softmax_step(theta, idx, a, step, probs):
    """``softmax_pa_sparse_update``; False if a touched parameter is not finite."""
    softmax_pa_sparse_update(theta, idx, a, step, probs)
    ok = True
    for k in range(idx.shape[0]):
        for b in range(theta.shape[1]):
            ok = ok and math.isfinite(theta[idx[k], b])
    return ok


@njit
def softmax_floor_probs(theta, idx, min_prob, probs):
    """π(·|s) into ``probs``, then (``min_prob`` > 0) each probability below ``min_prob`` raised to it and
    the largest one set to 1 − Σ of the others (two actions: the smaller is ``min_prob``, the larger
    1 − ``min_prob``), as the reference code of S&B Fig 13.1/13.2; ``min_prob`` < 1/A (validated)."""
    softmax_pa_sparse_probs(theta, idx, probs)
    if min_prob > 0.0:
        n = probs.shape[0]
        j = 0
        floored = False
        for b in range(n):
            if probs[b] > probs[j]:
                j = b
        for b in range(n):
            if b != j and probs[b] < min_prob:
                probs[b] = min_prob
                floored = True
        if floored:
            rest = 0.0
            for b in range(n):
                if b != j:
                    rest += probs[b]
            probs[j] = 1.0 - rest


@njit
def softmax_floor_step(theta, idx, a, step, min_prob, probs):
    """θ[x, b] ← θ[x, b] + step (𝟙[b = a] − π̃(b|s)) with the floored π̃ of :func:`softmax_floor_probs`
    (the score the reference code uses); ``min_prob`` ≤ 0: :func:`softmax_step`.  False if a touched
    parameter is not finite."""
    if min_prob <= 0.0:
        return softmax_step(theta, idx, a, step, probs)
    softmax_floor_probs(theta, idx, min_prob, probs)
    ok = True
    for k in range(idx.shape[0]):
        i = idx[k]
        for b in range(theta.shape[1]):
            theta[i, b] += step * ((1.0 if b == a else 0.0) - probs[b])
            ok = ok and math.isfinite(theta[i, b])
    return ok
