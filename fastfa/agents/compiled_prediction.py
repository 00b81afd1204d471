"""When and how a prediction agent runs the fused compiled loop on a compiled environment.

``GradientMC``, ``TD0``, ``TDLambda`` and ``TrueOnlineTDLambda`` with ``policy=None`` (the uniform
random policy over a ``Discrete`` action space) and a :class:`fastfa.features.GridTileCoder` run
``fastfa.kernels.loops.prediction_env_loop.pred_run_tpl``, specialised per (env, method), on any
env :func:`fastfa.agents.compiled_control.compiled_target` accepts (a
:class:`fastfa.envs.CompiledEnv`, or gymnasium's MountainCar / CartPole / Acrobot).  The env is reset
with ``seed`` in Python, then the loop continues with ``env.np_random`` for the env and the action
space's generator for the actions, as the Python loop does: identical weights.
"""

from __future__ import annotations

import time

import numpy as np

from .._checks import check_budget

__all__ = ["pred_unit", "run_pred_compiled"]


def pred_unit(cenv, method: int, policy=None):
    """The fused prediction loop for (env, method code, policy): cached on disk for built-in envs and
    the uniform random policy, compiled once per process for a user's env or policy (checked first)."""
    from ..envs.check import ensure_checked
    from ..kernels.codes import PredMethod
    from ..kernels.loops import prediction_env_loop as P
    from .compiled_control import env_unit

    ensure_checked(cenv)  # before the policy is called on its observations
    f32 = cenv.observation_space.dtype == np.float32
    if policy is not None:
        check_jitted_policy(policy, f32)
    return env_unit(
        P.pred_run_tpl,
        cenv,
        f"pred_{PredMethod(method).name.lower()}",
        cache=policy is None,
        HAS_POLICY=policy is not None,
        POLICY=P.POLICY if policy is None else policy,
        OBS_DTYPE=np.float32 if f32 else np.float64,
        METHOD=int(method),
    )


def is_jitted(policy) -> bool:
    """Whether ``policy`` is a Numba dispatcher the compiled loop can call."""
    from numba.core.registry import CPUDispatcher

    return isinstance(policy, CPUDispatcher)


def check_jitted_policy(policy, f32: bool) -> None:
    """Compile ``policy`` for the observation array (without calling it) and require an integer action."""
    from numba.core import types as nbt

    sig = (nbt.Array(nbt.float32 if f32 else nbt.float64, 1, "C"),)
    try:
        policy.compile(sig)
    except Exception as err:  # noqa: BLE001 - a typing error in the user's function
        raise TypeError(
            f"policy: a jitted policy must take the observation ({sig[0]}) and return an int action; "
            f"compiling it failed: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
        ) from err
    ret = policy.overloads[sig].signature.return_type
    if not isinstance(ret, (nbt.Integer, nbt.Boolean)):
        raise TypeError(f"policy: a jitted policy must return an int action, it returns {ret}")


def run_pred_compiled(agent, env, target, method, *, episodes, total_steps, seed, callback=None):
    """Run the fused loop for ``agent`` on ``env`` (reset here with ``seed``); returns an ``EpisodeLog``.
    The action space must already be seeded as the Python loop seeds it."""
    from ..kernels.loops.control_loop import make_budget
    from ..kernels.loops.prediction_env_loop import make_pred_hp
    from ..loop import EpisodeLog
    from .compiled_control import state_after_reset

    policy = agent.policy
    unit = pred_unit(target.cenv, method, policy)
    total_steps, episodes = check_budget(total_steps, episodes)
    t0 = time.perf_counter()
    env.reset(seed=seed)
    state = state_after_reset(env, target)
    env_rng = env.unwrapped.np_random
    act_rng = env.action_space.np_random
    n_act = int(env.action_space.n)
    cfg = agent.config
    f = agent.features
    hp = make_pred_hp(cfg.alpha, cfg.gamma, cfg.lam, agent._n())
    n_ep = int(episodes) if episodes is not None else np.iinfo(np.int32).max
    budget = int(total_steps) if total_steps is not None else 0
    size = min(65_536, n_ep if episodes is not None else max(1, budget))
    steps, rets = np.zeros(size, np.int64), np.zeros(size)
    log = EpisodeLog()
    done_total = 0
    chunk = 1 if callback is not None else n_ep
    first = True
    try:
        while True:
            want = min(chunk, n_ep - log.n_episodes, size)
            if want <= 0:
                break
            left = budget - done_total if budget else 0
            k = log.n_episodes
            n_done, n_steps, status = unit(
                target.cenv.params,
                state,
                env_rng,
                f.cf,
                f.ci,
                agent.w,
                hp,
                make_budget(want, left, target.max_steps, not first),
                act_rng,
                n_act,
                steps,
                rets,
            )
            first = False
            done_total += n_steps
            log.returns.extend(rets[:n_done].tolist())
            log.lengths.extend(steps[:n_done].tolist())
            if status != 0:  # BAD_ACTION: as the Python env, which raises at that step
                log.total_steps = done_total
                log.wall_time_s = time.perf_counter() - t0
                agent.log.extend(log)
                raise ValueError(
                    f"{type(agent).__name__}: the policy returned an action outside [0, {n_act}) after "
                    f"{done_total} steps (the env's action space is {env.action_space})"
                )
            stop = False
            for j in range(n_done):
                info = {
                    "episode": k + j + 1,
                    "return": float(rets[j]),
                    "length": int(steps[j]),
                    "total_steps": done_total,
                }
                if callback is not None and callback(info) is False:
                    stop = True
            if stop or (budget and done_total >= budget):
                break
    except KeyboardInterrupt:  # as fastfa.loop.run: keep what was learned, say so
        import warnings

        log.interrupted = True
        warnings.warn(
            f"interrupted after {log.n_episodes} episodes / {done_total} steps; the agent keeps what it learned",
            RuntimeWarning,
            stacklevel=3,
        )
    log.total_steps = done_total
    log.wall_time_s = time.perf_counter() - t0
    if not np.all(np.isfinite(agent.w)):
        raise FloatingPointError(
            f"{type(agent).__name__}: the weights became non-finite (alpha={cfg.alpha} too large?)"
        )
    return log
