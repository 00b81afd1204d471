"""Policy-gradient kernels: softmax and Gaussian policies linear in features (S&B 13.1-13.7).

Softmax in action preferences (S&B 13.2, eq. 13.2-13.3)::

    h(s,a) = θ·x(s,a)          π(a|s) = exp(h(s,a) − m) / Σ_b exp(h(s,b) − m),   m = max_b h(s,b)

The max-shift (log-sum-exp) makes it exact for any finite preferences.
Score function (eligibility vector, S&B eq. 13.9)::

    ∇_θ ln π(a|s) = x(s,a) − Σ_b π(b|s) x(s,b)

Three feature layouts share this maths:

* ``sa``  state-action features: θ float64[F], ``x_sa`` float64[A, F] (dense)
  or ``idx_sa`` int64[A, T] (active binary features, e.g. tile-coded (s, a));
* ``pa``  per-action weights: θ float64[F, A], state features ``x`` float64[F]
  (dense) or ``idx`` int64[T] (active binary features); h(s,a) = Σ_f x_f θ[f, a],
  so ∇_{θ[:, b]} ln π(a|s) = x(s) (𝟙[a=b] − π(b|s)).

Gaussian policy for a D-dimensional continuous action (S&B 13.7, eq. 13.19-13.20),
per dimension d::

    μ_d(s) = θ_μ[:, d]·x(s)      ln σ_d(s) = clip(b_d + θ_σ[:, d]·x(s), ln σ_min, ln σ_max)
    ∇_{θ_μ[:, d]} ln π(a|s) = (a_d − μ_d) / σ_d² · x(s)
    ∇_{ln σ_d} ln π(a|s)   = (a_d − μ_d)² / σ_d² − 1      (× x(s) for θ_σ, × 1 for b)

θ_σ may have zero rows (state-independent learned log-std b).  Where the clip
is active the log-std gradient is 0 (the exact derivative of the clipped map).
The gradient is that of the *sampled* (unclipped) action; clipping the action
to the action space is done by the caller and is part of the environment.

Randomness comes only from an explicit ``np.random.Generator`` argument.
"""

import math

import numpy as np

from .._jit import njit

# ------------------------------------------------------------------ helpers


@njit
def softmax_inplace(h):
    """``h`` ← softmax(h) with the max-shift; returns ln Σ exp(h) (log-sum-exp of the input)."""
    n = h.shape[0]
    m = -np.inf
    for i in range(n):
        if h[i] > m:
            m = h[i]
    s = 0.0
    for i in range(n):
        h[i] = math.exp(h[i] - m)
        s += h[i]
    for i in range(n):
        h[i] /= s
    return m + math.log(s)


@njit
def categorical_sample(probs, rng):
    """One draw from ``probs`` by inverse CDF with one ``rng.random()``."""
    u = rng.random()
    c = 0.0
    n = probs.shape[0]
    for i in range(n):
        c += probs[i]
        if u < c:
            return i
    for i in range(n - 1, -1, -1):  # round-off: last action with non-zero mass
        if probs[i] > 0.0:
            return i
    return n - 1


# ------------------------------------------------------------------ softmax, per-action weights θ[F, A]


@njit
def softmax_pa_probs(theta, x_t, out):
    """π(·|s) into ``out`` [A] for dense x_t [F], θ [F, A]; returns ln Σ_b exp h(s,b)."""
    F, A = theta.shape
    for a in range(A):
        out[a] = 0.0
    for f in range(F):
        xf = x_t[f]
        if xf != 0.0:
            for a in range(A):
                out[a] += xf * theta[f, a]
    return softmax_inplace(out)


@njit
def softmax_pa_sparse_probs(theta, idx_t, out):
    """π(·|s) into ``out`` [A] for active binary features idx_t [T], θ [n, A]; returns log-sum-exp."""
    A = theta.shape[1]
    for a in range(A):
        out[a] = 0.0
    for k in range(idx_t.shape[0]):
        i = idx_t[k]
        for a in range(A):
            out[a] += theta[i, a]
    return softmax_inplace(out)


@njit
def softmax_pa_grad_log_pi(theta, x_t, a_t, probs, out):
    """``out`` [F, A] ← ∇_θ ln π(a_t|s) = x(s) (𝟙[a_t=b] − π(b|s)); returns ln π(a_t|s).

    ``probs`` [A] is scratch (receives π(·|s)).
    """
    lse = softmax_pa_probs(theta, x_t, probs)
    F, A = theta.shape
    for f in range(F):
        xf = x_t[f]
        for b in range(A):
            out[f, b] = -xf * probs[b]
        out[f, a_t] += xf
    return _log_pi_pa(theta, x_t, a_t, lse)


