"""Fused compiled policy-gradient loop over any compiled environment: REINFORCE (± baseline),
one-step actor-critic with a softmax (Discrete) or Gaussian (Box) policy, actor-critic with
eligibility traces (softmax or Gaussian) and Q actor-critic (softmax) on grid tiles.

:func:`pg_run_tpl` is a *template*, specialised like
:func:`fastfa.kernels.loops.control_loop.control_run_tpl` (``fastfa.kernels.loops.specialise``):
it calls ``ENV_RESET`` / ``ENV_STEP`` / ``ENV_OBSERVE`` and reads ``PG_ALG``
(:class:`fastfa.kernels.codes.PGAlg`), ``DISCRETE`` (softmax, else Gaussian), ``ACT_DIM`` (the Box
action's length), ``ACT_F32`` (the env receives float32 actions), ``OBS_F32``, ``OBS_DIM``,
``PARAMS_N``, the feature map ``FEAT_CONSTS`` / ``FEAT_TILES`` and ``MC`` / ``TRACED`` / ``SPARSE_TRACES`` /
``BATCHED`` as constants.  The branches test these globals directly (Numba prunes a branch on a constant before
typing it; a condition on a computed local would keep every algorithm's code, and its compile time,
in every unit).

It makes the calls of ``fastfa.agents.Reinforce`` / ``ReinforceBaseline`` / ``ActorCritic``
(λ ≥ 0) / ``QAC`` on the Python loop, in the same order, with the same kernels, so both give identical numbers for
the same generators (S&B 13.3-13.5)::

    REINFORCE, at the end of an episode, t = 0 … T−1:  δ = G_t (− v̂(S_t); w ← w + α_w δ x(S_t))
                                                      θ ← θ + α γᵗ δ ∇ ln π(A_t|S_t)
    actor-critic, each step:  δ = R + γ v̂(S') − v̂(S)  (v̂(S') = 0 if terminal; a truncation bootstraps)
                              w ← w + α_w δ x(S);  θ ← θ + α I δ ∇ ln π(A|S);  I ← γ I
    with traces (dense, as ActorCritic._trace_update):  z_w ← γλ_w z_w + x(S);  z ← γλ z + I ∇ ln π(A|S);
                              w ← w + α_w δ z_w;  θ ← θ + α δ z  (traces zeroed at the start of an episode)
    QAC, each step:  θ ← θ + α I Q_w(S,A) ∇ ln π(A|S);  A' ~ π(·|S') (also on a truncation);
                     w[·, A] ← w[·, A] + α_w (R + γ Q_w(S',A') − Q_w(S,A)) x(S)  (Q_w(S',A') = 0 if terminal)

(``hp.gamma_t`` False drops γᵗ / I).  QAC's critic w [F, A] is passed flat (C order,
``w.reshape(-1)``).  Softmax: θ [F, A], sampled by inverse CDF (one
``rng.random()``).  Gaussian: μ = θ_μᵀ x [F, D], state-independent clipped ln σ = b [D], a ~ N(μ, σ²)
(``rng.standard_normal()`` per dimension); learning uses the unclipped draw, the env gets it clipped
to [low, high] (as ``fastfa.policies.GaussianLinear``); the log-std moves by the policy step times
α_σ/α.  An episode cut by ``budget.max_total_steps`` is not learned from by REINFORCE (as the Python
loop, which ends it without ``end_episode``).
"""

import math
from collections import namedtuple

import numpy as np

from .._jit import fixed_tuple, njit
from ..codes import PG_AC_TRACES, PG_ACTOR_CRITIC, PG_QAC, PG_REINFORCE, PG_REINFORCE_BASELINE  # noqa: F401
from ..features.gridtiles import grid_consts, grid_tiles_consts
from ..linear.policy_gradient import categorical_sample, gaussian_mean, gaussian_sample
from ..linear.pg_rollouts import rollout_add_gaussian, rollout_add_softmax, rollout_apply
from ..linear.pg_sparse_traces import gaussian_sparse_traces_step, sparse_traces_clear
from ..linear.pg_steps import dense_value, sparse_add, sparse_q, sparse_q_add, sparse_value  # noqa: F401
from ..linear.pg_steps import gaussian_step, softmax_floor_probs, softmax_floor_step, std_step
from ..linear.pg_traces import CRITIC_NOT_FINITE, OK, POLICY_NOT_FINITE, ac_traces_step, gaussian_traces_step
from .control_loop import round_f32

