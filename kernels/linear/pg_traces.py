"""Actor-critic's eligibility-trace update (S&B 13.5, "Actor–Critic with Eligibility Traces"), for
the fused loop ``fastfa.kernels.loops.pg_env_loop.pg_run_tpl`` on binary (grid-tile) features::

    z_w ← γλ_w z_w + x(S);   z ← γλ z + I ∇ ln π(A|S);   w ← w + α_w δ z_w;   θ ← θ + α δ z

computed dense, in the order of floating-point operations of ``fastfa.agents.ActorCritic._trace_update``
(``x(S)`` the dense 0/1 vector of the active tiles), so the compiled and the Python loops agree bit
for bit.  Softmax policy: θ [F, A], ∇ ln π = x(S)(𝟙[b = A] − π(b|S)).  Gaussian policy (state-
independent clipped ln σ = b): ∇_θμ ln π = x(S)(a − μ)/σ², ∇_b ln π = (a − μ)²/σ² − 1 (0 where
ln σ is clipped), and b moves with step size α·α_σ/α (``std_step``).
"""

import math

import numpy as np

from .._jit import njit
from .policy_gradient import gaussian_mean, softmax_pa_sparse_probs

#: status codes of the policy-gradient kernels and loop
OK, POLICY_NOT_FINITE, CRITIC_NOT_FINITE = 0, 1, 2


@njit
def _critic_trace_step(zw, idx, hp):
    """z_w ← γλ_w z_w + x(S) (the critic's trace); returns x(S), dense."""
    zw *= hp.gamma * hp.lam_w
    g1 = np.zeros(zw.shape[0])
    for k in range(idx.shape[0]):
        g1[idx[k]] += 1.0
    zw += g1
    return g1


@njit
def _critic_step(w, zw, delta, hp):
    """w ← w + α_w δ z_w; False if a weight is not finite."""
    s = hp.alpha_w * delta
    ok = True
    for f in range(w.shape[0]):
        w[f] += s * zw[f]
        ok = ok and math.isfinite(w[f])
    return ok


@njit
def ac_traces_step(theta, w, zt, zw, g, idx, a, delta, i_fac, hp, probs):
    """The trace update with a softmax policy θ [F, A] (``g``: ∇ ln π scratch, ``probs`` [A]); returns a
    status (θ is left unchanged if it would turn non-finite)."""
    _critic_trace_step(zw, idx, hp)
    softmax_pa_sparse_probs(theta, idx, probs)
    g[:] = 0.0
    for k in range(idx.shape[0]):
        for b in range(g.shape[1]):
            g[idx[k], b] += -probs[b]
    for k in range(idx.shape[0]):
        g[idx[k], a] += 1.0
    c = hp.gamma * hp.lam
    for f in range(zt.shape[0]):
        for b in range(zt.shape[1]):
            zt[f, b] = zt[f, b] * c + i_fac * g[f, b]
    if not _critic_step(w, zw, delta, hp):
        return CRITIC_NOT_FINITE
    ok = True
    for f in range(zt.shape[0]):
        for b in range(zt.shape[1]):
            ok = ok and math.isfinite(theta[f, b] + hp.alpha * (delta * zt[f, b]))
    if not ok:
        return POLICY_NOT_FINITE
    for f in range(zt.shape[0]):
        for b in range(zt.shape[1]):
            theta[f, b] = theta[f, b] + hp.alpha * (delta * zt[f, b])
    return OK


@njit
def gaussian_traces_step(theta_mu, ls_b, w, zt, zb, zw, idx, a, delta, i_fac, hp, mu, ls):
    """The trace update with a Gaussian policy (``a``: the unclipped draw; ``mu``/``ls`` [D] scratch);
    returns a status (θ_μ and b are left unchanged if they would turn non-finite)."""
    g1 = _critic_trace_step(zw, idx, hp)
    D = theta_mu.shape[1]
    gaussian_mean(theta_mu, ls_b, idx, hp.ls_min, hp.ls_max, mu, ls)  # before the step, as grad_log_prob
    c = hp.gamma * hp.lam
    for d in range(D):
        inv_var = math.exp(-2.0 * ls[d])
        diff = a[d] - mu[d]
        gm = diff * inv_var
        clipped = ls_b[d] < hp.ls_min or ls_b[d] > hp.ls_max
        gs = 0.0 if clipped else diff * diff * inv_var - 1.0
        for f in range(zt.shape[0]):
            zt[f, d] = zt[f, d] * c + i_fac * (gm * g1[f])
        zb[d] = zb[d] * c + i_fac * gs
    if not _critic_step(w, zw, delta, hp):
        return CRITIC_NOT_FINITE
    ok = True
    a_std = hp.alpha if hp.alpha_std < 0.0 else hp.alpha * hp.alpha_std / hp.alpha
    for f in range(zt.shape[0]):
        for d in range(D):
            ok = ok and math.isfinite(theta_mu[f, d] + hp.alpha * (delta * zt[f, d]))
    for d in range(D):
        ok = ok and math.isfinite(ls_b[d] + a_std * (delta * zb[d]))
    if not ok:
        return POLICY_NOT_FINITE
    for f in range(zt.shape[0]):
        for d in range(D):
            theta_mu[f, d] = theta_mu[f, d] + hp.alpha * (delta * zt[f, d])
    for d in range(D):
        ls_b[d] = ls_b[d] + a_std * (delta * zb[d])
    return OK
