"""DQN's fused training step, loop and greedy evaluation over any compiled environment (templates).

:func:`dqn_step_tpl` (one env step of one seed) and :func:`dqn_greedy_tpl` are *templates*, as
``fastfa.kernels.loops.control_loop.control_run_tpl``: they call ``ENV_RESET`` / ``ENV_STEP`` /
``ENV_OBSERVE`` (a :class:`fastfa.envs.CompiledEnv`'s functions: ``reset(params, state, rng)``,
``step(params, state, action, rng) -> (reward, terminated)``, ``observe(params, state, out)``)
and read ``OBS_F32``, ``OBS_DIM``, ``PARAMS_N``, ``STATE_SIZE`` and ``PER`` (prioritized replay)
as constants; ``fastfa.kernels.loops.specialise.specialise`` binds them, one small compiled unit
per (env, replay kind), cached on disk for built-in envs (the twins of CartPole, Acrobot,
Mountain Car and the discrete Puck World are such envs: one loop for all).

One loop, one copy of the arithmetic: the step is :func:`dqn_step_tpl`, bound as ``SEED_STEP``
(inlined into the caller's IR) into the population loop ``fastfa.kernels.loops.dqn_pop.dqn_pop_tpl``,
which advances k seeds (in blocks of env steps, seed after seed) with k a run-time value;
``fastfa.agents.DQN.learn`` runs it with k = 1 and ``fastfa.agents.learn_population`` with k agents,
so one seed gives the same bits alone or in a population.  (A separate single-seed loop ran no
faster: CartPole, 50k steps, one core, 11 interleaved rounds, the k = 1 population 2.11 s median
against 2.36 s for the former single-seed loop; and ``DQN.learn`` now uses the unit the experiments
use, which the install prebuilds.)

Example (what ``DQN.learn`` and ``learn_population`` run underneath)::

    >>> from fastfa.agents import DQN, learn_population
    >>> a, b = DQN("CartPole-v1", seed=0), DQN("CartPole-v1", seed=1)
    >>> learn_population([a, b], 2_000)  # == a.learn(2_000); b.learn(2_000), bit for bit

The step order and arithmetic are those of the Python loop of ``fastfa.agents.DQN``: reset, act
(uniform before ``learning_starts``, then ε-greedy), step, store (the time limit as truncation, not
set on a terminal step, as a ``CompiledEnv`` reports it), count, target update every C steps,
record a finished episode, then ``gradient_steps`` updates every ``train_freq`` steps.
Observations are ``observe``'s float64 values rounded to float32 when the observation space is
float32, then cast to ``x_cur``'s dtype — the values the gymnasium interface hands the Python loop
— so both loops give identical networks for the same seeds.

Compile time (a first run compiles what it uses, nothing else): only the env in use is compiled,
prioritized replay only when asked (``PER``), and acting, storing, the n-step sampling and the
target update are written inline; the gradient step is ``kernels/nn/dqn.dqn_update`` (writing the
loss, backward pass and Adam inline as well compiled faster but ran the gradient step 1.7x slower).
"""

from collections import namedtuple

import numpy as np

from .._jit import fixed_tuple, njit
from .._simd import _I0, _I1
from ..nn.dqn import (
    C_BAD_STEP,
    C_EP_LEN,
    C_EPISODES,
    C_IN_EPISODE,
    C_STEPS,
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
    dqn_store,
    dqn_train_steps,
    dqn_update,
)
from ..nn.mlp import mlp_acts_size
from ..nn.mlp_layers import mlp_forward_flat
from .control_loop import round_f32


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