#: Step sizes of one run: ``alpha``, ``alpha_w``, ``alpha_std`` (log-std step size; < 0: = alpha),
#: ``gamma``, ``gamma_t`` (bool), ``ls_min``, ``ls_max`` (clip of ln σ), ``lam``, ``lam_w`` (trace decays),
#: ``n_rollouts`` (REINFORCE: episodes per policy update), ``min_prob`` (softmax: floor of the action
#: probabilities, for acting and in the score, :func:`~fastfa.kernels.linear.pg_steps.softmax_floor_probs`;
#: 0: the exact softmax), ``trace_min`` (Gaussian actor-critic with traces: < 0 dense traces, ≥ 0 the
#: sparse trace list of :mod:`~fastfa.kernels.linear.pg_sparse_traces`, dropping traces ≤ ``trace_min``, in a
#: unit specialised with ``SPARSE_TRACES``).
PGHP = namedtuple("PGHP", "alpha alpha_w alpha_std gamma gamma_t ls_min ls_max lam lam_w n_rollouts min_prob trace_min")
#: The policy's parameter arrays (updated in place): softmax ``theta`` [F, A]; Gaussian ``theta``
#: (θ_μ) [F, D], ``ls_b`` [D], action bounds ``low``/``high`` [D] (empty arrays for a softmax); REINFORCE
#: over N rollouts: the gradient sums ``acc`` (θ's shape), ``acc_b`` (b's) and ``n_acc`` int64[1], the
#: episodes summed so far (see :func:`make_pg_policy`).
PGPolicy = namedtuple("PGPolicy", "theta ls_b low high acc acc_b n_acc")

#: status codes returned by the loop: OK, POLICY_NOT_FINITE, CRITIC_NOT_FINITE (``kernels/linear/pg_traces.py``)

# bound per specialisation (placeholders: the template is never compiled as is).  FEAT_CONSTS /
# FEAT_TILES: the feature map, grid tiles by default (``(cf, ci)`` of ``grid_spec``); hashed tiles
# (``fastfa.kernels.features.hashtiles``) for a hash-mode TileCoder
ENV_RESET = ENV_STEP = ENV_OBSERVE = None
FEAT_CONSTS = grid_consts
FEAT_TILES = grid_tiles_consts
PG_ALG = PG_REINFORCE
MC = True  # PG_ALG is REINFORCE (± baseline): learns at the end of an episode
TRACED = False  # PG_ALG is PG_AC_TRACES
SPARSE_TRACES = False  # ... with the sparse trace list (Gaussian; ``hp.trace_min`` ≥ 0)
BATCHED = False  # REINFORCE over ``hp.n_rollouts`` > 1 episodes per update
DISCRETE = True
ACT_DIM = 1
ACT_F32 = True
OBS_F32 = True
OBS_DIM = 1
PARAMS_N = -1


def make_pg_policy(theta, ls_b, low, high, acc=None, acc_b=None, n_acc=0):
    """A :data:`PGPolicy`; ``acc``/``acc_b`` None: zero sums (copies are not made: they are updated in place)."""
    return PGPolicy(
        theta,
        ls_b,
        low,
        high,
        np.zeros(theta.shape) if acc is None else acc,
        np.zeros(ls_b.shape) if acc_b is None else acc_b,
        np.array([n_acc], np.int64),
    )


def make_pg_hp(
    alpha,
    alpha_w,
    alpha_std,
    gamma,
    gamma_t,
    ls_min=-5.0,
    ls_max=2.0,
    lam=0.0,
    lam_w=0.0,
    n_rollouts=1,
    min_prob=0.0,
    trace_min=-1.0,
):
    """A :data:`PGHP` with the field types the compiled units expect (``alpha_std`` None: = alpha)."""
    return PGHP(
        float(alpha),
        float(alpha_w),
        -1.0 if alpha_std is None else float(alpha_std),
        float(gamma),
        bool(gamma_t),
        float(ls_min),
        float(ls_max),
        float(lam),
        float(lam_w),
        int(n_rollouts),
        float(min_prob),
        float(trace_min),
    )


