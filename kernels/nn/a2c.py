"""A2C with MLP actor and critic over K copies of a compiled environment (Mnih et al. 2016; S&B 13.5).

Each update collects N steps from each of K envs (B = N·K samples), then::

    G_t = R_{t+1} + γ G_{t+1}   (bootstrap V(S_{t+N}); 0 after termination;
                                 R + γ V(final obs) at a time-limit truncation, as SB3)
    A_t = G_t − V(S_t)
    L = −(1/B) Σ A_t ln π(A_t|S_t) + c_v (1/B) Σ (G_t − V(S_t))²
    ∂L/∂logit_b = −(A_t/B)(𝟙[b = A_t] − π(b|S_t)),   ∂L/∂V = 2 c_v (V − G)/B

then the joint gradient of actor and critic is clipped to norm ``max_grad_norm`` and both take
an RMSprop step (torch's: v ← ρv + (1−ρ)g², θ ← θ − lr·g/(√v + ε)), SB3's A2C defaults.
Actor: softmax over the MLP's outputs; critic: MLP with one output.  No entropy bonus.

The pieces (:func:`a2c_act`, :func:`a2c_value1`, :func:`a2c_update`) are called by the Python loop
of ``fastfa.agents.A2CMLP`` (any gymnasium env) and by the fused loop :func:`a2c_run_tpl`, a
*template* specialised per compiled environment by ``fastfa.kernels.loops.specialise`` (it calls
``ENV_RESET`` / ``ENV_STEP`` / ``ENV_OBSERVE`` and reads ``OBS_F32``, ``OBS_DIM``, ``PARAMS_N``, ``STATE_SIZE`` as
constants, like ``fastfa.kernels.loops.control_loop.control_run_tpl``).  Both make the same calls in
the same order (env k steps, then resets if its episode ended, then env k + 1; all K envs draw from
one env generator), so they give identical numbers for the same generators.
"""

import math
from collections import namedtuple

import numpy as np

from .._fpmode import flush_enter, flush_exit
from .._jit import fixed_tuple, njit
from ..linear.policy_gradient import categorical_sample, softmax_inplace
from ..loops.control_loop import round_f32
from .mlp import aligned_zeros, mlp_acts_size, mlp_backward, mlp_forward, mlp_work_size, sum_squares

#: Hyper-parameters: ``gamma, lr, rms_alpha, rms_eps, vf_coef, max_grad_norm`` (floats).
A2CHP = namedtuple("A2CHP", "gamma lr rms_alpha rms_eps vf_coef max_grad_norm")
#: The two networks (flat parameters, layer widths), their RMSprop accumulators and the hidden
#: activation code (``mlp.ACT_TANH`` / ``mlp.ACT_RELU``); arrays are updated in place.
A2CNets = namedtuple("A2CNets", "theta_pi sizes_pi theta_v sizes_v rms_pi rms_v act")
#: Scratch of one learner (:func:`make_work`): the batch (``X`` [B, d], ``acts_b`` [B], ``rew`` and
#: ``done`` [N, K]) and the networks' workspaces.
A2CWork = namedtuple(
    "A2CWork", "X acts_b rew done acts_pi_k acts_v_1 acts_pi acts_v work_pi work_v g_pi g_v dlog dv p one"
)
#: Episode statistics carried between calls (updated in place): per env ``ep_len``, ``ep_ret`` [K];
#: finished episodes' ``returns``, ``lengths``, ``ends`` (env step at which each ended).
A2CEpisodes = namedtuple("A2CEpisodes", "ep_len ep_ret returns lengths ends")

OK, NOT_FINITE = 0, -1

# bound per specialisation (placeholders: the template is never compiled as is)
ENV_RESET = ENV_STEP = ENV_OBSERVE = None
OBS_F32 = True
OBS_DIM = 1
PARAMS_N = -1
STATE_SIZE = 1


def make_hp(gamma, lr, rms_alpha, rms_eps, vf_coef, max_grad_norm):
    """An :data:`A2CHP` with float fields."""
    return A2CHP(float(gamma), float(lr), float(rms_alpha), float(rms_eps), float(vf_coef), float(max_grad_norm))


def make_work(nets, n_envs, n_steps):
    """The scratch arrays for K = ``n_envs`` envs and N = ``n_steps`` steps per update."""
    K, N = int(n_envs), int(n_steps)
    B = K * N
    sp, sv = nets.sizes_pi, nets.sizes_v
    d, A = int(sp[0]), int(sp[-1])
    dt = nets.theta_pi.dtype  # the batch, activations and gradients in the networks' precision
    return A2CWork(
        np.zeros((B, d), dt),
        np.zeros(B, np.int64),
        np.zeros((N, K)),
        np.zeros((N, K), np.bool_),
        aligned_zeros(mlp_acts_size(sp, K), dt),
        aligned_zeros(mlp_acts_size(sv, K), dt),
        aligned_zeros(mlp_acts_size(sp, B), dt),
        aligned_zeros(mlp_acts_size(sv, B), dt),
        aligned_zeros(mlp_work_size(sp, B), dt),
        aligned_zeros(mlp_work_size(sv, B), dt),
        aligned_zeros(nets.theta_pi.shape[0], dt),
        aligned_zeros(nets.theta_v.shape[0], dt),
        np.zeros((B, A), dt),
        np.zeros((B, 1), dt),
        np.zeros(A, dt),
        np.zeros((1, d), dt),
    )


