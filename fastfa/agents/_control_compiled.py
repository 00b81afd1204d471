"""When and how a control agent runs the fused compiled loop instead of the Python loop.

The compiled loop (``fastfa.kernels.control_loop.control_run``) is used when

* the env is gymnasium's or fastfa's MountainCar-v0 / CartPole-v1 / Acrobot-v1,
  wrapped only by gymnasium's ``TimeLimit``, ``OrderEnforcing`` and
  ``PassiveEnvChecker`` (the wrappers ``gymnasium.make`` adds) and not rendering;
* the features are a :class:`fastfa.features.GridTileCoder`;
* the algorithm is SARSA, Expected SARSA, Q-learning, n-step SARSA, SARSA(λ) or true online SARSA(λ);
* a callback (per episode) or a progress bar keeps the compiled loop: the loop then runs in
  chunks of episodes (one episode per call with a callback, 16 with a progress bar only) and
  continues the same episode stream, so the numbers do not change.

It then does exactly what the Python loop does: ``env.reset(seed=...)`` in Python
(gymnasium draws the start state from ``env.np_random``), the compiled twin
continues from that state with the same ``env.np_random`` for later resets, the
agent's ``rng`` for ε-greedy, and the env's time limit as truncation; so the
numbers (weights, episode lengths, generator states) are identical.
"""
from __future__ import annotations

import numpy as np

from .._checks import check_budget

NSTEP = 5  # algorithm code of n-step SARSA (its own kernel)
_WRAPPERS = ("TimeLimit", "OrderEnforcing", "PassiveEnvChecker")
_KINDS = {"MountainCarEnv": 0, "CartPoleEnv": 1, "AcrobotEnv": 2}
_MODULES = ("gymnasium.envs.classic_control", "fastfa.envs.classic")


def env_kind(env):
    """``(kind, max_episode_steps)`` if ``env`` can run compiled, else None."""
    max_steps = 0
    e = env
    while hasattr(e, "env") and e is not getattr(e, "unwrapped", e):
        name = type(e).__name__
        if name not in _WRAPPERS:
            return None
        if name == "TimeLimit":
            max_steps = int(getattr(e, "_max_episode_steps", 0) or 0)
        e = e.env
    name = type(e).__name__
    if name not in _KINDS or not type(e).__module__.startswith(_MODULES):
        return None
    if getattr(e, "render_mode", None) is not None:
        return None
    if name == "MountainCarEnv" and float(getattr(e, "goal_velocity", 0.0)) != 0.0:
        return None
    if name == "CartPoleEnv" and getattr(e, "_sutton_barto_reward", False):
        return None
    if name == "CartPoleEnv" and getattr(e, "kinematics_integrator", "euler") != "euler":
        return None
    if name == "AcrobotEnv" and (getattr(e, "torque_noise_max", 0.0) != 0.0 or getattr(e, "book_or_nips", "book")
                                 != "book"):
        return None
    return _KINDS[name], max_steps


def twin_state(env, kind) -> np.ndarray:
    """The unwrapped env's current state as the compiled twin's float64 state array."""
    u = env.unwrapped
    if type(u).__module__.startswith("fastfa"):
        return np.array(u.state, dtype=np.float64)
    s = np.asarray(u.state, dtype=np.float64)
    if kind == 1:  # CartPole: + steps beyond termination (-1: none yet)
        sb = u.steps_beyond_terminated
        return np.append(s, -1.0 if sb is None else float(sb))
    return s.copy()


def env_params(kind) -> np.ndarray:
    from ..kernels import envs_classic as ec

    return (ec.mountaincar_params, ec.cartpole_params, ec.acrobot_params)[kind]()


def run_compiled(agent, env, kind, max_steps, alg, *, episodes, total_steps, seed, callback=None, progress=False):
    """Run the fused loop on ``env`` (reset here with ``seed``); returns an ``EpisodeLog``.

    ``callback(info) -> bool | None`` runs after every episode (``info`` as in :func:`fastfa.loop.run`);
    ``False`` stops.  ``progress`` shows a bar (env steps or episodes)."""
    import time

    from ..kernels.control_loop import control_run
    from ..kernels.control_nstep import nstep_sarsa_run
    from ..loop import EpisodeLog, Progress

    t0 = time.perf_counter()
    env.reset(seed=seed)
    state = twin_state(env, kind)
    u = env.unwrapped
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
    bar = Progress(budget or (n_ep if episodes is not None else None), "steps" if budget else "episodes",
                   enabled=progress)
    first = True
    stop = False
    try:
        while not stop:
            want = min(chunk, n_ep - log.n_episodes, steps.shape[0])
            if want <= 0:
                break
            left = budget - done_total if budget else 0
            k = log.n_episodes
            if alg == NSTEP:
                n_done, n_steps = nstep_sarsa_run(kind, env_params(kind), state, u.np_random, max_steps, not first,
                                                  f.cf, f.ci, agent.approx.w, int(cfg.n), cfg.alpha, cfg.gamma,
                                                  agent.epsilon, want, left, agent.rng, steps, rets)
            else:
                n_done, n_steps = control_run(kind, env_params(kind), state, u.np_random, max_steps, not first, f.cf,
                                              f.ci, agent.approx.w, alg, cfg.alpha, cfg.gamma, cfg.lam, agent.epsilon,
                                              agent._trace_code, 0.0, want, left, agent.rng, steps, rets)
            first = False
            done_total += n_steps
            log.returns.extend(rets[:n_done].tolist())
            log.lengths.extend(steps[:n_done].tolist())
            bar.update(n_steps if budget else n_done)
            for j in range(n_done):
                agent._end_of_episode()
                if callback is not None and callback({"episode": k + j + 1, "return": float(rets[j]),
                                                      "length": int(steps[j]), "total_steps": done_total}) is False:
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
                    "method.")
    except KeyboardInterrupt:  # as fastfa.loop.run: keep what was learned, say so
        import warnings

        log.interrupted = True
        warnings.warn(f"interrupted after {log.n_episodes} episodes / {done_total} steps; "
                      "the agent keeps what it learned", RuntimeWarning, stacklevel=3)
    bar.close()
    log.total_steps = done_total
    log.wall_time_s = time.perf_counter() - t0
    return log
