"""Actor-critic's eligibility traces (S&B 13.5) with a Gaussian policy, kept *sparse*: for the fused
loop ``fastfa.kernels.loops.pg_env_loop.pg_run_tpl`` when ``hp.trace_min`` ≥ 0::

    z_θ ← γλ z_θ + I ∇_θμ ln π(A|S);  z_b ← γλ z_b + I ∇_b ln π(A|S);  z_w ← γλ_w z_w + x(S)
    w ← w + α_w δ z_w;  θ_μ ← θ_μ + α δ z_θ;  b ← b + α_σ δ z_b

A list ``lst[:n]`` holds the features with a non-zero trace (actor z_θ[f, ·] and critic z_w[f] share
it; ``mark`` flags them); each step adds the active tiles' gradients, then makes one pass over the
list (update θ_μ and w, decay by γλ / γλ_w, drop an entry whose traces are all ≤ ``trace_min``).
``trace_min = 0`` drops only exact zeros (the dense traces' numbers up to rounding);
a small positive value (e.g. 1e-8) bounds the list at about T·ln(trace_min)/ln(γλ) entries, so a
step costs O(list) instead of O(F).
"""

import math

from .._jit import njit
from .pg_traces import CRITIC_NOT_FINITE, OK, POLICY_NOT_FINITE


@njit
def sparse_traces_clear(zt, zw, zb, mark, lst, n_list):
    """Zero the listed traces (the start of an episode): O(list), not O(F)."""
    for j in range(n_list[0]):
        f = lst[j]
        for d in range(zt.shape[1]):
            zt[f, d] = 0.0
        zw[f] = 0.0
        mark[f] = False
    n_list[0] = 0
    zb[:] = 0.0


@njit
def gaussian_sparse_traces_step(theta_mu, ls_b, w, zt, zw, zb, mark, lst, n_list, idx, a, delta, i_fac, hp, mu, ls):
    """One step of the sparse trace update (``a``: the unclipped draw; ``mu``/``ls`` [D]: μ(S) and ln σ
    of the current parameters, the policy ``a`` was drawn from); returns a status (:data:`OK`, or which
    parameters turned non-finite: the run stops).  Checked each step: δ (a non-finite critic weight
    shows there at the next step) and b (a non-finite θ_μ makes a − μ, then z_b, then b non-finite)."""
    if not math.isfinite(delta):
        return CRITIC_NOT_FINITE
    D = theta_mu.shape[1]
    gl = hp.gamma * hp.lam
    glw = hp.gamma * hp.lam_w
    n = n_list[0]
    for d in range(D):
        inv_var = math.exp(-2.0 * ls[d])
        diff = a[d] - mu[d]
        g = i_fac * diff * inv_var
        for k in range(idx.shape[0]):
            f = idx[k]
            zt[f, d] += g
            if not mark[f]:
                mark[f] = True
                lst[n] = f
                n += 1
        zb[d] *= gl
        if hp.ls_min <= ls_b[d] <= hp.ls_max:
            zb[d] += i_fac * (diff * diff * inv_var - 1.0)
    for k in range(idx.shape[0]):
        zw[idx[k]] += 1.0
    ad = hp.alpha * delta
    awd = hp.alpha_w * delta
    tmin = hp.trace_min
    j = 0
    if D == 2:  # the common case (a 2-D force) in registers: the same operations as the loop below
        while j < n:
            f = lst[j]
            z0 = zt[f, 0]
            z1 = zt[f, 1]
            zwf = zw[f]
            theta_mu[f, 0] += ad * z0
            theta_mu[f, 1] += ad * z1
            w[f] += awd * zwf
            z0 *= gl
            z1 *= gl
            zwf *= glw
            if abs(z0) <= tmin and abs(z1) <= tmin and abs(zwf) <= tmin:
                zt[f, 0] = 0.0
                zt[f, 1] = 0.0
                zw[f] = 0.0
                mark[f] = False
                n -= 1
                lst[j] = lst[n]
            else:
                zt[f, 0] = z0
                zt[f, 1] = z1
                zw[f] = zwf
                j += 1
    while j < n:  # one pass: update, decay for the next step, drop negligible traces
        f = lst[j]
        keep = abs(zw[f] * glw) > tmin
        for d in range(D):
            theta_mu[f, d] += ad * zt[f, d]
            zt[f, d] *= gl
            keep = keep or abs(zt[f, d]) > tmin
        w[f] += awd * zw[f]
        zw[f] *= glw
        if keep:
            j += 1
        else:
            for d in range(D):
                zt[f, d] = 0.0
            zw[f] = 0.0
            mark[f] = False
            n -= 1
            lst[j] = lst[n]
    n_list[0] = n
    a_std = hp.alpha if hp.alpha_std < 0.0 else hp.alpha_std
    for d in range(D):
        ls_b[d] += a_std * delta * zb[d]
        if not math.isfinite(ls_b[d]):
            return POLICY_NOT_FINITE
    return OK
