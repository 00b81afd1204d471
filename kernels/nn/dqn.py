"""Deep Q-network kernels: the TD gradient step, minibatch sampling, storing and the greedy action.

DQN (Mnih et al. 2013, 2015; S&B 16.5): Q-learning (S&B 6.5) with an MLP
q(s, ·; θ), experience replay and a target network θ⁻::

    y_t = r_t + γ_t · max_a q(x_t, a; θ⁻)                      (DQN)
    y_t = r_t + γ_t · q(x_t, argmax_a q(x_t, a; θ); θ⁻)        (Double DQN, van Hasselt et al. 2016)
    L(θ) = (1/B) Σ_i w_i ℓ(q(x_tm1_i, a_tm1_i; θ) − y_i),   ℓ = Huber or ½δ²
    θ ← Adam/SGD(θ, clip(∇L, max_norm));   every C env steps θ⁻ ← (1−τ)θ⁻ + τθ

with γ_t = γ·(1 − terminated_t) (a time-limit truncation still bootstraps).

Options (``hp[HP_NSTEP]``, ``hp[HP_PER]``; both off by default, which keeps the
code path above unchanged):

* n-step returns (S&B 7.1; Hessel et al. 2018): r_t ← G = Σ_{k<K} γᵏ R_{t+k+1} and
  γ_t ← γᴷ (0 if the window hit a terminal state), x_t ← S_{t+K}, K ≤ n; windows
  stop at terminal, truncated and newest rows (``replay_nstep_gather``).
* prioritized replay (Schaul et al. 2016, proportional): minibatch drawn with
  P(i) ∝ pᵢ^α from the sum-tree, loss weighted by wᵢ = (N·P(i))^−β / maxⱼ wⱼ with β
  annealed linearly from β₀ to 1 over ``HP_PER_BETA_STEPS`` env steps, and after
  each gradient step pᵢ ← |δᵢ| + ε for the sampled rows (δ computed before the step).

The fused loop (``fastfa.kernels.loops.dqn_pop.dqn_pop_tpl`` with ``dqn_loop.dqn_step_tpl``, over any compiled environment)
and the Python loop of ``fastfa.agents.DQN`` follow Stable-Baselines3's DQN step order so the two
can be compared with the same hyper-parameters: act (uniform random before ``learning_starts``,
then ε-greedy), step, store, count the step, target update every C steps, then every
``train_freq`` steps (once past ``learning_starts``) ``gradient_steps`` updates on minibatches.
ε decays linearly from ε₀ to ε₁ over ``eps_steps`` env steps.

Hyper-parameters travel in one float64 array ``hp`` (indices ``HP_*``) so the
signature stays fixed; loop counters in an int64 array ``cnt`` (``C_*``).
"""

import numpy as np

from .._fpmode import flush_enter, flush_exit
from .._jit import njit
from .._simd import empty64
from .mlp import (
    adam_step,
    clip_grad_norm,
    mlp_acts_size,
    mlp_backward,
    mlp_forward,
    mlp_init,  # noqa: F401
    mlp_n_params,  # noqa: F401
    polyak_update,  # noqa: F401  (used by fastfa.agents.DQN's Python loop)
    mlp_work_size,
    sgd_step,
    td_loss,
)
from ..replay.replay import (
    per_add,
    per_sample_indices,
    per_update,
    replay_add,
    replay_gather,
    replay_nstep_gather,
    replay_sample_into,
    replay_sample_nstep_into,
)

(
    HP_GAMMA,
    HP_LR,
    HP_BETA1,
    HP_BETA2,
    HP_ADAM_EPS,
    HP_MAX_GRAD_NORM,
    HP_KAPPA,
    HP_TAU,
    HP_EPS_START,
    HP_EPS_END,
    HP_EPS_STEPS,
    HP_LEARNING_STARTS,
    HP_TRAIN_FREQ,
    HP_GRAD_STEPS,
    HP_TARGET_INTERVAL,
    HP_BATCH,
    HP_DOUBLE,
    HP_LOSS,
    HP_OPT,
    HP_ACT,
    HP_LR_END,
    HP_LR_STEPS,
    HP_MAX_EP_STEPS,
    HP_PER,
    HP_PER_ALPHA,
    HP_PER_BETA0,
    HP_PER_BETA_STEPS,
    HP_PER_EPS,
    HP_NSTEP,
) = range(29)
N_HP = 29  # HP_PER = 0 and HP_NSTEP <= 1: uniform one-step replay
# counters: env steps so far, gradient steps (Adam t), finished episodes, length of the episode
# in progress, 1 if an episode is in progress, step at which a non-finite loss appeared (-1: none)
C_STEPS, C_UPDATES, C_EPISODES, C_EP_LEN, C_IN_EPISODE, C_BAD_STEP = range(6)
N_CNT = 6
OPT_ADAM = 0
OPT_SGD = 1


