"""Which environment a :class:`fastfa.agents.DQN` trains on, and in which loop.

* an env id with a built-in twin (``fastfa.envs.COMPILED_ENVS``: CartPole, Acrobot, Mountain Car,
  the discrete Puck World): the fused loop over the twin's :class:`fastfa.envs.CompiledEnv` (gymnasium's env is made
  too, for ``evaluate`` and the Python loop);
* a :class:`fastfa.envs.CompiledEnv` object (the user's own or a built-in one): the fused loop over it;
* any other gymnasium env (Box observation, Discrete actions): the Python loop.
"""

from __future__ import annotations

TWIN_STATE_LEN = 16  # env_state's length for the ids with a twin (the layout of files saved by 0.1.0)


def _compiled_env_target(env):
    """The fused-loop target (``compiled_control.Target``) when ``env`` is a
    :class:`fastfa.envs.CompiledEnv` (behind gymnasium's standard wrappers at most), else None.
    (gymnasium's own classic envs keep the Python loop here: their twins run from an env id.)"""
    from .compiled_control import compiled_target

    t = compiled_target(env)
    return t if t is not None and t.cenv is getattr(env, "unwrapped", env) else None


def dqn_env(env_or_id, compiled):
    """``(env, env_id, target, twin)``: the gymnasium env, its id (or None), the fused-loop target
    (``compiled_control.Target``; None: the Python loop) and whether the target is an id's twin.
    ``compiled``: ``"auto"``, ``True`` (a target is required) or ``False`` (no target)."""
    import gymnasium

    env_id = None
    env = None
    if isinstance(env_or_id, str):
        env_id = env_or_id
    elif isinstance(env_or_id, gymnasium.Env):
        env = env_or_id
        spec = getattr(env, "spec", None)
        env_id = getattr(spec, "id", None)
    else:
        raise TypeError(f"env_or_id must be a gymnasium Env or an env id string, got {type(env_or_id).__name__}")
    from ..envs import COMPILED_ENVS, compiled_env_for

    twin = env_id if env_id in COMPILED_ENVS else None
    if compiled not in ("auto", True, False):
        raise ValueError(f"compiled must be 'auto', True or False, got {compiled!r}")
    if twin is not None and env is not None and compiled is not True:
        twin = None  # a gymnasium env object: the Python loop (or its CompiledEnv's fused loop)
    if env is None:
        env = gymnasium.make(env_id)
    target = _compiled_env_target(env) if twin is None else None
    if compiled is True and twin is None and target is None:
        raise ValueError(
            f"compiled=True: env {env_id!r} is neither a fastfa.envs.CompiledEnv nor an id with a "
            f"compiled twin ({', '.join(sorted(COMPILED_ENVS))})"
        )
    if compiled is False:
        twin = target = None
    found = compiled_env_for(twin) if twin is not None else None
    if found is not None:
        from .compiled_control import Target

        target = Target(*found)
    return env, env_id, target, twin is not None
