"""Episode-level prediction updates and compiled populations of runs on the random walk.

A population is many independent runs in one compiled call, parallel over
runs (``prange``): member ``r`` has its own ``np.random.Generator``
``gens[r]`` (a ``numba.typed.List``), step size ``alphas[r]``, ``ns[r]``
(n-step) and ``lams[r]`` (λ), so a whole parameter sweep x seeds is one call,
and a member's result does not depend on the others or on the thread count.

States are integers; features come from a table: state ``s`` has indices
``idx[s]`` and values ``val[s]`` (rows for every state number, terminal rows unused).

Methods (``method``): ``MC`` gradient Monte Carlo (S&B 9.3), ``NSTEP``
n-step semi-gradient TD (9.4; n = 1 is TD(0)), ``TDL_ACC`` / ``TDL_REP``
TD(λ) with accumulating / replacing traces (12.2), ``TRUE_ONLINE`` true
online TD(λ) (12.5), ``LAMBDA_RETURN`` the offline λ-return algorithm (12.1:
λ-returns from the episode-start weights, then the updates in order).  Since
the behaviour is fixed, generating an episode first and then applying the
online updates in time order gives exactly the online algorithm.
"""

import numpy as np
from numba import prange

from .._jit import njit
from ..envs.randomwalk import randomwalk_reset, randomwalk_step
from .prediction import mc_returns

from ..codes import LAMBDA_RETURN, MC, NSTEP, TDL_ACC, TDL_REP, TRUE_ONLINE  # noqa: F401  (numbered once)


@njit
def _tv(w, idx, val, s):
    """v̂(s) from the feature table (no row views: they cost reference counting in the hot loop)."""
    acc = 0.0
    for j in range(idx.shape[1]):
        acc += val[s, j] * w[idx[s, j]]
    return acc


@njit
def _tupd(w, idx, val, s, target, alpha):
    """:func:`fastfa.kernels.linear.prediction.linear_v_update` on table row s (same arithmetic)."""
    ae = alpha * (target - _tv(w, idx, val, s))
    for j in range(idx.shape[1]):
        w[idx[s, j]] += ae * val[s, j]


@njit
def episode_update(method, w, z, states, rewards, T, gamma, idx, val, alpha, n, lam, buf):
    """Apply ``method``'s updates for one stored episode ``states[:T]`` (S_0..S_{T−1}),
    ``rewards[:T]`` (R_1..R_T, terminating after S_{T−1}); ``buf`` float64[≥ T + 1] scratch.

    The arithmetic is that of the per-step kernels of :mod:`fastfa.kernels.linear.prediction`
    (``linear_v_update``, ``discounted_return``, ``td_lambda_update``, ``true_online_td_update``),
    written over the table rows, so results equal the Python agents' bit for bit.
    """
    K = idx.shape[1]
    F = w.shape[0]
    if method == MC:
        mc_returns(rewards[:T], gamma, buf)
        for t in range(T):
            _tupd(w, idx, val, states[t], buf[t], alpha)
    elif method == NSTEP:
        for tau in range(T):
            end = min(tau + n, T)
            g = 0.0
            if tau + n < T:
                g = _tv(w, idx, val, states[tau + n])
            for k in range(end - 1, tau - 1, -1):  # discounted_return, backwards
                g = rewards[k] + gamma * g
            _tupd(w, idx, val, states[tau], g, alpha)
    elif method == TDL_ACC or method == TDL_REP:
        z[:] = 0.0
        for t in range(T):
            s = states[t]
            gamma_t = 0.0 if t == T - 1 else gamma
            for j in range(K):
                if method == TDL_ACC:
                    z[idx[s, j]] += val[s, j]
                else:
                    z[idx[s, j]] = val[s, j]
            delta = rewards[t] - _tv(w, idx, val, s)
            if gamma_t != 0.0:
                delta += gamma_t * _tv(w, idx, val, states[t + 1])
            ad = alpha * delta
            decay = gamma_t * lam
            for k in range(F):
                zk = z[k]
                if zk != 0.0:
                    w[k] += ad * zk
                    z[k] = decay * zk
    elif method == TRUE_ONLINE:
        z[:] = 0.0
        v_old = 0.0
        for t in range(T):
            s = states[t]
            gamma_t = 0.0 if t == T - 1 else gamma
            v_s = _tv(w, idx, val, s)
            v_next = 0.0
            if gamma_t != 0.0:
                v_next = _tv(w, idx, val, states[t + 1])
            delta = rewards[t] + gamma_t * v_next - v_s
            c = 1.0 - alpha * _tv(z, idx, val, s)
            for j in range(K):
                z[idx[s, j]] += c * val[s, j]
            coef = alpha * (delta + v_s - v_old)
            for k in range(F):
                if z[k] != 0.0:
                    w[k] += coef * z[k]
            ax = alpha * (v_s - v_old)
            for j in range(K):
                w[idx[s, j]] -= ax * val[s, j]
            decay = gamma_t * lam
            for k in range(F):
                z[k] *= decay
            v_old = v_next
    elif method == LAMBDA_RETURN:
        g = 0.0  # G^λ_{T-1} = R_T
        for t in range(T - 1, -1, -1):
            if t == T - 1:
                g = rewards[t]
            else:
                g = rewards[t] + gamma * ((1.0 - lam) * _tv(w, idx, val, states[t + 1]) + lam * g)
            buf[t] = g
        for t in range(T):
            _tupd(w, idx, val, states[t], buf[t], alpha)