@njit
def dqn_loss_grad(
    theta, theta_targ, sizes, act, x_tm1, a_tm1, r_t, discount_t, x_t, weights, double, loss_kind, kappa, grad, td_out
):
    """Loss L(θ) of one minibatch and ∂L/∂θ into ``grad``; TD errors q − y into ``td_out``."""
    B = x_tm1.shape[0]
    nA = sizes[sizes.shape[0] - 1]
    dt = theta.dtype
    na = mlp_acts_size(sizes, B)
    acts_q = empty64(na, theta)  # (64-byte aligned: kernels/_simd.empty64)
    acts_t = empty64(na, theta)
    q_targ = mlp_forward(theta_targ, sizes, act, x_t, acts_t)
    target = np.empty(B, dt)
    # row maxima / argmaxima as plain loops over the flat outputs: np.max(q_targ[i]) made a view and a
    # reduction call per row, 1.8 µs of a ~25 µs step at batch 64 (same values: NaN wins, as in NumPy)
    qt = q_targ.ravel()
    if double:
        acts_d = empty64(na, theta)
        qo = mlp_forward(theta, sizes, act, x_t, acts_d).ravel()
        for i in range(B):
            best = 0
            bv = qo[i * nA]
            for j in range(1, nA):
                v = qo[i * nA + j]
                if bv != bv:
                    break
                if v > bv or v != v:
                    best = j
                    bv = v
            target[i] = r_t[i] + discount_t[i] * qt[i * nA + best]
    else:
        for i in range(B):
            m = qt[i * nA]
            for j in range(1, nA):
                v = qt[i * nA + j]
                if v > m or v != v:
                    m = v
            target[i] = r_t[i] + discount_t[i] * m
    q = mlp_forward(theta, sizes, act, x_tm1, acts_q)
    pred = np.empty(B, dt)
    for i in range(B):
        pred[i] = q[i, a_tm1[i]]
        td_out[i] = pred[i] - target[i]
    dpred = np.empty(B, dt)
    loss = td_loss(pred, target, weights, loss_kind, kappa, dpred)
    dout = np.zeros((B, nA), dt)
    for i in range(B):
        dout[i, a_tm1[i]] = dpred[i]
    work = empty64(mlp_work_size(sizes, B), theta)
    mlp_backward(theta, sizes, act, x_tm1, acts_q, dout, grad, work)
    return loss


@njit
def dqn_update(theta, theta_targ, sizes, x_tm1, a_tm1, r_t, discount_t, x_t, weights, adam_m, adam_v, cnt, hp, td_out):
    """One gradient step on a minibatch (loss, clipping, optimiser); returns the loss (float64).

    The step is skipped (θ unchanged) when the loss or gradient is not finite.  It runs with
    subnormals flushed to zero (``kernels/_fpmode.py``).
    """
    mode = flush_enter()
    grad = empty64(theta.shape[0], theta)
    loss = dqn_loss_grad(
        theta,
        theta_targ,
        sizes,
        int(hp[HP_ACT]),
        x_tm1,
        a_tm1,
        r_t,
        discount_t,
        x_t,
        weights,
        hp[HP_DOUBLE] != 0.0,
        int(hp[HP_LOSS]),
        hp[HP_KAPPA],
        grad,
        td_out,
    )
    norm = clip_grad_norm(grad, hp[HP_MAX_GRAD_NORM])
    if not (np.isfinite(loss) and np.isfinite(norm)):
        flush_exit(mode)
        return np.nan
    cnt[C_UPDATES] += 1
    lr = hp[HP_LR]
    if hp[HP_LR_STEPS] > 0:
        frac = min(1.0, cnt[C_STEPS] / hp[HP_LR_STEPS])
        lr = hp[HP_LR] + frac * (hp[HP_LR_END] - hp[HP_LR])
    if int(hp[HP_OPT]) == OPT_ADAM:
        adam_step(theta, grad, adam_m, adam_v, cnt[C_UPDATES], lr, hp[HP_BETA1], hp[HP_BETA2], hp[HP_ADAM_EPS])
    else:
        sgd_step(theta, grad, lr)
    flush_exit(mode)
    return loss


@njit
def per_beta_at(hp, step):
    """PER importance exponent β₀ + min(1, step/β_steps)(1 − β₀) (1 when β_steps ≤ 0)."""
    if hp[HP_PER_BETA_STEPS] <= 0:
        return 1.0
    frac = min(1.0, step / hp[HP_PER_BETA_STEPS])
    return hp[HP_PER_BETA0] + frac * (1.0 - hp[HP_PER_BETA0])


