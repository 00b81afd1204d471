"""Fused compiled episodic semi-gradient n-step SARSA (S&B 10.2) on the compiled twins.

Same conventions as :mod:`control_loop` (grid-tile-coded states, weights [F, A],
explicit generators; ``max_steps`` = time limit, 0 = none).  Order of operations,
identical to ``fastfa.agents.NStepSarsa`` on the Python loop::

    take A_t, observe R_{t+1}, S_{t+1}
    terminal:  update every pending τ with G = Σ γ^k R (no bootstrap), end
    else:      choose A_{t+1} ~ ε-greedy(q̂(S_{t+1}, ·))
               if n rewards are pending: update τ = t+1−n with
                   G_{τ:τ+n} = R_{τ+1} + γ(R_{τ+2} + … + γ q̂(S_{τ+n}, A_{τ+n}))   (Horner order)
               time limit: update every pending τ bootstrapping from (S_{t+1}, A_{t+1}), end

and w ← w + α (G − q̂(S_τ, A_τ)) ∇q̂(S_τ, A_τ).
"""

import numpy as np

from .._jit import fixed_tuple, njit
from .control import eps_greedy, linear_q_update, nstep_return, q_value, q_values
from ..features.gridtiles import grid_consts, grid_tiles_consts
from ..loops.control_loop import round_f32

# bound per specialisation by fastfa.kernels.loops.specialise (see control_loop: same protocol)
ENV_RESET = ENV_STEP = ENV_OBSERVE = None
OBS_F32 = True
OBS_DIM = 1
PARAMS_N = -1


@njit
def _flush(w, I, A, R, h, nr, n, boot_slot, gamma, alpha, ones, tmp):
    """Update S_τ (ring slot ``h``) towards its return; returns the new head slot."""
    size = n + 1
    m = min(n, nr)
    for k in range(m):
        tmp[k] = R[(h + k) % size]
    boot = 0.0
    if boot_slot >= 0:
        boot = q_value(w, I[boot_slot], ones, A[boot_slot])
    g = nstep_return(tmp[:m], gamma, boot)
    linear_q_update(w, I[h], ones, A[h], g, alpha)
    return (h + 1) % size


def nstep_sarsa_tpl(env_params, env_state, env_rng, cf, ci, w, hp, budget, rng, ep_steps, ep_returns):
    """Up to ``budget.n_episodes`` episodes of n-step SARSA (n = ``hp.n``); returns (episodes
    finished, total steps).  Arguments as :func:`fastfa.kernels.loops.control_loop.control_run_tpl`."""
    n_a = w.shape[1]
    if PARAMS_N >= 0:  # the env's params as a tuple of constants in registers (CompiledEnv.params_tuple)
        params = fixed_tuple(env_params, PARAMS_N)
    else:
        params = env_params
    numt = ci[0]
    n, alpha, gamma, epsilon = hp.n, hp.alpha, hp.gamma, hp.epsilon
    n_episodes, max_total_steps, max_steps = budget.n_episodes, budget.max_total_steps, budget.max_steps
    size = n + 1
    I = np.zeros((size, numt), np.int64)
    A = np.zeros(size, np.int64)
    R = np.zeros(size)
    tmp = np.zeros(n)
    ones = np.ones(numt)
    qb = np.empty(n_a)
    x = np.empty(OBS_DIM)
    g = grid_consts(cf, ci, OBS_DIM)  # the tile layout in registers (OBS_DIM is a constant)
    total = 0
    done_eps = 0
    for ep in range(n_episodes):
        if budget.reset_first or ep > 0:
            ENV_RESET(params, env_state, env_rng)
        ENV_OBSERVE(params, env_state, x)
        if OBS_F32:
            round_f32(x, OBS_DIM)
        h = 0
        grid_tiles_consts(x, g, I[0])
        q_values(w, I[0], ones, qb)
        A[0] = eps_greedy(qb, epsilon, rng)
        nb = 1  # states pending (S_τ … S_t)
        nr = 0  # rewards pending
        steps = 0
        ret = 0.0
        cut = False
        while True:
            last = (h + nb - 1) % size
            r, term = ENV_STEP(params, env_state, A[last], env_rng)
            steps += 1
            total += 1
            ret += r
            R[last] = r
            nr += 1
            if term:
                while nb > 0:
                    h = _flush(w, I, A, R, h, nr, n, -1, gamma, alpha, ones, tmp)
                    nb -= 1
                    nr -= 1
                break
            new = (h + nb) % size
            ENV_OBSERVE(params, env_state, x)
            if OBS_F32:
                round_f32(x, OBS_DIM)
            grid_tiles_consts(x, g, I[new])
            q_values(w, I[new], ones, qb)
            A[new] = eps_greedy(qb, epsilon, rng)
            nb += 1
            qa = qb[A[new]]
            if qa - qa != 0.0:  # diverged (inf or NaN q̂): stop, episode uncounted
                cut = True
                break
            if nr == n:
                h = _flush(w, I, A, R, h, nr, n, new, gamma, alpha, ones, tmp)
                nb -= 1
                nr -= 1
            if max_steps > 0 and steps >= max_steps:
                while nb > 1:
                    h = _flush(w, I, A, R, h, nr, n, new, gamma, alpha, ones, tmp)
                    nb -= 1
                    nr -= 1
                break
            if max_total_steps > 0 and total >= max_total_steps:
                cut = True
                break
        if cut:
            break
        ep_steps[done_eps] = steps
        ep_returns[done_eps] = ret
        done_eps += 1
        if max_total_steps > 0 and total >= max_total_steps:
            break
    return done_eps, total
