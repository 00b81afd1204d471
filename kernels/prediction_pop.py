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

from ._jit import njit
from .envs_randomwalk import randomwalk_reset, randomwalk_step
from .prediction import (ACCUMULATE, REPLACE, discounted_return, linear_v_update, mc_returns, td_lambda_update,
                         true_online_td_update, v_value)

MC, NSTEP, TDL_ACC, TDL_REP, TRUE_ONLINE, LAMBDA_RETURN = range(6)


@njit
def episode_update(method, w, z, states, rewards, T, gamma, idx, val, alpha, n, lam, buf):
    """Apply ``method``'s updates for one stored episode ``states[:T]`` (S_0..S_{T−1}),
    ``rewards[:T]`` (R_1..R_T, terminating after S_{T−1}); ``buf`` float64[≥ T + 1] scratch."""
    if method == MC:
        mc_returns(rewards[:T], gamma, buf)
        for t in range(T):
            s = states[t]
            linear_v_update(w, idx[s], val[s], buf[t], alpha)
    elif method == NSTEP:
        for tau in range(T):
            end = min(tau + n, T)
            boot = 0.0
            if tau + n < T:
                sn = states[tau + n]
                boot = v_value(w, idx[sn], val[sn])
            g = discounted_return(rewards[tau:end], gamma, boot)  # same arithmetic as the Python agent
            s = states[tau]
            linear_v_update(w, idx[s], val[s], g, alpha)
    elif method == TDL_ACC or method == TDL_REP:
        trace = ACCUMULATE if method == TDL_ACC else REPLACE
        z[:] = 0.0
        for t in range(T):
            s = states[t]
            last = t == T - 1
            s1 = s if last else states[t + 1]
            td_lambda_update(w, z, idx[s], val[s], rewards[t], 0.0 if last else gamma, idx[s1], val[s1],
                             alpha, lam, trace)
    elif method == TRUE_ONLINE:
        z[:] = 0.0
        v_old = 0.0
        for t in range(T):
            s = states[t]
            last = t == T - 1
            s1 = s if last else states[t + 1]
            _, v_old = true_online_td_update(w, z, idx[s], val[s], rewards[t], 0.0 if last else gamma,
                                             idx[s1], val[s1], alpha, lam, v_old)
    elif method == LAMBDA_RETURN:
        g = 0.0  # G^λ_{T-1} = R_T
        for t in range(T - 1, -1, -1):
            if t == T - 1:
                g = rewards[t]
            else:
                s1 = states[t + 1]
                g = rewards[t] + gamma * ((1.0 - lam) * v_value(w, idx[s1], val[s1]) + lam * g)
            buf[t] = g
        for t in range(T):
            s = states[t]
            linear_v_update(w, idx[s], val[s], buf[t], alpha)


@njit
def rms_error(w, idx, val, first, v_true, weights):
    """``sqrt(Σ_s weights[s] (v̂(first + s) − v_true[s])²)`` (RMSVE with weights = μ, S&B eq. 9.1)."""
    acc = 0.0
    for k in range(v_true.shape[0]):
        s = first + k
        e = v_value(w, idx[s], val[s]) - v_true[k]
        acc += weights[k] * e * e
    return np.sqrt(acc)


@njit
def _run_member(rng, env_params, method, alpha, n, lam, gamma, idx, val, v_true, err_w, log_at,
                n_episodes, out_err, out_w):
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
def randomwalk_population(gens, env_params, method, alphas, ns, lams, gamma, idx, val, v_true, err_w,
                          log_at, n_episodes, out_err, out_w, out_steps):
    """Run every member r for ``n_episodes`` episodes of the random walk ``env_params``.

    ``out_err[r, j]``: weighted RMS error (``err_w`` over states 1..N against ``v_true``)
    after episode ``log_at[j]`` (ascending); ``out_w[r]``: initial weights on entry, final on return;
    ``out_steps[r]``: environment steps simulated.
    """
    m = alphas.shape[0]
    for r in prange(m):
        rng = gens[np.int64(r)]
        out_steps[r] = _run_member(rng, env_params, method, alphas[r], ns[r], lams[r], gamma, idx, val,
                                   v_true, err_w, log_at, n_episodes, out_err[r], out_w[r])
