"""Fused compiled linear prediction over any compiled environment: gradient MC, TD(0), n-step TD,
TD(λ) and true online TD(λ) on grid tiles, evaluating the uniform random policy of a ``Discrete(n)`` action space or the user's
own jitted policy ``obs -> action``.

:func:`pred_run_tpl` is a *template*, specialised like
:func:`fastfa.kernels.loops.control_loop.control_run_tpl` (``fastfa.kernels.loops.specialise``): it
calls ``ENV_RESET`` / ``ENV_STEP`` / ``ENV_OBSERVE`` and reads ``METHOD``
(:class:`fastfa.kernels.codes.PredMethod`: ``MC``, ``NSTEP`` (``hp.n`` = 1: TD(0)), ``TDL_ACC`` /
``TDL_REP``, ``TRUE_ONLINE``), ``OBS_F32``, ``OBS_DIM``, ``PARAMS_N``, ``HAS_POLICY`` and ``POLICY``
(a jitted ``obs -> int``, called with the observation as the Python env returns it: float32 when the
observation space is float32) as constants.

It makes the calls of ``fastfa.agents.GradientMC`` / ``TD0`` / ``NStepTD`` / ``TDLambda`` / ``TrueOnlineTDLambda``
on the Python loop, in the same order and with the same update kernels
(:mod:`fastfa.kernels.linear.prediction`), so both give identical weights: the action of every step
is ``act_rng.integers(0, n)`` (gymnasium's ``Discrete.sample`` with the action space's generator),
or ``POLICY(obs)``, taken at the start of an episode and after every transition, the last one of an
episode included (the Python agents take it too, from the terminal observation); with n = 1 and no
policy nothing is drawn.  A policy's action outside ``[0, n)`` stops the loop with :data:`BAD_ACTION`
before it is stepped (where the Python env raises).  Terminal transitions bootstrap with
0, a time-limit truncation from S' (TD methods); gradient MC learns from an episode when it ends
(terminated or truncated), not from one cut by ``budget.max_total_steps``.
"""

from collections import namedtuple

import numpy as np

from .._jit import fixed_tuple, njit
from ..codes import MC, NSTEP, TDL_ACC, TDL_REP, TRUE_ONLINE  # noqa: F401  (template constants)
from ..features.gridtiles import grid_consts, grid_tiles_consts
from ..linear.prediction import ACCUMULATE, REPLACE, linear_v_update, mc_returns, td0_update, v_value
from ..linear.prediction import td_lambda_update, true_online_td_update
from .control_loop import round_f32

#: ``alpha``, ``gamma``, ``lam``, ``n`` (n-step TD) of one run.
PredHP = namedtuple("PredHP", "alpha gamma lam n")

#: status codes returned by the loop
OK, BAD_ACTION = 0, 1

# bound per specialisation (placeholders: the template is never compiled as is)
ENV_RESET = ENV_STEP = ENV_OBSERVE = None
METHOD = NSTEP
OBS_F32 = True
OBS_DIM = 1
PARAMS_N = -1
HAS_POLICY = False
OBS_DTYPE = np.float32  # the observation dtype the policy receives


@njit
def POLICY(obs):  # noqa: N802  (placeholder: a bound policy replaces it)
    return 0


def make_pred_hp(alpha, gamma, lam=0.0, n=1):
    """A :data:`PredHP` with the field types the compiled units expect."""
    return PredHP(float(alpha), float(gamma), float(lam), int(n))


@njit
def nstep_update(w, idx, rews, ones, tau, m, boot_row, gamma, alpha):
    """``NStepTD._update``: S_τ (row τ mod R of ``idx``) towards G_{τ:τ+m} = Σ_k γ^k R_{τ+k+1} + γ^m v̂(S_{τ+m})
    (``boot_row`` < 0: no bootstrap, the episode terminated); R_{j+1} is ``rews[j mod R]``, R = len(rews)."""
    cap = rews.shape[0]
    g = 0.0 if boot_row < 0 else v_value(w, idx[boot_row], ones)
    for k in range(m - 1, -1, -1):
        g = rews[(tau + k) % cap] + gamma * g
    linear_v_update(w, idx[tau % cap], ones, g, alpha)


@njit
def _uniform_action(act_rng, n_actions):
    if n_actions == 1:
        return 0
    return act_rng.integers(0, n_actions)


