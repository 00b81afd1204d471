"""Fully compiled policy-gradient training loops on Puck World (the lecture's example).

Gaussian policy on tile-coded features of (target − puck, velocity): REINFORCE with an optional
learned baseline, and actor-critic with eligibility traces (S&B 13.5, continuing form: no γᵗ factor,
truncation bootstraps)::

    δ = R + γ v̂(S') − v̂(S);  z_w ← γλ_w z_w + x(S);  z_θ ← γλ_θ z_θ + ∇ ln π(A|S)
    w ← w + α_w δ z_w;  θ ← θ + α_θ δ z_θ

Each function trains ONE run from an explicit ``np.random.Generator`` and writes per-episode
results to ``out`` arrays; populations of runs are many calls (``nogil``: one Generator per run
spawned from ``np.random.SeedSequence``, so results never depend on the thread count; see
``fastfa.agents.pg_compiled``).  Return value: 0 on success, or ``-(episode + 1)`` when a parameter
became non-finite (the Python wrapper raises ``FloatingPointError``).  For a Gaussian policy on any
:class:`fastfa.envs.CompiledEnv` see :mod:`fastfa.kernels.loops.pg_env_loop`.
"""

import math
from collections import namedtuple

import numpy as np

from .._jit import njit
from ..envs.puck_corridor import puckworld_reset, puckworld_step
from ..features.tilecoding import tc_indices_scratch
from ..features.tiles import LEN_MIX, MINUS_ONE, S31, S33, XXP1, XXP2, XXP5, py_tuple_hash_mod

#: Step sizes and decays of one run: ``alpha`` (θ_μ), ``alpha_ls`` (log-std b), ``alpha_w`` (critic /
#: baseline; REINFORCE: 0 = none), ``gamma``, ``lam`` / ``lam_w`` (actor / critic trace decay),
#: ``ls_min`` / ``ls_max`` (clip of ln σ), ``trace_min`` (sparse traces: drop below this).
PWHP = namedtuple("PWHP", "alpha alpha_ls alpha_w gamma lam lam_w ls_min ls_max trace_min")


def make_pw_hp(alpha, alpha_ls, alpha_w, gamma, lam, lam_w, ls_min, ls_max, trace_min=0.0):
    """A :data:`PWHP` (fields in this order) with the types the compiled loops expect."""
    return PWHP(
        float(alpha),
        float(alpha_ls),
        float(alpha_w),
        float(gamma),
        float(lam),
        float(lam_w),
        float(ls_min),
        float(ls_max),
        float(trace_min),
    )


@njit
def _pw_obs4(state, out):
    out[0] = state[4] - state[0]
    out[1] = state[5] - state[1]
    out[2] = state[2]
    out[3] = state[3]


@njit
def pw_tiles(obs, tc, q, coords, out):
    """Tile indices of ``obs`` [d] into ``out`` [n_tilings], equal to ``tilecoding.tc_indices`` (tested).

    ``tc``: the coder's ``TileCoder.kernel_args()`` tuple (low, high, scale, wrapw, disp, n_tilings, size,
    keys, slots, meta).

    ``q`` int64[d] and ``coords`` int64[1 + d] are scratch (no allocation per step).  Fast path for
    the Puck World coder (hash mode, no wrap, n_tilings a power of two): the floor division by
    n_tilings is an arithmetic shift (same result for negative coordinates); otherwise the general kernel.
    """
    tc_low, tc_high, tc_scale, tc_wrapw, tc_disp, n_tilings, size, keys, slots, meta = tc
    d = obs.shape[0]
    shift = 0
    while (1 << shift) < n_tilings:
        shift += 1
    if keys.shape[0] > 0 or tc_wrapw.shape[0] > 0 or (1 << shift) != n_tilings:
        tc_indices_scratch(
            obs,
            np.zeros(0, np.int64),
            tc_low,
            tc_high,
            tc_scale,
            tc_wrapw,
            tc_disp,
            n_tilings,
            size,
            keys,
            slots,
            meta,
            q,
            coords,
            out,
        )
        return
    nonneg = True
    for k in range(d):
        x = min(max(obs[k], tc_low[k]), tc_high[k])
        q[k] = np.int64(np.floor((x - tc_low[k]) * tc_scale[k] * n_tilings))
        nonneg = nonneg and q[k] >= 0 and tc_disp[k] >= 0
    if not nonneg or (size & (size - 1)) != 0:
        for t in range(n_tilings):
            coords[0] = t
            for k in range(d):
                coords[1 + k] = (q[k] + np.int64(t) * tc_disp[k]) >> shift
            out[t] = py_tuple_hash_mod(coords, 1 + d, size)
        return
    # CPython's tuple hash inlined for non-negative coordinates (hash(v) = v) and a power-of-two size
    mask = np.uint64(size - 1)
    fin = np.uint64(1 + d) ^ LEN_MIX
    for t in range(n_tilings):
        acc = XXP5 + np.uint64(t) * XXP2
        acc = ((acc << S31) | (acc >> S33)) * XXP1
        for k in range(d):
            acc = acc + np.uint64((q[k] + np.int64(t) * tc_disp[k]) >> shift) * XXP2
            acc = ((acc << S31) | (acc >> S33)) * XXP1
        acc = acc + fin
        if acc == MINUS_ONE:  # CPython maps a hash of -1 to 1546275796
            out[t] = np.int64(1546275796) & np.int64(size - 1)
        else:
            out[t] = np.int64(acc & mask)


