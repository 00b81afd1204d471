"""Fused compiled episode loops: env step + grid tile coding + ε-greedy + linear update in one @njit.

One run per call (:func:`control_run`), for the compiled twins in
``envs_classic`` (``env_kind``: 0 MountainCar, 1 CartPole, 2 Acrobot).  The
functions release the GIL (``nogil``): populations of runs
(``fastfa.agents.population``) call them from a pool of threads, one run per
call, each with its own generators.

Step order (the Python agents in ``fastfa.agents`` make the same calls in the
same order, so both paths give identical numbers for the same generators):

* SARSA family (``ALG_SARSA``, ``ALG_SARSA_LAMBDA``, ``ALG_TRUE_ONLINE``):
  observe S′, code it, choose A′ ~ ε-greedy(q̂(S′, ·)), then update with
  (S, A, R, S′, A′);
* ``ALG_Q_LEARNING`` / ``ALG_EXPECTED_SARSA``: update with S′ first, then
  choose A′ from the updated weights.

A terminal step updates with γ = 0 and chooses nothing.  A time-limit
truncation (``max_steps`` > 0) is not terminal: the update bootstraps from S′
(A′ is chosen as usual) and the episode ends.  ``max_steps`` = 0: no limit
(the book's episodes).
"""
import numpy as np

from ._jit import njit
from .control import eps_greedy, expected_sarsa_update, greedy_action, q_learning_update, q_values, sarsa_update
from .control_traces import sarsa_lambda_sparse, traces_clear, true_online_sparse
from .envs_classic import (acrobot_obs, acrobot_reset, acrobot_step, cartpole_obs, cartpole_reset,
                           cartpole_step, mountaincar_obs, mountaincar_reset, mountaincar_step)
from .gridtiles import grid_tiles

ENV_MOUNTAINCAR, ENV_CARTPOLE, ENV_ACROBOT = 0, 1, 2
ENV_STATE_LEN = (2, 5, 4)
ENV_OBS_LEN = (2, 4, 6)
ENV_ACTIONS = (3, 2, 3)
ALG_SARSA, ALG_EXPECTED_SARSA, ALG_Q_LEARNING, ALG_SARSA_LAMBDA, ALG_TRUE_ONLINE = range(5)


@njit
def env_reset(kind, params, state, rng):
    if kind == ENV_MOUNTAINCAR:
        mountaincar_reset(params, state, rng)
    elif kind == ENV_CARTPOLE:
        cartpole_reset(params, state, rng)
    else:
        acrobot_reset(params, state, rng)


@njit
def env_step(kind, params, state, action):
    if kind == ENV_MOUNTAINCAR:
        return mountaincar_step(params, state, action)
    elif kind == ENV_CARTPOLE:
        return cartpole_step(params, state, action)
    return acrobot_step(params, state, action)


@njit
def env_obs(kind, state, obs32, out):
    """The float32 observation gymnasium returns, widened to float64 into ``out``."""
    if kind == ENV_MOUNTAINCAR:
        mountaincar_obs(state, obs32)
    elif kind == ENV_CARTPOLE:
        cartpole_obs(state, obs32)
    else:
        acrobot_obs(state, obs32)
    for k in range(out.shape[0]):
        out[k] = obs32[k]


@njit
def control_run(env_kind, env_params, env_state, env_rng, max_steps, reset_first,
                cf, ci, w, alg, alpha, gamma, lam, epsilon, trace, trace_min,
                n_episodes, max_total_steps, rng, ep_steps, ep_returns):
    """Run up to ``n_episodes`` episodes of linear control; see :func:`control_run_generic`.

    (Mountain Car, SARSA, power-of-two tilings) goes to the written-out
    :func:`mountaincar_sarsa_run` (bit-identical, about twice as fast).
    """
    if env_kind == ENV_MOUNTAINCAR and alg == ALG_SARSA and ci[ci.shape[0] - 1] >= 0 and cf.shape[1] == 2:
        return mountaincar_sarsa_run(env_params, env_state, env_rng, max_steps, reset_first, cf, ci, w, alpha,
                                     gamma, epsilon, n_episodes, max_total_steps, rng, ep_steps, ep_returns)
    return control_run_generic(env_kind, env_params, env_state, env_rng, max_steps, reset_first, cf, ci, w, alg,
                               alpha, gamma, lam, epsilon, trace, trace_min, n_episodes, max_total_steps, rng,
                               ep_steps, ep_returns)