@njit
def dqn_sample(
    hp,
    step,
    obs,
    act,
    rew,
    next_obs,
    term,
    trunc,
    bstate,
    sum_tree,
    min_tree,
    u,
    idx,
    x_tm1,
    a_tm1,
    r_t,
    x_t,
    d_t,
    disc,
    w,
):
    """Fill one minibatch from the uniforms ``u`` (rows, 1- or n-step targets' r_t, x_t, discount
    ``disc``, IS weights ``w``; w = 1 without PER).  Returns False if the PER total priority is 0."""
    B = u.shape[0]
    gamma = hp[HP_GAMMA]
    n = int(hp[HP_NSTEP])
    if hp[HP_PER] != 0.0:
        if not per_sample_indices(sum_tree, min_tree, bstate[1], per_beta_at(hp, step), u, idx, w):
            return False
        if n > 1:
            replay_nstep_gather(
                obs, act, rew, next_obs, term, trunc, bstate, n, gamma, idx, x_tm1, a_tm1, r_t, x_t, d_t, disc
            )
        else:
            replay_gather(obs, act, rew, next_obs, term, idx, x_tm1, a_tm1, r_t, x_t, d_t)
    elif n > 1:
        replay_sample_nstep_into(
            obs, act, rew, next_obs, term, trunc, bstate, n, gamma, u, idx, x_tm1, a_tm1, r_t, x_t, d_t, disc
        )
    else:
        replay_sample_into(obs, act, rew, next_obs, term, bstate, u, idx, x_tm1, a_tm1, r_t, x_t, d_t)
    if n <= 1:
        for i in range(B):
            disc[i] = 0.0 if d_t[i] else gamma
    return True


@njit
def dqn_train_steps(
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
    sum_tree,
    min_tree,
    pstate,
    rng,
    n,
):
    """``n`` gradient steps on minibatches drawn from the replay arrays with ``rng``.

    Uniform (or prioritized, ``hp[HP_PER]``: then ``sum_tree/min_tree/pstate`` are the
    PER trees, else unused) one-step (or n-step, ``hp[HP_NSTEP]``, needing ``trunc``)
    minibatches; with PER the sampled rows' priorities become |δ| + ε after each step.
    Returns the mean loss; NaN (and ``cnt[C_BAD_STEP]`` = current env step) if a loss is not finite.
    """
    B = int(hp[HP_BATCH])
    dt = theta.dtype
    x_tm1 = np.empty((B, obs.shape[1]), obs.dtype)
    x_t = np.empty((B, obs.shape[1]), obs.dtype)
    a_tm1 = np.empty(B, act.dtype)
    r_t = np.empty(B, rew.dtype)
    d_t = np.empty(B, term.dtype)
    idx = np.empty(B, np.int64)
    disc = np.empty(B, dt)
    w = np.ones(B, dt)
    td = np.empty(B, dt)
    pri = np.empty(B, np.float64)
    per = hp[HP_PER] != 0.0
    total = 0.0
    for _ in range(n):
        u = rng.random(B)
        ok = dqn_sample(
            hp,
            cnt[C_STEPS],
            obs,
            act,
            rew,
            next_obs,
            term,
            trunc,
            bstate,
            sum_tree,
            min_tree,
            u,
            idx,
            x_tm1,
            a_tm1,
            r_t,
            x_t,
            d_t,
            disc,
            w,
        )
        loss = (
            dqn_update(theta, theta_targ, sizes, x_tm1, a_tm1, r_t, disc, x_t, w, adam_m, adam_v, cnt, hp, td)
            if ok
            else np.nan
        )
        if not np.isfinite(loss):
            cnt[C_BAD_STEP] = cnt[C_STEPS]
            return np.nan
        if per:
            for i in range(B):
                pri[i] = abs(float(td[i])) + hp[HP_PER_EPS]
            per_update(sum_tree, min_tree, pstate, idx, pri, hp[HP_PER_ALPHA])
        total += loss
    return total / max(n, 1)


@njit
def dqn_store(obs, act, rew, next_obs, term, trunc, bstate, sum_tree, min_tree, pstate, per, o, a, r, o2, d, t):
    """Store one transition (with the max priority when ``per``) and its truncation flag ``t``."""
    if per:
        pos = per_add(obs, act, rew, next_obs, term, bstate, sum_tree, min_tree, pstate, o, a, r, o2, d)
    else:
        pos = replay_add(obs, act, rew, next_obs, term, bstate, o, a, r, o2, d)
    trunc[pos] = t
    return pos


@njit
def dqn_greedy(theta, sizes, act, x, acts):
    """argmax_a q(x, a; θ) for one observation ``x`` (1-D, dtype of θ); ``acts`` is a batch-1 workspace."""
    q = mlp_forward(theta, sizes, act, x.reshape((1, x.shape[0])), acts)
    return np.argmax(q[0])


@njit
def epsilon_at(hp, step):
    """Linear ε schedule: ε₀ + min(1, step/eps_steps)(ε₁ − ε₀)."""
    if hp[HP_EPS_STEPS] <= 0:
        return hp[HP_EPS_END]
    frac = min(1.0, step / hp[HP_EPS_STEPS])
    return hp[HP_EPS_START] + frac * (hp[HP_EPS_END] - hp[HP_EPS_START])