@njit
def _v(w, idx):
    v = 0.0
    for k in range(idx.shape[0]):
        v += w[idx[k]]
    return v


@njit
def _pw_policy(theta_mu, ls_b, x_t, ls_min, ls_max, mu, ls):
    """μ_d = Σ_k θ_μ[x_k, d] and clipped ln σ_d into ``mu``/``ls``; False if μ or b is not finite."""
    for d in range(2):
        m = 0.0
        for k in range(x_t.shape[0]):
            m += theta_mu[x_t[k], d]
        if not (math.isfinite(m) and math.isfinite(ls_b[d])):
            return False
        mu[d] = m
        ls[d] = min(ls_max, max(ls_min, ls_b[d]))
    return True


@njit
def _pw_gaussian_step(theta_mu, ls_b, x_t, a, mu, ls, step_mu, step_ls, ls_min, ls_max):
    """θ_μ[x, d] += step_mu (a_d − μ_d)/σ_d²;  b_d += step_ls ((a_d − μ_d)²/σ_d² − 1) unless clipped."""
    for d in range(2):
        inv_var = math.exp(-2.0 * ls[d])
        diff = a[d] - mu[d]
        gm = step_mu * diff * inv_var
        for k in range(x_t.shape[0]):
            theta_mu[x_t[k], d] += gm
        if ls_min <= ls_b[d] <= ls_max:
            ls_b[d] += step_ls * (diff * diff * inv_var - 1.0)


@njit
def puckworld_reinforce(env_params, tc, theta_mu, ls_b, w, hp, n_episodes, ep_len, rng, ret_out, dist_out):
    """Monte Carlo policy gradient with a Gaussian policy on Puck World (the lecture's example).

    ``tc``: the coder's ``kernel_args()`` tuple; ``hp``: a :data:`PWHP` (``lam``, ``lam_w``, ``trace_min``
    unused).  θ_μ float64[size, 2], ls_b float64[2] (state-independent learned log-std), w float64[size]
    (baseline v̂, used when α_w > 0).  Episodes of ``ep_len`` steps (a truncated continuing
    task: G_t is the discounted return to the end of the episode; no γᵗ factor).
    ``ret_out[e]``: undiscounted return; ``dist_out[e]``: mean puck-target distance.
    Tiles are coded once per state and kept for the update pass; no allocation per step.
    """
    n_tilings = tc[5]
    alpha, alpha_ls, alpha_w, gamma, ls_min, ls_max = hp.alpha, hp.alpha_ls, hp.alpha_w, hp.gamma, hp.ls_min, hp.ls_max
    state = np.empty(9)
    obs = np.empty(4)
    q = np.empty(4, np.int64)
    coords = np.empty(5, np.int64)
    idx = np.empty((ep_len, n_tilings), np.int64)
    acts = np.empty((ep_len, 2))
    rews = np.empty(ep_len)
    gs = np.empty(ep_len)
    mu = np.empty((ep_len, 2))
    ls = np.empty(2)
    for ep in range(n_episodes):
        puckworld_reset(env_params, state, rng)
        dsum = 0.0
        for t in range(ep_len):
            _pw_obs4(state, obs)
            pw_tiles(obs, tc, q, coords, idx[t])
            if not _pw_policy(theta_mu, ls_b, idx[t], ls_min, ls_max, mu[t], ls):
                return -(ep + 1)
            for d in range(2):
                acts[t, d] = mu[t, d] + math.exp(ls[d]) * rng.standard_normal()
            r = puckworld_step(env_params, state, acts[t, 0], acts[t, 1], rng)
            rews[t] = r
            dsum += math.sqrt((state[0] - state[4]) ** 2 + (state[1] - state[5]) ** 2)
        g = 0.0
        ret = 0.0
        for t in range(ep_len - 1, -1, -1):
            g = rews[t] + gamma * g
            gs[t] = g
            ret += rews[t]
        for t in range(ep_len):  # θ moves at each t (S&B 13.3): μ(S_t) is recomputed with the current θ
            delta = gs[t]
            if alpha_w > 0.0:
                delta -= _v(w, idx[t])
                for k in range(n_tilings):
                    w[idx[t, k]] += alpha_w * delta
            _pw_policy(theta_mu, ls_b, idx[t], ls_min, ls_max, mu[t], ls)
            _pw_gaussian_step(
                theta_mu, ls_b, idx[t], acts[t], mu[t], ls, alpha * delta, alpha_ls * delta, ls_min, ls_max
            )
        ret_out[ep] = ret
        dist_out[ep] = dsum / ep_len
        if not (math.isfinite(ls_b[0]) and math.isfinite(ls_b[1]) and math.isfinite(ret)):
            return -(ep + 1)
        for k in range(idx.shape[0]):
            for j in range(n_tilings):
                if not (math.isfinite(theta_mu[idx[k, j], 0]) and math.isfinite(theta_mu[idx[k, j], 1])):
                    return -(ep + 1)
    return 0