@njit
def control_run_generic(env_kind, env_params, env_state, env_rng, max_steps, reset_first,
                        cf, ci, w, alg, alpha, gamma, lam, epsilon, trace, trace_min,
                        n_episodes, max_total_steps, rng, ep_steps, ep_returns):
    """Run up to ``n_episodes`` episodes (and at most ``max_total_steps`` steps if > 0) of linear
    control with grid-tile-coded states; ``w`` float64[F, A] learns in place.

    ``trace_min``: see :mod:`control_traces` (0: exact).
    ``reset_first`` False: the first episode starts from ``env_state`` as given (already reset by
    the caller, e.g. gymnasium's ``env.reset(seed=...)``).  Writes each finished episode's length
    and return to ``ep_steps``/``ep_returns``; returns (episodes finished, total steps).  The
    episode cut by ``max_total_steps`` is not counted.  If q̂ stops being finite (divergence) the
    run stops at once, that episode uncounted: fewer episodes than asked without a step budget
    means divergence.
    """
    n_a = w.shape[1]
    numt = ci[0]
    d = cf.shape[1]
    obs32 = np.empty(d, np.float32)
    x = np.empty(d)
    i_tm1 = np.empty(numt, np.int64)
    i_t = np.empty(numt, np.int64)
    ones = np.ones(numt)
    qb = np.empty(n_a)
    traced = alg == ALG_SARSA_LAMBDA or alg == ALG_TRUE_ONLINE
    z = np.zeros((w.shape[0], n_a)) if traced else np.zeros((1, 1))
    mark = np.zeros(z.size, np.uint8)
    lst = np.zeros(z.size, np.int64)
    n_lst = 0
    out2 = np.zeros(1)
    total = 0
    done_eps = 0
    for ep in range(n_episodes):
        if reset_first or ep > 0:
            env_reset(env_kind, env_params, env_state, env_rng)
        env_obs(env_kind, env_state, obs32, x)
        grid_tiles(x, cf, ci, i_tm1)
        q_values(w, i_tm1, ones, qb)
        a_tm1 = eps_greedy(qb, epsilon, rng)
        if traced:
            n_lst = traces_clear(z.ravel(), mark, lst, n_lst)
        q_old = 0.0
        steps = 0
        ret = 0.0
        cut = False
        while True:
            r, term = env_step(env_kind, env_params, env_state, a_tm1)
            steps += 1
            total += 1
            ret += r
            if term:
                if alg == ALG_SARSA:
                    sarsa_update(w, i_tm1, ones, a_tm1, r, 0.0, i_tm1, ones, 0, alpha)
                elif alg == ALG_SARSA_LAMBDA:
                    n_lst = sarsa_lambda_sparse(w, z, mark, lst, n_lst, i_tm1, a_tm1, r, 0.0, i_tm1, 0, alpha, lam,
                                                trace, trace_min)
                elif alg == ALG_TRUE_ONLINE:
                    n_lst = true_online_sparse(w, z, mark, lst, n_lst, i_tm1, a_tm1, r, 0.0, i_tm1, 0, alpha, lam,
                                               q_old, trace_min, out2)
                elif alg == ALG_Q_LEARNING:
                    q_learning_update(w, i_tm1, ones, a_tm1, r, 0.0, i_tm1, ones, alpha, qb)
                else:
                    expected_sarsa_update(w, i_tm1, ones, a_tm1, r, 0.0, i_tm1, ones, epsilon, alpha, qb)
                break
            env_obs(env_kind, env_state, obs32, x)
            grid_tiles(x, cf, ci, i_t)
            if alg == ALG_Q_LEARNING or alg == ALG_EXPECTED_SARSA:
                if alg == ALG_Q_LEARNING:
                    q_learning_update(w, i_tm1, ones, a_tm1, r, gamma, i_t, ones, alpha, qb)
                else:
                    expected_sarsa_update(w, i_tm1, ones, a_tm1, r, gamma, i_t, ones, epsilon, alpha, qb)
                q_values(w, i_t, ones, qb)
                a_t = eps_greedy(qb, epsilon, rng)
            elif alg == ALG_SARSA:
                # hot path, written out (same floating-point operations, in the same order, as
                # q_values + eps_greedy + sarsa_update with v = 1): calls cost more than the maths here
                for b in range(n_a):
                    qb[b] = 0.0
                for j in range(numt):
                    row = i_t[j]
                    for b in range(n_a):
                        qb[b] += w[row, b]
                a_t = eps_greedy(qb, epsilon, rng)
                q_sa = 0.0
                for j in range(numt):
                    q_sa += w[i_tm1[j], a_tm1]
                ad = alpha * ((r + gamma * qb[a_t]) - q_sa)
                for j in range(numt):
                    w[i_tm1[j], a_tm1] += ad
            else:
                q_values(w, i_t, ones, qb)
                a_t = eps_greedy(qb, epsilon, rng)
                if alg == ALG_SARSA_LAMBDA:
                    n_lst = sarsa_lambda_sparse(w, z, mark, lst, n_lst, i_tm1, a_tm1, r, gamma, i_t, a_t, alpha, lam,
                                                trace, trace_min)
                else:
                    n_lst = true_online_sparse(w, z, mark, lst, n_lst, i_tm1, a_tm1, r, gamma, i_t, a_t, alpha, lam,
                                               q_old, trace_min, out2)
                    q_old = out2[0]
            qa = qb[a_t]
            if qa - qa != 0.0:  # q̂ is inf or NaN: the weights diverged; stop here (callers report it)
                cut = True
                break
            if max_steps > 0 and steps >= max_steps:
                break
            if max_total_steps > 0 and total >= max_total_steps:
                cut = True
                break
            tmp = i_tm1
            i_tm1 = i_t
            i_t = tmp
            a_tm1 = a_t
        if cut:
            break
        ep_steps[done_eps] = steps
        ep_returns[done_eps] = ret
        done_eps += 1
        if max_total_steps > 0 and total >= max_total_steps:
            break
    return done_eps, total


