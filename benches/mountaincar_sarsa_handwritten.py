"""In-repo baseline for benches/compiled_env.py: Mountain Car + SARSA + power-of-two grid tiles,
written out by hand in one loop body (no calls in the hot path, env state and parameters in locals).

Until December 2026 this loop was the built-in Mountain Car's SARSA path in ``fastfa.kernels``.  The
generic template (:func:`fastfa.kernels.loops.control_loop.control_run_tpl`) specialised on an
env computes the same numbers, bit for bit (``tests/agents/test_population.py`` checks it against
this file), and after the template kept the tile layout and the env parameters in registers it
ran within the issue's 1.25x of this loop, so the library dropped it; it stays here as the
yardstick the template is timed against.
"""

import numpy as np

from numba import njit
from fastfa.kernels.envs.classic import mountaincar_reset
from fastfa.kernels.linear.control import eps_greedy, greedy_action


@njit(cache=True, nogil=True)
def mountaincar_sarsa_run(env_params, env_state, env_rng, cf, ci, w, hp, budget, rng, ep_steps, ep_returns):
    """``control_run_tpl`` for (built-in Mountain Car, SARSA) written out in one loop body: the
    same floating-point operations in the same order (bit-identical results), without calls in the
    hot path.  Requires a power-of-two number of tilings (``ci[-1] >= 0``) and a 2-D box."""
    alpha, gamma, epsilon = hp.alpha, hp.gamma, hp.epsilon
    n_episodes, max_total_steps, max_steps = budget.n_episodes, budget.max_total_steps, budget.max_steps
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
        if budget.reset_first or ep > 0:
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