@njit
def _log_pi_pa(theta, x_t, a_t, lse):
    h = 0.0
    for f in range(theta.shape[0]):
        h += x_t[f] * theta[f, a_t]
    return h - lse


@njit
def softmax_pa_sparse_update(theta, idx_t, a_t, step, probs):
    """θ ← θ + step · ∇_θ ln π(a_t|s) for binary features idx_t; returns ln π(a_t|s) (before the step).

    ``step`` is e.g. α γᵗ G_t (REINFORCE, S&B 13.3) or α δ (actor-critic, 13.5).
    ``probs`` [A] is scratch (receives π(·|s) before the step).
    """
    lse = softmax_pa_sparse_probs(theta, idx_t, probs)
    A = theta.shape[1]
    h_a = 0.0
    for k in range(idx_t.shape[0]):
        h_a += theta[idx_t[k], a_t]
    for k in range(idx_t.shape[0]):
        i = idx_t[k]
        for b in range(A):
            theta[i, b] -= step * probs[b]
        theta[i, a_t] += step
    return h_a - lse


from .pg_batch import exp_nonpos, softmax_pa_batch_grad  # noqa: E402,F401  (batched kernels live there)


# ------------------------------------------------------------------ softmax, state-action features θ[F]


@njit
def softmax_sa_probs(theta, x_sa, out):
    """π(·|s) into ``out`` [A] for dense x_sa [A, F], θ [F]; returns log-sum-exp."""
    A, F = x_sa.shape
    for a in range(A):
        h = 0.0
        for f in range(F):
            h += x_sa[a, f] * theta[f]
        out[a] = h
    return softmax_inplace(out)


@njit
def softmax_sa_sparse_probs(theta, idx_sa, out):
    """π(·|s) into ``out`` [A] for active binary features idx_sa [A, T], θ [n]; returns log-sum-exp."""
    A, T = idx_sa.shape
    for a in range(A):
        h = 0.0
        for k in range(T):
            h += theta[idx_sa[a, k]]
        out[a] = h
    return softmax_inplace(out)


@njit
def softmax_sa_grad_log_pi(theta, x_sa, a_t, probs, out):
    """``out`` [F] ← x(s,a_t) − Σ_b π(b|s) x(s,b) (S&B eq. 13.9); returns ln π(a_t|s)."""
    lse = softmax_sa_probs(theta, x_sa, probs)
    A, F = x_sa.shape
    h_a = 0.0
    for f in range(F):
        out[f] = x_sa[a_t, f]
        h_a += x_sa[a_t, f] * theta[f]
    for b in range(A):
        pb = probs[b]
        for f in range(F):
            out[f] -= pb * x_sa[b, f]
    return h_a - lse


@njit
def softmax_sa_sparse_update(theta, idx_sa, a_t, step, probs):
    """θ ← θ + step · (x(s,a_t) − Σ_b π(b|s) x(s,b)) for binary idx_sa [A, T]; returns ln π(a_t|s)."""
    lse = softmax_sa_sparse_probs(theta, idx_sa, probs)
    A, T = idx_sa.shape
    h_a = 0.0
    for k in range(T):
        h_a += theta[idx_sa[a_t, k]]
    for b in range(A):
        sb = step * probs[b]
        for k in range(T):
            theta[idx_sa[b, k]] -= sb
    for k in range(T):
        theta[idx_sa[a_t, k]] += step
    return h_a - lse


@njit
def softmax_sa_batch_grad(theta, x_sa, a, w, probs, grad):
    """``grad`` [F] ← Σ_i w_i ∇_θ ln π(a_i|s_i) for x_sa [B, A, F]; returns Σ_i w_i ln π(a_i|s_i)."""
    B, A, F = x_sa.shape
    for f in range(F):
        grad[f] = 0.0
    total = 0.0
    for i in range(B):
        p = probs[i]
        lse = softmax_sa_probs(theta, x_sa[i], p)
        wi = w[i]
        ai = a[i]
        h_a = 0.0
        for f in range(F):
            h_a += x_sa[i, ai, f] * theta[f]
            grad[f] += wi * x_sa[i, ai, f]
        total += wi * (h_a - lse)
        for b in range(A):
            c = wi * p[b]
            for f in range(F):
                grad[f] -= c * x_sa[i, b, f]
    return total


# ------------------------------------------------------------------ Gaussian, mean linear, log-std b + θ_σ·x