@njit
def mountaincar_sarsa_run(env_params, env_state, env_rng, max_steps, reset_first, cf, ci, w, alpha, gamma,
                          epsilon, n_episodes, max_total_steps, rng, ep_steps, ep_returns):
    """:func:`control_run` for (Mountain Car, SARSA) written out in one loop body: the same
    floating-point operations in the same order (bit-identical results), without calls in the
    hot path.  Requires a power-of-two number of tilings (``ci[-1] >= 0``)."""
    n_a = w.shape[1]
    numt = ci[0]
    per = ci[1]
    sh = ci[6]
    b0 = ci[2]
    b1 = ci[3]
    s0 = ci[4]
    s1 = ci[5]
    lo0 = cf[0, 0]
    hi0 = cf[1, 0]
    n0 = cf[2, 0]
    lo1 = cf[0, 1]
    hi1 = cf[1, 1]
    n1 = cf[2, 1]
    o0 = cf[3, 0]
    o1 = cf[3, 1]
    qm0 = cf[4, 0]
    qm1 = cf[4, 1]
    force = env_params[5]
    grav = -env_params[6]
    ms = env_params[2]
    pmin = env_params[0]
    pmax = env_params[1]
    goal = env_params[3]
    goal_v = env_params[4]
    i_tm1 = np.empty(numt, np.int64)
    i_t = np.empty(numt, np.int64)
    qb = np.empty(n_a)
    total = 0
    done_eps = 0
    for ep in range(n_episodes):
        if reset_first or ep > 0:
            mountaincar_reset(env_params, env_state, env_rng)
        pos = env_state[0]
        vel = env_state[1]
        # code S_0
        x0 = min(max(np.float64(np.float32(pos)), lo0), hi0)
        x1 = min(max(np.float64(np.float32(vel)), lo1), hi1)
        q0 = np.int64(min(np.floor((n0 * (x0 - o0) / (hi0 - lo0)) * numt), qm0))
        q1 = np.int64(min(np.floor((n1 * (x1 - o1) / (hi1 - lo1)) * numt), qm1))
        for t in range(numt):
            i_tm1[t] = t * per + (((q0 + t) >> sh) - b0) * s0 + (((q1 + 3 * t) >> sh) - b1) * s1
        for b in range(n_a):
            qb[b] = 0.0
        for j in range(numt):
            row = i_tm1[j]
            for b in range(n_a):
                qb[b] += w[row, b]
        a_tm1 = eps_greedy(qb, epsilon, rng)
        steps = 0
        ret = 0.0
        cut = False
        while True:
            # env step (mountaincar_step)
            vel += (a_tm1 - 1) * force + np.cos(3 * pos) * grav
            if vel < -ms:
                vel = -ms
            elif vel > ms:
                vel = ms
            pos += vel
            if pos < pmin:
                pos = pmin
            elif pos > pmax:
                pos = pmax
            if pos == pmin and vel < 0:
                vel = 0.0
            steps += 1
            total += 1
            ret += -1.0
            q_sa = 0.0
            for j in range(numt):
                q_sa += w[i_tm1[j], a_tm1]
            if pos >= goal and vel >= goal_v:
                ad = alpha * (-1.0 - q_sa)
                for j in range(numt):
                    w[i_tm1[j], a_tm1] += ad
                break
            x0 = min(max(np.float64(np.float32(pos)), lo0), hi0)
            x1 = min(max(np.float64(np.float32(vel)), lo1), hi1)
            q0 = np.int64(min(np.floor((n0 * (x0 - o0) / (hi0 - lo0)) * numt), qm0))
            q1 = np.int64(min(np.floor((n1 * (x1 - o1) / (hi1 - lo1)) * numt), qm1))
            for t in range(numt):
                i_t[t] = t * per + (((q0 + t) >> sh) - b0) * s0 + (((q1 + 3 * t) >> sh) - b1) * s1
            for b in range(n_a):
                qb[b] = 0.0
            for j in range(numt):
                row = i_t[j]
                for b in range(n_a):
                    qb[b] += w[row, b]
            if epsilon > 0.0 and rng.random() < epsilon:
                a_t = np.int64(rng.random() * n_a)
            else:  # greedy_action, unique-max case inline
                best = qb[0]
                a_t = 0
                ties = 1
                for b in range(1, n_a):
                    if qb[b] > best:
                        best = qb[b]
                        a_t = b
                        ties = 1
                    elif qb[b] == best:
                        ties += 1
                if ties > 1:
                    a_t = greedy_action(qb, rng)
            ad = alpha * ((-1.0 + gamma * qb[a_t]) - q_sa)
            for j in range(numt):
                w[i_tm1[j], a_tm1] += ad
            if ad - ad != 0.0:  # inf or NaN: diverged; stop (callers report it)
                cut = True
                break
            if max_steps > 0 and steps >= max_steps:
                break
            if max_total_steps > 0 and total >= max_total_steps:
                cut = True
                break
            tmp = i_tm1
            i_tm1 = i_t
            i_t = tmp
            a_tm1 = a_t
        env_state[0] = pos
        env_state[1] = vel
        if cut:
            break
        ep_steps[done_eps] = steps
        ep_returns[done_eps] = ret
        done_eps += 1
        if max_total_steps > 0 and total >= max_total_steps:
            break
    return done_eps, total