@njit
def puckworld_actor_critic(env_params, tc, theta_mu, ls_b, w, hp, n_episodes, ep_len, rng, ret_out, dist_out):
    """Actor-critic with eligibility traces (S&B 13.5) and a Gaussian policy on Puck World.

    Same arrays as :func:`puckworld_reinforce`; λ_θ = ``lam``, λ_w = ``lam_w``.  With
    λ = λ_w = 0 the updates are sparse (one-step actor-critic, O(n_tilings) per step).
    Otherwise the traces are sparse too: a list of the features with a non-zero trace
    (actor z_θ[f, ·] and critic z_w[f] share it); each step is one pass over the list
    (update θ and w, decay by γλ, drop entries whose traces are all below ``trace_min``).
    ``trace_min = 0`` drops only exact zeros (then equal to dense traces); a small positive
    value (e.g. 1e-8) bounds the list at about n_tilings · log(trace_min)/log(γλ) entries.
    """
    n_tilings, size = tc[5], tc[6]
    alpha, alpha_ls, alpha_w, gamma, lam, lam_w, ls_min, ls_max, trace_min = (
        hp.alpha,
        hp.alpha_ls,
        hp.alpha_w,
        hp.gamma,
        hp.lam,
        hp.lam_w,
        hp.ls_min,
        hp.ls_max,
        hp.trace_min,
    )
    state = np.empty(9)
    obs = np.empty(4)
    q = np.empty(4, np.int64)
    coords = np.empty(5, np.int64)
    x_t = np.empty(n_tilings, np.int64)
    x_tp1 = np.empty(n_tilings, np.int64)
    a = np.empty(2)
    mu = np.empty(2)
    ls = np.empty(2)
    traces = lam > 0.0 or lam_w > 0.0
    nz = size if traces else 0
    z_mu = np.zeros((nz, 2))
    z_w = np.zeros(nz)
    mark = np.zeros(nz, np.bool_)
    lst = np.empty(nz, np.int64)
    z_b = np.zeros(2)
    gl = gamma * lam
    glw = gamma * lam_w
    n = 0
    for ep in range(n_episodes):
        puckworld_reset(env_params, state, rng)
        if traces:  # traces start at 0 each episode: clear the listed ones
            for j in range(n):
                f = lst[j]
                z_mu[f, 0] = 0.0
                z_mu[f, 1] = 0.0
                z_w[f] = 0.0
                mark[f] = False
            n = 0
            z_b[0] = 0.0
            z_b[1] = 0.0
        _pw_obs4(state, obs)
        pw_tiles(obs, tc, q, coords, x_t)
        v_t = _v(w, x_t)
        ret = 0.0
        dsum = 0.0
        for t in range(ep_len):
            if not _pw_policy(theta_mu, ls_b, x_t, ls_min, ls_max, mu, ls):
                return -(ep + 1)
            for d in range(2):
                a[d] = mu[d] + math.exp(ls[d]) * rng.standard_normal()
            r = puckworld_step(env_params, state, a[0], a[1], rng)
            ret += r
            dsum += math.sqrt((state[0] - state[4]) ** 2 + (state[1] - state[5]) ** 2)
            _pw_obs4(state, obs)
            pw_tiles(obs, tc, q, coords, x_tp1)
            delta = r + gamma * _v(w, x_tp1) - v_t  # truncation bootstraps: never terminal
            if not math.isfinite(delta):
                return -(ep + 1)
            if not traces:
                for k in range(n_tilings):
                    w[x_t[k]] += alpha_w * delta
                _pw_gaussian_step(theta_mu, ls_b, x_t, a, mu, ls, alpha * delta, alpha_ls * delta, ls_min, ls_max)
            else:
                for d in range(2):
                    inv_var = math.exp(-2.0 * ls[d])
                    diff = a[d] - mu[d]
                    g = diff * inv_var
                    for k in range(n_tilings):
                        f = x_t[k]
                        z_mu[f, d] += g
                        if not mark[f]:
                            mark[f] = True
                            lst[n] = f
                            n += 1
                    z_b[d] *= gl
                    if ls_min <= ls_b[d] <= ls_max:
                        z_b[d] += diff * diff * inv_var - 1.0
                for k in range(n_tilings):
                    z_w[x_t[k]] += 1.0
                ad = alpha * delta
                awd = alpha_w * delta
                j = 0
                while j < n:  # one pass: update, decay for the next step, drop negligible traces
                    f = lst[j]
                    z0 = z_mu[f, 0]
                    z1 = z_mu[f, 1]
                    zw = z_w[f]
                    theta_mu[f, 0] += ad * z0
                    theta_mu[f, 1] += ad * z1
                    w[f] += awd * zw
                    z0 *= gl
                    z1 *= gl
                    zw *= glw
                    if abs(z0) <= trace_min and abs(z1) <= trace_min and abs(zw) <= trace_min:
                        z_mu[f, 0] = 0.0
                        z_mu[f, 1] = 0.0
                        z_w[f] = 0.0
                        mark[f] = False
                        n -= 1
                        lst[j] = lst[n]
                    else:
                        z_mu[f, 0] = z0
                        z_mu[f, 1] = z1
                        z_w[f] = zw
                        j += 1
                for d in range(2):
                    ls_b[d] += alpha_ls * delta * z_b[d]
            for k in range(n_tilings):
                x_t[k] = x_tp1[k]
            v_t = _v(w, x_t)
        ret_out[ep] = ret
        dist_out[ep] = dsum / ep_len
        if not (
            math.isfinite(ls_b[0])
            and math.isfinite(ls_b[1])
            and math.isfinite(_v(w, x_t))
            and math.isfinite(theta_mu[x_t[0], 0])
            and math.isfinite(theta_mu[x_t[0], 1])
        ):
            return -(ep + 1)
    return 0


@njit
def puckworld_greedy_rollout(env_params, tc, theta_mu, n_steps, rng, states_out):
    """Run the mean action μ(s) (clipped) for ``n_steps``; ``states_out`` [n_steps + 1, 9] gets the states."""
    n_tilings = tc[5]
    state = np.empty(9)
    obs = np.empty(4)
    q = np.empty(4, np.int64)
    coords = np.empty(5, np.int64)
    x_t = np.empty(n_tilings, np.int64)
    puckworld_reset(env_params, state, rng)
    states_out[0] = state
    dsum = 0.0
    for t in range(n_steps):
        _pw_obs4(state, obs)
        pw_tiles(obs, tc, q, coords, x_t)
        f0 = 0.0
        f1 = 0.0
        for k in range(n_tilings):
            f0 += theta_mu[x_t[k], 0]
            f1 += theta_mu[x_t[k], 1]
        puckworld_step(env_params, state, f0, f1, rng)
        states_out[t + 1] = state
        dsum += math.sqrt((state[0] - state[4]) ** 2 + (state[1] - state[5]) ** 2)
    return dsum / max(n_steps, 1)
