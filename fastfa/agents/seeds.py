"""Train one agent per seed, in parallel threads: a population of any agent on any environment.

    >>> import fastfa
    >>> agents = fastfa.train_seeds("sarsa", "MountainCar-v0", seeds=range(8), episodes=100)
    >>> [len(a.log.returns) for a in agents]
    [100, 100, 100, 100, 100, 100, 100, 100]

Every seed gets its own agent, built exactly as ``Agent(env, features, config=config, seed=s,
**overrides)`` would build it alone, on its own copy of the environment (an env id is made anew;
a :class:`fastfa.envs.CompiledEnv` is cloned; a callable is called), and ``learn``\\ s the same
budget.  The compiled loops release the GIL, so ``threads`` seeds train at once (one per core by
default); a seed's agent is bit for bit the one training that seed alone would give, whatever the
thread count.  A user's compiled env is checked and compiled once for the whole population.

For the book's parameter studies over step sizes and λ on the built-in envs see
:func:`fastfa.agents.population.run_population` and :func:`fastfa.sweep`.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = ["train_seeds"]


def _agent_class(agent: Any) -> type:
    from . import registry

    if isinstance(agent, str):
        return registry.get(agent)
    if isinstance(agent, type) and hasattr(agent, "learn"):
        return agent
    raise TypeError(f"agent must be an agent name ({', '.join(registry.names())}) or class, got {agent!r}")


def _env_factory(env: Any) -> Callable[[], Any]:
    """A function giving each seed its own environment."""
    from ..envs.compiled import CompiledEnv

    if isinstance(env, str):
        return lambda: env  # the agent makes its own env from the id
    u = getattr(env, "unwrapped", None)
    if isinstance(env, CompiledEnv):
        return env.clone
    if u is not None:  # a gymnasium env object: one copy per seed from its spec, if it has one
        spec = getattr(env, "spec", None)
        if isinstance(u, CompiledEnv) and env is not u:
            raise TypeError("env: pass the CompiledEnv itself (not wrapped) or a function returning a new env per seed")
        if spec is None:
            raise TypeError(
                "env: a population needs one env per seed: pass an env id, a fastfa.envs.CompiledEnv, "
                "or a function returning a new env"
            )
        import gymnasium

        return lambda: gymnasium.make(spec)
    if callable(env):
        return env
    raise TypeError(f"env must be an env id, a gymnasium Env, a CompiledEnv or a callable, got {type(env).__name__}")


def train_seeds(
    agent: Any,
    env: Any,
    seeds: Iterable[int] | int = 10,
    *,
    total_steps: int | None = None,
    episodes: int | None = None,
    features: Any = None,
    config: Any = None,
    threads: int | None = None,
    **overrides: Any,
) -> list:
    """Train ``agent`` once per seed on ``env`` and return the trained agents (in seed order).

    Args:
        agent: a registry name (``"sarsa"``, ``"dqn"``, ... :mod:`fastfa.agents.registry`) or an
            agent class.
        env: an env id, a :class:`fastfa.envs.CompiledEnv` (cloned per seed), a gymnasium env with a
            spec (made anew per seed), or a function returning a new env.
        seeds: the seeds (ints), or a count ``n`` for seeds ``0 .. n-1``.
        total_steps, episodes: each seed's budget, as in ``Agent.learn``.
        features: the features (copied per seed); None: the agent's default.
        config, overrides: the agent's configuration, as in its constructor.
        threads: seeds trained at once (default: one per CPU, at most one per seed).  The compiled
            loops release the GIL; agents on the Python loop gain nothing from threads.

    Returns:
        ``[agent trained on seed s for s in seeds]``; each has its ``.log``.
    """
    from .._checks import check_count

    from ._contract import check_budget

    cls = _agent_class(agent)
    if isinstance(seeds, (bool, np.bool_)):
        raise TypeError("seeds must be an int or an iterable of ints, got a bool")
    if isinstance(seeds, (int, np.integer)):
        seeds = range(check_count("seeds", int(seeds)))
    try:
        seeds = list(seeds)
    except TypeError:
        raise TypeError(f"seeds must be an int or an iterable of ints, got {type(seeds).__name__}") from None
    for s in seeds:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"seeds must be ints >= 0, got {s!r}")
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds: at least one seed is needed")
    if total_steps is None and episodes is None:
        raise ValueError("give total_steps or episodes (each seed's budget)")
    total_steps, episodes = check_budget(total_steps, episodes)  # before any agent is built
    if threads is None:
        threads = min(os.cpu_count() or 1, len(seeds))
    threads = check_count("threads", threads)
    from ..envs.check import ensure_checked
    from ..envs.compiled import CompiledEnv

    if isinstance(env, CompiledEnv):
        ensure_checked(env)  # once: its clones inherit the result
    make_env = _env_factory(env)
    envs = [make_env() for _ in seeds]
    for e in envs:  # before the threads start (a no-op for clones and built-in envs)
        if isinstance(getattr(e, "unwrapped", None), CompiledEnv):
            ensure_checked(e)
    agents = [cls(e, copy.deepcopy(features), config=config, seed=s, **overrides) for e, s in zip(envs, seeds)]

    def one(ag):
        return ag.learn(total_steps, episodes=episodes)

    if threads == 1 or len(agents) == 1:
        return [one(a) for a in agents]
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, agents))
