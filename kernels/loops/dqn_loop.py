"""The DQN training loop for uniform replay, compiled as few small units (fast first run).

Same algorithm, same random streams and the same arithmetic as
``kernels/dqn.dqn_train`` with ``hp[HP_PER] = 0`` (which stays the general
loop, prioritized replay included; see ``kernels/nn/dqn.py`` for the maths and
the step order), so both give bit-identical networks for the same seed.

Why a second loop: Numba compiles every called function (and every library
overload it uses: ``np.max``, ``reshape``, the n-step sampler, …) as a unit
of its own, then re-optimises each caller together with everything it
calls.  The general loop reached ~140 units in a chain six calls deep, and a
first ``fastfa run cartpole-dqn --quick`` spent ~35 s compiling.  Here the
environment twin is chosen at compile time (``numba.literally`` on
``env_kind``: only the env in use is compiled), prioritized replay is left
out, and acting, storing, the n-step sampling and the target update are
written inline; the gradient step is ``kernels/dqn.dqn_update``.  (Writing
the loss, backward pass and Adam inline as well compiled faster but ran the
gradient step 1.7x slower, so it stays a separate compiled function.)
"""

import numba
import numpy as np
from numba.extending import overload

from .._jit import njit
from .._simd import _I0, _I1
from ..nn.dqn import (
    C_BAD_STEP,
    C_EP_LEN,
    C_EPISODES,
    C_IN_EPISODE,
    C_STEPS,
    ENV_ACROBOT,
    ENV_CARTPOLE,
    ENV_MOUNTAINCAR,
    ENV_STATE_LEN,
    HP_ACT,
    HP_BATCH,
    HP_EPS_END,
    HP_EPS_START,
    HP_EPS_STEPS,
    HP_GAMMA,
    HP_GRAD_STEPS,
    HP_LEARNING_STARTS,
    HP_MAX_EP_STEPS,
    HP_NSTEP,
    HP_TARGET_INTERVAL,
    HP_TAU,
    HP_TRAIN_FREQ,
    dqn_update,
    env_reset,
    env_step,
)
from ..envs.classic import (
    acrobot_obs,
    acrobot_reset,
    acrobot_step,
    cartpole_obs,
    cartpole_reset,
    cartpole_step,
    mountaincar_obs,
    mountaincar_reset,
    mountaincar_step,
)
from ..nn.mlp import mlp_acts_size
from ..nn.mlp_layers import mlp_forward_flat
from ..envs.puck_corridor import puckworld_discrete_force, puckworld_obs, puckworld_reset, puckworld_step


# ---------------------------------------------------------------- env dispatch resolved at compile time
def twin_reset(kind, params, state, rng, obs):
    """Reset the twin ``kind`` and write its observation (``kind`` literal when compiled)."""
    env_reset(kind, params, state, rng, obs)


def twin_step(kind, params, state, action, obs, rng):
    """Step the twin ``kind``; writes the next observation; returns (reward, terminated)."""
    return env_step(kind, params, state, action, obs, rng)


def _literal_kind(kind):
    if not isinstance(kind, numba.types.IntegerLiteral):
        raise numba.core.errors.RequireLiteralValue("env kind must be a compile-time constant")
    return kind.literal_value


@overload(twin_reset, inline="always")
def _ol_twin_reset(kind, params, state, rng, obs):
    k = _literal_kind(kind)
    if k == ENV_CARTPOLE:

        def impl(kind, params, state, rng, obs):
            cartpole_reset(params, state, rng)
            cartpole_obs(state, obs)
    elif k == ENV_ACROBOT:

        def impl(kind, params, state, rng, obs):
            acrobot_reset(params, state, rng)
            acrobot_obs(state, obs)
    elif k == ENV_MOUNTAINCAR:

        def impl(kind, params, state, rng, obs):
            mountaincar_reset(params, state, rng)
            mountaincar_obs(state, obs)
    else:

        def impl(kind, params, state, rng, obs):
            puckworld_reset(params, state, rng)
            puckworld_obs(params, state, obs)

    return impl