@njit(error_model="numpy")  # no zero-division check per element (√v + ε > 0): lets LLVM vectorise it
def _rmsprop_loop(theta, grad, v, lr, alpha, c, eps):
    for k in range(theta.shape[0]):
        g = grad[k]
        vk = alpha * v[k] + c * g * g
        v[k] = vk
        theta[k] -= lr * g / (np.sqrt(vk) + eps)


@njit
def rmsprop_step(theta, grad, v, lr, alpha, eps):
    """torch.optim.RMSprop (no momentum, not centered): v ← αv + (1−α)g²; θ ← θ − lr g/(√v + ε).

    The element loop runs in the parameters' precision (float32 arithmetic for float32 parameters,
    as torch does), which lets it vectorise."""
    mode = flush_enter()  # subnormals flushed to zero (kernels/_fpmode.py)
    if theta.itemsize == 4:
        _rmsprop_loop(theta, grad, v, np.float32(lr), np.float32(alpha), np.float32(1.0 - alpha), np.float32(eps))
    else:
        _rmsprop_loop(theta, grad, v, lr, alpha, 1.0 - alpha, eps)
    flush_exit(mode)


@njit
def a2c_act(nets, w, obs, n, rng, actions):
    """Sample A ~ softmax(π-MLP(obs[k])) for the K rows of ``obs`` (k ascending, one ``rng.random()``
    each) into ``actions``; record obs and actions as rows n·K + k of the batch."""
    K = obs.shape[0]
    A = w.p.shape[0]
    logits = mlp_forward(nets.theta_pi, nets.sizes_pi, nets.act, obs, w.acts_pi_k)
    # keep every layer's activations as rows n·K .. n·K + K − 1 of the batch's: θ_π does not change
    # before the update, and a row's values do not depend on the rows computed with it, so the
    # update's backward pass uses them instead of a second forward pass over the batch
    sizes = nets.sizes_pi
    B = w.acts_b.shape[0]
    src = 0
    dst = 0
    for l in range(1, sizes.shape[0]):
        m = K * sizes[l]
        o = dst + n * m
        for t in range(m):
            w.acts_pi[o + t] = w.acts_pi_k[src + t]
        src += m
        dst += B * sizes[l]
    for k in range(K):
        i = n * K + k
        for j in range(obs.shape[1]):
            w.X[i, j] = obs[k, j]
        for b in range(A):
            w.p[b] = logits[k, b]
        softmax_inplace(w.p)
        a = categorical_sample(w.p, rng)
        w.acts_b[i] = a
        actions[k] = a


@njit
def a2c_value1(nets, w, x):
    """V(x) of one observation (the bootstrap of a truncated episode)."""
    for j in range(x.shape[0]):
        w.one[0, j] = x[j]
    return mlp_forward(nets.theta_v, nets.sizes_v, nets.act, w.one, w.acts_v_1)[0, 0]


@njit
def a2c_update(nets, w, obs_last, hp):
    """One A2C update from the collected batch in ``w`` (with π's activations for it, kept by
    :func:`a2c_act`) and the envs' current observations ``obs_last`` (module docstring); returns
    :data:`OK` or :data:`NOT_FINITE` (nothing changed)."""
    mode = flush_enter()  # the whole step with subnormals flushed to zero (kernels/_fpmode.py)
    N, K = w.rew.shape
    B = N * K
    A = w.p.shape[0]
    gamma = hp.gamma
    V = mlp_forward(nets.theta_v, nets.sizes_v, nets.act, w.X, w.acts_v)
    v_last = mlp_forward(nets.theta_v, nets.sizes_v, nets.act, obs_last, w.acts_v_1)
    for k in range(K):
        g = v_last[k, 0]
        for n in range(N - 1, -1, -1):
            i = n * K + k
            g = w.rew[n, k] + (0.0 if w.done[n, k] else gamma * g)
            w.dv[i, 0] = 2.0 * hp.vf_coef * (V[i, 0] - g) / B
            w.dlog[i, 0] = g - V[i, 0]  # the advantage; turned into ∂L/∂logit below
    mlp_backward(nets.theta_v, nets.sizes_v, nets.act, w.X, w.acts_v, w.dv, w.g_v, w.work_v)
    o = mlp_acts_size(nets.sizes_pi, B) - B * A  # π's outputs for the batch, kept by a2c_act
    logits_b = w.acts_pi[o : o + B * A].reshape((B, A))
    for i in range(B):
        adv = w.dlog[i, 0]
        for b in range(A):
            w.p[b] = logits_b[i, b]
        softmax_inplace(w.p)
        for b in range(A):
            w.dlog[i, b] = -(adv / B) * ((1.0 if b == w.acts_b[i] else 0.0) - w.p[b])
    mlp_backward(nets.theta_pi, nets.sizes_pi, nets.act, w.X, w.acts_pi, w.dlog, w.g_pi, w.work_pi)
    norm = math.sqrt(sum_squares(w.g_pi) + sum_squares(w.g_v))
    if not math.isfinite(norm):
        flush_exit(mode)
        return NOT_FINITE
    mg = hp.max_grad_norm
    if mg > 0.0:
        c = mg / (norm + 1e-6)
        if c < 1.0:
            g_pi, g_v = w.g_pi, w.g_v
            for k in range(g_pi.shape[0]):
                g_pi[k] *= c
            for k in range(g_v.shape[0]):
                g_v[k] *= c
    rmsprop_step(nets.theta_pi, w.g_pi, nets.rms_pi, hp.lr, hp.rms_alpha, hp.rms_eps)
    rmsprop_step(nets.theta_v, w.g_v, nets.rms_v, hp.lr, hp.rms_alpha, hp.rms_eps)
    flush_exit(mode)
    return OK


