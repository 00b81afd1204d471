"""Fused compiled policy-gradient loop over any compiled environment: REINFORCE (± baseline),
one-step actor-critic with a softmax (Discrete) or Gaussian (Box) policy, actor-critic with
eligibility traces (softmax or Gaussian) and Q actor-critic (softmax) on grid tiles.

:func:`pg_run_tpl` is a *template*, specialised like
:func:`fastfa.kernels.loops.control_loop.control_run_tpl` (``fastfa.kernels.loops.specialise``):
it calls ``ENV_RESET`` / ``ENV_STEP`` / ``ENV_OBSERVE`` and reads ``PG_ALG``
(:class:`fastfa.kernels.codes.PGAlg`), ``DISCRETE`` (softmax, else Gaussian), ``ACT_DIM`` (the Box
action's length), ``ACT_F32`` (the env receives float32 actions), ``OBS_F32``, ``OBS_DIM`` and
``PARAMS_N`` as constants.

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
from ..linear.policy_gradient import categorical_sample, gaussian_mean, gaussian_sample, softmax_pa_sparse_probs
from ..linear.policy_gradient import softmax_pa_sparse_update
from ..linear.pg_rollouts import rollout_add_gaussian, rollout_add_softmax, rollout_apply
from ..linear.pg_traces import CRITIC_NOT_FINITE, OK, POLICY_NOT_FINITE, ac_traces_step, gaussian_traces_step
from .control_loop import round_f32

#: Step sizes of one run: ``alpha``, ``alpha_w``, ``alpha_std`` (log-std step size; < 0: = alpha),
#: ``gamma``, ``gamma_t`` (bool), ``ls_min``, ``ls_max`` (clip of ln σ), ``lam``, ``lam_w`` (trace decays),
#: ``n_rollouts`` (REINFORCE: episodes per policy update).
PGHP = namedtuple("PGHP", "alpha alpha_w alpha_std gamma gamma_t ls_min ls_max lam lam_w n_rollouts")
#: The policy's parameter arrays (updated in place): softmax ``theta`` [F, A]; Gaussian ``theta``
#: (θ_μ) [F, D], ``ls_b`` [D], action bounds ``low``/``high`` [D] (empty arrays for a softmax); REINFORCE
#: over N rollouts: the gradient sums ``acc`` (θ's shape), ``acc_b`` (b's) and ``n_acc`` int64[1], the
#: episodes summed so far (see :func:`make_pg_policy`).
PGPolicy = namedtuple("PGPolicy", "theta ls_b low high acc acc_b n_acc")

#: status codes returned by the loop: OK, POLICY_NOT_FINITE, CRITIC_NOT_FINITE (``kernels/linear/pg_traces.py``)

# bound per specialisation (placeholders: the template is never compiled as is)
ENV_RESET = ENV_STEP = ENV_OBSERVE = None
PG_ALG = PG_REINFORCE
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


def make_pg_hp(alpha, alpha_w, alpha_std, gamma, gamma_t, ls_min=-5.0, ls_max=2.0, lam=0.0, lam_w=0.0, n_rollouts=1):
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
    )


@njit
def std_step(step, alpha, alpha_std):
    """The log-std step of a policy step, as ``fastfa.agents`` computes it: ``step·α_σ/α`` (α_σ < 0: ``step``)."""
    return step if alpha_std < 0.0 else step * alpha_std / alpha


@njit
def sparse_value(w, idx):
    """v̂(s) = Σ_k w[idx_k] summed in index order (the Python agents use this kernel too)."""
    v = 0.0
    for k in range(idx.shape[0]):
        v += w[idx[k]]
    return v


@njit
def dense_value(w, x):
    """v̂(s) = Σ_f w[f]·x[f] in feature order (for binary x the same number as :func:`sparse_value`)."""
    v = 0.0
    for f in range(x.shape[0]):
        v += w[f] * x[f]
    return v


@njit
def sparse_q(w, idx, a, n_a):
    """Q_w(s, a) = Σ_k w[idx_k, a] summed in index order, ``w`` [F, A] flattened in C order (the
    Python QAC uses this kernel too)."""
    q = 0.0
    for k in range(idx.shape[0]):
        q += w[idx[k] * n_a + a]
    return q


@njit
def sparse_q_add(w, idx, a, n_a, scale):
    """w[idx_k, a] += scale for each k, in order, ``w`` flattened; False if a touched weight is not finite."""
    ok = True
    for k in range(idx.shape[0]):
        w[idx[k] * n_a + a] += scale
    for k in range(idx.shape[0]):
        ok = ok and math.isfinite(w[idx[k] * n_a + a])
    return ok


@njit
def sparse_add(w, idx, scale):
    """w[idx_k] += scale for each k, in order; False if a touched weight is not finite."""
    ok = True
    for k in range(idx.shape[0]):
        w[idx[k]] += scale
    for k in range(idx.shape[0]):
        ok = ok and math.isfinite(w[idx[k]])
    return ok


@njit
def gaussian_step(theta_mu, ls_b, idx, a, step_mu, step_std, ls_min, ls_max, mu, ls):
    """θ_μ[idx, d] += step_mu ((a_d − μ_d)/σ_d²);  b_d += step_std ((a_d − μ_d)²/σ_d² − 1) unless ln σ is
    clipped — the operations of ``GaussianLinear.update`` on binary features; False if not finite."""
    gaussian_mean(theta_mu, ls_b, idx, ls_min, ls_max, mu, ls)
    ok = True
    for d in range(mu.shape[0]):
        inv_var = math.exp(-2.0 * ls[d])
        diff = a[d] - mu[d]
        gm = diff * inv_var
        for k in range(idx.shape[0]):
            theta_mu[idx[k], d] += step_mu * gm
            ok = ok and math.isfinite(theta_mu[idx[k], d])
        clipped = ls_b[d] < ls_min or ls_b[d] > ls_max
        ls_b[d] += step_std * (0.0 if clipped else diff * diff * inv_var - 1.0)
        ok = ok and math.isfinite(ls_b[d])
    return ok


@njit
def softmax_step(theta, idx, a, step, probs):
    """``softmax_pa_sparse_update``; False if a touched parameter is not finite."""
    softmax_pa_sparse_update(theta, idx, a, step, probs)
    ok = True
    for k in range(idx.shape[0]):
        for b in range(theta.shape[1]):
            ok = ok and math.isfinite(theta[idx[k], b])
    return ok


@njit
def _grow(a, n):
    """``a`` with at least ``n`` rows (doubled), contents kept."""
    if a.shape[0] >= n:
        return a
    b = np.empty((max(n, 2 * a.shape[0]),) + a.shape[1:], a.dtype)
    b[: a.shape[0]] = a
    return b


def pg_run_tpl(env_params, env_state, env_rng, cf, ci, pol, w, hp, budget, rng, ep_steps, ep_returns):
    """Run up to ``budget.n_episodes`` episodes (at most ``budget.max_total_steps`` steps if > 0) of
    algorithm ``PG_ALG``; ``pol`` and ``w`` (critic / baseline, float64[F]; QAC: [F·A], flattened)
    learn in place.  Returns (episodes finished, total steps, status): status :data:`OK`, or
    :data:`POLICY_NOT_FINITE` / :data:`CRITIC_NOT_FINITE` (the run stopped at once, that episode
    uncounted).  Budget semantics as
    :func:`fastfa.kernels.loops.control_loop.control_run_tpl`."""
    if PARAMS_N >= 0:
        params = fixed_tuple(env_params, PARAMS_N)
    else:
        params = env_params
    numt = ci[0]
    x = np.empty(OBS_DIM)
    g = grid_consts(cf, ci, OBS_DIM)
    alpha, alpha_w, alpha_std, gamma = hp.alpha, hp.alpha_w, hp.alpha_std, hp.gamma
    ls_min, ls_max = hp.ls_min, hp.ls_max
    n_episodes, max_total_steps, max_steps = budget.n_episodes, budget.max_total_steps, budget.max_steps
    theta = pol.theta
    n_a = theta.shape[1]
    probs = np.empty(n_a)
    mu = np.empty(ACT_DIM)
    ls = np.empty(ACT_DIM)
    a_env = np.empty(ACT_DIM)
    mc = PG_ALG != PG_ACTOR_CRITIC and PG_ALG != PG_QAC and PG_ALG != PG_AC_TRACES
    traced = PG_ALG == PG_AC_TRACES
    zw = np.zeros(w.shape[0] if traced else 0)
    zt = np.zeros((theta.shape[0] if traced else 0, n_a))
    gl = np.zeros((theta.shape[0] if traced else 0, n_a))  # ∇ ln π scratch
    zb = np.zeros(ACT_DIM if traced else 0)  # Gaussian: the log-std's trace
    cap = 64 if mc else 2
    idx = np.empty((cap, numt), np.int64)  # REINFORCE: the episode's tiles; actor-critic: S, S' (rows 0, 1)
    acts = np.empty(cap, np.int64)
    racts = np.empty((cap, ACT_DIM))  # Gaussian: the unclipped draws
    rews = np.empty(cap)
    total = 0
    done_eps = 0
    for ep in range(n_episodes):
        if budget.reset_first or ep > 0:
            ENV_RESET(params, env_state, env_rng)
        ENV_OBSERVE(params, env_state, x)
        if OBS_F32:
            round_f32(x, OBS_DIM)
        grid_tiles_consts(x, g, idx[0])
        cur = 0  # row of S_t in idx / acts / racts
        if DISCRETE:
            softmax_pa_sparse_probs(theta, idx[0], probs)
            acts[0] = categorical_sample(probs, rng)
        else:
            gaussian_mean(theta, pol.ls_b, idx[0], ls_min, ls_max, mu, ls)
            gaussian_sample(mu, ls, rng, racts[0])
        disc = 1.0  # actor-critic's I
        if traced:
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
            nxt = cur + 1 if mc else 1 - cur
            if not term:
                if mc:
                    idx = _grow(idx, nxt + 1)
                ENV_OBSERVE(params, env_state, x)
                if OBS_F32:
                    round_f32(x, OBS_DIM)
                grid_tiles_consts(x, g, idx[nxt])
            if mc:
                if cur >= rews.shape[0]:
                    rews = _grow(rews, cur + 1)
                rews[cur] = r
            elif PG_ALG == PG_QAC:  # Q actor-critic on (S, A, R, S', A'), the order of QAC.step
                q_sa = sparse_q(w, idx[cur], acts[cur], n_a)
                step = alpha * (disc if hp.gamma_t else 1.0) * q_sa
                if not math.isfinite(step):
                    return done_eps, total, POLICY_NOT_FINITE
                if not softmax_step(theta, idx[cur], acts[cur], step, probs):
                    return done_eps, total, POLICY_NOT_FINITE
                if term:
                    target = r
                else:  # A' from the updated policy, drawn even when the episode is truncated
                    softmax_pa_sparse_probs(theta, idx[nxt], probs)
                    acts[nxt] = categorical_sample(probs, rng)
                    target = r + gamma * sparse_q(w, idx[nxt], acts[nxt], n_a)
                if not sparse_q_add(w, idx[cur], acts[cur], n_a, alpha_w * (target - q_sa)):
                    return done_eps, total, CRITIC_NOT_FINITE
                disc *= gamma
            elif traced:  # actor-critic with eligibility traces
                v_next = 0.0 if term else gamma * sparse_value(w, idx[nxt])
                delta = r + v_next - sparse_value(w, idx[cur])
                i_fac = disc if hp.gamma_t else 1.0
                if DISCRETE:
                    st = ac_traces_step(theta, w, zt, zw, gl, idx[cur], acts[cur], delta, i_fac, hp, probs)
                else:
                    st = gaussian_traces_step(
                        theta, pol.ls_b, w, zt, zb, zw, idx[cur], racts[cur], delta, i_fac, hp, mu, ls
                    )
                if st != OK:
                    return done_eps, total, st
                disc *= gamma
            else:  # one-step actor-critic update on (S, A, R, S')
                v_next = 0.0 if term else gamma * sparse_value(w, idx[nxt])
                delta = r + v_next - sparse_value(w, idx[cur])
                if not sparse_add(w, idx[cur], alpha_w * delta):
                    return done_eps, total, CRITIC_NOT_FINITE
                step = alpha * delta * (disc if hp.gamma_t else 1.0)
                if not math.isfinite(step):
                    return done_eps, total, POLICY_NOT_FINITE
                if DISCRETE:
                    ok = softmax_step(theta, idx[cur], acts[cur], step, probs)
                else:
                    ok = gaussian_step(
                        theta,
                        pol.ls_b,
                        idx[cur],
                        racts[cur],
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
            if term or trunc:
                ended = True
                break
            if mc:  # sample A_{t+1} (the Python agent does, even if the budget then cuts the episode)
                acts = _grow(acts, nxt + 1)
                racts = _grow(racts, nxt + 1)
            if PG_ALG == PG_QAC:
                pass  # A' was drawn by the update
            elif DISCRETE:
                softmax_pa_sparse_probs(theta, idx[nxt], probs)
                acts[nxt] = categorical_sample(probs, rng)
            else:
                gaussian_mean(theta, pol.ls_b, idx[nxt], ls_min, ls_max, mu, ls)
                gaussian_sample(mu, ls, rng, racts[nxt])
            cur = nxt
            if max_total_steps > 0 and total >= max_total_steps:
                cut = True
                break
        if cut:
            break
        if mc and ended:  # REINFORCE's update at the end of the episode (S&B 13.3 / 13.4)
            n = cur + 1
            gs = np.empty(n)
            gacc = 0.0
            for t in range(n - 1, -1, -1):
                gacc = rews[t] + gamma * gacc
                gs[t] = gacc
            disc = 1.0
            batched = hp.n_rollouts > 1  # sum the gradients at a fixed θ, apply their mean every N episodes
            for t in range(n):
                delta = gs[t]
                if PG_ALG == PG_REINFORCE_BASELINE:
                    delta = gs[t] - sparse_value(w, idx[t])
                    if not sparse_add(w, idx[t], alpha_w * delta):
                        return done_eps, total, CRITIC_NOT_FINITE
                if batched:
                    scale = (disc if hp.gamma_t else 1.0) * delta
                    if DISCRETE:
                        rollout_add_softmax(theta, pol.acc, idx[t], acts[t], scale, probs)
                    else:
                        rollout_add_gaussian(
                            theta, pol.ls_b, pol.acc, pol.acc_b, idx[t], racts[t], scale, ls_min, ls_max, mu, ls
                        )
                    disc *= gamma
                    continue
                step = alpha * (disc if hp.gamma_t else 1.0) * delta
                if not math.isfinite(step):
                    return done_eps, total, POLICY_NOT_FINITE
                if DISCRETE:
                    ok = softmax_step(theta, idx[t], acts[t], step, probs)
                else:
                    ok = gaussian_step(
                        theta,
                        pol.ls_b,
                        idx[t],
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
            if batched:
                pol.n_acc[0] += 1
                if pol.n_acc[0] == hp.n_rollouts:
                    a_std = std_step(alpha, alpha, alpha_std)
                    if rollout_apply(theta, pol.ls_b, pol.acc, pol.acc_b, hp.n_rollouts, alpha, a_std) != OK:
                        return done_eps, total, POLICY_NOT_FINITE
                    pol.n_acc[0] = 0
        ep_steps[done_eps] = steps
        ep_returns[done_eps] = ret
        done_eps += 1
        if max_total_steps > 0 and total >= max_total_steps:
            break
    return done_eps, total, OK
