"""Compiled A2C with MLP actor and critic over K compiled env twins (Mnih et al. 2016; S&B 13.5).

One call trains for a step budget; the environments are the compiled twins of
:mod:`fastfa.kernels.nn.dqn` (``ENV_CARTPOLE``, ``ENV_ACROBOT``, ``ENV_MOUNTAINCAR``).
Each update collects N steps from each of K envs (B = N·K samples), then::

    G_t = R_{t+1} + γ G_{t+1}   (bootstrap V(S_{t+N}); 0 after termination;
                                 R + γ V(final obs) at a time-limit truncation, as SB3)
    A_t = G_t − V(S_t)
    L = −(1/B) Σ A_t ln π(A_t|S_t) + c_v (1/B) Σ (G_t − V(S_t))²
    ∂L/∂logit_b = −(A_t/B)(𝟙[b = A_t] − π(b|S_t)),   ∂L/∂V = 2 c_v (V − G)/B

then the joint gradient of actor and critic is clipped to norm ``max_grad_norm`` and both take
an RMSprop step (torch's: v ← ρv + (1−ρ)g², θ ← θ − lr·g/(√v + ε)), SB3's A2C defaults.
Actor: softmax over the MLP's outputs; critic: MLP with one output.  No entropy bonus.
"""

import math

import numpy as np

from .._jit import njit
from .dqn import ENV_STATE_LEN, env_reset, env_step
from .mlp import mlp_acts_size, mlp_backward, mlp_forward, mlp_work_size
from ..linear.policy_gradient import categorical_sample, softmax_inplace

HP_GAMMA, HP_LR, HP_RMS_ALPHA, HP_RMS_EPS, HP_VF_COEF, HP_MAX_GRAD_NORM, HP_MAX_EP_LEN, HP_N_ENVS, HP_N_STEPS = range(9)
HP_LEN = 9


@njit
def rmsprop_step(theta, grad, v, lr, alpha, eps):
    """torch.optim.RMSprop (no momentum, not centered): v ← αv + (1−α)g²; θ ← θ − lr g/(√v + ε)."""
    for k in range(theta.shape[0]):
        g = grad[k]
        v[k] = alpha * v[k] + (1.0 - alpha) * g * g
        theta[k] -= lr * g / (math.sqrt(v[k]) + eps)


