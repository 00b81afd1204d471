"""Linear A2C's fused loop over K copies of a compiled environment, on grid tiles (a template).

:func:`a2c_lin_run_tpl` is specialised like
:func:`fastfa.kernels.loops.control_loop.control_run_tpl` (``fastfa.kernels.loops.specialise``): it
calls ``ENV_RESET`` / ``ENV_STEP`` / ``ENV_OBSERVE`` and reads ``OBS_F32``, ``OBS_DIM``, ``PARAMS_N``,
``ACT_DIM``, ``ACT_F32`` and ``DISCRETE`` as constants.  The arithmetic is
``fastfa.kernels.linear.a2c_linear``'s, and the order of the calls is that of the Python loop of
``fastfa.agents.A2C``: at each of the N steps, the K states' tiles, the K actions (rows in order,
one generator), the K values; then env k steps, its truncated episode bootstraps from
γ v̂(final observation), and it is reset at once if its episode ended, before env k + 1 (all K envs
draw from one env generator); after N steps, n-step returns G (bootstrapped with v̂ of the current
observations, 0 after a terminal or truncated step), advantages G − v̂ and one update.
"""

from collections import namedtuple

import numpy as np

from .._jit import fixed_tuple
from ..features.gridtiles import grid_consts, grid_tiles_consts
from ..linear.a2c_linear import lin_act, lin_update, lin_values
from ..linear.pg_traces import OK
from ..nn.a2c import a2c_record
from .control_loop import round_f32

#: Scratch of one learner: per sample (row n·K + k) the active indices ``rows`` [N·K, T], ``acts``
#: [N·K], ``raw`` [N·K, D or 0], ``adv`` [N·K]; per step and env ``rew``, ``done``, ``v`` [N, K];
#: ``tmp`` [K, T] (the tiles of the current or final observations) and ``vk`` [K] (their values).
LinWork = namedtuple("LinWork", "rows acts raw adv rew done v tmp vk")

# bound per specialisation (placeholders: the template is never compiled as is)
ENV_RESET = ENV_STEP = ENV_OBSERVE = None
OBS_F32 = True
OBS_DIM = 1
PARAMS_N = -1
DISCRETE = True
ACT_DIM = 1
ACT_F32 = True


def make_work(n_envs, n_steps, n_tilings, act_dim, discrete):
    """A :data:`LinWork` for K = ``n_envs`` envs, N = ``n_steps`` steps, T = ``n_tilings`` tiles a state."""
    B = n_envs * n_steps
    return LinWork(
        np.zeros((B, n_tilings), np.int64),
        np.zeros(B, np.int64),
        np.zeros((B, 0 if discrete else act_dim)),
        np.zeros(B),
        np.zeros((n_steps, n_envs)),
        np.zeros((n_steps, n_envs), np.bool_),
        np.zeros((n_steps, n_envs)),
        np.zeros((n_envs, n_tilings), np.int64),
        np.zeros(n_envs),
    )


def a2c_lin_run_tpl(
    env_params, states, env_rng, obs, cf, ci, pol, w, hp, eps, max_len, n_updates, max_episodes, reset_all, rng,
    counts, work,
):  # fmt: skip
    """Run up to ``n_updates`` updates on K envs (``states`` [K, state_size], ``obs`` [K, d] their current
    observations, advanced in place; ``reset_all``: reset them first, k ascending); stop after the update
    in which the finished episodes reach ``max_episodes`` (< 0: no limit).  ``counts`` int64 [2]:
    episodes finished and env steps done (updated); ``eps``: ``fastfa.kernels.nn.a2c.A2CEpisodes``;
    ``max_len`` > 0: time limit (truncation).  Returns the status of ``lin_update`` (OK or the first
    non-finite one)."""
    if PARAMS_N >= 0:
        params = fixed_tuple(env_params, PARAMS_N)
    else:
        params = env_params
    K = states.shape[0]
    N = work.rew.shape[0]
    gamma = hp.gamma
    g = grid_consts(cf, ci, OBS_DIM)
    x = np.empty(OBS_DIM)
    a_env = np.empty(ACT_DIM)
    if reset_all:
        for k in range(K):
            ENV_RESET(params, states[k], env_rng)
            ENV_OBSERVE(params, states[k], x)
            if OBS_F32:
                round_f32(x, OBS_DIM)
            for j in range(OBS_DIM):
                obs[k, j] = x[j]
    for _u in range(n_updates):
        for n in range(N):
            rows = work.rows[n * K : (n + 1) * K]
            for k in range(K):
                grid_tiles_consts(obs[k], g, rows[k])
            lin_act(pol, hp, rows, rng, work.acts[n * K : (n + 1) * K], work.raw[n * K : (n + 1) * K])
            lin_values(w, rows, work.v[n])
            for k in range(K):
                if DISCRETE:
                    r, term = ENV_STEP(params, states[k], work.acts[n * K + k], env_rng)
                else:
                    for d in range(ACT_DIM):
                        v = min(max(work.raw[n * K + k, d], pol.low[d]), pol.high[d])
                        a_env[d] = np.float32(v) if ACT_F32 else v
                    r, term = ENV_STEP(params, states[k], a_env, env_rng)
                ENV_OBSERVE(params, states[k], x)
                if OBS_F32:
                    round_f32(x, OBS_DIM)
                eps.ep_len[k] += 1
                eps.ep_ret[k] += r
                trunc = (not term) and max_len > 0 and eps.ep_len[k] >= max_len
                if trunc:  # bootstrap from the final observation
                    grid_tiles_consts(x, g, work.tmp[0])
                    lin_values(w, work.tmp[:1], work.vk)
                    r += gamma * work.vk[0]
                work.rew[n, k] = r
                work.done[n, k] = term or trunc
                counts[1] += 1
                if term or trunc:
                    a2c_record(eps, k, counts[0], counts[1])
                    counts[0] += 1
                    ENV_RESET(params, states[k], env_rng)
                    ENV_OBSERVE(params, states[k], x)
                    if OBS_F32:
                        round_f32(x, OBS_DIM)
                for j in range(OBS_DIM):
                    obs[k, j] = x[j]
        for k in range(K):
            grid_tiles_consts(obs[k], g, work.tmp[k])
        lin_values(w, work.tmp, work.vk)
        for k in range(K):
            gk = work.vk[k]
            for n in range(N - 1, -1, -1):
                gk = work.rew[n, k] + gamma * (0.0 if work.done[n, k] else gk)
                work.adv[n * K + k] = gk - work.v[n, k]
        st = lin_update(pol, w, hp, work.rows, work.acts, work.raw, work.adv)
        if st != OK:
            return st
        if max_episodes >= 0 and counts[0] >= max_episodes:
            break
    return OK
