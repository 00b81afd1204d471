"""Plain NumPy references for the policy-gradient kernels (kernels/linear/policy_gradient.py)."""

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


def ref_puckworld_ac_dense(
    tc,
    env_params,
    theta_mu,
    ls_b,
    w,
    alpha,
    alpha_ls,
    alpha_w,
    gamma,
    lam,
    lam_w,
    ls_min,
    ls_max,
    n_episodes,
    ep_len,
    rng,
):
    """Actor-critic with DENSE eligibility traces on Puck World (S&B 13.5), plain NumPy, in place.

    The environment is ``naive_pg_envs.RefPuckWorld`` (written from the spec, not the compiled twin);
    ``env_params`` must be the defaults (radius 0.05, ... period 300, no enemy).  Same random stream as
    ``fastfa.agents.pg_compiled.puckworld_train`` (the fused loop ``pg_env_loop`` on
    ``PuckWorldRelativeCompiledEnv``): reset draws, two normals per step, the env step's draws.
    Returns the per-episode returns.
    """
    import math

    from naive_pg_envs import RefPuckWorld

    def feats(env):
        return tc.indices(np.array([env.tgt[0] - env.p[0], env.tgt[1] - env.p[1], env.v[0], env.v[1]]))

    rets = []
    for _ in range(n_episodes):
        z_mu, z_w, z_b = np.zeros_like(theta_mu), np.zeros_like(w), np.zeros(2)
        env = RefPuckWorld(rng)
        x = feats(env)
        ret = 0.0
        for _t in range(ep_len):
            mu = theta_mu[x].sum(axis=0)
            ls = np.clip(ls_b, ls_min, ls_max)
            a = np.array([mu[d] + math.exp(ls[d]) * rng.standard_normal() for d in range(2)])
            r = env.step(list(a))
            ret += r
            x2 = feats(env)
            delta = r + gamma * w[x2].sum() - w[x].sum()
            inv_var = np.exp(-2.0 * ls)
            z_mu *= gamma * lam
            np.add.at(z_mu, x, (a - mu) * inv_var)
            z_b = gamma * lam * z_b + np.where((ls_min <= ls_b) & (ls_b <= ls_max), (a - mu) ** 2 * inv_var - 1, 0.0)
            z_w *= gamma * lam_w
            np.add.at(z_w, x, 1.0)
            w += alpha_w * delta * z_w
            theta_mu += alpha * delta * z_mu
            ls_b += alpha_ls * delta * z_b
            x = x2
        rets.append(ret)
    return np.array(rets)