@overload(twin_step, inline="always")
def _ol_twin_step(kind, params, state, action, obs, rng):
    k = _literal_kind(kind)
    if k == ENV_CARTPOLE:

        def impl(kind, params, state, action, obs, rng):
            r, d = cartpole_step(params, state, action)
            cartpole_obs(state, obs)
            return r, d
    elif k == ENV_ACROBOT:

        def impl(kind, params, state, action, obs, rng):
            r, d = acrobot_step(params, state, action)
            acrobot_obs(state, obs)
            return r, d
    elif k == ENV_MOUNTAINCAR:

        def impl(kind, params, state, action, obs, rng):
            r, d = mountaincar_step(params, state, action)
            mountaincar_obs(state, obs)
            return r, d
    else:

        def impl(kind, params, state, action, obs, rng):
            fx, fy = puckworld_discrete_force(action)
            r = puckworld_step(params, state, fx, fy, rng)
            puckworld_obs(params, state, obs)
            return r, False

    return impl


# ---------------------------------------------------------------- small inline helpers
@njit
def _argmax(q, o, n):
    """Index of the first maximum of q[o:o+n] (the first NaN if any, as np.argmax)."""
    best = 0
    bv = q[o]
    if bv != bv:
        return 0
    for j in range(1, n):
        v = q[o + j]
        if v != v:
            return j
        if v > bv:
            best = j
            bv = v
    return best


@njit
def _greedy(theta, sizes, act, x_cur, xq, acts1):
    """argmax_a q(x_cur, a; θ) (x_cur converted to θ's dtype in ``xq``)."""
    for k in range(x_cur.shape[0]):
        xq[k] = x_cur[k]
    o = mlp_forward_flat(theta, sizes, act, xq, _I0, _I1, acts1)
    return _argmax(acts1, o, sizes[sizes.shape[0] - 1])


# ---------------------------------------------------------------- gradient steps
@njit
def _train_steps(
    theta, theta_targ, sizes, adam_m, adam_v, cnt, hp, obs, act, rew, next_obs, term, trunc, bstate, rng, n
):
    """``n`` gradient steps on uniform 1- or n-step minibatches (``kernels/dqn.dqn_train_steps`` with
    PER off, same streams and arithmetic: the step itself is ``kernels/dqn.dqn_update``).  Returns
    False (and sets ``cnt[C_BAD_STEP]``) if a loss or gradient norm is not finite; θ is then left as
    before that step."""
    B = int(hp[HP_BATCH])
    D = obs.shape[1]
    dt = theta.dtype
    gamma = hp[HP_GAMMA]
    nstep = max(int(hp[HP_NSTEP]), 1)
    x_tm1 = np.empty((B, D), dt)
    x_t = np.empty((B, D), dt)
    a_tm1 = np.empty(B, act.dtype)
    r_t = np.empty(B, rew.dtype)
    disc = np.empty(B, dt)
    w = np.ones(B, dt)
    td = np.empty(B, dt)
    cap = obs.shape[0]
    for _ in range(n):
        # --- uniform rows, n-step windows cut at term / trunc / the newest row (kernels/replay/replay.py)
        u = rng.random(B)
        size = bstate[1]
        oldest = bstate[0] if size == cap else 0
        for k in range(B):
            i = np.int64(u[k] * size)
            i = i if i < size else size - 1
            avail = size - (i - oldest) % cap
            m = nstep if nstep < avail else avail
            g = 1.0
            ret = 0.0
            j = i
            done = False
            for s in range(m):
                j = (i + s) % cap
                ret += g * np.float64(rew[j])
                g *= gamma
                if term[j]:
                    done = True
                    break
                if trunc[j]:
                    break
            for c in range(D):
                x_tm1[k, c] = obs[i, c]
                x_t[k, c] = next_obs[j, c]
            a_tm1[k] = act[i]
            r_t[k] = ret
            disc[k] = 0.0 if done else g
        # --- targets, loss, gradient, clipping and the optimiser step
        loss = dqn_update(theta, theta_targ, sizes, x_tm1, a_tm1, r_t, disc, x_t, w, adam_m, adam_v, cnt, hp, td)
        if not np.isfinite(loss):
            cnt[C_BAD_STEP] = cnt[C_STEPS]
            return False
    return True