@njit
def a2c_train(
    env_kind,
    env_params,
    env_states,
    env_rng,
    obs,
    ep_len,
    ep_ret,
    theta_pi,
    sizes_pi,
    theta_v,
    sizes_v,
    act,
    rms_pi,
    rms_v,
    hp,
    total_steps,
    rng,
    ep_returns,
    ep_ends,
    n_done_start,
    step_start,
):
    """Train for ``total_steps`` env steps (rounded up to whole updates).

    env_states [K, ENV_STATE_LEN], obs [K, obs_dim] (current observations, kept between calls),
    ep_len / ep_ret [K]; ``rng`` draws the actions, ``env_rng`` the env resets.
    Finished episodes' returns and end steps go to ``ep_returns`` / ``ep_ends`` from index
    ``n_done_start`` (arrays must be large enough; extra episodes are dropped).
    Returns (episodes finished in total, env steps done in total, status) with status −1 when a
    parameter became non-finite.
    """
    K = env_states.shape[0]
    N = int(hp[HP_N_STEPS])
    B = N * K
    obs_dim = obs.shape[1]
    A = sizes_pi[sizes_pi.shape[0] - 1]
    gamma = hp[HP_GAMMA]
    max_len = int(hp[HP_MAX_EP_LEN])
    X = np.empty((B, obs_dim))
    acts_b = np.empty(B, np.int64)
    rew = np.empty((N, K))
    done = np.zeros((N, K), np.bool_)
    acts_pi_k = np.empty(mlp_acts_size(sizes_pi, K))
    acts_v_1 = np.empty(mlp_acts_size(sizes_v, K))
    acts_pi = np.empty(mlp_acts_size(sizes_pi, B))
    acts_v = np.empty(mlp_acts_size(sizes_v, B))
    work_pi = np.empty(mlp_work_size(sizes_pi, B))
    work_v = np.empty(mlp_work_size(sizes_v, B))
    g_pi = np.empty(theta_pi.shape[0])
    g_v = np.empty(theta_v.shape[0])
    dlog = np.empty((B, A))
    dv = np.empty((B, 1))
    p = np.empty(A)
    one = np.empty((1, obs_dim))
    next_obs = np.empty(obs_dim)
    n_done = n_done_start
    steps = step_start
    target = step_start + total_steps
    while steps < target:
        for n in range(N):
            logits = mlp_forward(theta_pi, sizes_pi, act, obs, acts_pi_k)
            for k in range(K):
                i = n * K + k
                for j in range(obs_dim):
                    X[i, j] = obs[k, j]
                for b in range(A):
                    p[b] = logits[k, b]
                softmax_inplace(p)
                a = categorical_sample(p, rng)
                acts_b[i] = a
                r, term = env_step(env_kind, env_params, env_states[k], a, next_obs, env_rng)
                ep_len[k] += 1
                ep_ret[k] += r
                trunc = (not term) and max_len > 0 and ep_len[k] >= max_len
                if trunc:  # bootstrap from the final observation
                    for j in range(obs_dim):
                        one[0, j] = next_obs[j]
                    vf = mlp_forward(theta_v, sizes_v, act, one, acts_v_1)
                    r += gamma * vf[0, 0]
                rew[n, k] = r
                done[n, k] = term or trunc
                if term or trunc:
                    if n_done < ep_returns.shape[0]:
                        ep_returns[n_done] = ep_ret[k]
                        ep_ends[n_done] = steps + n * K + k + 1
                    n_done += 1
                    ep_len[k] = 0
                    ep_ret[k] = 0.0
                    env_reset(env_kind, env_params, env_states[k], env_rng, next_obs)
                for j in range(obs_dim):
                    obs[k, j] = next_obs[j]
        steps += B
        # values of the batch and of the last observations (same parameters as during collection)
        V = mlp_forward(theta_v, sizes_v, act, X, acts_v)
        v_last = mlp_forward(theta_v, sizes_v, act, obs, acts_v_1)
        for k in range(K):
            g = v_last[k, 0]
            for n in range(N - 1, -1, -1):
                i = n * K + k
                g = rew[n, k] + (0.0 if done[n, k] else gamma * g)
                dv[i, 0] = 2.0 * hp[HP_VF_COEF] * (V[i, 0] - g) / B
                adv = g - V[i, 0]
                dlog[i, 0] = adv  # keep the advantage; turned into ∂L/∂logit below
        mlp_backward(theta_v, sizes_v, act, X, acts_v, dv, g_v, work_v)
        logits_b = mlp_forward(theta_pi, sizes_pi, act, X, acts_pi)
        for i in range(B):
            adv = dlog[i, 0]
            for b in range(A):
                p[b] = logits_b[i, b]
            softmax_inplace(p)
            for b in range(A):
                dlog[i, b] = -(adv / B) * ((1.0 if b == acts_b[i] else 0.0) - p[b])
        mlp_backward(theta_pi, sizes_pi, act, X, acts_pi, dlog, g_pi, work_pi)
        sq = 0.0
        for k in range(g_pi.shape[0]):
            sq += g_pi[k] * g_pi[k]
        for k in range(g_v.shape[0]):
            sq += g_v[k] * g_v[k]
        norm = math.sqrt(sq)
        mg = hp[HP_MAX_GRAD_NORM]
        if not math.isfinite(norm):
            return n_done, steps, -1
        if mg > 0.0:
            c = mg / (norm + 1e-6)
            if c < 1.0:
                g_pi *= c
                g_v *= c
        rmsprop_step(theta_pi, g_pi, rms_pi, hp[HP_LR], hp[HP_RMS_ALPHA], hp[HP_RMS_EPS])
        rmsprop_step(theta_v, g_v, rms_v, hp[HP_LR], hp[HP_RMS_ALPHA], hp[HP_RMS_EPS])
    return n_done, steps, 0


@njit
def a2c_evaluate(env_kind, env_params, rng, theta_pi, sizes_pi, act, obs_dim, n_episodes, max_len, returns):
    """Greedy (argmax π) returns of ``n_episodes`` episodes into ``returns``."""
    state = np.zeros(ENV_STATE_LEN)
    x = np.empty((1, obs_dim))
    o = np.empty(obs_dim)
    acts = np.empty(mlp_acts_size(sizes_pi, 1))
    for e in range(n_episodes):
        env_reset(env_kind, env_params, state, rng, o)
        tot = 0.0
        for t in range(max_len):
            for j in range(obs_dim):
                x[0, j] = o[j]
            q = mlp_forward(theta_pi, sizes_pi, act, x, acts)
            best = 0
            for b in range(1, q.shape[1]):
                if q[0, b] > q[0, best]:
                    best = b
            r, term = env_step(env_kind, env_params, state, best, o, rng)
            tot += r
            if term:
                break
        returns[e] = tot
