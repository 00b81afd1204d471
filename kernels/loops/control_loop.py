"""Fused compiled episode loops: env step + grid tile coding + ε-greedy + linear update in one loop.

:func:`control_run_tpl` is a *template*: it calls ``ENV_RESET`` / ``ENV_STEP`` / ``ENV_OBSERVE``
(a compiled environment's ``reset(params, state, rng)``, ``step(params, state, action, rng)``,
``observe(params, state, out)``) and reads ``ALG`` (the algorithm), ``OBS_F32`` (round
observations to float32, as gymnasium's classic-control envs return them) and ``OBS_DIM`` (the
observation's length: a constant lets the tile layout live in registers) as globals.
:func:`fastfa.kernels.loops.specialise.specialise` binds them, giving one small compiled unit per
(environment, algorithm): the env is inlined and only that algorithm is compiled.  The units
release the GIL (``nogil``): populations of runs (``fastfa.agents.population``) call them from a
pool of threads, one run per call, each with its own generators.

Step order (the Python agents in ``fastfa.agents`` make the same calls in the
same order, so both paths give identical numbers for the same generators):

* SARSA family (``ALG_SARSA``, ``ALG_SARSA_LAMBDA``, ``ALG_TRUE_ONLINE``):
  observe S′, code it, choose A′ ~ ε-greedy(q̂(S′, ·)), then update with
  (S, A, R, S′, A′);
* ``ALG_Q_LEARNING`` / ``ALG_EXPECTED_SARSA``: update with S′ first, then
  choose A′ from the updated weights.

A terminal step updates with γ = 0 and chooses nothing.  A time-limit
truncation (``budget.max_steps`` > 0) is not terminal: the update bootstraps from S′
(A′ is chosen as usual) and the episode ends.  ``max_steps`` = 0: no limit
(the book's episodes).
"""

from collections import namedtuple

import numpy as np

from .._jit import fixed_tuple, njit

from ..linear.control import (
    eps_greedy,
    expected_sarsa_update,
    q_learning_update,
    q_values,
    sarsa_update,
)
from ..linear.control_traces import sarsa_lambda_sparse, traces_clear, true_online_sparse
from ..features.gridtiles import grid_consts, grid_tiles_consts

# The algorithm codes of the compiled linear-control loops (one numbering, used everywhere).
from ..codes import (  # noqa: E402,F401  (re-exported: the loop's algorithm codes)
    ALG_EXPECTED_SARSA,
    ALG_NSTEP_SARSA,
    ALG_Q_LEARNING,
    ALG_SARSA,
    ALG_SARSA_LAMBDA,
    ALG_TRUE_ONLINE,
)

#: Step sizes and exploration of one run: ``alpha, gamma, lam, epsilon`` (floats), ``trace``
#: (control_traces' code), ``trace_min`` (float, 0: exact), ``n`` (n-step SARSA's n).
ControlHP = namedtuple("ControlHP", "alpha gamma lam epsilon trace trace_min n")
#: How long one call runs: ``n_episodes``, ``max_total_steps`` (0: none), ``max_steps`` (the
#: episode time limit, 0: none), ``reset_first`` (False: the first episode continues from
#: ``env_state`` as the caller reset it).
Budget = namedtuple("Budget", "n_episodes max_total_steps max_steps reset_first")

# bound per specialisation by fastfa.kernels.loops.specialise (placeholders: the template is never compiled as is)
ENV_RESET = ENV_STEP = ENV_OBSERVE = None
ALG = ALG_SARSA
OBS_F32 = True
OBS_DIM = 1  # the observation's length (= the tile coder's dimensions)
PARAMS_N = -1  # >= 0: pass the env's params to its functions as a tuple of this length


@njit(inline="always")
def round_f32(x, d):
    """Round the first ``d`` entries of the float64 array ``x`` to float32 precision, in place (the value
    gymnasium's float32 observation has, widened back to float64)."""
    for k in range(d):
        x[k] = np.float32(x[k])


def make_hp(alpha, gamma, lam=0.0, epsilon=0.0, trace=0, trace_min=0.0, n=1):
    """A :data:`ControlHP` with the field types the compiled units expect."""
    return ControlHP(float(alpha), float(gamma), float(lam), float(epsilon), int(trace), float(trace_min), int(n))


def make_budget(n_episodes, max_total_steps=0, max_steps=0, reset_first=True):
    """A :data:`Budget` with the field types the compiled units expect."""
    return Budget(int(n_episodes), int(max_total_steps), int(max_steps), bool(reset_first))