def pred_run_tpl(env_params, env_state, env_rng, cf, ci, w, hp, budget, act_rng, n_actions, ep_steps, ep_returns):
    """Run up to ``budget.n_episodes`` episodes (at most ``budget.max_total_steps`` steps if > 0) of
    method ``METHOD``; ``w`` float64[F] learns in place.  Returns (episodes finished, total steps,
    status), status :data:`OK` or :data:`BAD_ACTION` (the policy returned an action outside
    ``[0, n_actions)``: the run stopped before that step, the episode uncounted).
    Budget semantics as :func:`fastfa.kernels.loops.control_loop.control_run_tpl`."""
    if PARAMS_N >= 0:
        params = fixed_tuple(env_params, PARAMS_N)
    else:
        params = env_params
    numt = ci[0]
    x = np.empty(OBS_DIM)
    xo = np.empty(OBS_DIM, OBS_DTYPE)
    g = grid_consts(cf, ci, OBS_DIM)
    alpha, gamma, lam = hp.alpha, hp.gamma, hp.lam
    n_episodes, max_total_steps, max_steps = budget.n_episodes, budget.max_total_steps, budget.max_steps
    ones = np.ones(numt)
    traced = METHOD == TDL_ACC or METHOD == TDL_REP or METHOD == TRUE_ONLINE
    z = np.zeros(w.shape[0] if traced else 1)
    n_td = hp.n
    cap = 64 if METHOD == MC else (n_td + 1 if METHOD == NSTEP else 2)
    # MC: the episode's tiles; n-step TD: a ring of S_{t-n} .. S_t (TD(0): S, S'); TD(λ): S, S'
    idx = np.empty((cap, numt), np.int64)
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
        if HAS_POLICY:  # POLICY on the observation as the env returns it
            for i in range(OBS_DIM):
                xo[i] = x[i]
            a = POLICY(xo)
        else:
            a = _uniform_action(act_rng, n_actions)
        if traced:
            z[:] = 0.0
        v_old = 0.0
        cur = 0
        steps = 0
        ret = 0.0
        cut = False
        while True:
            if HAS_POLICY and (a < 0 or a >= n_actions):  # checked where the Python env checks it
                return done_eps, total, BAD_ACTION
            r, term = ENV_STEP(params, env_state, a, env_rng)
            steps += 1
            total += 1
            ret += r
            trunc = max_steps > 0 and steps >= max_steps
            nxt = cur + 1 if METHOD == MC else (cur + 1) % cap
            if METHOD == MC and nxt >= idx.shape[0]:
                bigger = np.empty((2 * idx.shape[0], numt), np.int64)
                bigger[: idx.shape[0]] = idx
                idx = bigger
                more = np.empty(2 * rews.shape[0])
                more[: rews.shape[0]] = rews
                rews = more
            if not term or HAS_POLICY:  # a policy acts on the terminal observation too
                ENV_OBSERVE(params, env_state, x)
                if OBS_F32:
                    round_f32(x, OBS_DIM)
            if not term:
                grid_tiles_consts(x, g, idx[nxt])
            gam = 0.0 if term else gamma
            i1 = idx[cur] if term else idx[nxt]
            if METHOD == MC:
                rews[cur] = r
            elif METHOD == NSTEP and n_td == 1:
                td0_update(w, idx[cur], ones, r, gam, i1, ones, alpha)
            elif METHOD == NSTEP:  # NStepTD.step: rows and rewards in rings of n + 1
                rews[(steps - 1) % cap] = r
                boot = -1 if term else nxt
                if steps - n_td >= 0:
                    nstep_update(w, idx, rews, ones, steps - n_td, n_td, boot, gamma, alpha)
                if term or trunc:
                    for tau in range(max(steps - n_td + 1, 0), steps):
                        nstep_update(w, idx, rews, ones, tau, steps - tau, boot, gamma, alpha)
            elif METHOD == TRUE_ONLINE:
                _, v_old = true_online_td_update(w, z, idx[cur], ones, r, gam, i1, ones, alpha, lam, v_old)
            else:
                td_lambda_update(
                    w, z, idx[cur], ones, r, gam, i1, ones, alpha, lam, ACCUMULATE if METHOD == TDL_ACC else REPLACE
                )
            # the agent's next action, taken even at the end
            if HAS_POLICY:
                for i in range(OBS_DIM):
                    xo[i] = x[i]
                a = POLICY(xo)
            else:
                a = _uniform_action(act_rng, n_actions)
            if term or trunc:
                break
            cur = nxt
            if max_total_steps > 0 and total >= max_total_steps:
                cut = True
                break
        if cut:
            break
        if METHOD == MC:  # gradient MC's update at the end of the episode (S&B 9.3)
            n = cur + 1
            gs = np.empty(n)
            mc_returns(rews[:n], gamma, gs)
            for t in range(n):
                linear_v_update(w, idx[t], ones, gs[t], alpha)
        ep_steps[done_eps] = steps
        ep_returns[done_eps] = ret
        done_eps += 1
        if max_total_steps > 0 and total >= max_total_steps:
            break
    return done_eps, total, OK
