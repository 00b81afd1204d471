"""Plain NumPy references for the policy-gradient kernels (kernels/policy_gradient.py)."""
import numpy as np


def ref_softmax(h):
    h = np.asarray(h, dtype=np.float64)
    z = h - h.max()
    e = np.exp(z)
    return e / e.sum()


def ref_log_softmax(h):
    h = np.asarray(h, dtype=np.float64)
    m = h.max()
    return h - (m + np.log(np.exp(h - m).sum()))


def ref_pa_prefs(theta, x):
    """Per-action preferences h(s,·) = x θ for dense x [F] or int indices."""
    x = np.asarray(x)
    if x.dtype.kind in "iu":
        return theta[x].sum(axis=0)
    return x @ theta


def ref_sa_prefs(theta, x_sa):
    x_sa = np.asarray(x_sa)
    if x_sa.dtype.kind in "iu":
        return theta[x_sa].sum(axis=1)
    return x_sa @ theta


def ref_pa_batch_grad(theta, x, a, w):
    """Σ_i w_i x_i (e_{a_i} − π_i)ᵀ and Σ_i w_i ln π(a_i|s_i), per sample in Python."""
    g = np.zeros_like(theta)
    total = 0.0
    for i in range(x.shape[0]):
        p = ref_softmax(x[i] @ theta)
        e = np.zeros(theta.shape[1])
        e[a[i]] = 1.0
        g += w[i] * np.outer(x[i], e - p)
        total += w[i] * ref_log_softmax(x[i] @ theta)[a[i]]
    return g, total


def ref_gaussian_log_prob(theta_mu, ls_w, ls_b, x, a, ls_min=-np.inf, ls_max=np.inf):
    mu = x @ theta_mu
    ls = ls_b + (x @ ls_w if ls_w.shape[0] else 0.0)
    ls = np.clip(ls, ls_min, ls_max)
    return float(np.sum(-0.5 * ((a - mu) / np.exp(ls)) ** 2 - ls - 0.5 * np.log(2 * np.pi)))


def fd_grad(f, theta, eps=1e-6):
    """Central finite differences of the scalar f(theta) w.r.t. every entry of theta."""
    g = np.zeros_like(theta)
    it = np.nditer(theta, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = theta[i]
        theta[i] = old + eps
        fp = f(theta)
        theta[i] = old - eps
        fm = f(theta)
        theta[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g
