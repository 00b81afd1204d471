"""Linear state-value prediction kernels (S&B chapters 9 and 12).

Representation: ``v̂(s; w) = Σ_j v_j · w[i_j]`` with ``w`` float64[F] and a
state's features as the sparse pair ``(i, v)``: ``i`` int64[k] indices,
``v`` float64[k] values (tile coding / aggregation: ``v = 1`` over the active
features; dense bases: ``i = arange(F)``, ``v = x(s)``), so ``∇v̂ = x(s)``.

Time-index names: ``(i_tm1, v_tm1)`` is S_t (being updated), ``r_t`` the
reward R_{t+1}, ``gamma_t`` the discount (0 at a terminal transition: no
bootstrap), ``(i_t, v_t)`` is S_{t+1}.  Updates change ``w`` (and traces
``z``) in place and return the TD error δ (or the error U − v̂).
"""

from .._jit import njit

from ..codes import ACCUMULATE, REPLACE  # noqa: F401  (the trace codes, numbered once)


@njit
def v_value(w, i, v):
    """``v̂(s) = Σ_j v_j w[i_j]``."""
    s = 0.0
    for j in range(i.shape[0]):
        s += v[j] * w[i[j]]
    return s


@njit
def v_values_batch(w, I, V, out):
    """``out[n] = v̂(s_n)`` for rows of ``I`` int64[N, k], ``V`` float64[N, k]."""
    for n in range(I.shape[0]):
        out[n] = v_value(w, I[n], V[n])


@njit
def linear_v_update(w, i, v, target, alpha):
    """``w ← w + α (U − v̂(S_t)) x(S_t)``; returns ``U − v̂(S_t)`` (S&B eq. 9.7).

    With ``U = G_t`` this is gradient Monte Carlo (S&B 9.3); any n-step or λ-return works.
    """
    err = target - v_value(w, i, v)
    ae = alpha * err
    for j in range(i.shape[0]):
        w[i[j]] += ae * v[j]
    return err


@njit
def linear_v_update_batch(w, I, V, targets, alpha, out_err):
    """:func:`linear_v_update` for each row in order (``out_err[n] = U_n − v̂(s_n)`` before its update)."""
    for n in range(I.shape[0]):
        out_err[n] = linear_v_update(w, I[n], V[n], targets[n], alpha)


@njit
def td0_update(w, i_tm1, v_tm1, r_t, gamma_t, i_t, v_t, alpha):
    """Semi-gradient TD(0) (S&B 9.3)::

    δ = R_{t+1} + γ v̂(S_{t+1}) − v̂(S_t)      (γ = 0 at a terminal step)
    w ← w + α δ x(S_t)
    """
    target = r_t
    if gamma_t != 0.0:
        target += gamma_t * v_value(w, i_t, v_t)
    return linear_v_update(w, i_tm1, v_tm1, target, alpha)


@njit
def td0_update_batch(w, I_tm1, V_tm1, r_t, gamma_t, I_t, V_t, alpha, out_delta):
    """:func:`td0_update` applied to each transition in order (``out_delta[n]`` its δ)."""
    for n in range(I_tm1.shape[0]):
        out_delta[n] = td0_update(w, I_tm1[n], V_tm1[n], r_t[n], gamma_t[n], I_t[n], V_t[n], alpha)


@njit
def discounted_return(rewards, gamma, bootstrap):
    """``G = Σ_k γ^k R_{k+1} + γ^n · bootstrap`` over ``rewards`` float64[n] (S&B eq. 7.1, 9.8)."""
    g = bootstrap
    for k in range(rewards.shape[0] - 1, -1, -1):
        g = rewards[k] + gamma * g
    return g


@njit
def mc_returns(rewards, gamma, out):
    """``out[t] = G_t = R_{t+1} + γ G_{t+1}`` for t < T, with ``G_T = 0`` (S&B eq. 3.9)."""
    g = 0.0
    for t in range(rewards.shape[0] - 1, -1, -1):
        g = rewards[t] + gamma * g
        out[t] = g


@njit
def td_lambda_update(w, z, i_tm1, v_tm1, r_t, gamma_t, i_t, v_t, alpha, lam, trace):
    """Semi-gradient TD(λ) (S&B 12.2), traces kept pre-decayed in ``z`` float64[F]::

        z ← z + x(S_t)          (trace = ACCUMULATE)       z_i ← 1 for active i   (REPLACE, binary x)
        δ = R_{t+1} + γ v̂(S_{t+1}) − v̂(S_t)
        w ← w + α δ z;   z ← γ λ z

    Zero ``z`` at the start of each episode.  Cost O(F) per step.
    """
    for j in range(i_tm1.shape[0]):
        if trace == ACCUMULATE:
            z[i_tm1[j]] += v_tm1[j]
        else:
            z[i_tm1[j]] = v_tm1[j]
    delta = r_t - v_value(w, i_tm1, v_tm1)
    if gamma_t != 0.0:
        delta += gamma_t * v_value(w, i_t, v_t)
    ad = alpha * delta
    decay = gamma_t * lam
    for k in range(z.shape[0]):
        zk = z[k]
        if zk != 0.0:
            w[k] += ad * zk
            z[k] = decay * zk
    return delta


@njit
def true_online_td_update(w, z, i_tm1, v_tm1, r_t, gamma_t, i_t, v_t, alpha, lam, v_old):
    """True online TD(λ) (S&B 12.5, van Seijen & Sutton 2014), dutch traces::

        V = v̂(S_t), V′ = v̂(S_{t+1}) (0 if terminal), δ = R_{t+1} + γV′ − V
        z ← γλz + (1 − αγλ zᵀx) x
        w ← w + α(δ + V − V_old) z − α(V − V_old) x;   V_old ← V′

    ``z`` is kept pre-decayed (on return it holds γ_t λ z_t), so call with ``z = 0``
    and ``v_old = 0`` at the start of an episode.  Returns ``(δ, V_old for the next call)``.
    """
    val = v_value(w, i_tm1, v_tm1)
    val_next = 0.0
    if gamma_t != 0.0:
        val_next = v_value(w, i_t, v_t)
    delta = r_t + gamma_t * val_next - val
    c = 1.0 - alpha * v_value(z, i_tm1, v_tm1)
    for j in range(i_tm1.shape[0]):
        z[i_tm1[j]] += c * v_tm1[j]
    coef = alpha * (delta + val - v_old)
    for k in range(z.shape[0]):
        if z[k] != 0.0:
            w[k] += coef * z[k]
    ax = alpha * (val - v_old)
    for j in range(i_tm1.shape[0]):
        w[i_tm1[j]] -= ax * v_tm1[j]
    decay = gamma_t * lam
    for k in range(z.shape[0]):
        z[k] *= decay
    return delta, val_next
