"""When and how a control agent runs the fused compiled loop instead of the Python loop.

The compiled loop (``fastfa.kernels.loops.control_loop.control_run_tpl``, specialised per env and
algorithm) is used when

* the env is a :class:`fastfa.envs.CompiledEnv` — the user's own or a built-in twin
  (``fastfa.make(id, compiled=True)``) — or gymnasium's MountainCar-v0 / CartPole-v1 / Acrobot-v1
  (run through its twin), wrapped only by gymnasium's ``TimeLimit``, ``OrderEnforcing`` and
  ``PassiveEnvChecker`` (the wrappers ``gymnasium.make`` adds) and not rendering;
* the features are a :class:`fastfa.features.GridTileCoder`;
* the algorithm is SARSA, Expected SARSA, Q-learning, n-step SARSA, SARSA(λ) or true online SARSA(λ);
* a callback (per episode) or a progress bar keeps the compiled loop: the loop then runs in
  chunks of episodes (one episode per call with a callback, 16 with a progress bar only) and
  continues the same episode stream, so the numbers do not change.

It then does exactly what the Python loop does: ``env.reset(seed=...)`` in Python
(the start state comes from ``env.np_random``), the compiled loop continues from that state with
the same ``env.np_random`` for later resets and env draws, the agent's ``rng`` for ε-greedy, and
the time limit as truncation; so the numbers (weights, episode lengths, generator states) are
identical.  A user's env is checked once with :func:`fastfa.envs.check_compiled_env` first.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import check_budget

_WRAPPERS = ("TimeLimit", "OrderEnforcing", "PassiveEnvChecker")
_GYM_TWINS = frozenset({"MountainCarEnv", "CartPoleEnv", "AcrobotEnv"})  # gymnasium classes with a twin


class Target(NamedTuple):
    """What a fused loop needs from an env: its compiled env (the env itself, or the twin of
    gymnasium's env) and the episode time limit (0: none)."""

    cenv: object
    max_steps: int


def _gym_twin(u):
    """The built-in CompiledEnv twin of gymnasium's classic env ``u`` (same parameters), or None."""
    name = type(u).__name__
    if name not in _GYM_TWINS or not type(u).__module__.startswith("gymnasium.envs.classic_control"):
        return None
    from ..envs import classic

    if name == "MountainCarEnv":
        return classic.MountainCarEnv(goal_velocity=float(getattr(u, "goal_velocity", 0.0)))
    if name == "CartPoleEnv":
        if getattr(u, "kinematics_integrator", "euler") != "euler":
            return None
        return classic.CartPoleEnv(sutton_barto_reward=bool(getattr(u, "_sutton_barto_reward", False)))
    if getattr(u, "torque_noise_max", 0.0) != 0.0 or getattr(u, "book_or_nips", "book") != "book":
        return None
    return classic.AcrobotEnv()


def compiled_target(env):
    """A :class:`Target` if ``env`` can run in a fused loop, else None."""
    from ..envs.compiled import CompiledEnv

    max_steps = 0
    e = env
    while hasattr(e, "env") and e is not getattr(e, "unwrapped", e):
        name = type(e).__name__
        if name not in _WRAPPERS:
            return None
        if name == "TimeLimit":
            max_steps = int(getattr(e, "_max_episode_steps", 0) or 0)
        e = e.env
    if getattr(e, "render_mode", None) is not None:
        return None
    if isinstance(e, CompiledEnv):
        own = e.max_episode_steps or 0
        if own and (not max_steps or own < max_steps):
            max_steps = own
        return Target(e, max_steps)
    twin = _gym_twin(e)
    return None if twin is None else Target(twin, max_steps)


def state_after_reset(env, target):
    """The float64 state array the fused loop advances: the CompiledEnv's own (in place), or a
    copy of gymnasium's env state in the twin's layout."""
    u = env.unwrapped
    if u is target.cenv:
        return u.state
    s = np.asarray(u.state, dtype=np.float64)
    if type(target.cenv).__name__ == "CartPoleEnv":  # + steps beyond termination (-1: none yet)
        sb = u.steps_beyond_terminated
        s = np.append(s, -1.0 if sb is None else float(sb))
    return s.copy()


def env_unit(template, cenv, name, *, cache=True, inline=False, **variant):
    """``template`` (a fused-loop template, see ``fastfa.kernels.loops.specialise``) specialised on the
    compiled env ``cenv`` — its three functions and the constants ``OBS_F32``, ``OBS_DIM``,
    ``PARAMS_N``, ``STATE_SIZE`` — and on the ``variant`` constants.  A built-in env's unit is cached on
    disk as ``<compiled_key>_<name>`` (``cache=False``: never, e.g. for a user's policy function); a
    user's env is checked once (:func:`fastfa.envs.check.ensure_checked`) and compiled once per process.
    ``inline=True``: a helper inlined into the IR of the units that call it (bound to them as a global)."""
    from ..envs.check import ensure_checked
    from ..kernels.loops.specialise import specialise

    ensure_checked(cenv)
    key = cenv.compiled_key if cache else None
    return specialise(
        template,
        None if key is None else f"{key}_{name}",
        key is not None,
        inline=inline,
        ENV_RESET=cenv.reset_fn,
        ENV_STEP=cenv.step_fn,
        ENV_OBSERVE=cenv.observe_fn,
        OBS_F32=cenv.observation_space.dtype == np.float32,
        OBS_DIM=int(cenv.observation_space.shape[0]),
        PARAMS_N=cenv.params.shape[0] if cenv.params_tuple else -1,
        STATE_SIZE=int(cenv.state.shape[0]),
        **variant,
    )


def compiled_unit(cenv, alg, tiles=None):
    """The fused loop for (env, algorithm code): cached on disk for built-in envs, compiled once per
    process for a user's env (checked first).  ``tiles``: the ``(cf, ci)`` arrays it will code with
    (their dimensions must be the observation's length)."""
    from ..kernels.loops import control_loop as L
    from ..kernels.linear import control_nstep as N
    from ..kernels.codes import Alg

    d = int(cenv.observation_space.shape[0])
    if tiles is not None and tiles[0].shape[1] != d:
        raise ValueError(
            f"features: a tile coder over {tiles[0].shape[1]} dimensions cannot code the "
            f"{d}-dimensional observations of {cenv.compiled_key or 'this env'}"
        )
    tpl = N.nstep_sarsa_tpl if alg == Alg.NSTEP_SARSA else L.control_run_tpl
    return env_unit(tpl, cenv, Alg(alg).name.lower(), ALG=int(alg))


def run_compiled(agent, env, target, alg, *, episodes, total_steps, seed, callback=None, progress: bool = False):
    """Run the fused loop on ``env`` (reset here with ``seed``); returns an ``EpisodeLog``.

    ``callback(info) -> bool | None`` runs after every episode (``info`` as in :func:`fastfa.loop.run`);
    ``False`` stops.  ``progress`` shows a bar (env steps or episodes)."""
    import time

    from ..kernels.loops.control_loop import make_budget, make_hp
    from ..loop import EpisodeLog, Progress

    unit = compiled_unit(target.cenv, alg, (agent.features.cf, agent.features.ci))
    t0 = time.perf_counter()
    env.reset(seed=seed)
    state = state_after_reset(env, target)
    env_rng = env.unwrapped.np_random
    params = target.cenv.params
    f = agent.features
    cfg = agent.config
    total_steps, episodes = check_budget(total_steps, episodes)  # before anything is sized from them
    n_ep = int(episodes) if episodes is not None else np.iinfo(np.int32).max
    budget = int(total_steps) if total_steps is not None else 0
    buf = 65_536  # episodes per kernel call at most (the calls continue one stream, so results do not change)
    steps = np.zeros(min(buf, n_ep if episodes is not None else max(1, budget)), np.int64)
    rets = np.zeros(steps.shape[0], np.float64)
    log = EpisodeLog()
    done_total = 0
    decaying = cfg.epsilon_decay != 1.0
    chunk = 1 if (decaying or callback is not None) else (16 if progress else n_ep)
    bar = Progress(
        budget or (n_ep if episodes is not None else None), "steps" if budget else "episodes", enabled=progress
    )
    first = True
    stop = False
    try:
        while not stop:
            want = min(chunk, n_ep - log.n_episodes, steps.shape[0])
            if want <= 0:
                break
            left = budget - done_total if budget else 0
            k = log.n_episodes
            hp = make_hp(
                cfg.alpha,
                cfg.gamma,
                getattr(cfg, "lam", 0.0),
                agent.epsilon,
                agent._trace_code,
                0.0,
                getattr(cfg, "n", 1),
            )
            n_done, n_steps = unit(
                params,
                state,
                env_rng,
                f.cf,
                f.ci,
                agent.approx.w,
                hp,
                make_budget(want, left, target.max_steps, not first),
                agent.rng,
                steps,
                rets,
            )
            first = False
            done_total += n_steps
            log.returns.extend(rets[:n_done].tolist())
            log.lengths.extend(steps[:n_done].tolist())
            bar.update(n_steps if budget else n_done)
            for j in range(n_done):
                agent._end_of_episode()
                if (
                    callback is not None
                    and callback(
                        {
                            "episode": k + j + 1,
                            "return": float(rets[j]),
                            "length": int(steps[j]),
                            "total_steps": done_total,
                        }
                    )
                    is False
                ):
                    stop = True
            if budget and done_total >= budget:
                break
            if n_done < want:  # no budget cut: the loop stopped because q̂ stopped being finite
                bar.close()
                log.total_steps = done_total
                log.wall_time_s = time.perf_counter() - t0
                agent.log.extend(log)
                raise FloatingPointError(
                    f"{type(agent).__name__}: q-values became non-finite after {done_total} steps (divergence; "
                    f"S&B 11.2-11.3); the run stopped there. Lower alpha (now {cfg.alpha}) or use an on-policy "
                    "method."
                )
    except KeyboardInterrupt:  # as fastfa.loop.run: keep what was learned, say so
        import warnings

        log.interrupted = True
        warnings.warn(
            f"interrupted after {log.n_episodes} episodes / {done_total} steps; the agent keeps what it learned",
            RuntimeWarning,
            stacklevel=3,
        )
    bar.close()
    log.total_steps = done_total
    log.wall_time_s = time.perf_counter() - t0
    return log