def control_run_tpl(env_params, env_state, env_rng, cf, ci, w, hp, budget, rng, ep_steps, ep_returns):
    """Run up to ``budget.n_episodes`` episodes (and at most ``budget.max_total_steps`` steps if > 0)
    of linear control (algorithm ``ALG``) with grid-tile-coded states; ``w`` float64[F, A] learns in
    place; ``env_state`` is advanced in place.

    ``hp.trace_min``: see :mod:`control_traces` (0: exact).
    ``budget.reset_first`` False: the first episode starts from ``env_state`` as given (already reset
    by the caller, e.g. gymnasium's ``env.reset(seed=...)``).  Writes each finished episode's length
    and return to ``ep_steps``/``ep_returns``; returns (episodes finished, total steps).  The
    episode cut by ``max_total_steps`` is not counted.  If q̂ stops being finite (divergence) the
    run stops at once, that episode uncounted: fewer episodes than asked without a step budget
    means divergence.
    """
    n_a = w.shape[1]
    if PARAMS_N >= 0:  # the env's params as a tuple of constants in registers (CompiledEnv.params_tuple)
        params = fixed_tuple(env_params, PARAMS_N)
    else:
        params = env_params
    numt = ci[0]
    x = np.empty(OBS_DIM)
    g = grid_consts(cf, ci, OBS_DIM)  # the tile layout in registers (OBS_DIM is a constant)
    alg = ALG
    alpha, gamma, lam, epsilon = hp.alpha, hp.gamma, hp.lam, hp.epsilon
    trace, trace_min = hp.trace, hp.trace_min
    n_episodes, max_total_steps, max_steps = budget.n_episodes, budget.max_total_steps, budget.max_steps
    i_tm1 = np.empty(numt, np.int64)
    i_t = np.empty(numt, np.int64)
    ones = np.ones(numt)
    qb = np.empty(n_a)
    traced = alg == ALG_SARSA_LAMBDA or alg == ALG_TRUE_ONLINE
    z = np.zeros((w.shape[0], n_a)) if traced else np.zeros((1, 1))
    mark = np.zeros(z.size, np.uint8)
    lst = np.zeros(z.size, np.int64)
    n_lst = 0
    out2 = np.zeros(1)
    total = 0
    done_eps = 0
    for ep in range(n_episodes):
        if budget.reset_first or ep > 0:
            ENV_RESET(params, env_state, env_rng)
        ENV_OBSERVE(params, env_state, x)
        if OBS_F32:
            round_f32(x, OBS_DIM)
        grid_tiles_consts(x, g, i_tm1)
        q_values(w, i_tm1, ones, qb)
        a_tm1 = eps_greedy(qb, epsilon, rng)
        if traced:
            n_lst = traces_clear(z.ravel(), mark, lst, n_lst)
        q_old = 0.0
        steps = 0
        ret = 0.0
        cut = False
        while True:
            r, term = ENV_STEP(params, env_state, a_tm1, env_rng)
            steps += 1
            total += 1
            ret += r
            if term:
                if alg == ALG_SARSA:
                    sarsa_update(w, i_tm1, ones, a_tm1, r, 0.0, i_tm1, ones, 0, alpha)
                elif alg == ALG_SARSA_LAMBDA:
                    n_lst = sarsa_lambda_sparse(
                        w, z, mark, lst, n_lst, i_tm1, a_tm1, r, 0.0, i_tm1, 0, alpha, lam, trace, trace_min
                    )
                elif alg == ALG_TRUE_ONLINE:
                    n_lst = true_online_sparse(
                        w, z, mark, lst, n_lst, i_tm1, a_tm1, r, 0.0, i_tm1, 0, alpha, lam, q_old, trace_min, out2
                    )
                elif alg == ALG_Q_LEARNING:
                    q_learning_update(w, i_tm1, ones, a_tm1, r, 0.0, i_tm1, ones, alpha, qb)
                else:
                    expected_sarsa_update(w, i_tm1, ones, a_tm1, r, 0.0, i_tm1, ones, epsilon, alpha, qb)
                break
            ENV_OBSERVE(params, env_state, x)
            if OBS_F32:
                round_f32(x, OBS_DIM)
            grid_tiles_consts(x, g, i_t)
            if alg == ALG_Q_LEARNING or alg == ALG_EXPECTED_SARSA:
                if alg == ALG_Q_LEARNING:
                    q_learning_update(w, i_tm1, ones, a_tm1, r, gamma, i_t, ones, alpha, qb)
                else:
                    expected_sarsa_update(w, i_tm1, ones, a_tm1, r, gamma, i_t, ones, epsilon, alpha, qb)
                q_values(w, i_t, ones, qb)
                a_t = eps_greedy(qb, epsilon, rng)
            elif alg == ALG_SARSA:
                # hot path, written out (same floating-point operations, in the same order, as
                # q_values + eps_greedy + sarsa_update with v = 1): calls cost more than the maths here
                for b in range(n_a):
                    qb[b] = 0.0
                for j in range(numt):
                    row = i_t[j]
                    for b in range(n_a):
                        qb[b] += w[row, b]
                a_t = eps_greedy(qb, epsilon, rng)
                q_sa = 0.0
                for j in range(numt):
                    q_sa += w[i_tm1[j], a_tm1]
                ad = alpha * ((r + gamma * qb[a_t]) - q_sa)
                for j in range(numt):
                    w[i_tm1[j], a_tm1] += ad
            else:
                q_values(w, i_t, ones, qb)
                a_t = eps_greedy(qb, epsilon, rng)
                if alg == ALG_SARSA_LAMBDA:
                    n_lst = sarsa_lambda_sparse(
                        w, z, mark, lst, n_lst, i_tm1, a_tm1, r, gamma, i_t, a_t, alpha, lam, trace, trace_min
                    )
                else:
                    n_lst = true_online_sparse(
                        w, z, mark, lst, n_lst, i_tm1, a_tm1, r, gamma, i_t, a_t, alpha, lam, q_old, trace_min, out2
                    )
                    q_old = out2[0]
            qa = qb[a_t]
            if qa - qa != 0.0:  # q̂ is inf or NaN: the weights diverged; stop here (callers report it)
                cut = True
                break
            if max_steps > 0 and steps >= max_steps:
                break
            if max_total_steps > 0 and total >= max_total_steps:
                cut = True
                break
            tmp = i_tm1
            i_tm1 = i_t
            i_t = tmp
            a_tm1 = a_t
        if cut:
            break
        ep_steps[done_eps] = steps
        ep_returns[done_eps] = ret
        done_eps += 1
        if max_total_steps > 0 and total >= max_total_steps:
            break
    return done_eps, total