@njit
def gaussian_mean_log_std(theta_mu, ls_w, ls_b, x_t, ls_min, ls_max, mu_out, ls_out):
    """μ(s) into ``mu_out`` [D] and clipped ln σ(s) into ``ls_out`` [D].

    θ_μ [F, D]; ls_w [F or 0, D] (0 rows: state-independent); ls_b [D].
    Returns a bit mask (int) of the dimensions whose log-std hit the clip.
    """
    F, D = theta_mu.shape
    Fs = ls_w.shape[0]
    clipped = 0
    for d in range(D):
        m = 0.0
        for f in range(F):
            m += theta_mu[f, d] * x_t[f]
        mu_out[d] = m
        ls = ls_b[d]
        for f in range(Fs):
            ls += ls_w[f, d] * x_t[f]
        if ls < ls_min:
            ls = ls_min
            clipped |= 1 << d
        elif ls > ls_max:
            ls = ls_max
            clipped |= 1 << d
        ls_out[d] = ls
    return clipped


@njit
def gaussian_sample(mu, ls, rng, out):
    """``out`` [D] ← μ + σ ε, ε ~ N(0, I) drawn from ``rng`` (the unclipped action)."""
    for d in range(mu.shape[0]):
        out[d] = mu[d] + math.exp(ls[d]) * rng.standard_normal()


@njit
def gaussian_log_prob(mu, ls, a_t):
    """ln π(a|s) = Σ_d −(a_d − μ_d)²/(2σ_d²) − ln σ_d − ½ ln 2π."""
    lp = 0.0
    for d in range(mu.shape[0]):
        z = (a_t[d] - mu[d]) * math.exp(-ls[d])
        lp += -0.5 * z * z - ls[d] - 0.5 * math.log(2.0 * math.pi)
    return lp


@njit
def gaussian_grad_log_pi(theta_mu, ls_w, ls_b, x_t, a_t, ls_min, ls_max, g_mu, g_w, g_b):
    """Score of the Gaussian policy (S&B eq. 13.20) into g_mu [F, D], g_w [Fs, D], g_b [D].

    Returns ln π(a_t|s).  Clipped log-std dimensions get a zero log-std gradient.
    """
    F, D = theta_mu.shape
    Fs = ls_w.shape[0]
    mu = np.empty(D)
    ls = np.empty(D)
    clipped = gaussian_mean_log_std(theta_mu, ls_w, ls_b, x_t, ls_min, ls_max, mu, ls)
    for d in range(D):
        inv_var = math.exp(-2.0 * ls[d])
        diff = a_t[d] - mu[d]
        gm = diff * inv_var
        for f in range(F):
            g_mu[f, d] = gm * x_t[f]
        gs = 0.0 if (clipped >> d) & 1 else diff * diff * inv_var - 1.0
        g_b[d] = gs
        for f in range(Fs):
            g_w[f, d] = gs * x_t[f]
    return gaussian_log_prob(mu, ls, a_t)


@njit
def gaussian_mean(theta_mu, ls_b, idx, ls_min, ls_max, mu, ls):
    """μ_d = Σ_k θ_μ[idx_k, d] and ln σ_d = clip(b_d) into ``mu``/``ls`` (equal to the dense kernel
    on the binary vector of ``idx`` when the indices are ascending and distinct, as grid tiles are)."""
    for d in range(mu.shape[0]):
        m = 0.0
        for k in range(idx.shape[0]):
            m += theta_mu[idx[k], d]
        mu[d] = m
        v = ls_b[d]
        ls[d] = ls_min if v < ls_min else (ls_max if v > ls_max else v)


@njit
def gaussian_sparse_update(theta_mu, ls_b, idx_t, a_t, step_mu, step_ls, ls_min, ls_max, mu, ls):
    """Gaussian policy with binary features idx_t and state-independent log-std b (θ_σ absent).

    μ_d = Σ_k θ_μ[idx_k, d];  θ_μ[idx, d] += step_mu (a_d − μ_d)/σ_d²;
    b_d += step_ls ((a_d − μ_d)²/σ_d² − 1) unless clipped.  ``mu``/``ls`` [D] are scratch
    (receive μ and ln σ before the step).  Returns ln π(a_t|s) before the step.
    """
    D = theta_mu.shape[1]
    gaussian_mean(theta_mu, ls_b, idx_t, ls_min, ls_max, mu, ls)
    lp = gaussian_log_prob(mu, ls, a_t)
    for d in range(D):
        inv_var = math.exp(-2.0 * ls[d])
        diff = a_t[d] - mu[d]
        gm = step_mu * diff * inv_var
        for k in range(idx_t.shape[0]):
            theta_mu[idx_t[k], d] += gm
        if ls_min <= ls_b[d] <= ls_max:
            ls_b[d] += step_ls * (diff * diff * inv_var - 1.0)
    return lp