# ---------------------------------------------------------------- the loop and the greedy evaluation
#: The network and its optimiser state (updated in place): flat parameters θ and θ⁻, layer widths,
#: Adam's first and second moments.  (A population, ``dqn_pop``: the same with a leading seed axis,
#: ``sizes`` shared.)
DQNNet = namedtuple("DQNNet", "theta theta_targ sizes adam_m adam_v")
#: The replay arrays of ``fastfa.buffers.ReplayBuffer`` / ``PrioritizedReplayBuffer`` (``sum_tree``,
#: ``min_tree``, ``pstate``: PER's trees, unused placeholders for uniform replay) and its generator.
DQNReplay = namedtuple("DQNReplay", "obs act rew next_obs term trunc bstate sum_tree min_tree pstate rng")
#: Finished episodes' ``returns``, ``lengths`` and ``ends`` (env step at which each ended; room for
#: one per env step of the call), and ``ret_cur`` [1], the return of the episode in progress.
DQNEpisodes = namedtuple("DQNEpisodes", "returns lengths ends ret_cur")
#: Scratch arrays of one step: the observation as float64 (``xo``), the next one (``x_next``, as
#: ``x_cur``), the one handed to the network (``x_q``, θ's dtype) and the activations of one forward
#: pass (``acts1``); one set per call, shared by the seeds of a population.
DQNWork = namedtuple("DQNWork", "xo x_next x_q acts1")

# bound per specialisation (placeholders: the templates are never compiled as they are)
ENV_RESET = ENV_STEP = ENV_OBSERVE = None
OBS_F32 = True
OBS_DIM = 1
PARAMS_N = -1
STATE_SIZE = 1
PER = False


@njit
def dqn_work(theta, sizes, x_cur):
    """A :data:`DQNWork` for a network with layer widths ``sizes`` and observations like ``x_cur``."""
    d = x_cur.shape[0]
    return DQNWork(
        np.empty(d), np.empty_like(x_cur), np.empty(d, theta.dtype), np.empty(mlp_acts_size(sizes, 1), theta.dtype)
    )