@njit
def _grow(a, n):
    """``a`` with at least ``n`` rows (doubled), contents kept."""
    if a.shape[0] >= n:
        return a
    b = np.empty((max(n, 2 * a.shape[0]),) + a.shape[1:], a.dtype)
    bf = b.reshape(-1)  # both C-contiguous: a's rows are the first a.size entries of b
    af = a.reshape(-1)
    for i in range(af.shape[0]):  # an element loop: a slice assignment compiles Numba's shape-error
        bf[i] = af[i]  # formatting (unicode machinery, seconds of cold start)
    return b


def pg_run_tpl(env_params, env_state, env_rng, cf, ci, pol, w, hp, budget, rng, ep_steps, ep_returns, ep_probs):
    """Run up to ``budget.n_episodes`` episodes (at most ``budget.max_total_steps`` steps if > 0) of
    algorithm ``PG_ALG``; ``pol`` and ``w`` (critic / baseline, float64[F]; QAC: [F·A], flattened)
    learn in place.  Returns (episodes finished, total steps, status): status :data:`OK`, or
    :data:`POLICY_NOT_FINITE` / :data:`CRITIC_NOT_FINITE` (the run stopped at once, that episode
    uncounted).  Budget semantics as
    :func:`fastfa.kernels.loops.control_loop.control_run_tpl`.  ``ep_probs`` [n, A] (softmax, when it
    has rows): π(·|S_0) of each finished episode's first state after that episode's learning (floored
    as ``hp.min_prob``); ``env_rng`` and ``rng`` may be one generator (one stream, in call order)."""
    if PARAMS_N >= 0:
        params = fixed_tuple(env_params, PARAMS_N)
    else:
        params = env_params
    numt = ci[0]
    x = np.empty(OBS_DIM)
    g = FEAT_CONSTS(cf, ci, OBS_DIM)
    alpha, alpha_w, alpha_std, gamma = hp.alpha, hp.alpha_w, hp.alpha_std, hp.gamma
    ls_min, ls_max = hp.ls_min, hp.ls_max
    n_episodes, max_total_steps, max_steps = budget.n_episodes, budget.max_total_steps, budget.max_steps
    theta = pol.theta
    n_a = theta.shape[1]
    probs = np.empty(n_a)
    mu = np.empty(ACT_DIM)
    ls = np.empty(ACT_DIM)
    a_env = np.empty(ACT_DIM)
    min_prob = hp.min_prob
    zw = np.zeros(w.shape[0] if TRACED else 0)
    zt = np.zeros((theta.shape[0] if TRACED else 0, n_a))
    gl = np.zeros((0 if SPARSE_TRACES else theta.shape[0] if TRACED else 0, n_a))  # ∇ ln π scratch
    zb = np.zeros(ACT_DIM if TRACED else 0)  # Gaussian: the log-std's trace
    mark = np.zeros(theta.shape[0] if SPARSE_TRACES else 0, np.bool_)
    lst = np.empty(theta.shape[0] if SPARSE_TRACES else 0, np.int64)
    n_list = np.zeros(1, np.int64)
    idx0 = np.empty(numt, np.int64)  # S_0's tiles (ep_probs)
    # REINFORCE: room for a whole episode when the time limit is known (no growth in the loop)
    cap = (min(max_steps + 1, 1 << 16) if max_steps > 0 else 64) if MC else 2
    idx = np.empty((cap, numt), np.int64)  # REINFORCE: the episode's tiles; actor-critic: S, S' (rows 0, 1)
    acts = np.empty(cap, np.int64)
    racts = np.empty((cap, ACT_DIM))  # Gaussian: the unclipped draws
    rews = np.empty(cap)
    gs = np.empty(cap if MC else 0)  # REINFORCE: the returns G_t
    total = 0
    done_eps = 0
    for ep in range(n_episodes):
        if budget.reset_first or ep > 0:
            ENV_RESET(params, env_state, env_rng)
        ENV_OBSERVE(params, env_state, x)
        if OBS_F32:
            round_f32(x, OBS_DIM)
        FEAT_TILES(x, g, idx[0])
        for k in range(numt):
            idx0[k] = idx[0, k]
        cur = 0  # row of S_t in idx / acts / racts
        if DISCRETE:
            softmax_floor_probs(theta, idx[0], min_prob, probs)
            acts[0] = categorical_sample(probs, rng)
        else:
            gaussian_mean(theta, pol.ls_b, idx[0], ls_min, ls_max, mu, ls)
            gaussian_sample(mu, ls, rng, racts[0])
        disc = 1.0  # actor-critic's I
        if SPARSE_TRACES:
            sparse_traces_clear(zt, zw, zb, mark, lst, n_list)
        elif TRACED:
            zw[:] = 0.0
            zt[:] = 0.0
            zb[:] = 0.0
        steps = 0
        ret = 0.0
        cut = False
        ended = False
        while True:
            if DISCRETE:
                r, term = ENV_STEP(params, env_state, acts[cur], env_rng)
            else:
                for d in range(ACT_DIM):
                    v = min(max(racts[cur, d], pol.low[d]), pol.high[d])
                    a_env[d] = np.float32(v) if ACT_F32 else v
                r, term = ENV_STEP(params, env_state, a_env, env_rng)
            steps += 1
            total += 1
            ret += r
            trunc = max_steps > 0 and steps >= max_steps
            nxt = cur + 1 if MC else 1 - cur
            if MC and nxt >= idx.shape[0]:
                idx = _grow(idx, nxt + 1)
            if not MC:  # actor-critic: one view of each row per step (a view costs a reference count update)
                x_c = idx[cur]
            x_n = idx[nxt]
            if not term:
                ENV_OBSERVE(params, env_state, x)
                if OBS_F32:
                    round_f32(x, OBS_DIM)
                FEAT_TILES(x, g, x_n)
            if MC:
                if cur >= rews.shape[0]:
                    rews = _grow(rews, cur + 1)
                rews[cur] = r
            elif PG_ALG == PG_QAC:  # Q actor-critic on (S, A, R, S', A'), the order of QAC.step
                q_sa = sparse_q(w, x_c, acts[cur], n_a)
                step = alpha * (disc if hp.gamma_t else 1.0) * q_sa
                if not math.isfinite(step):
                    return done_eps, total, POLICY_NOT_FINITE
                if not softmax_floor_step(theta, x_c, acts[cur], step, min_prob, probs):
                    return done_eps, total, POLICY_NOT_FINITE
                if term:
                    target = r
                else:  # A' from the updated policy, drawn even when the episode is truncated
                    softmax_floor_probs(theta, x_n, min_prob, probs)
                    acts[nxt] = categorical_sample(probs, rng)
                    target = r + gamma * sparse_q(w, x_n, acts[nxt], n_a)
                if not sparse_q_add(w, x_c, acts[cur], n_a, alpha_w * (target - q_sa)):
                    return done_eps, total, CRITIC_NOT_FINITE
                disc *= gamma
            elif TRACED:  # actor-critic with eligibility traces
                v_next = 0.0 if term else gamma * sparse_value(w, x_n)
                delta = r + v_next - sparse_value(w, x_c)
                i_fac = disc if hp.gamma_t else 1.0
                if DISCRETE:
                    st = ac_traces_step(theta, w, zt, zw, gl, x_c, acts[cur], delta, i_fac, hp, probs)
                elif SPARSE_TRACES:
                    st = gaussian_sparse_traces_step(
                        theta,
                        pol.ls_b,
                        w,
                        zt,
                        zw,
                        zb,
                        mark,
                        lst,
                        n_list,
                        x_c,
                        racts[cur],
                        delta,
                        i_fac,
                        hp,
                        mu,
                        ls,
                    )
                else:
                    st = gaussian_traces_step(theta, pol.ls_b, w, zt, zb, zw, x_c, racts[cur], delta, i_fac, hp, mu, ls)
                if st != OK:
                    return done_eps, total, st
                disc *= gamma
            else:  # one-step actor-critic update on (S, A, R, S')
                v_next = 0.0 if term else gamma * sparse_value(w, x_n)
                delta = r + v_next - sparse_value(w, x_c)
                if not sparse_add(w, x_c, alpha_w * delta):
                    return done_eps, total, CRITIC_NOT_FINITE
                step = alpha * delta * (disc if hp.gamma_t else 1.0)
                if not math.isfinite(step):
                    return done_eps, total, POLICY_NOT_FINITE
                if DISCRETE:
                    ok = softmax_floor_step(theta, x_c, acts[cur], step, min_prob, probs)
                else:
                    ok = gaussian_step(
                        theta,
                        pol.ls_b,
                        x_c,
                        racts[cur],
                        step,
                        std_step(step, alpha, alpha_std),
                        ls_min,
                        ls_max,
                        mu,
                        ls,
                        True,  # mu/ls hold π(·|S), drawn from with this θ
                    )
                if not ok:
                    return done_eps, total, POLICY_NOT_FINITE
                disc *= gamma
            if term or trunc:
                ended = True
                break
            if MC:  # sample A_{t+1} (the Python agent does, even if the budget then cuts the episode)
                if DISCRETE:
                    if nxt >= acts.shape[0]:
                        acts = _grow(acts, nxt + 1)
                elif nxt >= racts.shape[0]:
                    racts = _grow(racts, nxt + 1)
            if PG_ALG == PG_QAC:
                pass  # A' was drawn by the update
            elif DISCRETE:
                softmax_floor_probs(theta, x_n, min_prob, probs)
                acts[nxt] = categorical_sample(probs, rng)
            else:
                gaussian_mean(theta, pol.ls_b, x_n, ls_min, ls_max, mu, ls)
                gaussian_sample(mu, ls, rng, racts[nxt])
            cur = nxt
            if max_total_steps > 0 and total >= max_total_steps:
                cut = True
                break
        if cut:
            break
        if MC and ended:  # REINFORCE's update at the end of the episode (S&B 13.3 / 13.4)
            n = cur + 1
            if n > gs.shape[0]:
                gs = np.empty(rews.shape[0])
            gacc = 0.0
            for t in range(n - 1, -1, -1):
                gacc = rews[t] + gamma * gacc
                gs[t] = gacc
            disc = 1.0
            for t in range(n):
                x_t = idx[t]  # one view per step (each view costs a reference count update)
                delta = gs[t]
                if PG_ALG == PG_REINFORCE_BASELINE:
                    delta = gs[t] - sparse_value(w, x_t)
                    if not sparse_add(w, x_t, alpha_w * delta):
                        return done_eps, total, CRITIC_NOT_FINITE
                if BATCHED:  # sum the gradients at a fixed θ, apply their mean every N episodes
                    scale = (disc if hp.gamma_t else 1.0) * delta
                    if DISCRETE:
                        rollout_add_softmax(theta, pol.acc, x_t, acts[t], scale, probs)
                    else:
                        rollout_add_gaussian(
                            theta, pol.ls_b, pol.acc, pol.acc_b, x_t, racts[t], scale, ls_min, ls_max, mu, ls
                        )
                    disc *= gamma
                    continue
                step = alpha * (disc if hp.gamma_t else 1.0) * delta
                if not math.isfinite(step):
                    return done_eps, total, POLICY_NOT_FINITE
                if DISCRETE:
                    ok = softmax_floor_step(theta, x_t, acts[t], step, min_prob, probs)
                else:
                    ok = gaussian_step(
                        theta,
                        pol.ls_b,
                        x_t,
                        racts[t],
                        step,
                        std_step(step, alpha, alpha_std),
                        ls_min,
                        ls_max,
                        mu,
                        ls,
                    )
                if not ok:
                    return done_eps, total, POLICY_NOT_FINITE
                disc *= gamma
            if BATCHED:
                pol.n_acc[0] += 1
                if pol.n_acc[0] == hp.n_rollouts:
                    a_std = std_step(alpha, alpha, alpha_std)
                    if rollout_apply(theta, pol.ls_b, pol.acc, pol.acc_b, hp.n_rollouts, alpha, a_std) != OK:
                        return done_eps, total, POLICY_NOT_FINITE
                    pol.n_acc[0] = 0
        ep_steps[done_eps] = steps
        ep_returns[done_eps] = ret
        if DISCRETE and ep_probs.shape[0] > done_eps:
            softmax_floor_probs(theta, idx0, min_prob, ep_probs[done_eps])
        done_eps += 1
        if max_total_steps > 0 and total >= max_total_steps:
            break
    return done_eps, total, OK