# ---------------------------------------------------------------- the loop
@njit
def dqn_train_uniform(
    env_kind,
    env_params,
    env_state,
    env_rng,
    x_cur,
    theta,
    theta_targ,
    sizes,
    adam_m,
    adam_v,
    cnt,
    hp,
    rng,
    obs,
    act,
    rew,
    next_obs,
    term,
    trunc,
    bstate,
    buf_rng,
    n_steps,
    ep_returns,
    ep_lengths,
    ep_end_step,
    ep_ret_cur,
):
    """``kernels/dqn.dqn_train`` for uniform replay: ``n_steps`` env steps of ε-greedy acting, storing,
    target updates and training phases; finished episodes into ``ep_*``; returns their number."""
    numba.literally(env_kind)
    nA = sizes[sizes.shape[0] - 1]
    a_fn = int(hp[HP_ACT])
    acts1 = np.empty(mlp_acts_size(sizes, 1), theta.dtype)
    x_q = np.empty(x_cur.shape[0], theta.dtype)
    x_next = np.empty_like(x_cur)
    n_ep = 0
    starts = hp[HP_LEARNING_STARTS]
    freq = int(hp[HP_TRAIN_FREQ])
    C = max(int(hp[HP_TARGET_INTERVAL]), 1)
    max_len = int(hp[HP_MAX_EP_STEPS])
    tau = hp[HP_TAU]
    cap = obs.shape[0]
    for _ in range(n_steps):
        if cnt[C_IN_EPISODE] == 0:
            twin_reset(env_kind, env_params, env_state, env_rng, x_cur)
            cnt[C_IN_EPISODE] = 1
            cnt[C_EP_LEN] = 0
            ep_ret_cur[0] = 0.0
        if cnt[C_STEPS] < starts:
            a = rng.integers(0, nA)
        else:
            eps = hp[HP_EPS_END]
            if hp[HP_EPS_STEPS] > 0:
                frac = min(1.0, cnt[C_STEPS] / hp[HP_EPS_STEPS])
                eps = hp[HP_EPS_START] + frac * (hp[HP_EPS_END] - hp[HP_EPS_START])
            if rng.random() < eps:
                a = rng.integers(0, nA)
            else:
                a = _greedy(theta, sizes, a_fn, x_cur, x_q, acts1)
        r, d = twin_step(env_kind, env_params, env_state, a, x_next, env_rng)
        cnt[C_EP_LEN] += 1
        ep_ret_cur[0] += r
        # store (kernels/replay.replay_add + the truncation flag)
        pos = bstate[0]
        for c in range(x_cur.shape[0]):
            obs[pos, c] = x_cur[c]
            next_obs[pos, c] = x_next[c]
        act[pos] = a
        rew[pos] = r
        term[pos] = d
        trunc[pos] = cnt[C_EP_LEN] >= max_len
        bstate[0] = (pos + 1) % cap
        if bstate[1] < cap:
            bstate[1] += 1
        cnt[C_STEPS] += 1
        if cnt[C_STEPS] % C == 0:  # θ⁻ ← (1−τ)θ⁻ + τθ
            if tau >= 1.0:  # (element loops: a slice assignment compiles its shape-error message)
                for k in range(theta.shape[0]):
                    theta_targ[k] = theta[k]
            else:
                for k in range(theta.shape[0]):
                    theta_targ[k] = (1.0 - tau) * theta_targ[k] + tau * theta[k]
        if d or cnt[C_EP_LEN] >= max_len:
            ep_returns[n_ep] = ep_ret_cur[0]
            ep_lengths[n_ep] = cnt[C_EP_LEN]
            ep_end_step[n_ep] = cnt[C_STEPS]
            n_ep += 1
            cnt[C_EPISODES] += 1
            cnt[C_IN_EPISODE] = 0
        else:
            for c in range(x_cur.shape[0]):
                x_cur[c] = x_next[c]
        if cnt[C_STEPS] % freq == 0 and cnt[C_STEPS] > starts:
            if not _train_steps(
                theta,
                theta_targ,
                sizes,
                adam_m,
                adam_v,
                cnt,
                hp,
                obs,
                act,
                rew,
                next_obs,
                term,
                trunc,
                bstate,
                buf_rng,
                int(hp[HP_GRAD_STEPS]),
            ):
                return n_ep
    return n_ep


@njit
def dqn_evaluate_twin(env_kind, env_params, rng, theta, sizes, act, obs_dim, n_episodes, max_len, returns):
    """``kernels/dqn.dqn_evaluate`` with the twin chosen at compile time: greedy returns of
    ``n_episodes`` episodes into ``returns``."""
    numba.literally(env_kind)
    state = np.zeros(ENV_STATE_LEN, np.float64)
    x = np.empty(obs_dim, np.float32)
    xq = np.empty(obs_dim, theta.dtype)
    acts1 = np.empty(mlp_acts_size(sizes, 1), theta.dtype)
    for e in range(n_episodes):
        twin_reset(env_kind, env_params, state, rng, x)
        g = 0.0
        for t in range(max_len):
            a = _greedy(theta, sizes, act, x, xq, acts1)
            r, d = twin_step(env_kind, env_params, state, a, x, rng)
            g += r
            if d:
                break
        returns[e] = g