def dqn_step_tpl(params, env_state, env_rng, x_cur, net, cnt, hp, rng, buf, eps, n_ep, w):
    """One env step of one seed (the body of ``fastfa.kernels.loops.dqn_pop.dqn_pop_tpl``, bound to it as
    ``SEED_STEP``): reset if no episode is in progress,
    act, step, store, count, target update, record a finished episode (``eps`` row ``n_ep``), then the
    training phase when due.  Returns ``(n_ep, ok)``: the episodes finished so far in this call, and
    False when a loss was not finite (``cnt[C_BAD_STEP]`` set; the seed must stop)."""
    theta, theta_targ, sizes = net.theta, net.theta_targ, net.sizes
    xo, x_next = w.xo, w.x_next
    if cnt[C_IN_EPISODE] == 0:
        ENV_RESET(params, env_state, env_rng)
        ENV_OBSERVE(params, env_state, xo)
        if OBS_F32:
            round_f32(xo, OBS_DIM)
        for c in range(OBS_DIM):
            x_cur[c] = xo[c]
        cnt[C_IN_EPISODE] = 1
        cnt[C_EP_LEN] = 0
        eps.ret_cur[0] = 0.0
    nA = sizes[sizes.shape[0] - 1]
    if cnt[C_STEPS] < hp[HP_LEARNING_STARTS]:
        a = rng.integers(0, nA)
    else:
        e = hp[HP_EPS_END]
        if hp[HP_EPS_STEPS] > 0:
            frac = min(1.0, cnt[C_STEPS] / hp[HP_EPS_STEPS])
            e = hp[HP_EPS_START] + frac * (hp[HP_EPS_END] - hp[HP_EPS_START])
        if rng.random() < e:
            a = rng.integers(0, nA)
        else:
            a = _greedy(theta, sizes, int(hp[HP_ACT]), x_cur, w.x_q, w.acts1)
    r, term = ENV_STEP(params, env_state, a, env_rng)
    d = bool(term)
    ENV_OBSERVE(params, env_state, xo)
    if OBS_F32:
        round_f32(xo, OBS_DIM)
    for c in range(OBS_DIM):
        x_next[c] = xo[c]
    max_len = int(hp[HP_MAX_EP_STEPS])
    cnt[C_EP_LEN] += 1
    eps.ret_cur[0] += r
    tr = (not d) and cnt[C_EP_LEN] >= max_len
    if PER:
        dqn_store(
            buf.obs, buf.act, buf.rew, buf.next_obs, buf.term, buf.trunc, buf.bstate,
            buf.sum_tree, buf.min_tree, buf.pstate, True, x_cur, a, r, x_next, d, tr,
        )  # fmt: skip
    else:  # kernels/replay/replay.replay_add + the truncation flag, inline
        cap = buf.obs.shape[0]
        pos = buf.bstate[0]
        for c in range(OBS_DIM):
            buf.obs[pos, c] = x_cur[c]
            buf.next_obs[pos, c] = x_next[c]
        buf.act[pos] = a
        buf.rew[pos] = r
        buf.term[pos] = d
        buf.trunc[pos] = tr
        buf.bstate[0] = (pos + 1) % cap
        if buf.bstate[1] < cap:
            buf.bstate[1] += 1
    cnt[C_STEPS] += 1
    if cnt[C_STEPS] % max(int(hp[HP_TARGET_INTERVAL]), 1) == 0:  # θ⁻ ← (1−τ)θ⁻ + τθ
        tau = hp[HP_TAU]
        if tau >= 1.0:
            for k in range(theta.shape[0]):
                theta_targ[k] = theta[k]
        else:
            for k in range(theta.shape[0]):
                theta_targ[k] = (1.0 - tau) * theta_targ[k] + tau * theta[k]
    if d or cnt[C_EP_LEN] >= max_len:
        eps.returns[n_ep] = eps.ret_cur[0]
        eps.lengths[n_ep] = cnt[C_EP_LEN]
        eps.ends[n_ep] = cnt[C_STEPS]
        n_ep += 1
        cnt[C_EPISODES] += 1
        cnt[C_IN_EPISODE] = 0
    else:
        for c in range(OBS_DIM):
            x_cur[c] = x_next[c]
    if cnt[C_STEPS] % int(hp[HP_TRAIN_FREQ]) == 0 and cnt[C_STEPS] > hp[HP_LEARNING_STARTS]:
        n_grad = int(hp[HP_GRAD_STEPS])
        if PER:
            loss = dqn_train_steps(
                theta, theta_targ, sizes, net.adam_m, net.adam_v, cnt, hp,
                buf.obs, buf.act, buf.rew, buf.next_obs, buf.term, buf.trunc, buf.bstate,
                buf.sum_tree, buf.min_tree, buf.pstate, buf.rng, n_grad,
            )  # fmt: skip
            return n_ep, bool(np.isfinite(loss))
        ok = _train_steps(
            theta, theta_targ, sizes, net.adam_m, net.adam_v, cnt, hp,
            buf.obs, buf.act, buf.rew, buf.next_obs, buf.term, buf.trunc, buf.bstate, buf.rng, n_grad,
        )  # fmt: skip
        return n_ep, ok
    return n_ep, True


def dqn_greedy_tpl(env_params, rng, theta, sizes, act, n_episodes, max_len, returns, lengths):
    """Greedy (argmax q) returns and lengths of ``n_episodes`` episodes, the env drawing from ``rng``;
    ``max_len`` > 0: time limit."""
    if PARAMS_N >= 0:
        params = fixed_tuple(env_params, PARAMS_N)
    else:
        params = env_params
    state = np.zeros(STATE_SIZE)
    xo = np.empty(OBS_DIM)
    x = np.empty(OBS_DIM, theta.dtype)
    xq = np.empty(OBS_DIM, theta.dtype)
    acts1 = np.empty(mlp_acts_size(sizes, 1), theta.dtype)
    for e in range(n_episodes):
        ENV_RESET(params, state, rng)
        g = 0.0
        t = 0
        while True:
            ENV_OBSERVE(params, state, xo)
            if OBS_F32:
                round_f32(xo, OBS_DIM)
            for c in range(OBS_DIM):
                x[c] = xo[c]
            a = _greedy(theta, sizes, act, x, xq, acts1)
            r, term = ENV_STEP(params, state, a, rng)
            g += r
            t += 1
            if term or (max_len > 0 and t >= max_len):
                break
        returns[e] = g
        lengths[e] = t