@njit
def a2c_record(eps, k, n_done, end_step):
    """Episode of env k ended at env step ``end_step``: store it (if there is room), zero env k's counters."""
    if n_done < eps.returns.shape[0]:
        eps.returns[n_done] = eps.ep_ret[k]
        eps.lengths[n_done] = eps.ep_len[k]
        eps.ends[n_done] = end_step
    eps.ep_len[k] = 0
    eps.ep_ret[k] = 0.0


def a2c_run_tpl(
    env_params, states, env_rng, obs, nets, w, hp, eps, max_len, n_updates, max_episodes, reset_all, rng, counts
):
    """Run up to ``n_updates`` updates on K envs (``states`` [K, state_size], ``obs`` [K, d] their
    current observations, advanced in place; ``reset_all``: reset them first, k ascending); stop
    after the update in which the finished episodes reach ``max_episodes`` (< 0: no limit).
    ``counts`` int64 [2]: episodes finished and env steps done so far (updated).  ``max_len`` > 0:
    time limit (truncation).  Returns :data:`OK` or :data:`NOT_FINITE`."""
    if PARAMS_N >= 0:
        params = fixed_tuple(env_params, PARAMS_N)
    else:
        params = env_params
    K = states.shape[0]
    N = w.rew.shape[0]
    gamma = hp.gamma
    actions = np.empty(K, np.int64)
    x = np.empty(OBS_DIM)
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
            a2c_act(nets, w, obs, n, rng, actions)
            for k in range(K):
                r, term = ENV_STEP(params, states[k], actions[k], env_rng)
                ENV_OBSERVE(params, states[k], x)
                if OBS_F32:
                    round_f32(x, OBS_DIM)
                eps.ep_len[k] += 1
                eps.ep_ret[k] += r
                trunc = (not term) and max_len > 0 and eps.ep_len[k] >= max_len
                if trunc:
                    r += gamma * a2c_value1(nets, w, x)
                w.rew[n, k] = r
                w.done[n, k] = term or trunc
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
        if a2c_update(nets, w, obs, hp) != OK:
            return NOT_FINITE
        if max_episodes >= 0 and counts[0] >= max_episodes:
            break
    return OK


def a2c_greedy_tpl(env_params, rng, nets, n_episodes, max_len, returns, lengths):
    """Greedy (argmax π) returns and lengths of ``n_episodes`` episodes (a template, as above)."""
    if PARAMS_N >= 0:
        params = fixed_tuple(env_params, PARAMS_N)
    else:
        params = env_params
    state = np.zeros(STATE_SIZE)
    x = np.empty((1, OBS_DIM), nets.theta_pi.dtype)
    o = np.empty(OBS_DIM)
    acts = np.empty(mlp_acts_size(nets.sizes_pi, 1), nets.theta_pi.dtype)
    for e in range(n_episodes):
        ENV_RESET(params, state, rng)
        ENV_OBSERVE(params, state, o)
        tot = 0.0
        t = 0
        while max_len <= 0 or t < max_len:
            if OBS_F32:
                round_f32(o, OBS_DIM)
            for j in range(OBS_DIM):
                x[0, j] = o[j]
            q = mlp_forward(nets.theta_pi, nets.sizes_pi, nets.act, x, acts)
            best = 0
            for b in range(1, q.shape[1]):
                if q[0, b] > q[0, best]:
                    best = b
            r, term = ENV_STEP(params, state, best, rng)
            ENV_OBSERVE(params, state, o)
            tot += r
            t += 1
            if term:
                break
        returns[e] = tot
        lengths[e] = t