@njit
def rms_error(w, idx, val, first, v_true, weights):
    """``sqrt(Σ_s weights[s] (v̂(first + s) − v_true[s])²)`` (RMSVE with weights = μ, S&B eq. 9.1)."""
    acc = 0.0
    for k in range(v_true.shape[0]):
        e = _tv(w, idx, val, first + k) - v_true[k]
        acc += weights[k] * e * e
    return np.sqrt(acc)


@njit
def _run_member(
    rng, env_params, method, alpha, n, lam, gamma, idx, val, v_true, err_w, log_at, n_episodes, out_err, out_w
):
    F = out_w.shape[0]
    w = out_w.copy()  # initial weights on entry
    z = np.zeros(F)
    cap = 1024
    states = np.empty(cap, np.int64)
    rewards = np.empty(cap)
    buf = np.empty(cap + 1)
    state = np.empty(1)
    j = 0
    steps = np.int64(0)
    for e in range(1, n_episodes + 1):
        randomwalk_reset(env_params, state)
        T = 0
        while True:
            if T >= states.shape[0]:
                cap *= 2
                s2 = np.empty(cap, np.int64)
                s2[:T] = states[:T]
                r2 = np.empty(cap)
                r2[:T] = rewards[:T]
                states, rewards, buf = s2, r2, np.empty(cap + 1)
            states[T] = np.int64(state[0])
            r, done = randomwalk_step(env_params, state, rng)
            rewards[T] = r
            T += 1
            if done:
                break
        steps += T
        episode_update(method, w, z, states, rewards, T, gamma, idx, val, alpha, n, lam, buf)
        while j < log_at.shape[0] and log_at[j] <= e:
            out_err[j] = rms_error(w, idx, val, 1, v_true, err_w)
            j += 1
    out_w[:] = w
    return steps


@njit(parallel=True, cache=True)
def randomwalk_population(
    gens,
    env_params,
    method,
    alphas,
    ns,
    lams,
    gamma,
    idx,
    val,
    v_true,
    err_w,
    log_at,
    n_episodes,
    out_err,
    out_w,
    out_steps,
):
    """Run every member r for ``n_episodes`` episodes of the random walk ``env_params``.

    ``out_err[r, j]``: weighted RMS error (``err_w`` over states 1..N against ``v_true``)
    after episode ``log_at[j]`` (ascending); ``out_w[r]``: initial weights on entry, final on return;
    ``out_steps[r]``: environment steps simulated.
    """
    m = alphas.shape[0]
    for r in prange(m):
        rng = gens[np.int64(r)]
        out_steps[r] = _run_member(
            rng,
            env_params,
            method,
            alphas[r],
            ns[r],
            lams[r],
            gamma,
            idx,
            val,
            v_true,
            err_w,
            log_at,
            n_episodes,
            out_err[r],
            out_w[r],
        )
