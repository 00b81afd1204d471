"""Greedy rollout of a linear policy-gradient policy on a compiled environment (evaluation, figures).

:func:`pg_greedy_tpl` is a template specialised like :func:`fastfa.kernels.loops.pg_env_loop.pg_run_tpl`
(same bindings: ``ENV_*``, ``FEAT_*``, ``DISCRETE``, ``ACT_DIM``, ``ACT_F32``, ``OBS_*``, ``PARAMS_N``):
from a reset with ``env_rng`` it acts with the policy's mode — the most probable action of the softmax
(the first on a tie), or the Gaussian's mean μ(s) clipped to [low, high] — for at most ``n_steps`` steps
or until termination, learning nothing.
"""

import numpy as np

from .._jit import fixed_tuple
from ..features.gridtiles import grid_consts, grid_tiles_consts
from ..linear.policy_gradient import softmax_pa_sparse_probs
from .control_loop import round_f32

# bound per specialisation (placeholders)
ENV_RESET = ENV_STEP = ENV_OBSERVE = None
FEAT_CONSTS = grid_consts
FEAT_TILES = grid_tiles_consts
DISCRETE = True
ACT_DIM = 1
ACT_F32 = True
OBS_F32 = True
OBS_DIM = 1
PARAMS_N = -1


def pg_greedy_tpl(env_params, env_state, env_rng, cf, ci, pol, n_steps, states_out):
    """Returns (total reward, steps taken).  ``states_out`` [n_steps + 1, state size] (or 0 rows): the
    state after the reset and after each step (rows past a termination are left as they were)."""
    if PARAMS_N >= 0:
        params = fixed_tuple(env_params, PARAMS_N)
    else:
        params = env_params
    theta = pol.theta
    x = np.empty(OBS_DIM)
    g = FEAT_CONSTS(cf, ci, OBS_DIM)
    idx = np.empty(ci[0], np.int64)
    probs = np.empty(theta.shape[1])
    a_env = np.empty(ACT_DIM)
    rec = states_out.shape[0] > n_steps
    ENV_RESET(params, env_state, env_rng)
    if rec:
        for i in range(env_state.shape[0]):
            states_out[0, i] = env_state[i]
    total = 0.0
    steps = 0
    for t in range(n_steps):
        ENV_OBSERVE(params, env_state, x)
        if OBS_F32:
            round_f32(x, OBS_DIM)
        FEAT_TILES(x, g, idx)
        if DISCRETE:
            softmax_pa_sparse_probs(theta, idx, probs)
            r, term = ENV_STEP(params, env_state, np.argmax(probs), env_rng)
        else:
            for d in range(ACT_DIM):
                m = 0.0
                for k in range(idx.shape[0]):
                    m += theta[idx[k], d]
                v = min(max(m, pol.low[d]), pol.high[d])
                a_env[d] = np.float32(v) if ACT_F32 else v
            r, term = ENV_STEP(params, env_state, a_env, env_rng)
        total += r
        steps += 1
        if rec:
            for i in range(env_state.shape[0]):
                states_out[t + 1, i] = env_state[i]
        if term:
            break
    return total, steps
